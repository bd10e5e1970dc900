/**
 * Iterative lookups over disjoint paths (S/Kademlia, Baumgart & Mies 2007, section 4.4): the
 * k closest known contacts are dealt round-robin to d paths; each path runs Kademlia's
 * iterative walk (alpha queries in flight to the closest contacts it has not asked) and a
 * contact asked by one path is never asked by another. A hostile node can then mislead only
 * the path that reached it; a provider is hidden only if every path meets a hostile node.
 * A path ends when its k closest contacts have all been asked (by it or another path), or,
 * for provider lookups, as soon as enough records are in hand. Pure: queries go through `ask`.
 */
import { toHex } from '../protocol/bytes.js';
import { compareDistance } from './distance.js';
import type { Contact } from './messages.js';
import type { ProviderRecord } from './record.js';

export interface Answer {
  contacts: Contact[];
  records: ProviderRecord[];
}

export interface WalkOptions {
  paths: number;
  alpha: number;
  k: number;
  /** Stop once this many distinct providers are known (0: walk to the closest nodes). */
  wantRecords: number;
  /** Called once per new provider as its record arrives, before the walk ends. */
  onRecord?: (r: ProviderRecord) => void;
}

export interface WalkResult {
  /** The k closest contacts that answered, closest first. */
  closest: Contact[];
  records: ProviderRecord[];
  /** Hops of the deepest query: 1 for a contact we knew, n + 1 for one learned at hop n. */
  hops: number;
  queried: number;
}

export async function disjointWalk(
  target: Uint8Array,
  self: Uint8Array,
  seeds: readonly Contact[],
  ask: (c: Contact) => Promise<Answer | null>,
  o: WalkOptions,
): Promise<WalkResult> {
  const claimed = new Set<string>([toHex(self)]);
  const records = new Map<string, ProviderRecord>();
  const responded: Contact[] = [];
  let hops = 0;
  let queried = 0;
  const enough = () => o.wantRecords > 0 && records.size >= o.wantRecords;
  const byDistance = (a: Contact, b: Contact) => compareDistance(a.id, b.id, target);

  // Kademlia's walk keeps alpha queries in flight (section 2.3: "the initiator can begin a new
  // RPC as soon as any of the alpha ... RPCs returns"); waiting for a whole round would cost every
  // round the slowest answer, a 2 s timeout whenever one of the three is silent.
  const walkPath = (start: Contact[]): Promise<void> =>
    new Promise<void>((resolve) => {
      const cands = [...start];
      const known = new Set(cands.map((c) => toHex(c.id)));
      const depth = new Map<string, number>(cands.map((c) => [toHex(c.id), 1]));
      let inflight = 0;
      let done = false;
      const finish = () => {
        if (!done) resolve();
        done = true;
      };
      const settle = (c: Contact, a: Answer | null) => {
        inflight--;
        if (done) return;
        if (!a) cands.splice(cands.indexOf(c), 1);
        else {
          responded.push(c);
          for (const r of a.records) {
            const key = toHex(r.nodeId);
            if (!records.has(key)) o.onRecord?.(r);
            records.set(key, r);
          }
          const d = (depth.get(toHex(c.id)) ?? 1) + 1;
          for (const x of a.contacts) {
            const key = toHex(x.id);
            if (known.has(key) || claimed.has(key)) continue;
            known.add(key);
            depth.set(key, d);
            cands.push(x);
          }
        }
        pump();
      };
      const pump = () => {
        if (done) return;
        if (enough()) return finish();
        cands.sort(byDistance);
        const next = cands
          .slice(0, o.k)
          .filter((c) => !claimed.has(toHex(c.id)))
          .slice(0, o.alpha - inflight);
        for (const c of next) {
          claimed.add(toHex(c.id));
          inflight++;
          queried++;
          hops = Math.max(hops, depth.get(toHex(c.id)) ?? 1);
          ask(c).then(
            (a) => settle(c, a),
            () => settle(c, null),
          );
        }
        if (inflight === 0) finish();
      };
      pump();
    });

  const sorted = [...seeds].sort(byDistance).slice(0, o.k);
  const starts: Contact[][] = Array.from({ length: Math.max(1, Math.min(o.paths, sorted.length)) }, () => []);
  for (let i = 0; i < sorted.length; i++) starts[i % starts.length]!.push(sorted[i]!);
  await Promise.all(starts.map(walkPath));
  responded.sort(byDistance);
  return { closest: responded.slice(0, o.k), records: [...records.values()], hops, queried };
}
