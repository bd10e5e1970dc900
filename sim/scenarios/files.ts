/**
 * File sharing under bandwidth-limited providers (issue 16's simulator figures): a small network
 * of real nodes, one file anchored on the chain and shared on N providers whose uplink is
 * limited to U each, fetched on one downloader (downlink not limiting) through the node's own
 * path (`FilesService.fetch`: `getmanifest`, then `getchunks` to every provider, download.ts).
 *
 * Measured per case, in virtual time:
 * - throughput ÷ (sum of the fast providers' uplinks), over the transfer (first verified chunk
 *   to last) and over the whole fetch (from `fetch`, providers already known). BitTorrent's
 *   goal is the sum of the peers' uplinks; WebTorrent's known failure is one slow peer holding
 *   the whole swarm to its pace (issue 16: "one slow peer cuts it to 10%").
 * - time to the first verified chunk after `fetch` with the providers known, against docs/
 *   files.md's bound of 2 round trips (getmanifest, getchunks) plus one chunk's transfer at U.
 *
 * Each case is a network of its own (seed + case label), so cases do not share warm state.
 * Nodes that take part keep their file store in memory (sim/files-storage.ts); the others run
 * without file sharing, as in every other scenario. The downloader dials the providers
 * (`addnode`), so they are connected peers: the DHT is off and not measured here (docs/dht.md).
 * The file's bytes come from the seed; its size is SIM_FILES_MIB MiB (default 64).
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { anchorScript, buildCommitment } from '../../node/anchors/commitment.js';
import { digestBytes, type Manifest, makeManifest } from '../../node/anchors/manifest.js';
import { manifestId } from '../../node/anchors/manifest-codec.js';
import { blockLinkFromBlock, formatProof, newProof, withBlock } from '../../node/anchors/proof.js';
import type { NodeConfig } from '../../node/node.js';
import { toHex } from '../../node/protocol/bytes.js';
import { TxOut } from '../../node/protocol/tx.js';
import { MemoryFilesStorage } from '../files-storage.js';
import { SIM_EPOCH_MS, type SimNetwork } from '../network.js';
import { LATENCY_MS, REGIONS } from '../regions.js';
import type { MakeNetwork, Scenario, ScenarioOutcome } from './types.js';

const MBIT = 1_000_000 / 8;
const CHUNK_SIZE = 256 * 1024;
/** Where providers find the file to share (a path in the shared sources map, not on disk). */
const SOURCE = '/sim-files/source.bin';

export class FilesSimError extends Error {
  readonly code: 'STUCK' | 'REFUSED' | 'MISMATCH';
  constructor(code: FilesSimError['code'], message: string) {
    super(message);
    this.name = 'FilesSimError';
    this.code = code;
  }
}

/**
 * One download: `fast` providers at the uplink U, `slow` more at U ÷ `slowFactor`, each link
 * with a kernel socket send buffer of `sendBufferBytes` (LinkSpec.sendBufferBytes; 0: the
 * sender's backlog counts every byte until it arrives, so the server's 64 KiB bulk backlog,
 * node/files/server.ts, sends one piece per round trip).
 */
export interface FilesCase {
  fast: number;
  slow: number;
  sendBufferBytes: number;
}

export interface FilesParams {
  seed: string;
  nodes: number;
  sizeBytes: number;
  /** Each fast provider's uplink, bytes/s. */
  uplink: number;
  slowFactor: number;
  cases: readonly FilesCase[];
}

export interface FilesCaseResult {
  case: string;
  fast: number;
  slow: number;
  sendBufferBytes: number;
  sizeBytes: number;
  chunkBytes: number;
  chunks: number;
  /** Sum of the fast providers' uplinks, bytes/s. */
  fastSum: number;
  /** Virtual ms from `fetch` to the first verified chunk, and to the last. */
  firstChunkMs: number;
  fetchMs: number;
  /** Bytes/s from the first verified chunk to the last (the chunks after the first). */
  transferRate: number;
  /** Bytes/s over the whole fetch. */
  wholeRate: number;
  /** transferRate ÷ fastSum (the goal: >= 0.8). */
  ofFastSum: number;
  wholeOfFastSum: number;
  /** Round trip to the provider whose chunk came first, ms (the regions' latency, twice). */
  firstRttMs: number;
  /** That chunk's transfer time at that provider's uplink, ms. */
  chunkMs: number;
  /** firstChunkMs ÷ (2 round trips + one chunk's transfer) (the goal: <= 1). */
  firstChunkOfBound: number;
  /** Chunks each provider served (fast ones first, then slow), and endgame duplicates. */
  chunksByProvider: number[];
  duplicates: number;
  identical: boolean;
}

