/**
 * The explorer API on bad input and writes (issue 5): every malformed hash, height, index,
 * address (including another network's), scripthash or page is a 400 JSON error and every
 * unknown item a 404 JSON error, never a 500 or a stack trace; POST /api/tx and /api/tx/push
 * take raw hex in any content type, answer the txid as text, reject as Esplora does (400 text
 * with Core's code and reason), and are bounded in body size and rate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExplorer } from '../explorer-api/index.js';
import { encodeAddress } from '../node/protocol/address.js';
import { toHex } from '../node/protocol/bytes.js';
import { main, regtest } from '../node/protocol/params.js';
import { TxOut } from '../node/protocol/tx.js';
import { BOB, CAROL, type ExplorerFixture, explorerFixture } from './helpers/explorer.js';
import { outpointOf, signedSpend } from './helpers/keys.js';
import { stopTestNodes } from './helpers/node.js';

let f: ExplorerFixture;
beforeAll(async () => {
  f = await explorerFixture();
});
afterAll(stopTestNodes);

const UNKNOWN = 'ab'.repeat(32);
const SHORT = 'ab'.repeat(31);
const NOT_HEX = `${'ab'.repeat(31)}zz`;

async function expectError(path: string, status: 400 | 404) {
  const res = await f.get(path);
  const body = await res.text();
  expect({ path, status: res.status }).toEqual({ path, status });
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const json = JSON.parse(body) as { error: string; code: string };
  expect(typeof json.error).toBe('string');
  expect(body).not.toMatch(/\bat .*\.(js|ts):\d+/);
}

describe('malformed parameters are 400, unknown items 404', () => {
  it('blocks', async () => {
    const h = f.block102.hashHex();
    for (const bad of [SHORT, NOT_HEX, `${h}00`, 'tip']) {
      for (const suffix of ['', '/header', '/status', '/txs', '/txids', '/raw', '/txs/0', '/txid/0'])
        await expectError(`/block/${bad}${suffix}`, 400);
    }
    for (const suffix of ['', '/header', '/status', '/txs', '/txids', '/raw', '/txid/0'])
      await expectError(`/block/${UNKNOWN}${suffix}`, 404);
    for (const bad of ['-1', 'abc', '1.5', '99999999999', '2147483648', '0x10']) {
      await expectError(`/block-height/${bad}`, 400);
      await expectError(`/blocks/${bad}`, 400);
      await expectError(`/block/${h}/txs/${bad}`, 400);
      await expectError(`/block/${h}/txid/${bad}`, 400);
    }
    await expectError('/block-height/104', 404);
    await expectError('/blocks/5000', 404);
    await expectError(`/block/${h}/txs/7`, 400);
    await expectError(`/block/${h}/txs/25`, 400);
    await expectError(`/block/${h}/txid/2`, 404);
  });

  it('transactions', async () => {
    const t = f.tx1.txidHex();
    const suffixes = [
      '',
      '/status',
      '/hex',
      '/raw',
      '/merkle-proof',
      '/merkleblock-proof',
      '/outspends',
      '/outspend/0',
    ];
    for (const suffix of suffixes) {
      for (const bad of [SHORT, NOT_HEX, `${t}0`]) await expectError(`/tx/${bad}${suffix}`, 400);
      await expectError(`/tx/${UNKNOWN}${suffix}`, 404);
    }
    for (const bad of ['-1', 'x', '4294967296999']) await expectError(`/tx/${t}/outspend/${bad}`, 400);
    // electrs: an output the tx does not have is simply not spent.
    expect(await f.json(`/tx/${t}/outspend/5`)).toEqual({ spent: false });
  });

  it('addresses, scripthashes and pages', async () => {
    const carol = encodeAddress(CAROL.p2wpkh, { ...main.address })!;
    const mainP2pkh = encodeAddress(BOB.p2pkh, main.address)!;
    const tb1 = 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx';
    const badChecksum = `${encodeAddress(CAROL.p2wpkh, { bech32: 'bcrt', pubkeyHash: 111, scriptHash: 196, wif: 239 })!.slice(0, -1)}q`;
    for (const bad of [
      carol,
      mainP2pkh,
      tb1,
      badChecksum,
      'notanaddress',
      'bcrt1',
      '1',
      `${'1'.repeat(200)}`,
      'a%20b',
    ]) {
      for (const suffix of [
        '',
        '/txs',
        '/txs/chain',
        '/txs/mempool',
        '/utxo',
        `/txs/chain/${f.tx1.txidHex()}`,
      ])
        await expectError(`/address/${bad}${suffix}`, 400);
    }
    for (const bad of [SHORT, NOT_HEX]) {
      await expectError(`/scripthash/${bad}`, 400);
      await expectError(`/scripthash/${bad}/utxo`, 400);
    }
    const good = encodeAddress(CAROL.p2wpkh, { bech32: 'bcrt', pubkeyHash: 111, scriptHash: 196, wif: 239 })!;
    await expectError(`/address/${good}/txs/chain/${SHORT}`, 400);
    await expectError(`/address/${good}/txs?after_txid=${NOT_HEX}`, 400);
    await expectError(`/address/${good}/txs/chain/${UNKNOWN}`, 404);
  });

  it('anchors, unknown endpoints and odd URLs never give a 500', async () => {
    await expectError('/anchors/00', 400);
    await expectError(`/anchors/${NOT_HEX}`, 400);
    await expectError(`/anchors/${UNKNOWN}`, 404);
    await expectError('/nope', 404);
    await expectError('/tx', 404);
    for (const odd of [
      '/tx/%zz',
      '/block/%00',
      '/address/%E0%A4%A',
      '/blocks/tip/%2e%2e',
      '/tx//status',
      '/mempool/x',
    ]) {
      const res = await f.get(odd);
      expect(res.status, odd).toBeGreaterThanOrEqual(400);
      expect(res.status, odd).toBeLessThan(500);
    }
  });
});

describe('POST /api/tx', () => {
  const post = (path: string, body: string, type?: string) =>
    f.get(path, { method: 'POST', body, headers: type ? { 'content-type': type } : {} });

  it('accepts raw hex as text/plain (or any type) and answers the txid as text', async () => {
    const tx = signedSpend(
      [{ prevout: outpointOf(f.tx1, 1), value: 200_000_000n, key: CAROL }],
      [new TxOut(199_990_000n, BOB.p2wpkh)],
    );
    const hex = toHex(tx.toBytes());
    const carol = encodeAddress(CAROL.p2wpkh, regtest.address)!;
    const utxoIds = async () =>
      (await f.json<{ txid: string; vout: number }[]>(`/address/${carol}/utxo`)).map(
        (u) => `${u.txid}:${u.vout}`,
      );
    expect(await utxoIds()).toContain(`${f.tx1.txidHex()}:1`);
    const res = await post('/tx', `${hex}\n`, 'text/plain');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe(tx.txidHex());
    expect(await f.json<string[]>('/mempool/txids')).toContain(tx.txidHex());
    const mempoolTxs = await f.json<{ txid: string }[]>(
      `/address/${encodeAddress(BOB.p2wpkh, { bech32: 'bcrt', pubkeyHash: 111, scriptHash: 196, wif: 239 })}/txs/mempool`,
    );
    expect(mempoolTxs.map((t) => t.txid)).toEqual([tx.txidHex()]);
    // The cached UTXO answer follows the mempool: the coin it spends is gone.
    expect(await utxoIds()).not.toContain(`${f.tx1.txidHex()}:1`);
    // Already in the mempool: the txid again (as Core and Esplora), whatever the content type.
    const again = await post('/tx/push', hex, 'application/x-www-form-urlencoded');
    expect([again.status, await again.text()]).toEqual([200, tx.txidHex()]);
    const json = await post('/tx', hex, 'application/json');
    expect([json.status, await json.text()]).toEqual([200, tx.txidHex()]);
  });

  it('rejections are 400 text with Core code and reason; nothing is added', async () => {
    const before = await f.json<string[]>('/mempool/txids');
    const cases: [string, RegExp][] = [
      ['zz', /^sendrawtransaction RPC error: \{"code":-22,"message":"TX decode failed: /],
      ['', /^sendrawtransaction RPC error: \{"code":-22,/],
      ['0200000000', /^sendrawtransaction RPC error: \{"code":-22,/],
      [
        toHex(f.tx2.toBytes()),
        /^sendrawtransaction RPC error: \{"code":-27,"message":"Transaction outputs already in utxo set"\}$/,
      ],
    ];
    // Double spend of tx1:2 (spent by tx2 in block 103).
    const double = signedSpend(
      [{ prevout: outpointOf(f.tx1, 2), value: 300_000_000n, scriptSig: Uint8Array.of(0x01, 0x51) }],
      [new TxOut(299_000_000n, BOB.p2wpkh)],
    );
    cases.push([
      toHex(double.toBytes()),
      /^sendrawtransaction RPC error: \{"code":-25,"message":"bad-txns-inputs-missingorspent"\}$/,
    ]);
    // Fee below the relay minimum.
    const cheap = signedSpend(
      [{ prevout: outpointOf(f.tx3, 1), value: 200_000_000n - 5_000n, key: CAROL }],
      [new TxOut(200_000_000n - 5_000n - 10n, BOB.p2wpkh)],
    );
    cases.push([
      toHex(cheap.toBytes()),
      /^sendrawtransaction RPC error: \{"code":-26,"message":"min relay fee not met/,
    ]);
    for (const [body, want] of cases) {
      const res = await post('/tx', body, 'text/plain');
      const text = await res.text();
      expect({ status: res.status, text }).toMatchObject({ status: 400 });
      expect(text).toMatch(want);
    }
    expect(await f.json('/mempool/txids')).toEqual(before);
  });

  it("a fee over the node's max-fee-rate (Core's default 0.10 coin/kvB) is refused with -25", async () => {
    const before = await f.json<string[]>('/mempool/txids');
    // tx3:1 (1.99995 coins) paying out 0.0001: about 2 coins of fee for ~110 vB.
    const greedy = signedSpend(
      [{ prevout: outpointOf(f.tx3, 1), value: 200_000_000n - 5_000n, key: CAROL }],
      [new TxOut(10_000n, BOB.p2wpkh)],
    );
    const res = await post('/tx', toHex(greedy.toBytes()), 'text/plain');
    expect([res.status, await res.text()]).toEqual([
      400,
      'sendrawtransaction RPC error: {"code":-25,"message":"Fee exceeds maximum configured by user (e.g. -maxtxfee, maxfeerate)"}',
    ]);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await f.json('/mempool/txids')).toEqual(before);
  });

  it('bodies over the limit are refused with 413', async () => {
    const res = await post('/tx', 'ab'.repeat(600_000), 'text/plain');
    expect(res.status).toBe(413);
  });

  it('POSTs are rate limited per client; the 429 says so; loopback and RPC users are exempt by default', async () => {
    const postFrom = (
      app: ReturnType<typeof buildExplorer>,
      ip: string,
      headers: Record<string, string> = {},
    ) =>
      app.inject({
        method: 'POST',
        url: '/api/tx',
        payload: 'zz',
        remoteAddress: ip,
        headers: { 'content-type': 'text/plain', ...headers },
      });
    const limited = buildExplorer(f.t.node, {
      postRateLimit: { max: 2, timeWindow: 60_000, limitLocal: true },
    });
    const exempt = buildExplorer(f.t.node, {
      postRateLimit: { max: 1, timeWindow: 60_000 },
      authenticated: (h) => h === 'Basic b2s6b2s=',
    });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 3; i++) codes.push((await postFrom(limited, '127.0.0.1')).statusCode);
      expect(codes).toEqual([400, 400, 429]);
      const over = await postFrom(limited, '127.0.0.1');
      expect(over.json()).toMatchObject({ code: 'RATE_LIMITED' });
      expect(over.json().error).toMatch(/rate limit exceeded: at most 2 requests per client/);
      expect(over.headers['retry-after']).toBeDefined();
      const get = await limited.inject({ method: 'GET', url: '/api/blocks/tip/height' });
      expect(get.statusCode).toBe(200);

      // Default: loopback and a client with the RPC credentials are not counted; others are.
      for (let i = 0; i < 3; i++) expect((await postFrom(exempt, '127.0.0.1')).statusCode).toBe(400);
      const auth = { authorization: 'Basic b2s6b2s=' };
      for (let i = 0; i < 3; i++) expect((await postFrom(exempt, '203.0.113.5', auth)).statusCode).toBe(400);
      const far = [];
      for (let i = 0; i < 2; i++) far.push((await postFrom(exempt, '203.0.113.6')).statusCode);
      expect(far).toEqual([400, 429]);
    } finally {
      await limited.close();
      await exempt.close();
    }
  });

  it('POST /tx is allowed cross-origin, as Esplora', async () => {
    const res = await f.get('/tx', {
      method: 'POST',
      body: 'zz',
      headers: { 'content-type': 'text/plain', origin: 'https://wallet.example' },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const pre = await f.get('/tx', {
      method: 'OPTIONS',
      headers: { origin: 'https://wallet.example', 'access-control-request-method': 'POST' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-methods')).toMatch(/POST/);
  });
});
