/**
 * The simulator's report, in the shapes SimBlock and the jvm-libp2p simulator give theirs:
 * `report.jsonl` (one JSON line per block, per sampled tx, per node, then a summary),
 * `summary.md` for people, and `propagation.svg`, the CDF of block and tx arrival delays over
 * every (item, node) pair. All three hold virtual-time figures only, so the same seed gives
 * byte-identical files; wall time and memory go to `run.json`, which says it is not.
 *
 * Bytes: a node's traffic by message (p2p totals), split into tx relay (inv, getdata, tx,
 * notfound; getdata for blocks is counted here too, a few dozen bytes per block) and block relay
 * (headers, getheaders, sendheaders, block), divided per tx or per block made while the node
 * was up the whole run (nodes that churned are left out of per-node figures).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Connectivity, SIM_EPOCH_MS } from './network.js';
import type { BlockSummary, TxSummary } from './recorder.js';
import type { ScenarioOutcome } from './scenarios/types.js';
import { ascending, percentile, round1, type Spread, spread } from './stats.js';
import { cdfPoints, linePlot } from './svg.js';

const TX_CMDS = ['inv', 'getdata', 'tx', 'notfound'];
const BLOCK_CMDS = ['headers', 'getheaders', 'sendheaders', 'block'];
const MAX_TX_LINES = 2000;

export interface RunInfo {
  scenario: string;
  nodes: number;
  hours: number;
  seed: string;
  txRate: number;
}

export interface Summary {
  blocks: number;
  staleBlocks: number;
  staleRate: number;
  orphanArrivals: number;
  orphanRate: number;
  blockReachMs: Record<string, Spread>;
  txs: number;
  /** Payments the origin node refused (never sent, not measured). */
  refusedPayments: number;
  txsReachedAll: number;
  txsReachedAllMempools: number;
  txReachMs: Record<string, Spread>;
  meanTxBytes: number | null;
  meanBlockBytes: number | null;
  perNodePerTx: { sentBytes: number | null; receivedBytes: number | null; overTxSize: number | null };
  perNodePerBlock: { sentBytes: number | null; receivedBytes: number | null };
  perNodePerHour: { sentBytes: number | null; receivedBytes: number | null };
  sameTipAtEnd: boolean;
  tipHeight: number;
  /** Peers of the nodes online at the end of the run. */
  peersAtEnd: Connectivity;
  signatureCache: { hits: number; misses: number };
  timersFired: number;
}

export interface Report {
  info: RunInfo;
  summary: Summary;
  findings: Record<string, unknown>;
}

const LEVELS = ['50%', '90%', '99%', '100%'];

function reachSpreads(items: readonly (BlockSummary | TxSummary)[]): Record<string, Spread> {
  const out: Record<string, Spread> = {};
  LEVELS.forEach((l, k) => {
    out[l] = spread(items.map((x) => x.reach[k] ?? null));
  });
  return out;
}

const sum = (r: Record<string, number>, keys: readonly string[]) => keys.reduce((a, k) => a + (r[k] ?? 0), 0);
const mean = (v: readonly number[]) => (v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length);