/** `n` bytes from the seed (xorshift32 over words, seeded by SHA-256). */
export function fileBytes(seed: string, n: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(n / 4) * 4);
  const words = new Uint32Array(out.buffer);
  let x = createHash('sha256').update(`sim files ${seed}`).digest().readUInt32LE(0) | 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return out.subarray(0, n);
}

interface SharedFile {
  data: Uint8Array;
  manifest: Manifest;
  chunkHashes: Uint8Array;
  id: Uint8Array;
  idHex: string;
}

/** Runs the network until `done()`, in small steps, at most `maxMs` of virtual time. */
async function runUntilDone(
  sim: SimNetwork,
  done: () => boolean,
  maxMs: number,
  what: string,
): Promise<void> {
  const end = sim.now + maxMs;
  while (!done()) {
    if (sim.failure) throw sim.failure;
    if (sim.now >= end) throw new FilesSimError('STUCK', `${what}: not done after ${maxMs} virtual ms`);
    await sim.runUntil(Math.min(end, sim.now + 50));
  }
}

const caseLabel = (c: FilesCase) =>
  `${c.fast} fast${c.slow > 0 ? ` + ${c.slow} slow` : ''}${c.sendBufferBytes > 0 ? '' : ', no socket buffer'}`;

/** One case on a network of its own; the network is left running (the caller stops it). */
async function runCase(
  p: FilesParams,
  c: FilesCase,
  file: SharedFile,
  make: MakeNetwork,
): Promise<{ sim: SimNetwork; result: FilesCaseResult }> {
  const providers = c.fast + c.slow;
  if (providers + 1 > p.nodes)
    throw new FilesSimError(
      'REFUSED',
      `${providers} providers and a downloader need more than ${p.nodes} nodes`,
    );
  const sources = new Map([[SOURCE, file.data]]);
  const storages = new Map<number, MemoryFilesStorage>();
  // Node 0 downloads; nodes 1..fast are fast providers, the next `slow` are slow ones.
  const D = 0;
  const provs = Array.from({ length: providers }, (_, k) => k + 1);
  const uplinkOf = (k: number) => (k <= c.fast ? p.uplink : p.uplink / p.slowFactor);
  const configure = (sim: SimNetwork) => {
    sim.topology.sendBufferBytes = c.sendBufferBytes;
    // Only the providers' uplinks limit. Their downlinks are unlimited too: a host's downlink
    // bucket is paid in the order senders ask (memory-link.ts, a FIFO approximation), so a
    // ping from the slow provider, queued 10 s behind its chunks, would book a fast
    // provider's downlink 10 s ahead and hold the downloader's getchunks behind it.
    sim.topology.setAccess(sim.nodes[D]!.host, { down: Number.POSITIVE_INFINITY });
    for (const k of provs)
      sim.topology.setAccess(sim.nodes[k]!.host, { up: uplinkOf(k), down: Number.POSITIVE_INFINITY });
    return (i: number): Partial<NodeConfig> => {
      if (i !== D && !provs.includes(i)) return {};
      const storage = new MemoryFilesStorage(sources);
      storages.set(i, storage);
      return {
        files: true,
        filesStorage: storage,
        ...(i === D ? { addNodes: provs.map((k) => `${sim.nodes[k]!.host}:18444`) } : {}),
      };
    };
  };
  const label = caseLabel(c);
  const sim = await make(p.nodes, `/files/${c.fast}+${c.slow}/${c.sendBufferBytes}`, configure);
  const node = (i: number) => sim.nodes[i]!.node!;
  await sim.runUntil(SIM_EPOCH_MS + 60_000);

  // Anchor the file: one tx from the simulated users' coins, mined by the downloader.
  const cm = buildCommitment([file.id]);
  const tx = sim.wallet.payFor(new TxOut(0n, anchorScript(cm.commitment)));
  if (!tx) throw new FilesSimError('REFUSED', 'no coin left to pay for the anchor');
  const accepted = await node(D).submitTx(tx);
  if (accepted.status !== 'accepted')
    throw new FilesSimError('REFUSED', `anchor tx refused: ${JSON.stringify(accepted)}`);
  const block = await sim.mine(D);
  if (!block) throw new FilesSimError('REFUSED', 'the downloader is offline');
  const hash = block.hashHex();
  await runUntilDone(
    sim,
    () => [D, ...provs].every((i) => node(i).chain.tip.hashHex === hash),
    600_000,
    'the anchor block reaching the providers',
  );
  const link = blockLinkFromBlock(block, node(D).chain.height, tx.txid());
  if (!link) throw new FilesSimError('REFUSED', 'the anchor tx is not in its block');
  // The one thing `share` reads from disk: the proof, beside the report (the seeds file's dir).
  const proofPath = join(dirname(sim.seedsFile), 'files-proof.anchor.json');
  const proof = newProof({
    network: 'regtest',
    manifest: file.manifest,
    chunkHashes: file.chunkHashes,
    commitment: cm.commitment,
    path: cm.paths[0]!,
    tx,
    vout: 0,
  });
  writeFileSync(proofPath, formatProof(withBlock(proof, link)));
  for (const k of provs) await node(k).files!.share(SOURCE, proofPath);
  const files = node(D).files!;
  await runUntilDone(
    sim,
    () => files.providerCount(file.idHex) === providers,
    600_000,
    'the downloader learning every provider',
  );

  // The fetch, with every provider known: the first and last verified chunk's virtual times.
  const store = files.store;
  const write = store.writeChunk.bind(store);
  let first: { at: number; key: string } | null = null;
  let last = 0;
  store.writeChunk = (f, index, data, leaf, path) => {
    const now = sim.now;
    if (!first) {
      const from = files.downloads.get(f.idHex)?.fromProvider;
      first = { at: now, key: from ? ([...from.keys()][0] ?? '') : '' };
    }
    last = now;
    return write(f, index, data, leaf, path);
  };
  const t0 = sim.now;
  let complete = false;
  let failed: Error | null = null;
  await files.fetch({ id: file.idHex }, null);
  files.whenComplete(file.idHex).then(
    () => {
      complete = true;
    },
    (e: Error) => {
      failed = e;
    },
  );
  const slowest = Math.min(...provs.map(uplinkOf));
  const fastSum = c.fast * p.uplink;
  await runUntilDone(
    sim,
    () => complete || failed !== null,
    Math.ceil((p.sizeBytes / Math.min(fastSum, slowest * providers)) * 1000 * 4) + 120_000,
    `fetching on ${label}`,
  );
  if (failed) throw failed;
  const f1 = first as { at: number; key: string } | null;
  if (!f1) throw new FilesSimError('STUCK', 'complete without a chunk written');

  const info = (await files.get(file.idHex))!;
  const hostOf = (addr: string) => addr.slice(0, addr.lastIndexOf(':'));
  const byHost = new Map<string, number>();
  for (const [addr, n] of Object.entries(info.fromPeers))
    byHost.set(hostOf(addr), (byHost.get(hostOf(addr)) ?? 0) + n);
  const peer = node(D)
    .p2p?.conns.ready()
    .find((x) => String(x.id) === f1.key);
  const firstHost = peer ? hostOf(peer.addr) : '';
  const firstIdx = provs.find((k) => sim.nodes[k]!.host === firstHost) ?? provs[0]!;
  const region = (i: number) => REGIONS.indexOf(sim.nodes[i]!.region as (typeof REGIONS)[number]);
  const rtt = 2 * LATENCY_MS[region(D)]![region(firstIdx)]!;
  const firstLen = Math.min(CHUNK_SIZE, p.sizeBytes);
  const chunkMs = (firstLen / uplinkOf(firstIdx)) * 1000;
  // Whole virtual ms: a piece's arrival time carries the token bucket's fractions.
  const firstChunkMs = Math.round(f1.at - t0);
  const fetchMs = Math.round(last - t0);
  const transferRate = last > f1.at ? ((p.sizeBytes - firstLen) * 1000) / (last - f1.at) : 0;
  const wholeRate = fetchMs > 0 ? (p.sizeBytes * 1000) / fetchMs : 0;
  const got = storages.get(D)!.peek(store.dataPath(file.idHex));
  const identical = got !== null && Buffer.from(got).equals(Buffer.from(file.data));
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  return {
    sim,
    result: {
      case: label,
      fast: c.fast,
      slow: c.slow,
      sendBufferBytes: c.sendBufferBytes,
      sizeBytes: p.sizeBytes,
      chunkBytes: CHUNK_SIZE,
      chunks: file.manifest.chunkCount,
      fastSum,
      firstChunkMs,
      fetchMs,
      transferRate: Math.round(transferRate),
      wholeRate: Math.round(wholeRate),
      ofFastSum: r3(transferRate / fastSum),
      wholeOfFastSum: r3(wholeRate / fastSum),
      firstRttMs: rtt,
      chunkMs: Math.round(chunkMs),
      firstChunkOfBound: r3(firstChunkMs / (2 * rtt + chunkMs)),
      chunksByProvider: provs.map((k) => byHost.get(sim.nodes[k]!.host) ?? 0),
      duplicates: files.counters.duplicateChunks,
      identical,
    },
  };
}

