/**
 * Fee estimates under a full mempool (issue 20): RPC `estimatesmartfee` and GET
 * /api/fee-estimates with 50,000 txs waiting (BENCH_MEMPOOL_TXS scales it), goal p99 < 20 ms.
 *
 * Setup, untimed except where said: a regtest node in this process; 125 blocks mined; 25
 * coinbases fanned out into 2,000 P2WSH(OP_TRUE) outputs each and confirmed; 50,000
 * one-in/one-out spends of them (fee rates 1 to ~200 sat/vB, skewed low, seeded) built once and
 * submitted through the node's own `submitTx`, not HTTP (the accept rate is reported).
 *
 * Then the cost of one recomputation of the estimates over that mempool, and, one request at
 * a time over keep-alive for BENCH_SECONDS (default 10) per endpoint: latency p50/p99/p99.9/max
 * of GET /api/blocks/tip/height (a control that does no work: its tail is the machine's),
 * /api/fee-estimates and estimatesmartfee, then the last two again while a tx enters the
 * mempool every 100 ms (so the estimator recomputes once a second).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { estimatePacked, packEntries } from '../explorer-api/fees.js';
import type { FullNode } from '../node/node.js';
import type { Block } from '../node/protocol/block.js';
import { sha256 } from '../node/protocol/hash.js';
import { blockHashFromDisplay } from '../node/protocol/ids.js';
import { p2wsh } from '../node/protocol/script/templates.js';
import { p2wpkhFor, publicKey } from '../node/protocol/sign.js';
import { OutPoint, Tx, TxIn, TxOut } from '../node/protocol/tx.js';
import { signedSpend } from './connect-data.js';
import { emit, percentile } from './lib.js';
import { startRegtestNode } from './regtest-node.js';

const KEY = new Uint8Array(32).fill(9);
const SPK = p2wpkhFor(publicKey(KEY));
const FANOUTS = 25;
// The fanned-out coins pay P2WSH(OP_TRUE): spending one needs no signature, so 50,000 spends
// are built in a second (signing them would take minutes) and still pass standardness.
const OP_TRUE = Uint8Array.of(0x51);
const ANYONE = p2wsh(sha256(OP_TRUE));
const AUTH = `Basic ${Buffer.from('bench:bench').toString('base64')}`;

/** xorshift32: the same fee rates every run. */
function seeded(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

function call(
  url: string,
  agent: Agent,
  body?: string,
): Promise<{ status: number; text: string; ms: number }> {
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        agent,
        method: body ? 'POST' : 'GET',
        headers: body ? { authorization: AUTH, 'content-type': 'application/json' } : {},
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text, ms: Number(process.hrtime.bigint() - t0) / 1e6 }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function fund(node: FullNode, count: number): Promise<{ op: OutPoint; value: bigint }[]> {
  const hashes = await node.generate(100 + FANOUTS, SPK);
  const perFan = Math.ceil(count / FANOUTS);
  const coins: { op: OutPoint; value: bigint }[] = [];
  for (let i = 0; i < FANOUTS; i++) {
    const block = (await node.chain.getBlock(blockHashFromDisplay(hashes[i]!))) as Block;
    const cb = block.txs[0]!;
    const value = cb.outputs[0]!.value;
    const each = (value - 200_000n) / BigInt(perFan);
    const fan = signedSpend(
      [{ op: new OutPoint(cb.txid(), 0), value }],
      Array.from({ length: perFan }, () => new TxOut(each, ANYONE)),
      KEY,
    );
    const r = await node.submitTx(fan);
    if (r.status !== 'accepted') throw new Error('bench: a fan-out was taken for an orphan');
    fan.outputs.forEach((o, vout) => {
      coins.push({ op: new OutPoint(fan.txid(), vout), value: o.value });
    });
  }
  while (node.mempool.size > 0) await node.generate(1, SPK);
  return coins.slice(0, count);
}

function spends(coins: { op: OutPoint; value: bigint }[]): Tx[] {
  const random = seeded(20);
  return coins.map((c) => {
    const rate = 1 + Math.floor(random() ** 3 * 200); // most pay little, a few pay a lot
    const fee = BigInt(rate * 100); // 1-in-1-out P2WSH(OP_TRUE) to P2WPKH: about 95 vB
    return new Tx({
      version: 2,
      locktime: 0,
      inputs: [new TxIn(c.op, new Uint8Array(0), 0xfffffffd, [OP_TRUE])],
      outputs: [new TxOut(c.value - fee, SPK)],
    });
  });
}

async function measure(
  name: string,
  target: () => Promise<{ status: number; text: string; ms: number }>,
  seconds: number,
  extra: Record<string, unknown>,
): Promise<void> {
  const ms: number[] = [];
  const end = Date.now() + seconds * 1000;
  let sample = '';
  while (Date.now() < end) {
    const r = await target();
    if (r.status !== 200) throw new Error(`bench: ${name} answered ${r.status}: ${r.text.slice(0, 200)}`);
    ms.push(r.ms);
    sample = r.text;
  }
  const round = (x: number) => Math.round(x * 100) / 100;
  emit('fees', {
    name,
    ...extra,
    requests: ms.length,
    p50Ms: round(percentile(ms, 50)),
    p99Ms: round(percentile(ms, 99)),
    p999Ms: round(percentile(ms, 99.9)),
    maxMs: round(Math.max(...ms)),
    goalP99Ms: 20,
    sample: sample.slice(0, 120),
  });
}

export async function run(): Promise<void> {
  const count = Number(process.env.BENCH_MEMPOOL_TXS ?? 50_000);
  const seconds = Number(process.env.BENCH_SECONDS ?? 10);
  const dir = mkdtempSync(join(tmpdir(), 'gl-bench-fees-'));
  const node = await startRegtestNode(dir, {
    rpcUser: 'bench',
    rpcPassword: 'bench',
    mempoolMaxBytes: 1 << 30,
  });
  try {
    const log = (m: string) => process.stderr.write(`fees: ${m}\n`);
    log('mining and fanning out');
    const coins = await fund(node, count + 200);
    log(`signing ${count} txs`);
    let t0 = performance.now();
    const txs = spends(coins);
    const signMs = performance.now() - t0;
    const later = txs.splice(count);
    log('submitting');
    t0 = performance.now();
    let accepted = 0;
    for (const tx of txs) if ((await node.submitTx(tx)).status === 'accepted') accepted++;
    const acceptMs = performance.now() - t0;
    emit('fees', {
      name: 'mempool-fill',
      txs: count,
      accepted,
      mempoolTxs: node.mempool.size,
      signMs: Math.round(signMs),
      acceptMs: Math.round(acceptMs),
      acceptPerSec: Math.round((accepted * 1000) / acceptMs),
    });

    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const http = () => call(`${node.httpUrl}/api/fee-estimates`, agent);
    let id = 0;
    const rpc = () =>
      call(
        node.rpcUrl,
        agent,
        JSON.stringify({ jsonrpc: '2.0', id: id++, method: 'estimatesmartfee', params: [6] }),
      );
    const extra = { mempoolTxs: node.mempool.size, seconds };
    // What one recomputation costs (the estimator's own inputs, then the estimate), and a
    // control: a route that does no work, whose tail is the machine's and the server's own.
    const computeMs: number[] = [];
    for (let i = 0; i < 20; i++) {
      const c0 = performance.now();
      estimatePacked(packEntries(node.mempool, node.mempool.size), [], 1);
      computeMs.push(performance.now() - c0);
    }
    emit('fees', {
      name: 'recompute',
      mempoolTxs: node.mempool.size,
      p50Ms: Math.round(percentile(computeMs, 50) * 100) / 100,
      maxMs: Math.round(Math.max(...computeMs) * 100) / 100,
    });
    const control = () => call(`${node.httpUrl}/api/blocks/tip/height`, agent);
    await measure('tip-height-http (control)', control, seconds, { ...extra, mempool: 'still' });
    await measure('fee-estimates-http', http, seconds, { ...extra, mempool: 'still' });
    await measure('estimatesmartfee-rpc', rpc, seconds, { ...extra, mempool: 'still' });

    // The same with the mempool changing: one more tx every 100 ms.
    let next = 0;
    const feeder = setInterval(() => {
      const tx = later[next++];
      if (tx) node.submitTx(tx).catch(() => undefined);
    }, 100);
    try {
      await measure('fee-estimates-http', http, seconds, { ...extra, mempool: 'changing every 100 ms' });
      await measure('estimatesmartfee-rpc', rpc, seconds, { ...extra, mempool: 'changing every 100 ms' });
    } finally {
      clearInterval(feeder);
      agent.destroy();
    }
  } finally {
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// Also runnable alone: node dist/bench/fees.js
if (import.meta.url === `file://${process.argv[1]}`) await run();
