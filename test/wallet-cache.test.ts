/**
 * The wallet's local cache (wallet/cache.ts, wallet/sync.ts) against a real regtest node, the
 * wallet run in-process and reaching the node through a proxy that counts its requests and can
 * lie: a warm command makes a constant number of requests when nothing changed and O(1) more
 * for one new block with one payment; a reorg of the cached tip makes it rescan, to the right
 * balance; a block that does not hash to its merkle root or does not link to the cached tip is
 * refused (exit 6) and changes no file; the cache is 0600 and a corrupt one is rebuilt.
 */

import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAddress } from '../node/protocol/address.js';
import { Block } from '../node/protocol/block.js';
import { regtest } from '../node/protocol/params.js';
import { p2wpkh } from '../node/protocol/script/templates.js';
import { Tx, TxOut } from '../node/protocol/tx.js';
import { cachePathOf } from '../wallet/cache.js';
import { startTestNode, stopTestNodes, type TestNode } from './helpers/node.js';
import { runInProcess } from './helpers/wallet-run.js';

const PW = { GOSSIP_WALLET_PASSWORD: 'cache password' };
const BURN = p2wpkh(new Uint8Array(20).fill(0xee));

let dir: string;
let node: TestNode;
let file: string;
let proxy: Server;
let proxyUrl: string;
/** Requests the proxy forwarded, by path. */
let seen: string[] = [];
/** How the proxy lies: serves a block whose transactions do not match its header, or a stale height. */
let lie: { kind: 'none' } | { kind: 'merkle' } | { kind: 'height'; height: number; hash: string } = {
  kind: 'none',
};

function startProxy(): Promise<void> {
  proxy = createServer((req, res) => {
    const path = req.url ?? '/';
    seen.push(path);
    if (lie.kind === 'height' && path === `/api/block-height/${lie.height}`) {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(lie.hash);
      return;
    }
    const up = request(`${node.url}${path}`, { method: req.method, headers: req.headers }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => {
        let body = Buffer.concat(chunks);
        if (lie.kind === 'merkle' && /^\/api\/block\/[0-9a-f]{64}\/raw$/.test(path) && r.statusCode === 200) {
          body = Buffer.from(tamper(body));
        }
        const headers = { ...r.headers, 'content-length': String(body.length) };
        res.writeHead(r.statusCode ?? 500, headers).end(body);
      });
    });
    req.pipe(up);
  });
  return new Promise((resolve) =>
    proxy.listen(0, '127.0.0.1', () => {
      proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      resolve();
    }),
  );
}

/** The same header over a coinbase paying one satoshi more: its merkle root no longer matches. */
function tamper(raw: Uint8Array): Uint8Array {
  const b = Block.fromBytes(raw);
  const [cb, ...rest] = b.txs;
  const outs = cb!.outputs.map((o, i) => (i === 0 ? new TxOut(o.value + 1n, o.script) : o));
  const forged = new Tx({ version: cb!.version, inputs: cb!.inputs, outputs: outs, locktime: cb!.locktime });
  return new Block(b.header, [forged, ...rest]).toBytes();
}

async function w(...args: string[]) {
  return runInProcess(['-w', file, '--node', proxyUrl, ...args], PW);
}

async function balance(...flags: string[]): Promise<{ json: Record<string, number>; requests: string[] }> {
  seen = [];
  const r = await w(...flags, 'balance', '--json');
  if (r.code !== 0) throw new Error(`balance exited ${r.code}: ${r.err.trim()}`);
  return { json: JSON.parse(r.out) as Record<string, number>, requests: seen };
}

/** The balance a full per-address scan gives, the truth the cache must agree with. */
async function truth(): Promise<Record<string, number>> {
  return (await balance('--no-cache')).json;
}

async function files(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of await readdir(dir)) out[f] = await readFile(join(dir, f), 'utf8');
  return out;
}

let mine: Uint8Array;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gl-wallet-cache-'));
  node = await startTestNode();
  await startProxy();
  file = join(dir, 'w.json');
  const c = await runInProcess(['-n', 'regtest', '-w', file, 'create', '--scrypt-log-n', '10'], PW);
  expect(c.code).toBe(0);
  const a = await runInProcess(['-w', file, '--node', node.url, '--no-cache', 'address', '--json'], PW);
  mine = decodeAddress((JSON.parse(a.out) as { address: string }).address, regtest.address);
  await node.node.generate(102, mine);
}, 300_000);