/** Every case in turn; returns the last case's network (running) for the report, and findings. */
export async function runFilesCases(p: FilesParams, make: MakeNetwork): Promise<ScenarioOutcome> {
  const data = fileBytes(p.seed, p.sizeBytes);
  const d = digestBytes(data, { chunkSize: CHUNK_SIZE, keepChunkHashes: true });
  const manifest = makeManifest('sim-file.bin', d);
  const id = manifestId(manifest);
  const file: SharedFile = { data, manifest, chunkHashes: d.chunkHashes!, id, idHex: toHex(id) };
  const results: FilesCaseResult[] = [];
  let sim: SimNetwork | null = null;
  let from = 0;
  for (const c of p.cases) {
    if (sim) await sim.stopAll();
    const r = await runCase(p, c, file, make);
    sim = r.sim;
    from = SIM_EPOCH_MS;
    results.push(r.result);
  }
  if (!sim) throw new FilesSimError('REFUSED', 'no case to run');
  const mbit = (x: number) => (x / MBIT).toFixed(2);
  const notes = [
    `A ${(p.sizeBytes / 1024 / 1024).toFixed(0)} MiB file in ${CHUNK_SIZE / 1024} KiB chunks, each provider's uplink ${mbit(p.uplink)} Mbit/s (slow ones ${p.slowFactor}× slower), the downloader's downlink not limiting; one network of ${p.nodes} nodes per case. Rates are of the transfer (first verified chunk to last); "whole" counts from \`fetch\`; "RTT" is to the provider whose chunk came first. The propagation and bandwidth figures above are of the last case's network only.`,
    '',
    '| providers | fast sum Mbit/s | transfer Mbit/s | ÷ fast sum | whole ÷ fast sum | first chunk ms | RTT ms | chunk ms | ÷ (2 RTT + chunk) | chunks per provider | dup | identical |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...results.map(
      (r) =>
        `| ${r.case} | ${mbit(r.fastSum)} | ${mbit(r.transferRate)} | ${r.ofFastSum} | ${r.wholeOfFastSum} | ${r.firstChunkMs} | ${r.firstRttMs} | ${r.chunkMs} | ${r.firstChunkOfBound} | ${r.chunksByProvider.join(' ')} | ${r.duplicates} | ${r.identical ? 'yes' : 'NO'} |`,
    ),
  ];
  return { sim, from, until: sim.now, findings: { files: results }, notes };
}

