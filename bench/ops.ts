/**
 * Operations benchmarks: how long `npm run devnet -- --once` takes end to end, how long the
 * built gossip-node takes from SIGTERM to exit (the bound is 5 s), idle and in the middle
 * of an initial sync, and what a `/metrics` scrape costs on a node with a 200-block chain.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { p2wpkhFor, publicKey } from '../node/protocol/sign.js';
import { emit, percentile, REPO_ROOT, until } from './lib.js';
import { startRegtestNode } from './regtest-node.js';

const CLI = join(REPO_ROOT, 'dist', 'node', 'cli.js');
const DEVNET = join(REPO_ROOT, 'dist', 'scripts', 'devnet.js');

function runToExit(args: string[], timeoutMs: number): Promise<{ code: number | null; ms: number }> {
  const t0 = performance.now();
  return new Promise((res) => {
    const child = spawn(process.execPath, args, { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      res({ code, ms: performance.now() - t0 });
    });
  });
}

/** A built gossip-node on regtest, its stderr collected, its exit awaited. */
function startNode(dir: string, extra: string[] = []) {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      CLI,
      '-n',
      'regtest',
      '-d',
      dir,
      '--http-port',
      '0',
      '--rpc-port',
      '0',
      '--port',
      '0',
      '--bind',
      '127.0.0.1',
      ...extra,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const state = { log: '', code: undefined as number | null | undefined };
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (s: string) => {
    state.log += s;
  });
  const exited = new Promise<number | null>((res) =>
    child.on('exit', (code) => {
      state.code = code;
      res(code);
    }),
  );
  const waitLog = (re: RegExp, what: string) =>
    until(() => re.test(state.log) || state.code !== undefined, 60_000, what).then(() => {
      if (!re.test(state.log)) throw new Error(`node exited before ${what}: ${state.log}`);
    });
  return { child, state, exited, waitLog };
}

/** SIGTERM, and how long until the process is gone. */
async function timeSigterm(node: ReturnType<typeof startNode>): Promise<{ code: number | null; ms: number }> {
  const t0 = performance.now();
  node.child.kill('SIGTERM');
  const timer = setTimeout(() => node.child.kill('SIGKILL'), 30_000);
  const code = await node.exited;
  clearTimeout(timer);
  return { code, ms: performance.now() - t0 };
}

async function devnetOnce(runs: number): Promise<void> {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'gl-bench-devnet-'));
    try {
      const r = await runToExit([DEVNET, '--once', '--base-port', '0', '--dir', join(dir, 'dn')], 180_000);
      if (r.code !== 0) throw new Error(`devnet --once exited ${r.code}`);
      ms.push(r.ms);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  emit('devnet-once', { runs, minSeconds: Math.min(...ms) / 1000, medianSeconds: percentile(ms, 50) / 1000 });
}

/** Start the built node, wait for its P2P layer to be up, SIGTERM it, time the exit. */
async function sigtermToExit(runs: number): Promise<void> {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'gl-bench-stop-'));
    const node = startNode(dir);
    try {
      await node.waitLog(/p2p started/, 'p2p started');
      const r = await timeSigterm(node);
      if (r.code !== 0) throw new Error(`node exited ${r.code} after SIGTERM: ${node.state.log}`);
      ms.push(r.ms);
    } finally {
      node.child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }
  emit('sigterm-to-exit', { runs, medianMs: percentile(ms, 50), maxMs: Math.max(...ms) });
}

/**
 * SIGTERM in the middle of an initial sync (a 3,000-block chain from an in-process peer): time to
 * exit, and the height a restart reopens at (the last block whose batch landed).
 */
async function sigtermDuringSync(): Promise<void> {
  const srcDir = mkdtempSync(join(tmpdir(), 'gl-bench-src-'));
  const dir = mkdtempSync(join(tmpdir(), 'gl-bench-sync-'));
  const source = await startRegtestNode(srcDir, { relayDelayMs: 0 });
  let node: ReturnType<typeof startNode> | undefined;
  try {
    await source.generate(3000, p2wpkhFor(publicKey(new Uint8Array(32).fill(4))));
    node = startNode(dir, ['--connect', `127.0.0.1:${source.p2p!.listenPort}`, '--log-level', 'debug']);
    await node.waitLog(/block connected height=\d{3,}/, 'the 100th block of the sync');
    const { code, ms } = await timeSigterm(node);
    const log = node.state.log;
    const heights = [...log.matchAll(/block connected height=(\d+)/g)].map((m) => Number(m[1]));
    const reopened = await startRegtestNode(dir, { p2p: false });
    const height = reopened.chain.height;
    await reopened.stop();
    emit('sigterm-during-sync', {
      exitCode: code,
      ms,
      lastLoggedHeight: heights.at(-1),
      reopenedHeight: height,
      of: 3000,
    });
  } finally {
    node?.child.kill('SIGKILL');
    await source.stop();
    rmSync(srcDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

async function metricsScrape(scrapes: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gl-bench-metrics-'));
  const node = await startRegtestNode(dir);
  try {
    await node.generate(200, p2wpkhFor(publicKey(new Uint8Array(32).fill(3))));
    const ms: number[] = [];
    let bytes = 0;
    for (let i = 0; i < scrapes; i++) {
      const t0 = performance.now();
      const body = await (await fetch(`${node.httpUrl}/metrics`)).text();
      ms.push(performance.now() - t0);
      bytes = body.length;
    }
    emit('metrics-scrape', { scrapes, bytes, p50Ms: percentile(ms, 50), p99Ms: percentile(ms, 99) });
  } finally {
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  await metricsScrape(500);
  await sigtermToExit(5);
  await sigtermDuringSync();
  await devnetOnce(3);
}
