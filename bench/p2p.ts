/**
 * P2P benchmarks (issue 4):
 *
 * - Transaction propagation on a 20-node loopback network (in-process regtest nodes, a random
 *   graph of 4-8 connections each): for each transaction, submitted to a random node, the time
 *   until every mempool has it; p50 and p99, with the relay delay at 0 and at the default;
 *   and the bytes all nodes put on the wire per transaction per node, over the transaction's
 *   size (inv + getdata + tx; the goal is <= 1.5).
 * - Initial sync: blocks/s of a fresh node syncing `P2P_BENCH_BLOCKS` (default 5,000) blocks of
 *   100 transactions over loopback from a node in another process, against the same node
 *   connecting the same blocks read from a file (the goal is >= 80%).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FullNode, NodeConfig } from '../node/node.js';
import { DEFAULT_TX_RELAY } from '../node/p2p/tx-relay.js';
import type { Block } from '../node/protocol/block.js';
import { blockHashFromDisplay } from '../node/protocol/ids.js';
import { p2wpkhFor, publicKey } from '../node/protocol/sign.js';
import { OutPoint, type Tx, TxOut } from '../node/protocol/tx.js';
import { signedSpend } from './connect-data.js';
import { emit, percentile, REPO_ROOT, until } from './lib.js';
import { loadOrGenerateSync } from './p2p-data.js';
import { startRegtestNode } from './regtest-node.js';

const NODES = 20;
const KEY = new Uint8Array(32).fill(11);
const SPK = p2wpkhFor(publicKey(KEY));

/** Bench nodes mine (generate) with one worker, leaving the other core to the network. */
const startNode = (datadir: string, extra: Partial<NodeConfig> = {}) =>
  startRegtestNode(datadir, { mineWorkers: 1, ...extra });

/** Each node gets outbound links to random others until it has 4 to 8 connections. */
function randomGraph(n: number): [number, number][] {
  const degree = new Array<number>(n).fill(0);
  const edges = new Set<string>();
  for (let i = 0; i < n; i++) {
    const want = 4 + Math.floor(Math.random() * 3);
    for (let tries = 0; degree[i]! < want && tries < 200; tries++) {
      const j = Math.floor(Math.random() * n);
      const key = `${Math.min(i, j)}-${Math.max(i, j)}`;
      if (j === i || edges.has(key) || degree[j]! >= 8) continue;
      edges.add(key);
      degree[i]!++;
      degree[j]!++;
    }
  }
  return [...edges].map((e) => e.split('-').map(Number) as [number, number]);
}

/**
 * `burst` submits every transaction at once (announcements batch into shared inv messages, as
 * under load); otherwise one at a time, each timed alone.
 */
