/**
 * The DHT scenario (`npm run sim -- dht`): the figures issue 17 asks for, from N unmodified
 * node/dht `Dht` instances on the simulator's regions (sim/topology.ts: SimBlock's one-way
 * latencies and per-host buckets) and its virtual clock. Only the DHT runs: a provider lookup
 * touches no chain, mempool or block relay, and leaving them out lets 1,000 nodes run on one
 * machine in minutes. The one chain fact the DHT reads, whether a manifest id is anchored, is a
 * fixed set here (the anchored files).
 *
 * Two networks are built from the same seed, as the two goals are separate:
 * - `churn`: 20% of nodes leave per hour and come back after ~30 min (exponential), each
 *   rejoining through contacts of its last routing table, as a restart with the saved table
 *   does; 10% of nodes are silent (they joined honestly, then accept queries and never answer,
 *   so each query to them costs the 2 s timeout).
 * - `hostile`: 10% of ids answer every lookup with only each other (S/Kademlia's adversary:
 *   wrong contacts, no records) and never store what they are given.
 * Providers (2 per file, honest, never churned: a file whose every holder left cannot be found,
 * and that is not the DHT's fault) publish after warm-up; then a quiet hour gives the traffic of
 * a node at rest (bucket refresh; republish every 22 h is reported per record), and then honest
 * nodes, picked at random, look up random files at `lookupsPerSecond`. A lookup succeeds when it
 * returns a record of a provider that is online.
 *
 * Everything random comes from the seed, so a seed replays the same report.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { forkRandom, type Random, seededRandom } from '../node/clock.js';
import { Dht } from '../node/dht/dht.js';
import { compareDistance } from '../node/dht/distance.js';
import { DhtIdentity } from '../node/dht/identity.js';
import type { DhtBody, DhtMessage } from '../node/dht/messages.js';
import { K } from '../node/dht/params.js';
import { MemoryNetwork } from '../node/p2p/transport/memory.js';
import type { Stream, Transport } from '../node/p2p/transport/transport.js';
import { toHex } from '../node/protocol/bytes.js';
import { sha256 } from '../node/protocol/hash.js';
import { regtest } from '../node/protocol/params.js';
import { SIM_EPOCH_MS } from './network.js';
import { ascending, percentile, round1 } from './stats.js';
import { cdfPoints, linePlot } from './svg.js';
import { place, shuffle, Topology } from './topology.js';
import { SimClock } from './virtual-clock.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const DHT_PORT = 8335;
/** Nodes the first joiners know by address (the DHT's `--dht-bootstrap`). */
const BOOTSTRAP_NODES = 5;
const JOIN_SPACING_MS = 250;
const WARMUP_MS = 30 * MINUTE;
const REST_MS = HOUR;

export interface DhtSimParams {
  nodes: number;
  /** Simulated hours of lookups (after warm-up and the quiet hour). */
  hours: number;
  seed: string;
  out: string;
  /** Lookups per second across the network (default 0.5). */
  lookupsPerSecond?: number;
  /** Anchored files, each provided by 2 nodes (default 20). */
  files?: number;
  /** Length of the quiet window that measures traffic at rest (default 1 h; tests shorten it). */
  restMs?: number;
}

export type DhtVariant = 'churn' | 'hostile';

export interface LookupRow {
  variant: DhtVariant;
  t: number;
  from: number;
  file: number;
  ok: boolean;
  /** Virtual ms until the first record of an online provider arrived (null: none did). */
  firstMs: number | null;
  /** Virtual ms until the walk ended. */
  ms: number;
  hops: number;
  found: number;
}

export interface VariantSummary {
  variant: DhtVariant;
  nodes: number;
  silent: number;
  hostile: number;
  lookups: number;
  succeeded: number;
  successRate: number;
  /** Lookup start to the first record of an online provider (what a download waits for). */
  firstProviderMs: { p50: number | null; p90: number | null; p99: number | null; max: number | null };
  /** Lookup start to the end of the walk (all paths at their closest nodes, or 20 providers). */
  latencyMs: { p50: number | null; p90: number | null; p99: number | null; max: number | null };
  hops: { p50: number | null; p90: number | null };
  leaves: number;
  rejoins: number;
  /** Mean routing-table size of online honest nodes at the end. */
  meanTableSize: number;
  /** Bytes a node sent and received in the quiet hour (DHT traffic at rest), mean over nodes. */
  restBytesPerNodeHour: { sent: number; received: number };
  /** Bytes the whole network moved for one provider record's publish (what a republish costs). */
  publishBytesPerRecord: number | null;
  wallMs: number;
}

