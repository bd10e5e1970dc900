/**
 * Explorer benchmarks (issue 5). On the connect bench's chain (bench/connect-data.ts: 101
 * blocks, a fan-out, then 1,000 blocks of 100 P2WPKH spends, every output to one address):
 * - address history: first page (25 txs) of an address with ~10,000 txs (the chain cut at 202
 *   blocks), then ~100,000 txs (the whole chain): cold and warm, plus pages deep in the history
 *   (after a random seen txid), which must cost the same as the first;
 * - load: wrk (separate process, 50 connections, 10 s) on GET /api/block/:hash, /api/tx/:txid
 *   and /api/address/:addr/utxo (an address with 10 UTXOs), each next to a bare fastify route
 *   on the same server answering the same bytes, in the same run;
 * - single-request latency of GET /api/tx/:txid, one request at a time over keep-alive, for
 *   distinct (cold) and repeated (cached) txids.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildExplorer } from '../explorer-api/index.js';
import { encodeAddress } from '../node/protocol/address.js';
import type { Block } from '../node/protocol/block.js';
import { regtest } from '../node/protocol/params.js';
import { p2wpkhFor, publicKey } from '../node/protocol/sign.js';
import { OutPoint, TxOut } from '../node/protocol/tx.js';
import { loadOrGenerate, signedSpend } from './connect-data.js';
import { wrk } from './explorer-wrk.js';
import { emit } from './lib.js';
import { startRegtestNode } from './regtest-node.js';

const SPK = p2wpkhFor(publicKey(new Uint8Array(32).fill(7)));
const LIGHT_SPK = p2wpkhFor(publicKey(new Uint8Array(32).fill(8)));
const LOAD = { connections: 50, seconds: 10 };

function get(url: string, agent: Agent): Promise<{ status: number; body: Buffer; ms: number }> {
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    request(url, { agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks),
          ms: Number(process.hrtime.bigint() - t0) / 1e6,
        }),
      );
    })
      .on('error', reject)
      .end();
  });
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 100) / 100;
};

async function addressHistory(base: string, agent: Agent, blocks: readonly Block[], label: string) {
  const address = encodeAddress(SPK, regtest.address)!;
  const stats = JSON.parse((await get(`${base}/api/address/${address}`, agent)).body.toString());
  const first = await get(`${base}/api/address/${address}/txs/chain`, agent);
  if (first.status !== 200 || JSON.parse(first.body.toString()).length !== 25)
    throw new Error('bad first page');
  const warm: number[] = [];
  for (let i = 0; i < 50; i++) warm.push((await get(`${base}/api/address/${address}/txs/chain`, agent)).ms);
  const deep: number[] = [];
  for (let i = 0; i < 50; i++) {
    const b = blocks[103 + Math.floor(Math.random() * (blocks.length - 104))]!;
    const seen = b.txs[1 + Math.floor(Math.random() * (b.txs.length - 1))]!.txidHex();
    const r = await get(`${base}/api/address/${address}/txs/chain/${seen}`, agent);
    if (r.status !== 200) throw new Error(`deep page: ${r.status}`);
    deep.push(r.ms);
  }
  emit('explorer-address-history', {
    chain: label,
    txCount: stats.chain_stats.tx_count,
    pageSize: 25,
    firstPageColdMs: Math.round(first.ms * 100) / 100,
    firstPageWarmP50Ms: pct(warm, 50),
    deepPageColdP50Ms: pct(deep, 50),
    deepPageColdMaxMs: pct(deep, 100),
    goalMs: 50,
  });
}

export async function run(): Promise<void> {
  const blocks = loadOrGenerate((m) => process.stderr.write(`${m}\n`));
  const dir = mkdtempSync(join(tmpdir(), 'gl-bench-explorer-'));
  const node = await startRegtestNode(dir, { mineWorkers: 1 });
  let app: FastifyInstance | undefined;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const bare = new Map<string, Buffer>();
    app = buildExplorer(node);
    app.get<{ Params: { name: string } }>('/bare/:name', async (req, res) =>
      res.type('application/json; charset=utf-8').send(bare.get(req.params.name)),
    );
    const base = await app.listen({ host: '127.0.0.1', port: 0 });

    for (const b of blocks.slice(0, 202)) await node.submitBlock(b);
    await addressHistory(base, agent, blocks.slice(0, 202), '202 blocks');
    for (const b of blocks.slice(202)) await node.submitBlock(b);
    await addressHistory(base, agent, blocks, `${blocks.length} blocks`);

    // A light address: 10 outputs from block 150's coinbase, confirmed.
    const cb = blocks[149]!.txs[0]!;
    const fan = signedSpend(
      [{ op: new OutPoint(cb.txid(), 0), value: cb.outputs[0]!.value }],
      Array.from({ length: 10 }, () => new TxOut(100_000_000n, LIGHT_SPK)),
    );
    await node.submitTx(fan);
    await node.generate(1, SPK);

    const mid = blocks[600]!;
    const targets: [string, string][] = [
      ['block', `/api/block/${mid.hashHex()}`],
      ['tx', `/api/tx/${mid.txs[50]!.txidHex()}`],
      ['address-utxo', `/api/address/${encodeAddress(LIGHT_SPK, regtest.address)}/utxo`],
    ];
    for (const [name, path] of targets) {
      const once = await get(`${base}${path}`, agent);
      if (once.status !== 200) throw new Error(`${path}: ${once.status}`);
      bare.set(name, once.body);
      const api = await wrk(`${base}${path}`, LOAD);
      const plain = await wrk(`${base}/bare/${name}`, LOAD);
      emit('explorer-load', {
        route: `GET ${path.replace(/[0-9a-f]{64}|bcrt1\w+/, ':id')}`,
        bytes: once.body.length,
        reqPerSec: api.reqPerSec,
        p50Ms: api.p50Ms,
        p99Ms: api.p99Ms,
        bareReqPerSec: plain.reqPerSec,
        bareP99Ms: plain.p99Ms,
        ratio: Math.round((api.reqPerSec / plain.reqPerSec) * 100) / 100,
        non2xx: api.non2xx,
        ...LOAD,
      });
    }

    for (const mode of ['distinct', 'repeated'] as const) {
      const times: number[] = [];
      for (let i = 0; i < 1000; i++) {
        const b = mode === 'distinct' ? blocks[300 + (i % 800)]! : mid;
        const tx = b.txs[mode === 'distinct' ? 1 + Math.floor(i / 800) : 50]!;
        const r = await get(`${base}/api/tx/${tx.txidHex()}`, agent);
        if (r.status !== 200) throw new Error(`tx: ${r.status}`);
        times.push(r.ms);
      }
      emit('explorer-tx-latency', { mode, requests: 1000, p50Ms: pct(times, 50), p99Ms: pct(times, 99) });
    }
  } finally {
    agent.destroy();
    await app?.close();
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