async function propagation(relayDelayMs: number, txCount: number, burst = false): Promise<void> {
  const dirs = Array.from({ length: NODES }, () => mkdtempSync(join(tmpdir(), 'gl-bench-p2p-')));
  const nodes: FullNode[] = [];
  try {
    // maxOutbound 0: only the graph's links (addnode), no dialling of gossiped addresses.
    for (const d of dirs) nodes.push(await startNode(d, { relayDelayMs, maxOutbound: 0 }));
    const edges = randomGraph(NODES);
    for (const [i, j] of edges) nodes[i]!.p2p!.conns.addNode(`127.0.0.1:${nodes[j]!.p2p!.listenPort}`, 'add');
    await until(() => nodes.every((n) => n.peerInfo().length >= 3), 60_000, 'the graph to connect');
    const hashes = await nodes[0]!.generate(100 + txCount, SPK);
    await until(
      () => nodes.every((n) => n.chain.tip.hashHex === hashes.at(-1)),
      120_000,
      'the chain to spread',
    );

    const arrivals = new Map<string, number[]>();
    const off = nodes.map((n) =>
      n.mempool.on('added', (e) => {
        arrivals.get(e.txid)?.push(performance.now());
      }),
    );
    const bytesBefore = nodes.reduce((s, n) => s + n.p2p!.totals().bytesSent, 0);
    const times: number[] = [];
    let txBytes = 0;
    const txs: Tx[] = [];
    for (let k = 0; k < txCount; k++) {
      const cb = (await nodes[0]!.chain.getBlock(blockHashFromDisplay(hashes[k]!)))!.txs[0]!;
      const value = cb.outputs[0]!.value;
      txs.push(
        signedSpend([{ op: new OutPoint(cb.txid(), 0), value }], [new TxOut(value - 1000n, SPK)], KEY),
      );
    }
    const send = async (tx: Tx) => {
      txBytes += tx.size();
      arrivals.set(tx.txidHex(), []);
      const t0 = performance.now();
      await nodes[Math.floor(Math.random() * NODES)]!.submitTx(tx, { orphan: false });
      await until(
        () => arrivals.get(tx.txidHex())!.length === NODES,
        120_000,
        'a transaction to reach every node',
      );
      times.push(Math.max(...arrivals.get(tx.txidHex())!) - t0);
    };
    if (burst) await Promise.all(txs.map(send));
    else for (const tx of txs) await send(tx);
    // Let the last announcements and their answers finish before counting bytes.
    await new Promise((r) => setTimeout(r, Math.max(200, relayDelayMs * 4)));
    const bytes = nodes.reduce((s, n) => s + n.p2p!.totals().bytesSent, 0) - bytesBefore;
    for (const u of off) u();
    const degrees = nodes.map((n) => n.peerInfo().length);
    emit('p2p-propagation', {
      nodes: NODES,
      edges: edges.length,
      minPeers: Math.min(...degrees),
      maxPeers: Math.max(...degrees),
      relayDelayMs,
      mode: burst ? 'burst' : 'one at a time',
      txs: txCount,
      p50Ms: Math.round(percentile(times, 50)),
      p99Ms: Math.round(percentile(times, 99)),
      avgTxBytes: Math.round(txBytes / txCount),
      wireBytesPerTxPerNodeOverTxSize: Number((bytes / NODES / txBytes).toFixed(2)),
      goalWireRatio: 1.5,
    });
  } finally {
    for (const n of nodes) await n.stop().catch(() => undefined);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

function startServer(datadir: string): Promise<{ child: ChildProcess; port: number }> {
  const cli = resolve(REPO_ROOT, 'dist', 'node', 'cli.js');
  const child = spawn(
    process.execPath,
    [
      cli,
      '-n',
      'regtest',
      '-d',
      datadir,
      '--http-port',
      '0',
      '--rpc-port',
      '0',
      '--port',
      '0',
      '--bind',
      '127.0.0.1',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return new Promise((res, rej) => {
    let log = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => {
      log += s;
      const m = /p2p started listen=127\.0\.0\.1:(\d+)/.exec(log);
      if (m) res({ child, port: Number(m[1]) });
    });
    child.once('exit', (code) => rej(new Error(`bench server exited ${code}: ${log}`)));
  });
}

async function initialSync(blocks: Block[]): Promise<void> {
  const src = mkdtempSync(join(tmpdir(), 'gl-bench-sync-src-'));
  const dst = mkdtempSync(join(tmpdir(), 'gl-bench-sync-dst-'));
  let server: ChildProcess | undefined;
  try {
    // From a file: the blocks, already parsed, handed to a node one by one.
    const a = await startNode(src, { p2p: false });
    let t0 = performance.now();
    for (const b of blocks) await a.submitBlock(b);
    const fileMs = performance.now() - t0;
    if (a.chain.height !== blocks.length) throw new Error(`connected only to ${a.chain.height}`);
    await a.stop();

    // Over loopback, from that node running in another process.
    const s = await startServer(src);
    server = s.child;
    const b = await startNode(dst, { connect: [`127.0.0.1:${s.port}`] });
    t0 = performance.now();
    await until(() => b.chain.height === blocks.length, 30 * 60_000, 'the sync to finish');
    const syncMs = performance.now() - t0;
    await b.stop();
    const fileRate = (blocks.length * 1000) / fileMs;
    const syncRate = (blocks.length * 1000) / syncMs;
    emit('p2p-initial-sync', {
      blocks: blocks.length,
      txsPerBlock: blocks.at(-1)!.txs.length - 1,
      fromFileBlocksPerSec: Math.round(fileRate),
      overLoopbackBlocksPerSec: Math.round(syncRate),
      ratio: Number((syncRate / fileRate).toFixed(2)),
      goalRatio: 0.8,
    });
  } finally {
    server?.kill('SIGTERM');
    if (server) await new Promise((r) => server!.once('exit', r));
    rmSync(src, { recursive: true, force: true });
    rmSync(dst, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  await propagation(0, 40);
  await propagation(DEFAULT_TX_RELAY.relayDelayMs, 20);
  await propagation(DEFAULT_TX_RELAY.relayDelayMs, 200, true);
  const spend = Number(process.env.P2P_BENCH_BLOCKS ?? 5000);
  await initialSync(loadOrGenerateSync(spend, (m) => process.stderr.write(`${m}\n`)));
}