export interface DhtSimReport {
  scenario: 'dht';
  nodes: number;
  hours: number;
  seed: string;
  lookupsPerSecond: number;
  files: number;
  variants: VariantSummary[];
}

/** Joins honestly, then (once `silent`) takes queries and never answers: a timeout each time. */
class SilentDht extends Dht {
  silent = false;
  protected override async answer(m: DhtMessage, from: string): Promise<DhtBody | null> {
    if (this.silent) return null;
    return super.answer(m, from);
  }
}

/** Answers lookups with only its hostile friends and accepts records it never keeps. */
class HostileDht extends Dht {
  friends: Dht[] = [];
  protected override async answer(m: DhtMessage, from: string): Promise<DhtBody | null> {
    const b = m.body;
    // The hostile ids closest to what is asked: as many as a message holds (k).
    const target = b.command === 'dhtfindnode' ? b.target : b.command === 'dhtgetprov' ? b.manifestId : null;
    const wrong = (
      target ? [...this.friends].sort((x, y) => compareDistance(x.id, y.id, target)) : this.friends
    )
      .slice(0, K)
      .map((f) => f.contact);
    if (b.command === 'dhtfindnode') return { command: 'dhtnodes', contacts: wrong };
    if (b.command === 'dhtgetprov')
      return { command: 'dhtprovs', anchored: true, records: [], contacts: wrong };
    if (b.command === 'dhtaddprov') return { command: 'dhtack', accepted: b.records.length };
    return super.answer(m, from);
  }
}

/** Bytes each host writes and reads, counted at the transport (both ends of every stream). */
class Meter {
  sent = new Map<string, number>();
  received = new Map<string, number>();
  total = 0;

  private add(m: Map<string, number>, host: string, n: number): void {
    m.set(host, (m.get(host) ?? 0) + n);
  }

  private watch(host: string, s: Stream): Stream {
    const write = s.write.bind(s);
    s.write = (chunk: Uint8Array) => {
      this.add(this.sent, host, chunk.length);
      this.total += chunk.length;
      return write(chunk);
    };
    s.on('data', (chunk) => this.add(this.received, host, chunk.length));
    return s;
  }

  wrap(t: Transport & { host: string }): Transport {
    return {
      clock: t.clock,
      dial: (h, p, o) => this.watch(t.host, t.dial(h, p, o)),
      listen: (h, p, handlers) =>
        t.listen(h, p, { ...handlers, connection: (s) => handlers.connection(this.watch(t.host, s)) }),
    };
  }

  snapshot(): { sent: Map<string, number>; received: Map<string, number> } {
    return { sent: new Map(this.sent), received: new Map(this.received) };
  }
}

interface Member {
  index: number;
  host: string;
  identity: DhtIdentity;
  kind: 'honest' | 'silent' | 'hostile' | 'provider';
  dht: Dht | null;
  online: boolean;
}

function identityFrom(random: Random): DhtIdentity {
  for (;;) {
    try {
      return new DhtIdentity(random.bytes(32));
    } catch {
      // Not a valid secret key (probability ~2^-128): draw again.
    }
  }
}

