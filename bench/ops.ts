/**
 * Operations benchmarks: how long `npm run devnet -- --once` takes end to end, how long the
 * built gossip-node takes from SIGTERM to exit (the bound is 5 s), idle and in the middle
 * of an initial sync, and what a `/metrics` scrape costs on a node with a 200-block chain.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../node/log.js';
import { FullNode } from '../node/node.js';
import { p2wpkhFor, publicKey } from '../node/protocol/sign.js';
import { emit, REPO_ROOT } from './lib.js';

const CLI = join(REPO_ROOT, 'dist', 'node', 'cli.js');
const DEVNET = join(REPO_ROOT, 'dist', 'scripts', 'devnet.js');

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function runToExit(args: string[]): Promise<{ code: number | null; ms: number }> {
  const t0 = performance.now();
  return new Promise((res) => {
    const child = spawn(process.execPath, args, { stdio: 'ignore' });
    child.on('exit', (code) => res({ code, ms: performance.now() - t0 }));
  });
}

async function devnetOnce(runs: number): Promise<void> {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'gl-bench-devnet-'));
    try {
      const r = await runToExit([DEVNET, '--once', '--base-port', '0', '--dir', join(dir, 'dn')]);
      if (r.code !== 0) throw new Error(`devnet --once exited ${r.code}`);
      ms.push(r.ms);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  ms.sort((a, b) => a - b);
  emit('devnet-once', { runs, minSeconds: ms[0]! / 1000, medianSeconds: quantile(ms, 0.5) / 1000 });
}

/** Start the built node, wait for its status machinery to be up, SIGTERM it, time the exit. */
async function sigtermToExit(runs: number): Promise<void> {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'gl-bench-stop-'));
    try {
      const child = spawn(
        process.execPath,
        [CLI, '-n', 'regtest', '-d', dir, '--http-port', '0', '--port', '0', '--bind', '127.0.0.1'],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let log = '';
      child.stderr!.setEncoding('utf8');
      await new Promise<void>((res, rej) => {
        child.stderr!.on('data', (s: string) => {
          log += s;
          if (log.includes('p2p started')) res();
        });
        child.on('exit', () => rej(new Error(`node exited early: ${log}`)));
      });
      const t0 = performance.now();
      const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
      child.kill('SIGTERM');
      const code = await exited;
      if (code !== 0) throw new Error(`node exited ${code} after SIGTERM: ${log}`);
      ms.push(performance.now() - t0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  ms.sort((a, b) => a - b);
  emit('sigterm-to-exit', { runs, medianMs: quantile(ms, 0.5), maxMs: ms.at(-1) });
}

/**
 * SIGTERM in the middle of an initial sync (a 3,000-block chain from an in-process peer): time to
 * exit, and the height a restart reopens at (the last block whose batch landed).
 */
async function sigtermDuringSync(): Promise<void> {
  const srcDir = mkdtempSync(join(tmpdir(), 'gl-bench-src-'));
  const dir = mkdtempSync(join(tmpdir(), 'gl-bench-sync-'));
  const source = await FullNode.start(
    {
      network: 'regtest',
      datadir: srcDir,
      httpHost: '127.0.0.1',
      httpPort: 0,
      p2pPort: 0,
      p2pHost: '127.0.0.1',
      mine: false,
      logLevel: 'silent',
      statusIntervalMs: 0,
      relayDelayMs: 0,
    },
    silentLogger,
  );
  try {
    await source.generate(3000, p2wpkhFor(publicKey(new Uint8Array(32).fill(4))));
    const args = [CLI, '-n', 'regtest', '-d', dir, '--http-port', '0', '--port', '0', '--bind', '127.0.0.1'];
    const child = spawn(
      process.execPath,
      [...args, '--connect', `127.0.0.1:${source.p2p!.listenPort}`, '--log-level', 'debug'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    child.stderr!.setEncoding('utf8');
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    await new Promise<void>((res) => {
      child.stderr!.on('data', (s: string) => {
        log += s;
        if (/block connected height=(\d{3,})/.test(log)) res();
      });
    });
    const t0 = performance.now();
    child.kill('SIGTERM');
    const code = await exited;
    const ms = performance.now() - t0;
    const heights = [...log.matchAll(/block connected height=(\d+)/g)].map((m) => Number(m[1]));
    const reopened = await FullNode.start(
      {
        network: 'regtest',
        datadir: dir,
        httpHost: '127.0.0.1',
        httpPort: 0,
        mine: false,
        logLevel: 'silent',
        p2pPort: 0,
        p2p: false,
        statusIntervalMs: 0,
      },
      silentLogger,
    );
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
    await source.stop();
    rmSync(srcDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

async function metricsScrape(scrapes: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gl-bench-metrics-'));
  const node = await FullNode.start(
    {
      network: 'regtest',
      datadir: dir,
      httpHost: '127.0.0.1',
      httpPort: 0,
      p2pPort: 0,
      p2pHost: '127.0.0.1',
      mine: false,
      logLevel: 'silent',
      statusIntervalMs: 0,
    },
    silentLogger,
  );
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
    ms.sort((a, b) => a - b);
    emit('metrics-scrape', { scrapes, bytes, p50Ms: quantile(ms, 0.5), p99Ms: quantile(ms, 0.99) });
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