/** Stops the network and writes the report files into `dir`; returns the report. */
export async function writeReport(
  dir: string,
  info: RunInfo,
  outcome: ScenarioOutcome,
  wall: { startedAt: number },
): Promise<Report> {
  const { sim } = outcome;
  const tips = new Set(sim.online().map((n) => n.node!.chain.tip.hashHex));
  const ref = sim.online()[0]?.node;
  const mainHashes = new Set<string>();
  if (ref) for (let h = ref.chain.height; h > 0; h--) mainHashes.add(ref.chain.entryAt(h)!.hashHex);
  const tipHeight = ref?.chain.height ?? 0;
  const rss = process.memoryUsage().rss;
  const end = sim.now;
  const peersAtEnd = sim.connectivity();
  await sim.stopAll();
  sim.recorder.sweep(end, true);
  const rec = sim.recorder;
  const blocks = [...rec.blocks].sort((a, b) => a.t - b.t || a.id.localeCompare(b.id));
  const txs = [...rec.txs].sort((a, b) => a.t - b.t || a.id.localeCompare(b.id));
  const stale = blocks.filter((b) => !mainHashes.has(b.id)).length;

  const runMs = end - SIM_EPOCH_MS;
  const fullLife = sim.nodes.filter((n) => n.onlineMs >= runMs);
  const measured = (from: number, until: number, t: number) => t >= from && t < until;
  const nTx = txs.filter((x) => measured(outcome.from, outcome.until, x.t + SIM_EPOCH_MS)).length;
  const nBlocks = blocks.filter((x) => measured(outcome.from, outcome.until, x.t + SIM_EPOCH_MS)).length;
  const per = (n: number, f: (r: Record<string, number>) => number, side: 'sent' | 'received') =>
    n === 0 ? null : round1(mean(fullLife.map((x) => f(x.bytes[side]) / n)));
  const meanTx = mean(txs.map((x) => x.size));
  const sentPerTx = per(nTx, (r) => sum(r, TX_CMDS), 'sent');
  const hours = runMs / 3_600_000;
  const allCmds = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

  const summary: Summary = {
    blocks: blocks.length,
    staleBlocks: stale,
    staleRate: blocks.length === 0 ? 0 : round4(stale / blocks.length),
    orphanArrivals: rec.orphanBlocks,
    orphanRate: rec.blockArrivals === 0 ? 0 : round4(rec.orphanBlocks / rec.blockArrivals),
    blockReachMs: reachSpreads(blocks),
    txs: txs.length,
    refusedPayments: sim.refusedPayments.length,
    txsReachedAll: txs.filter((x) => x.reached === x.population).length,
    txsReachedAllMempools: txs.filter((x) => x.reached === x.population && x.viaBlock === 0).length,
    txReachMs: reachSpreads(txs),
    meanTxBytes: round1(meanTx),
    meanBlockBytes: round1(mean(blocks.map((x) => x.size))),
    perNodePerTx: {
      sentBytes: sentPerTx,
      receivedBytes: per(nTx, (r) => sum(r, TX_CMDS), 'received'),
      overTxSize: sentPerTx === null || meanTx === null ? null : round1(sentPerTx / meanTx),
    },
    perNodePerBlock: {
      sentBytes: per(nBlocks, (r) => sum(r, BLOCK_CMDS), 'sent'),
      receivedBytes: per(nBlocks, (r) => sum(r, BLOCK_CMDS), 'received'),
    },
    perNodePerHour: {
      sentBytes: hours > 0 ? round1(mean(fullLife.map((x) => allCmds(x.bytes.sent) / hours))) : null,
      receivedBytes: hours > 0 ? round1(mean(fullLife.map((x) => allCmds(x.bytes.received) / hours))) : null,
    },
    sameTipAtEnd: tips.size === 1,
    tipHeight,
    peersAtEnd,
    signatureCache: { hits: sim.sigCache.hits, misses: sim.sigCache.misses },
    timersFired: sim.clock.fired,
  };
  const report: Report = { info, summary, findings: outcome.findings };

  const lines: string[] = [JSON.stringify({ type: 'run', ...info })];
  for (const b of blocks) lines.push(JSON.stringify({ type: 'block', ...b, stale: !mainHashes.has(b.id) }));
  const step = Math.max(1, Math.ceil(txs.length / MAX_TX_LINES));
  for (let i = 0; i < txs.length; i += step) lines.push(JSON.stringify({ type: 'tx', ...txs[i]! }));
  for (const n of sim.nodes)
    lines.push(
      JSON.stringify({
        type: 'node',
        index: n.index,
        host: n.host,
        region: n.region,
        hashShare: round4(n.hashShare),
        onlineS: Math.round(n.onlineMs / 1000),
        sentBytes: allCmds(n.bytes.sent),
        receivedBytes: allCmds(n.bytes.received),
        txRelaySentBytes: sum(n.bytes.sent, TX_CMDS),
        blockRelaySentBytes: sum(n.bytes.sent, BLOCK_CMDS),
      }),
    );
  lines.push(JSON.stringify({ type: 'summary', ...summary }));
  lines.push(JSON.stringify({ type: 'findings', ...outcome.findings }));
  writeFileSync(join(dir, 'report.jsonl'), `${lines.join('\n')}\n`);
  writeFileSync(join(dir, 'summary.md'), markdown(report, outcome.notes));
  writeFileSync(join(dir, 'propagation.svg'), plot(info, rec.blockDelays, rec.txDelays));

  const wallMs = Date.now() - wall.startedAt;
  const simHours = runMs / 3_600_000;
  writeFileSync(
    join(dir, 'run.json'),
    `${JSON.stringify(
      {
        note: 'wall-clock and memory figures of this run: NOT deterministic (the other files are)',
        wallSeconds: Math.round(wallMs / 100) / 10,
        simulatedHours: round4(simHours),
        wallSecondsPerSimulatedHour: simHours > 0 ? Math.round(wallMs / simHours / 100) / 10 : null,
        rssBytes: rss,
        rssBytesPerNode: Math.round(rss / Math.max(1, info.nodes)),
        heapUsedBytes: process.memoryUsage().heapUsed,
      },
      null,
      2,
    )}\n`,
  );
  return report;
}

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