afterAll(async () => {
  proxy?.closeAllConnections();
  await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
  await stopTestNodes();
  await rm(dir, { recursive: true, force: true });
});

describe('the local cache', () => {
  it('is written 0600 by a cold command; a warm one after no change asks the tip and the mempool only', async () => {
    const cold = await balance();
    expect(cold.json).toEqual(await truth());
    // 102 blocks: the first 3 coinbases have 100 confirmations or more.
    expect(cold.json.trusted_sat).toBe(3 * 50 * 1e8);
    expect((await stat(cachePathOf(file))).mode & 0o777).toBe(0o600);
    const warm = await balance();
    expect(warm.json).toEqual(cold.json);
    expect(warm.requests.sort()).toEqual(['/api/blocks/tip/hash', '/api/mempool/txids']);
    expect(cold.requests.length).toBeGreaterThan(40);
  }, 60_000);

  it('one new block with one payment costs O(1) more requests; a mempool payment one more', async () => {
    await node.node.generate(1, mine);
    const after = await balance();
    expect(after.json).toEqual(await truth());
    expect(after.json.trusted_sat).toBe(4 * 50 * 1e8);
    // tip hash, header, status; mempool; the cached tip's height; one raw block.
    expect(after.requests.length).toBeLessThanOrEqual(6);
    expect(after.requests.filter((p) => p.endsWith('/raw'))).toHaveLength(1);

    const to = (await w('address', '--json')).out;
    const sent = await w('send', (JSON.parse(to) as { address: string }).address, '1', '--fee-rate', '2');
    expect(sent.code, sent.err).toBe(0);
    const pending = await balance();
    expect(pending.json).toEqual(await truth());
    expect(pending.json.untrusted_pending_sat).toBeGreaterThan(0);
    // The send's own transaction is new to the cache: one raw tx more.
    expect(pending.requests.length).toBeLessThanOrEqual(3);
  }, 120_000);

  it('a block that does not hash to its merkle root is refused (exit 6); no file changes', async () => {
    await node.node.generate(1, BURN);
    const before = await files();
    lie = { kind: 'merkle' };
    try {
      const r = await w('balance');
      expect(r.code).toBe(6);
      expect(r.err).toMatch(/block [0-9a-f]{64}: its transactions do not hash to its header's merkle root/);
    } finally {
      lie = { kind: 'none' };
    }
    expect(await files()).toEqual(before);
    expect((await balance()).json).toEqual(await truth());
  }, 60_000);

  it('rescans when the cached tip is reorganised away, and refuses blocks that do not link to it', async () => {
    const cached = JSON.parse(await readFile(cachePathOf(file), 'utf8')) as {
      tip: { height: number; hash: string };
    };
    await node.rpc('invalidateblock', [cached.tip.hash]);
    // Another payee than the invalidated block's, so the new branch's blocks differ from it.
    await node.node.generate(2, p2wpkh(new Uint8Array(20).fill(0xdd)));
    // A node that says the cached tip is still in its chain, but serves blocks that do not reach it.
    const before = await files();
    lie = { kind: 'height', height: cached.tip.height, hash: cached.tip.hash };
    try {
      const r = await w('balance');
      expect(r.code).toBe(6);
      expect(r.err).toMatch(/do not link to [0-9a-f]{64}, the block it says is at height/);
    } finally {
      lie = { kind: 'none' };
    }
    expect(await files()).toEqual(before);
    seen = [];
    const r = await w('--verbose', 'balance', '--json');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/rescanning: the cached tip [0-9a-f]{64} \(height \d+\) was reorganised away/);
    expect(JSON.parse(r.out)).toEqual(await truth());
  }, 120_000);

  it('a corrupt cache is ignored with one warning and rebuilt', async () => {
    await writeFile(cachePathOf(file), '{"format":"gossip-wallet-cache","version":1,', { mode: 0o600 });
    const r = await w('balance', '--json');
    expect(r.code).toBe(0);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^gossip-wallet: warning: ignoring the wallet cache .*: not JSON; rescanning$/);
    expect(JSON.parse(r.out)).toEqual(await truth());
    expect((await stat(cachePathOf(file))).mode & 0o777).toBe(0o600);
    expect((await balance()).requests).toHaveLength(2);
  }, 60_000);
});