/** Runs one network of the scenario and returns its summary and lookup rows. */
export async function runDhtVariant(
  variant: DhtVariant,
  p: Required<Omit<DhtSimParams, 'out'>>,
): Promise<{ summary: VariantSummary; rows: LookupRow[] }> {
  const wallStart = Date.now();
  const random = seededRandom(`${p.seed}/dht/${variant}`);
  const clock = new SimClock(SIM_EPOCH_MS);
  const topology = new Topology(place(p.nodes, random));
  const net = new MemoryNetwork({ clock, linkSpec: topology.linkSpec });
  const meter = new Meter();
  const fileIds = Array.from({ length: p.files }, (_, i) =>
    sha256(new TextEncoder().encode(`sim file ${i}`)),
  );
  const anchored = new Set(fileIds.map(toHex));

  // Roles: 10% silent or hostile, 2 providers per file, from one seeded shuffle.
  const order = shuffle(
    Array.from({ length: p.nodes }, (_, i) => i),
    random,
  );
  const bad = new Set(order.slice(0, Math.floor(p.nodes * 0.1)));
  const providerIdx = order.slice(bad.size, bad.size + Math.min(2 * p.files, p.nodes - bad.size));
  const providersOf = fileIds.map((_, f) => providerIdx.filter((_, k) => k % p.files === f));
  const isProvider = new Set(providerIdx);
  const members: Member[] = topology.placements.map((pl) => ({
    index: pl.index,
    host: pl.host,
    identity: identityFrom(random),
    kind: bad.has(pl.index)
      ? variant === 'churn'
        ? 'silent'
        : 'hostile'
      : isProvider.has(pl.index)
        ? 'provider'
        : 'honest',
    dht: null,
    online: false,
  }));

  const make = (m: Member): Dht => {
    const Kind = m.kind === 'silent' ? SilentDht : m.kind === 'hostile' ? HostileDht : Dht;
    return new Kind({
      identity: m.identity,
      transport: meter.wrap(net.transport(m.host)),
      magic: regtest.magic,
      clock,
      random: forkRandom(random),
      host: m.host,
      port: DHT_PORT,
      isAnchored: async (id) => anchored.has(toHex(id)),
    });
  };

  let failure: unknown = null;
  const guard = (work: Promise<unknown>) => {
    work.catch((e) => {
      failure ??= e;
    });
  };

  // Join: one node every 250 ms, the first five through each other, the rest through them.
  const seeds = members.slice(0, BOOTSTRAP_NODES);
  const join = async (m: Member, via: readonly Member[]) => {
    m.dht = make(m);
    await m.dht.start();
    m.online = true;
    const addrs = via.filter((v) => v !== m && v.online).map((v) => ({ host: v.host, port: DHT_PORT }));
    if (addrs.length > 0) await m.dht.bootstrap(addrs);
  };
  members.forEach((m, i) => {
    clock.setTimeout(() => guard(join(m, seeds)), i * JOIN_SPACING_MS);
  });
  const joined = p.nodes * JOIN_SPACING_MS;
  await clock.runUntil(SIM_EPOCH_MS + joined + WARMUP_MS);
  const hostiles = members.filter((m) => m.kind === 'hostile').map((m) => m.dht as HostileDht);
  for (const h of hostiles) h.friends = hostiles.filter((x) => x !== h);
  for (const m of members) if (m.kind === 'silent') (m.dht as SilentDht).silent = true;

  // Publish: each provider announces its file; the bytes this moves give one record's cost.
  const beforePublish = meter.total;
  for (const [f, holders] of providersOf.entries())
    for (const i of holders) guard(members[i]!.dht!.provide(fileIds[f]!));
  await clock.runUntil(clock.now() + 5 * MINUTE);
  const publishRecords = providerIdx.length;
  const publishBytesPerRecord = publishRecords > 0 ? (meter.total - beforePublish) / publishRecords : null;

  // A quiet hour: what a node costs the network at rest (refresh ticks).
  const restStart = meter.snapshot();
  await clock.runUntil(clock.now() + p.restMs);
  const restEnd = meter.snapshot();
  const delta = (a: Map<string, number>, b: Map<string, number>) =>
    (members.reduce((s, m) => s + (b.get(m.host) ?? 0) - (a.get(m.host) ?? 0), 0) / members.length) *
    (HOUR / p.restMs);

  // Lookups, and churn in the churn network.
  const rows: LookupRow[] = [];
  const loadStart = clock.now();
  const loadEnd = loadStart + p.hours * HOUR;
  const exp = (mean: number) => -Math.log(1 - random.float()) * mean;
  const honest = () => members.filter((m) => m.online && m.kind === 'honest');
  const lookup = async (from: Member, file: number) => {
    const t = clock.now();
    const before = from.dht!.stats.hops.length;
    const live = new Set(
      providersOf[file]!.filter((i) => members[i]!.online).map((i) => toHex(members[i]!.identity.id)),
    );
    let first: number | null = null;
    const found = await from.dht!.findProviders(fileIds[file]!, {
      onProvider: (r) => {
        if (first === null && live.has(toHex(r.nodeId))) first = clock.now() - t;
      },
    });
    const hops = from.dht!.stats.hops.length > before ? from.dht!.stats.hops.at(-1)! : 0;
    rows.push({
      variant,
      t: t - SIM_EPOCH_MS,
      from: from.index,
      file,
      ok: found.some((r) => live.has(toHex(r.nodeId))),
      firstMs: first,
      ms: clock.now() - t,
      hops,
      found: found.length,
    });
  };
  for (let t = loadStart + exp(1000 / p.lookupsPerSecond); t < loadEnd; t += exp(1000 / p.lookupsPerSecond)) {
    clock.setTimeout(() => {
      const pool = honest();
      if (pool.length === 0) return;
      const from = pool[Math.floor(random.float() * pool.length)]!;
      guard(lookup(from, Math.floor(random.float() * p.files)));
    }, t - clock.now());
  }
  let leaves = 0;
  let rejoins = 0;
  if (variant === 'churn') {
    const churnable = members.filter((m) => m.kind === 'honest');
    const meanGap = HOUR / (0.2 * churnable.length);
    for (let t = loadStart + exp(meanGap); t < loadEnd; t += exp(meanGap)) {
      clock.setTimeout(() => {
        const on = churnable.filter((m) => m.online);
        if (on.length === 0) return;
        const m = on[Math.floor(random.float() * on.length)]!;
        const old = m.dht!;
        // What the saved routing table would hold: its contacts, reached again on restart.
        const remembered = old.table
          .closest(m.identity.id, 8)
          .map((c) => members.find((x) => x.host === c.host))
          .filter((x): x is Member => x !== undefined);
        m.online = false;
        leaves++;
        guard(old.stop());
        clock.setTimeout(
          () => {
            rejoins++;
            guard(join(m, remembered.length > 0 ? remembered : seeds));
          },
          Math.max(MINUTE, exp(30 * MINUTE)),
        );
      }, t - clock.now());
    }
  }
  // Lookups started before the end finish (each is bounded by its query timeouts).
  await clock.runUntil(loadEnd + 5 * MINUTE);
  if (failure) throw failure;

  const on = members.filter((m) => m.online && m.kind !== 'silent' && m.kind !== 'hostile');
  const meanTableSize = on.reduce((s, m) => s + m.dht!.table.size, 0) / Math.max(1, on.length);
  await Promise.all(members.filter((m) => m.online).map((m) => m.dht!.stop()));
  await clock.runUntil(clock.now() + 10_000);

  const ms = rows.map((r) => r.ms).sort(ascending);
  // A lookup that found no live provider counts as never answered (Infinity sorts last).
  const firsts = rows.map((r) => r.firstMs ?? Number.POSITIVE_INFINITY).sort(ascending);
  const q = (v: number[], x: number) => {
    const y = percentile(v, x);
    return y === null || !Number.isFinite(y) ? null : round1(y);
  };
  const hops = rows.map((r) => r.hops).sort(ascending);
  const succeeded = rows.filter((r) => r.ok).length;
  return {
    rows,
    summary: {
      variant,
      nodes: p.nodes,
      silent: members.filter((m) => m.kind === 'silent').length,
      hostile: members.filter((m) => m.kind === 'hostile').length,
      lookups: rows.length,
      succeeded,
      successRate: rows.length === 0 ? 0 : Math.round((succeeded / rows.length) * 10_000) / 10_000,
      firstProviderMs: { p50: q(firsts, 0.5), p90: q(firsts, 0.9), p99: q(firsts, 0.99), max: q(firsts, 1) },
      latencyMs: {
        p50: round1(percentile(ms, 0.5)),
        p90: round1(percentile(ms, 0.9)),
        p99: round1(percentile(ms, 0.99)),
        max: round1(ms.at(-1) ?? null),
      },
      hops: { p50: percentile(hops, 0.5), p90: percentile(hops, 0.9) },
      leaves,
      rejoins,
      meanTableSize: round1(meanTableSize) ?? 0,
      restBytesPerNodeHour: {
        sent: Math.round(delta(restStart.sent, restEnd.sent)),
        received: Math.round(delta(restStart.received, restEnd.received)),
      },
      publishBytesPerRecord: publishBytesPerRecord === null ? null : Math.round(publishBytesPerRecord),
      wallMs: Date.now() - wallStart,
    },
  };
}

