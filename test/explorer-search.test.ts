/**
 * The two routes electrs serves behind a flag (issue 20), as contract tests on a regtest node:
 * GET /api/address-prefix/:prefix (setting address-search: sorted, at most 10, bad input 400,
 * 400 "address search disabled" when off, 503 for a data dir synced without the index, and a
 * disconnected block's addresses gone) and GET /api/block-template (setting
 * http-block-template: Core's getblocktemplate for the next block, the same as the RPC's, not
 * cached past a new tip; 404 when off).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FullNode } from '../node/node.js';
import { encodeAddress } from '../node/protocol/address.js';
import { hash160 } from '../node/protocol/hash.js';
import { blockHashFromDisplay } from '../node/protocol/ids.js';
import { regtest } from '../node/protocol/params.js';
import { p2sh } from '../node/protocol/script/templates.js';
import { OutPoint, TxOut } from '../node/protocol/tx.js';
import { signedSpend, testKey } from './helpers/keys.js';
import { startTestNode, stopTestNodes, type TestNode } from './helpers/node.js';

const ALICE = testKey('search alice');
const BOB = testKey('search bob');
// Enough addresses that a short prefix has more than ten matches.
const PAYEES = Array.from({ length: 14 }, (_, i) => testKey(`search payee ${i}`));
const P2SH = p2sh(hash160(Uint8Array.of(0x51)));
const addr = (script: Uint8Array) => encodeAddress(script, regtest.address)!;

afterAll(stopTestNodes);

async function get(t: TestNode, path: string): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(`${t.url}/api${path}`, { signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, body, headers: res.headers };
}

describe('address-prefix and block-template on', () => {
  let t: TestNode;
  let paid: string[];
  let payBlock: string;
  beforeAll(async () => {
    t = await startTestNode({ addressSearch: true, httpBlockTemplate: true });
    const [first] = await t.node.generate(101, ALICE.p2wpkh);
    const cb = (await t.node.chain.getBlock(blockHashFromDisplay(first!)))!.txs[0]!;
    const value = cb.outputs[0]!.value;
    const outs = [
      new TxOut(10_000_000n, BOB.p2pkh),
      new TxOut(10_000_000n, P2SH),
      ...PAYEES.map((k) => new TxOut(10_000_000n, k.p2wpkh)),
    ];
    const rest = value - 10_000_000n * BigInt(outs.length) - 20_000n;
    const tx = signedSpend(
      [{ prevout: new OutPoint(cb.txid(), 0), value, key: ALICE }],
      [...outs, new TxOut(rest, ALICE.p2wpkh)],
    );
    expect((await t.node.submitTx(tx)).status).toBe('accepted');
    [payBlock] = (await t.node.generate(1, ALICE.p2wpkh)) as [string];
    paid = [ALICE.p2wpkh, BOB.p2pkh, P2SH, ...PAYEES.map((k) => k.p2wpkh)].map(addr);
  }, 120_000);

  const expected = (prefix: string) =>
    [...new Set(paid)]
      .filter((a) => a.startsWith(prefix))
      .sort()
      .slice(0, 10);

  it('answers the addresses seen on chain that start with the prefix, sorted, at most 10', async () => {
    const bob = addr(BOB.p2pkh);
    for (const prefix of [bob.slice(0, 4), bob, addr(P2SH).slice(0, 3), 'bcrt1q', 'bcrt1', 'b']) {
      const r = await get(t, `/address-prefix/${prefix}`);
      expect({ prefix, status: r.status }).toEqual({ prefix, status: 200 });
      expect(r.body).toEqual(expected(prefix));
    }
    expect(((await get(t, '/address-prefix/bcrt1q')).body as string[]).length).toBe(10);
    // Bech32 in capitals finds the lower-case addresses.
    const alice = addr(ALICE.p2wpkh);
    expect((await get(t, `/address-prefix/${alice.slice(0, 12).toUpperCase()}`)).body).toEqual(
      expected(alice.slice(0, 12)),
    );
    // Nothing starts with this (a base58 P2PKH on regtest starts with m or n).
    expect((await get(t, '/address-prefix/zzzz')).body).toEqual([]);
  });

  it('bad prefixes are a 400 JSON error, never a 500', async () => {
    for (const bad of ['bcrt1O', 'mI', `${'q'.repeat(91)}`, 'a%20b', 'a-b', '%C3%A9', 'a.b']) {
      const r = await get(t, `/address-prefix/${bad}`);
      expect({ bad, status: r.status }).toEqual({ bad, status: 400 });
      expect(typeof (r.body as { error: string }).error).toBe('string');
    }
    expect((await get(t, '/address-prefix/')).status).toBe(400);
  });

  it('block-template: the RPC getblocktemplate of the next block, no-store, renewed with the tip', async () => {
    const spend = signedSpend(
      [
        {
          prevout: new OutPoint(
            (await t.node.chain.getBlock(t.node.chain.entryAt(2)!.hash))!.txs[0]!.txid(),
            0,
          ),
          value: 50_0000_0000n,
          key: ALICE,
        },
      ],
      [new TxOut(49_9990_0000n, BOB.p2wpkh)],
    );
    expect((await t.node.submitTx(spend)).status).toBe('accepted');
    const r = await get(t, '/block-template');
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    const body = r.body as { height: number; previousblockhash: string; transactions: { txid: string }[] };
    expect(body.height).toBe(t.node.chain.height + 1);
    expect(body.previousblockhash).toBe(t.node.chain.tip.hashHex);
    expect(body.transactions.map((x) => x.txid)).toEqual([spend.txidHex()]);
    const rpc = await t.rpc<Record<string, unknown>>('getblocktemplate', [{ rules: ['segwit'] }]);
    const { curtime: _a, longpollid: _b, ...rest } = rpc;
    expect(body).toMatchObject(rest);
    await t.node.generate(1, ALICE.p2wpkh);
    const next = (await get(t, '/block-template')).body as typeof body;
    expect(next.previousblockhash).toBe(t.node.chain.tip.hashHex);
    expect(next.transactions).toEqual([]);
  });

  it('a disconnected block takes its addresses out of the index', async () => {
    const bob = addr(BOB.p2pkh);
    expect((await get(t, `/address-prefix/${bob}`)).body).toEqual([bob]);
    await t.rpc('invalidateblock', [payBlock]);
    expect((await get(t, `/address-prefix/${bob}`)).body).toEqual([]);
    await t.rpc('reconsiderblock', [payBlock]);
    expect((await get(t, `/address-prefix/${bob}`)).body).toEqual([bob]);
  });
});

describe('address-prefix and block-template off', () => {
  it('address search off: 400 "address search disabled" as electrs; block-template: 404', async () => {
    const t = await startTestNode();
    await t.node.generate(2, ALICE.p2wpkh);
    const r = await get(t, '/address-prefix/bcrt1q');
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: 'address search disabled' });
    const b = await get(t, '/block-template');
    expect(b.status).toBe(404);
    expect((b.body as { error: string }).error).toMatch(/http-block-template/);
  });

  it('a data dir synced without the index answers 503 until synced afresh, and an empty chain []', async () => {
    const datadir = await mkdtemp(join(tmpdir(), 'gl-search-'));
    const config = {
      network: 'regtest' as const,
      datadir,
      httpHost: '127.0.0.1',
      httpPort: 0,
      rpcPort: 0,
      p2pPort: 0,
      p2p: false,
      mine: false,
      logLevel: 'silent' as const,
    };
    let node: FullNode | undefined;
    try {
      node = await FullNode.start({ ...config, addressSearch: true });
      const empty = await fetch(`${node.httpUrl}/api/address-prefix/bcrt1q`);
      expect(await empty.json()).toEqual([]);
      await node.stop();
      node = undefined;
      node = await FullNode.start(config);
      await node.generate(3, ALICE.p2wpkh);
      await node.stop();
      node = undefined;
      node = await FullNode.start({ ...config, addressSearch: true });
      await node.generate(1, ALICE.p2wpkh);
      const r = await fetch(`${node.httpUrl}/api/address-prefix/bcrt1q`);
      expect(r.status).toBe(503);
      expect(((await r.json()) as { error: string }).error).toMatch(/synced without address-search/);
    } finally {
      await node?.stop();
      await rm(datadir, { recursive: true, force: true });
    }
  }, 60_000);
});