function plot(info: RunInfo, blockDelays: readonly number[], txDelays: readonly number[]): string {
  const toS = (v: readonly number[]) => v.map((x) => x / 1000);
  const b = [...blockDelays].sort(ascending);
  const t = [...txDelays].sort(ascending);
  const p99 = Math.max(percentile(b, 0.995) ?? 0, percentile(t, 0.995) ?? 0) / 1000;
  return linePlot(
    [
      { label: `blocks (${blockDelays.length} arrivals)`, color: '#1f77b4', points: cdfPoints(toS(b)) },
      { label: `transactions (${txDelays.length} arrivals)`, color: '#d62728', points: cdfPoints(toS(t)) },
    ],
    {
      title: `${info.scenario}: ${info.nodes} nodes, ${info.hours} h, seed ${info.seed}`,
      xLabel: 'seconds after the block was mined / the tx was sent',
      yLabel: 'share of (item, node) arrivals',
      xMax: Math.max(0.1, p99),
      yMax: 1,
    },
  );
}

const ms = (x: number | null) =>
  x === null ? '–' : x < 1000 ? `${Math.round(x)} ms` : `${(x / 1000).toFixed(2)} s`;
const bytes = (x: number | null) =>
  x === null
    ? '–'
    : x >= 1e6
      ? `${(x / 1e6).toFixed(2)} MB`
      : x >= 1e3
        ? `${(x / 1e3).toFixed(1)} kB`
        : `${Math.round(x)} B`;

function markdown(r: Report, notes: readonly string[]): string {
  const s = r.summary;
  const row = (what: string, sp: Record<string, Spread>) =>
    LEVELS.map(
      (l) => `| ${what} to ${l} | ${ms(sp[l]!.p50)} | ${ms(sp[l]!.p90)} | ${ms(sp[l]!.max)} | ${sp[l]!.n} |`,
    );
  return `${[
    `# Simulation: ${r.info.scenario}`,
    '',
    `${r.info.nodes} nodes, ${r.info.hours} simulated hours, seed \`${r.info.seed}\`, ${r.info.txRate} tx/s. ` +
      'Times are virtual; wall time and memory are in run.json.',
    '',
    '## Propagation (over items: median, p90 and worst item)',
    '',
    '| reach | p50 | p90 | max | items |',
    '| --- | --- | --- | --- | --- |',
    ...row('block', s.blockReachMs),
    ...row('tx', s.txReachMs),
    '',
    '![propagation CDF](propagation.svg)',
    '',
    '## Counts and bandwidth',
    '',
    `- blocks: ${s.blocks}, stale ${s.staleBlocks} (${(s.staleRate * 100).toFixed(2)}%); orphan arrivals ${s.orphanArrivals} (${(s.orphanRate * 100).toFixed(2)}% of block arrivals)`,
    `- txs: ${s.txs}; reached every node online when sent: ${s.txsReachedAll}; every one of those in its mempool: ${s.txsReachedAllMempools}`,
    `- mean tx ${bytes(s.meanTxBytes)}, mean block ${bytes(s.meanBlockBytes)}`,
    `- tx relay per node per tx: sent ${bytes(s.perNodePerTx.sentBytes)}, received ${bytes(s.perNodePerTx.receivedBytes)} (sent ÷ tx size: ${s.perNodePerTx.overTxSize ?? '–'})`,
    `- block relay per node per block: sent ${bytes(s.perNodePerBlock.sentBytes)}, received ${bytes(s.perNodePerBlock.receivedBytes)}`,
    `- all traffic per node per hour: sent ${bytes(s.perNodePerHour.sentBytes)}, received ${bytes(s.perNodePerHour.receivedBytes)}`,
    `- all nodes on one tip at the end: ${s.sameTipAtEnd ? 'yes' : 'NO'} (height ${s.tipHeight})`,
    `- peers at the end: ${s.peersAtEnd.withPeers} of ${s.peersAtEnd.online} nodes online have one or more, ${s.peersAtEnd.withFullOutbound} all 8 outbound; outbound per node p50 ${s.peersAtEnd.outbound.p50 ?? '–'} (fewest ${s.peersAtEnd.fewestOutbound ?? '–'}), inbound p50 ${s.peersAtEnd.inbound.p50 ?? '–'}, p90 ${s.peersAtEnd.inbound.p90 ?? '–'}, max ${s.peersAtEnd.inbound.max ?? '–'}`,
    `- signatures verified once for the network: ${s.signatureCache.misses}; answered from the shared cache: ${s.signatureCache.hits}`,
    '',
    ...(notes.length > 0 ? ['## Findings', '', ...notes, ''] : []),
  ].join('\n')}`;
}
