/**
 * Iterative lookups over disjoint paths (S/Kademlia, Baumgart & Mies 2007, section 4.4): the
 * k closest known contacts are dealt round-robin to d paths; each path runs Kademlia's
 * iterative walk (alpha queries at a time to the closest contacts it has not asked) and a
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
}

export interface WalkResult {
  /** The k closest contacts that answered, closest first. */
  closest: Contact[];
  records: ProviderRecord[];
  /** Rounds of queries of the longest path. */
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

  const walkPath = async (start: Contact[]): Promise<void> => {
    const cands = [...start];
    const known = new Set(cands.map((c) => toHex(c.id)));
    let rounds = 0;
    while (!enough()) {
      cands.sort(byDistance);
      const next = cands
        .slice(0, o.k)
        .filter((c) => !claimed.has(toHex(c.id)))
        .slice(0, o.alpha);
      if (next.length === 0) break;
      for (const c of next) claimed.add(toHex(c.id));
      rounds++;
      queried += next.length;
      const answers = await Promise.all(next.map((c) => ask(c)));
      answers.forEach((a, i) => {
        const c = next[i]!;
        if (!a) {
          cands.splice(cands.indexOf(c), 1);
          return;
        }
        responded.push(c);
        for (const r of a.records) records.set(toHex(r.nodeId), r);
        for (const x of a.contacts) {
          const key = toHex(x.id);
          if (known.has(key) || claimed.has(key)) continue;
          known.add(key);
          cands.push(x);
        }
      });
    }
    hops = Math.max(hops, rounds);
  };

  const sorted = [...seeds].sort(byDistance).slice(0, o.k);
  const starts: Contact[][] = Array.from({ length: Math.max(1, Math.min(o.paths, sorted.length)) }, () => []);
  for (let i = 0; i < sorted.length; i++) starts[i % starts.length]!.push(sorted[i]!);
  await Promise.all(starts.map(walkPath));
  responded.sort(byDistance);
  return { closest: responded.slice(0, o.k), records: [...records.values()], hops, queried };
}