/** Both networks, then dht.jsonl, summary.md and lookup-latency.svg in `out`. */
export async function runDhtScenario(o: DhtSimParams): Promise<DhtSimReport> {
  const p = {
    nodes: o.nodes,
    hours: o.hours,
    seed: o.seed,
    lookupsPerSecond: o.lookupsPerSecond ?? 0.5,
    files: o.files ?? 20,
    restMs: o.restMs ?? REST_MS,
  };
  const results = [];
  for (const v of ['churn', 'hostile'] as const) results.push(await runDhtVariant(v, p));
  const report: DhtSimReport = {
    scenario: 'dht',
    nodes: p.nodes,
    hours: p.hours,
    seed: p.seed,
    lookupsPerSecond: p.lookupsPerSecond,
    files: p.files,
    variants: results.map((r) => r.summary),
  };
  mkdirSync(o.out, { recursive: true });
  const lines = results.flatMap((r) => r.rows.map((row) => JSON.stringify({ type: 'lookup', ...row })));
  const stable = { ...report, variants: report.variants.map(({ wallMs: _, ...v }) => v) };
  lines.push(JSON.stringify({ type: 'summary', ...stable }));
  writeFileSync(join(o.out, 'dht.jsonl'), `${lines.join('\n')}\n`);
  writeFileSync(join(o.out, 'summary.md'), markdown(report));
  writeFileSync(
    join(o.out, 'run.json'),
    `${JSON.stringify({ wallMs: results.map((r) => r.summary.wallMs) })}\n`,
  );
  const colors = { churn: '#1f77b4', hostile: '#d62728' };
  writeFileSync(
    join(o.out, 'lookup-latency.svg'),
    linePlot(
      results.map((r) => ({
        label: `${r.summary.variant} (${r.summary.lookups} lookups)`,
        color: colors[r.summary.variant],
        points: cdfPoints(r.rows.flatMap((x) => (x.firstMs === null ? [] : [x.firstMs]))),
      })),
      {
        title: `Provider lookups, ${p.nodes} nodes: time to the first live provider`,
        xLabel: 'ms from lookup start to the first record of an online provider',
        yLabel: 'share of lookups',
        yMax: 1,
      },
    ),
  );
  return report;
}

