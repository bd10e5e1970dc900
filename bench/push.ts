/**
 * The push stream under load (issue 20): 1,000 clients (BENCH_CLIENTS) hold GET /api/v1/events
 * open, each on its own socket, in a child process (bench/push-clients.ts) so that this
 * process is the node alone. For each of BENCH_BLOCKS (default 20) blocks, built and solved
 * beforehand, the block is handed to the node's submitBlock; the latency of a client is the
 * time from the chain's `connect` event to that client's receipt of the `block` message (wall
 * clock, shared by both processes). Figures: p50/p99/max over every client and block, the
 * spread within a block (first to last client), and the node's CPU (process.cpuUsage, every
 * thread) from the first block's submission to the last block's last receipt, as a share of
 * one core and per block; the same blocks with no client open give the baseline.
 * Each side holds one socket per client in its own process, so `ulimit -n` (per process) must
 * exceed the clients plus the node's own files: the bench checks it first (1,000 fit under the
 * common 1,024 soft limit only barely, so raise it or lower BENCH_CLIENTS).
 */
import { execFileSync, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FullNode } from '../node/node.js';
import { Block } from '../node/protocol/block.js';
import { BlockHeader } from '../node/protocol/header.js';
import { regtest } from '../node/protocol/params.js';
import { checkProofOfWork } from '../node/protocol/pow.js';
import { p2wpkhFor, publicKey } from '../node/protocol/sign.js';
import { emit, percentile } from './lib.js';
import { startRegtestNode } from './regtest-node.js';

const SPK = p2wpkhFor(publicKey(new Uint8Array(32).fill(11)));
const now = () => performance.timeOrigin + performance.now();

function solve(block: Block): Block {
  for (let nonce = 0; ; nonce++) {
    const h = new BlockHeader({ ...block.header, nonce });
    if (checkProofOfWork(h.hash(), h.bits, regtest.powLimit)) return new Block(h, block.txs);
  }
}

/** Submits `n` blocks one after another, each once the last was received (by `received`). */
async function pushBlocks(
  node: FullNode,
  n: number,
  received: (height: number) => Promise<number[] | null>,
): Promise<{ latencies: number[]; spreads: number[]; cpuMs: number; wallMs: number }> {
  const connectedAt = new Map<number, number>();
  const onConnect = (_b: unknown, e: { height: number }) => connectedAt.set(e.height, now());
  node.chain.on('connect', onConnect);
  const latencies: number[] = [];
  const spreads: number[] = [];
  const cpu0 = process.cpuUsage();
  const wall0 = now();
  try {
    for (let i = 0; i < n; i++) {
      // The template is the next block on the tip (empty mempool: the coinbase alone).
      const block = solve(node.template(SPK).block);
      const arrived = received(node.chain.height + 1);
      await node.submitBlock(block);
      const times = await arrived;
      const at = connectedAt.get(node.chain.height);
      if (times && at !== undefined) {
        for (const t of times) latencies.push(t - at);
        spreads.push(Math.max(...times) - Math.min(...times));
      }
    }
  } finally {
    node.chain.off('connect', onConnect);
  }
  const cpu = process.cpuUsage(cpu0);
  return { latencies, spreads, cpuMs: (cpu.user + cpu.system) / 1000, wallMs: now() - wall0 };
}

export async function run(): Promise<void> {
  const clients = Number(process.env.BENCH_CLIENTS ?? 1000);
  const blocks = Number(process.env.BENCH_BLOCKS ?? 20);
  const limit = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
  if (limit !== 'unlimited' && Number(limit) < clients + 200)
    throw new Error(`bench: ulimit -n is ${limit}; ${clients} streams need about ${clients + 200}`);
  const dir = mkdtempSync(join(tmpdir(), 'gl-bench-push-'));
  const node = await startRegtestNode(dir, { httpEventStreams: clients + 10 });
  const round = (x: number) => Math.round(x * 100) / 100;
  try {
    await node.generate(1, SPK); // out of genesis
    // Baseline: the same work with no stream open.
    const base = await pushBlocks(node, blocks, async () => null);
    emit('push', {
      name: 'baseline-no-clients',
      blocks,
      cpuMsPerBlock: round(base.cpuMs / blocks),
      cpuShareOfCore: round(base.cpuMs / base.wallMs),
    });

    const script = fileURLToPath(new URL('./push-clients.js', import.meta.url));
    const child = fork(script, [node.httpUrl, String(clients)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const waiting = new Map<number, (times: number[]) => void>();
    const early = new Map<number, number[]>();
    let ready: () => void = () => undefined;
    const allOpen = new Promise<void>((resolve, reject) => {
      ready = resolve;
      child.once('exit', (code) => reject(new Error(`bench: push clients exited (${code})`)));
    });
    child.on('message', (m: { ready?: number; height?: number; times?: number[] }) => {
      if (m.ready) ready();
      else if (m.height !== undefined && m.times) {
        const fn = waiting.get(m.height);
        if (fn) fn(m.times);
        else early.set(m.height, m.times);
      }
    });
    try {
      const t0 = now();
      await allOpen;
      const openMs = now() - t0;
      const got = await pushBlocks(node, blocks, (height) => {
        const hit = early.get(height);
        if (hit) return Promise.resolve(hit);
        return new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`bench: block ${height} not received`)), 120_000);
          waiting.set(height, (times) => {
            clearTimeout(timer);
            waiting.delete(height);
            resolve(times);
          });
        });
      });
      emit('push', {
        name: 'block-notification',
        clients,
        blocks,
        openAllMs: Math.round(openMs),
        p50Ms: round(percentile(got.latencies, 50)),
        p99Ms: round(percentile(got.latencies, 99)),
        maxMs: round(Math.max(...got.latencies)),
        spreadP50Ms: round(percentile(got.spreads, 50)),
        cpuMsPerBlock: round(got.cpuMs / blocks),
        cpuShareOfCore: round(got.cpuMs / got.wallMs),
        samples: got.latencies.length,
      });
    } finally {
      child.kill();
    }
  } finally {
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