/**
 * A socket buffer of 1 MiB: Linux autotunes a TCP send buffer up to 4 MiB (tcp_wmem), and
 * 1 MiB covers 10 Mbit/s over the longest round trip between the regions (650 ms).
 */
const SEND_BUFFER = 1024 * 1024;
const DEFAULT_CASES: FilesCase[] = [
  ...Array.from({ length: 8 }, (_, k) => ({ fast: k + 1, slow: 0, sendBufferBytes: SEND_BUFFER })),
  { fast: 1, slow: 1, sendBufferBytes: SEND_BUFFER },
  { fast: 4, slow: 1, sendBufferBytes: SEND_BUFFER },
  // The same network with every byte in flight counted as the sender's backlog, for comparison.
  ...[1, 4, 8].map((n) => ({ fast: n, slow: 0, sendBufferBytes: 0 })),
  { fast: 4, slow: 1, sendBufferBytes: 0 },
];

export const files: Scenario = {
  name: 'files',
  summary: 'one anchored file fetched from 1..8 providers with 10 Mbit/s uplinks, and with one 20x slower',
  defaults: { nodes: 12, hours: 1, txRate: 0 },
  async run(p, make) {
    const mib = Number(process.env.SIM_FILES_MIB ?? 64);
    if (!(mib > 0)) throw new FilesSimError('REFUSED', `SIM_FILES_MIB must be > 0, got ${mib}`);
    return runFilesCases(
      {
        seed: p.seed,
        nodes: p.nodes,
        sizeBytes: Math.round(mib * 1024 * 1024),
        uplink: 10 * MBIT,
        slowFactor: 20,
        cases: DEFAULT_CASES,
      },
      make,
    );
  },
};