function markdown(r: DhtSimReport): string {
  const row = (v: VariantSummary) =>
    `| ${v.variant} | ${v.silent || v.hostile} | ${v.lookups} | ${(v.successRate * 100).toFixed(2)}% | ${v.firstProviderMs.p50} / ${v.firstProviderMs.p90} / ${v.firstProviderMs.p99} | ${v.latencyMs.p50} / ${v.latencyMs.p90} | ${v.hops.p50} / ${v.hops.p90} | ${v.leaves} | ${v.meanTableSize} | ${v.restBytesPerNodeHour.sent} / ${v.restBytesPerNodeHour.received} | ${v.publishBytesPerRecord} |`;
  return [
    `# DHT: ${r.nodes} nodes, ${r.hours} h of lookups, seed ${r.seed}`,
    '',
    `${r.lookupsPerSecond} lookups/s of ${r.files} anchored files (2 providers each). churn: 20% of nodes leave per hour, back after ~30 min; 10% silent. hostile: 10% of ids answer with only each other.`,
    '',
    '| network | bad nodes | lookups | success | first provider ms p50/p90/p99 | whole walk ms p50/p90 | hops p50/p90 | leaves | table size | rest B/node/h sent/recv | publish B/record |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...r.variants.map(row),
    '',
  ].join('\n');
}
