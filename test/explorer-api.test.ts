/**
 * The Esplora-compatible REST API against a regtest node (issue 5, "Must be true when done"):
 * every read route answers Esplora's shape (electrs rest.rs) with values checked against the
 * node's own objects: blocks, txs with P2PKH/P2WPKH/P2SH/OP_RETURN outputs, fees, statuses,
 * outspends (unspent, spent in a block, spent in the mempool), Merkle proofs verified against
 * the block's Merkle root, addresses and scripthashes with confirmed and mempool history,
 * the mempool, fee estimates, node routes, cache headers, CORS and the OpenAPI document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../node/protocol/bytes.js';
import { hashFromDisplay, hashToDisplay, sha256 } from '../node/protocol/hash.js';
import { rootFromBranch } from '../node/protocol/merkle.js';
import { readMerkleBlock } from '../node/protocol/merkle-block.js';
import type { Tx } from '../node/protocol/tx.js';
import { makeBlock } from './helpers/blocks.js';
import {
  ALICE,
  addr,
  BOB,
  CAROL,
  type ExplorerFixture,
  explorerFixture,
  FEE1,
  FEE2,
  FEE3,
  OP_RETURN_SCRIPT,
  P2SH_SCRIPT,
} from './helpers/explorer.js';
import { stopTestNodes } from './helpers/node.js';

let f: ExplorerFixture;
beforeAll(async () => {
  f = await explorerFixture();
});
afterAll(stopTestNodes);

const LONG = 'public, max-age=157784630';
// biome-ignore lint/suspicious/noExplicitAny: JSON bodies are read field by field.
type J = Record<string, any>;

const status = (h: { height: number; hash: string; time: number }) => ({
  confirmed: true,
  block_height: h.height,
  block_hash: h.hash,
  block_time: h.time,
});
function blockStatus(height: number) {
  const e = f.t.node.chain.entryAt(height)!;
  return status({ height, hash: e.hashHex, time: e.header.time });
}

describe('blocks', () => {
  it('tip height and hash are plain text with a short cache', async () => {
    const res = await f.get('/blocks/tip/height');
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=10');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(await res.text()).toBe('103');
    expect(await f.text('/blocks/tip/hash')).toBe(f.block103.hashHex());
  });

  it('block/:hash has every Esplora field with the block values', async () => {
    const e = f.t.node.chain.entry(f.block102.hash())!;
    const b = f.block102;
    const res = await f.get(`/block/${b.hashHex().toUpperCase()}`);
    expect(res.headers.get('cache-control')).toBe(`${LONG}, immutable`);
    expect(await res.json()).toEqual({
      id: b.hashHex(),
      height: 102,
      version: b.header.version,
      timestamp: b.header.time,
      tx_count: 2,
      size: b.size(),
      weight: b.weight(),
      merkle_root: hashToDisplay(b.header.merkleRoot),
      previousblockhash: f.t.node.chain.entryAt(101)!.hashHex,
      mediantime: e.medianTimePast(),
      nonce: b.header.nonce,
      bits: b.header.bits,
      difficulty: 4.6565423739069247e-10,
    });
    // mempool.space's /v1/block adds its fee figures under `extras` (issue 20); one tx paid FEE1.
    const v1 = await f.json<{ extras: Record<string, unknown> }>(`/v1/block/${b.hashHex()}`);
    const { extras, ...plain } = v1;
    expect(plain).toEqual(await f.json(`/block/${b.hashHex()}`));
    const vsize = f.tx1.weight() / 4;
    const rate = Math.round((Number(FEE1) / vsize) * 100) / 100;
    expect(extras).toEqual({
      totalFees: Number(FEE1),
      subsidy: 5_000_000_000,
      reward: 5_000_000_000 + Number(FEE1),
      medianFee: rate,
      feeRange: Array(7).fill(rate),
      avgFee: Number(FEE1),
      avgFeeRate: rate,
    });
  });

  it('blocks pages are 10 blocks down from the tip or a height; genesis has no previous', async () => {
    const tip = await f.json<J[]>('/blocks');
    expect(tip.map((b) => b.height)).toEqual([103, 102, 101, 100, 99, 98, 97, 96, 95, 94]);
    const low = await f.json<J[]>('/blocks/3');
    expect(low.map((b) => b.height)).toEqual([3, 2, 1, 0]);
    expect(low[3]!.previousblockhash).toBeNull();
    expect(low[3]!.id).toBe('0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206');
    expect(await f.json('/v1/blocks/3')).toEqual(low);
  });

  it('header, raw, txids, txid/:index and block-height', async () => {
    const b = f.block102;
    const h = b.hashHex();
    expect(await f.text(`/block/${h}/header`)).toBe(toHex(b.header.toBytes()));
    const raw = await f.get(`/block/${h}/raw`);
    expect(raw.headers.get('content-type')).toBe('application/octet-stream');
    expect(toHex(new Uint8Array(await raw.arrayBuffer()))).toBe(toHex(b.toBytes()));
    expect(await f.json(`/block/${h}/txids`)).toEqual(b.txs.map((t) => t.txidHex()));
    expect(await f.text(`/block/${h}/txid/1`)).toBe(f.tx1.txidHex());
    expect(await f.text('/block-height/102')).toBe(h);
  });

  it('status: on the best chain with next_best; a side block is not', async () => {
    expect(await f.json(`/block/${f.block102.hashHex()}/status`)).toEqual({
      in_best_chain: true,
      height: 102,
      next_best: f.block103.hashHex(),
    });
    expect(await f.json(`/block/${f.block103.hashHex()}/status`)).toEqual({
      in_best_chain: true,
      height: 103,
      next_best: null,
    });
    const side = makeBlock({ prev: f.block102.hash(), height: 103, time: f.block103.header.time, tag: 7 });
    expect((await f.t.node.submitBlock(side)).status).toBe('side');
    expect(await f.json(`/block/${side.hashHex()}/status`)).toEqual({
      in_best_chain: false,
      height: null,
      next_best: null,
    });
    const [cb] = await f.json<J[]>(`/block/${side.hashHex()}/txs`);
    expect(cb!.status).toEqual({ confirmed: false });
    // Off the main chain there is no undo data, so no fee figures, and no long cache.
    const v1 = await f.get(`/v1/block/${side.hashHex()}`);
    expect(await v1.json()).not.toHaveProperty('extras');
    expect(v1.headers.get('cache-control')).toBe('public, max-age=10');
  });

  it('block txs pages hold Esplora txs in block order with their status', async () => {
    const txs = await f.json<J[]>(`/block/${f.block102.hashHex()}/txs`);
    expect(txs.map((t) => t.txid)).toEqual(f.block102.txs.map((t) => t.txidHex()));
    expect(txs[1]).toEqual(await f.json(`/tx/${f.tx1.txidHex()}`));
    expect(await f.json(`/block/${f.block102.hashHex()}/txs/0`)).toEqual(txs);
  });
});

describe('transactions', () => {
  it('tx1: every output type, embedded prevout, fee and confirmed status', async () => {
    const tx = await f.json<J>(`/tx/${f.tx1.txidHex()}`);
    expect(Object.keys(tx)).toEqual([
      'txid',
      'version',
      'locktime',
      'vin',
      'vout',
      'size',
      'weight',
      'fee',
      'status',
    ]);
    expect(tx.txid).toBe(f.tx1.txidHex());
    expect(tx.size).toBe(f.tx1.size());
    expect(tx.weight).toBe(f.tx1.weight());
    expect(tx.fee).toBe(Number(FEE1));
    expect(tx.status).toEqual(blockStatus(102));
    const cb1 = f.t.node.chain.entryAt(1)!;
    const coinbase1 = (await f.t.node.chain.getBlock(cb1.hash))!.txs[0]!;
    expect(tx.vin).toEqual([
      {
        txid: coinbase1.txidHex(),
        vout: 0,
        prevout: {
          scriptpubkey: toHex(ALICE.p2wpkh),
          scriptpubkey_asm: `OP_0 OP_PUSHBYTES_20 ${toHex(ALICE.pkh)}`,
          scriptpubkey_type: 'v0_p2wpkh',
          scriptpubkey_address: addr(ALICE.p2wpkh),
          value: 5_000_000_000,
        },
        scriptsig: '',
        scriptsig_asm: '',
        witness: f.tx1.inputs[0]!.witness.map(toHex),
        is_coinbase: false,
        sequence: 0xffffffff,
      },
    ]);
    expect(tx.vout.map((o: J) => [o.scriptpubkey_type, o.scriptpubkey_address, o.value])).toEqual([
      ['p2pkh', addr(BOB.p2pkh), 100_000_000],
      ['v0_p2wpkh', addr(CAROL.p2wpkh), 200_000_000],
      ['p2sh', addr(P2SH_SCRIPT), 300_000_000],
      ['op_return', undefined, 0],
      ['v0_p2wpkh', addr(ALICE.p2wpkh), Number(f.tx1.outputs[4]!.value)],
    ]);
    expect(tx.vout[0].scriptpubkey_asm).toBe(
      `OP_DUP OP_HASH160 OP_PUSHBYTES_20 ${toHex(BOB.pkh)} OP_EQUALVERIFY OP_CHECKSIG`,
    );
    expect(tx.vout[2].scriptpubkey_asm).toBe(
      `OP_HASH160 OP_PUSHBYTES_20 ${toHex(P2SH_SCRIPT.subarray(2, 22))} OP_EQUAL`,
    );
    expect(tx.vout[3].scriptpubkey_asm).toBe(
      `OP_RETURN OP_PUSHBYTES_13 ${toHex(OP_RETURN_SCRIPT.subarray(2))}`,
    );
    expect(tx.vout[3].scriptpubkey).toBe(toHex(OP_RETURN_SCRIPT));
  });

  it('tx2 spends P2SH (redeem script shown) and P2WPKH; tx3 is unconfirmed; coinbases have no prevout', async () => {
    const tx2 = await f.json<J>(`/tx/${f.tx2.txidHex()}`);
    expect(tx2.fee).toBe(Number(FEE2));
    expect(tx2.status).toEqual(blockStatus(103));
    expect(tx2.vin[0]).toMatchObject({
      scriptsig: '0151',
      scriptsig_asm: 'OP_PUSHBYTES_1 51',
      inner_redeemscript_asm: 'OP_PUSHNUM_1',
      is_coinbase: false,
      prevout: { scriptpubkey_type: 'p2sh', value: 300_000_000 },
    });
    expect(tx2.vin[0].witness).toBeUndefined();
    const tx3 = await f.json<J>(`/tx/${f.tx3.txidHex()}`);
    expect(tx3.status).toEqual({ confirmed: false });
    expect(tx3.fee).toBe(Number(FEE3));
    expect(tx3.vin[0].prevout.value).toBe(300_000_000);
    const cb = await f.json<J>(`/tx/${f.block102.txs[0]!.txidHex()}`);
    expect(cb.fee).toBe(0);
    expect(cb.vin[0]).toMatchObject({
      is_coinbase: true,
      prevout: null,
      vout: 0xffffffff,
      txid: '0'.repeat(64),
    });
  });

  it('status, hex and raw; deep txs are cached long, recent ones short', async () => {
    expect(await f.json(`/tx/${f.tx1.txidHex()}/status`)).toEqual(blockStatus(102));
    expect(await f.json(`/tx/${f.tx3.txidHex()}/status`)).toEqual({ confirmed: false });
    for (const tx of [f.tx1, f.tx3]) {
      expect(await f.text(`/tx/${tx.txidHex()}/hex`)).toBe(toHex(tx.toBytes()));
      const raw = await f.get(`/tx/${tx.txidHex()}/raw`);
      expect(toHex(new Uint8Array(await raw.arrayBuffer()))).toBe(toHex(tx.toBytes()));
    }
    expect((await f.get(`/tx/${f.tx1.txidHex()}`)).headers.get('cache-control')).toBe('public, max-age=10');
    const deep = f.t.node.chain.entryAt(5)!;
    const cb5 = (await f.t.node.chain.getBlock(deep.hash))!.txs[0]!;
    expect((await f.get(`/tx/${cb5.txidHex()}`)).headers.get('cache-control')).toBe(LONG);
  });

  it('merkle proofs verify against the block merkle root', async () => {
    for (const [tx, block] of [
      [f.tx1, f.block102],
      [f.block102.txs[0]!, f.block102],
      [f.tx2, f.block103],
    ] as const) {
      const proof = await f.json<J>(`/tx/${tx.txidHex()}/merkle-proof`);
      expect(proof.block_height).toBe(f.t.node.chain.entry(block.hash())!.height);
      expect(proof.pos).toBe(block.txs.indexOf(tx as Tx));
      const root = rootFromBranch(tx.txid(), proof.merkle.map(hashFromDisplay), proof.pos);
      expect(hashToDisplay(root)).toBe(hashToDisplay(block.header.merkleRoot));
    }
    expect((await f.get(`/tx/${f.tx3.txidHex()}/merkle-proof`)).status).toBe(404);
  });

  it('address balance: confirmed and net mempool change; the batch route agrees, in order; bad input is 400', async () => {
    type Stats = { funded_txo_sum: number; spent_txo_sum: number; tx_count: number };
    type Addr = { chain_stats: Stats; mempool_stats: Stats };
    const addrs = [CAROL.p2wpkh, BOB.p2pkh, ALICE.p2wpkh].map(addr);
    const want = [];
    for (const a of addrs) {
      const s = await f.json<Addr>(`/address/${a}`);
      const confirmed = s.chain_stats.funded_txo_sum - s.chain_stats.spent_txo_sum;
      const unconfirmed = s.mempool_stats.funded_txo_sum - s.mempool_stats.spent_txo_sum;
      const b = {
        confirmed,
        unconfirmed,
        total: confirmed + unconfirmed,
        tx_count: s.chain_stats.tx_count + s.mempool_stats.tx_count,
      };
      expect(await f.json(`/address/${a}/balance`)).toEqual(b);
      want.push({ address: a, ...b });
    }
    // CAROL's confirmed coin is spent by the mempool's tx3: a negative unconfirmed change.
    expect(want[0]!.unconfirmed).toBeLessThan(0);
    const post = (body: string) =>
      f.get('/addresses/balances', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    const ok = await post(JSON.stringify(addrs));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual(want);
    const bad: [string, string][] = [
      ['nope', 'BAD_REQUEST'],
      ['[]', 'BAD_REQUEST'],
      [JSON.stringify([addrs[0], addrs[0]]), 'BAD_REQUEST'],
      [JSON.stringify(['bc1qnotanaddress']), 'BAD_ADDRESS'],
      [JSON.stringify(Array.from({ length: 51 }, (_, i) => `${addrs[0]}${i}`)), 'TOO_MANY_ENTRIES'],
    ];
    for (const [body, code] of bad) {
      const res = await post(body);
      expect(res.status, body).toBe(400);
      expect(((await res.json()) as { code: string }).code).toBe(code);
    }
    expect((await f.get('/address/xyz/balance')).status).toBe(400);
  });

  it("merkleblock proofs are Core's gettxoutproof bytes, matching the block's header and root", async () => {
    for (const [tx, block] of [
      [f.tx1, f.block102],
      [f.block102.txs[0]!, f.block102],
      [f.tx2, f.block103],
    ] as const) {
      const res = await f.get(`/tx/${tx.txidHex()}/merkleblock-proof`);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      const proof = readMerkleBlock(fromHex(await res.text()));
      expect(proof.header.hashHex()).toBe(block.hashHex());
      expect(proof.rootMatches).toBe(true);
      expect(proof.matches.map((m) => [hashToDisplay(m.txid), m.index])).toEqual([
        [tx.txidHex(), block.txs.indexOf(tx as Tx)],
      ]);
    }
    // Unconfirmed: no block to prove it in.
    expect((await f.get(`/tx/${f.tx3.txidHex()}/merkleblock-proof`)).status).toBe(404);
  });

  it('outspends: unspent, spent in a block, unspendable, spent in the mempool', async () => {
    const spentIn103 = (vin: number) => ({
      spent: true,
      txid: f.tx2.txidHex(),
      vin,
      status: blockStatus(103),
    });
    const unspent = { spent: false };
    expect(await f.json(`/tx/${f.tx1.txidHex()}/outspends`)).toEqual([
      unspent,
      unspent,
      spentIn103(0),
      unspent,
      spentIn103(1),
    ]);
    expect(await f.json(`/tx/${f.tx1.txidHex()}/outspend/2`)).toEqual(spentIn103(0));
    expect(await f.json(`/tx/${f.tx2.txidHex()}/outspends`)).toEqual([
      { spent: true, txid: f.tx3.txidHex(), vin: 0, status: { confirmed: false } },
      unspent,
    ]);
    expect(await f.json(`/tx/${f.tx3.txidHex()}/outspend/1`)).toEqual(unspent);
  });
});

describe('addresses and scripthashes', () => {
  const stats = (fc: number, fs: number, sc: number, ss: number, n: number) => ({
    funded_txo_count: fc,
    funded_txo_sum: fs,
    spent_txo_count: sc,
    spent_txo_sum: ss,
    tx_count: n,
  });
  const carol = addr(CAROL.p2wpkh);
  const carolSh = toHex(sha256(CAROL.p2wpkh));

  it('address and scripthash stats split confirmed and mempool', async () => {
    const chain_stats = stats(2, 500_000_000, 0, 0, 2);
    const mempool_stats = stats(1, 200_000_000 - Number(FEE3), 1, 300_000_000, 1);
    expect(await f.json(`/address/${carol}`)).toEqual({ address: carol, chain_stats, mempool_stats });
    expect(await f.json(`/scripthash/${carolSh}`)).toEqual({
      scripthash: carolSh,
      chain_stats,
      mempool_stats,
    });
    expect(await f.json<J>(`/address/${addr(P2SH_SCRIPT)}`)).toMatchObject({
      chain_stats: stats(1, 300_000_000, 1, 300_000_000, 2),
    });
    expect(await f.json<J>(`/address/${addr(BOB.p2pkh)}`)).toMatchObject({
      chain_stats: { funded_txo_count: 1, funded_txo_sum: 100_000_000 },
      mempool_stats: { funded_txo_count: 1, funded_txo_sum: 100_000_000 },
    });
  });

  it('txs: mempool first, then confirmed newest first; chain pages after a seen txid', async () => {
    const ids = (l: J[]) => l.map((t) => t.txid);
    const [t1, t2, t3] = [f.tx1.txidHex(), f.tx2.txidHex(), f.tx3.txidHex()];
    for (const base of [`/address/${carol}`, `/scripthash/${carolSh}`]) {
      const all = await f.json<J[]>(`${base}/txs`);
      expect(ids(all)).toEqual([t3, t2, t1]);
      expect(all[0]).toEqual(await f.json(`/tx/${t3}`));
      expect(all[2]).toEqual(await f.json(`/tx/${t1}`));
      expect(ids(await f.json(`${base}/txs/chain`))).toEqual([t2, t1]);
      expect(ids(await f.json(`${base}/txs/chain/${t2}`))).toEqual([t1]);
      expect(ids(await f.json(`${base}/txs/chain/${t1}`))).toEqual([]);
      expect(ids(await f.json(`${base}/txs?after_txid=${t2}`))).toEqual([t1]);
      expect(ids(await f.json(`${base}/txs/mempool`))).toEqual([t3]);
    }
  });

  it('utxo: confirmed minus those spent in the mempool, plus unconfirmed outputs', async () => {
    const utxos = await f.json<J[]>(`/address/${carol}/utxo`);
    expect(utxos).toEqual([
      { txid: f.tx1.txidHex(), vout: 1, status: blockStatus(102), value: 200_000_000 },
      { txid: f.tx3.txidHex(), vout: 1, status: { confirmed: false }, value: 200_000_000 - Number(FEE3) },
    ]);
    expect(await f.json(`/scripthash/${carolSh}/utxo`)).toEqual(utxos);
    expect(await f.json(`/address/${addr(P2SH_SCRIPT)}/utxo`)).toEqual([]);
  });

  // ALICE mined blocks 1-101: about a hundred coinbase UTXOs, paged 7 at a time.
  const alice = addr(ALICE.p2wpkh);
  const pageAll = async (base: string, limit: number) => {
    const seen: J[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 1000; pages++) {
      const q: string = `?limit=${limit}${after ? `&after=${after}` : ''}`;
      const res = await f.get(`${base}/utxo${q}`);
      expect(res.status).toBe(200);
      const page = (await res.json()) as J[];
      expect(page.length).toBeLessThanOrEqual(limit);
      seen.push(...page);
      after = res.headers.get('x-next-cursor');
      if (!after) return seen;
      expect(page.length).toBe(limit);
    }
    throw new Error('paging did not end');
  };

  it('utxo ?limit=&after= pages through every UTXO once, in the unpaged order', async () => {
    const all = await f.json<J[]>(`/address/${alice}/utxo`);
    expect(all.length).toBeGreaterThan(50);
    const paged = await pageAll(`/address/${alice}`, 7);
    expect(paged).toEqual(all);
    expect(new Set(paged.map((u) => `${u.txid}:${u.vout}`)).size).toBe(all.length);
    expect(await pageAll(`/scripthash/${toHex(sha256(ALICE.p2wpkh))}`, 1000)).toEqual(all);
    // CAROL's: the confirmed one, then the mempool's, across pages of one.
    expect(await pageAll(`/address/${carol}`, 1)).toEqual(await f.json(`/address/${carol}/utxo`));
  });

  it('utxo paging refuses bad limits and forged cursors with a 400', async () => {
    const first = await f.get(`/address/${alice}/utxo?limit=2`);
    const cursor = first.headers.get('x-next-cursor')!;
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    const flipped = `${cursor.slice(0, 5)}${cursor[5] === 'A' ? 'B' : 'A'}${cursor.slice(6)}`;
    for (const q of [
      'limit=0',
      'limit=5000',
      'limit=x',
      'limit=2&after=garbage!',
      'limit=2&after=AAAA',
      `limit=2&after=${flipped}`,
    ]) {
      const res = await f.get(`/address/${alice}/utxo?${q}`);
      expect(res.status, q).toBe(400);
      expect(((await res.json()) as { error: string }).error, q).toBeTruthy();
    }
    // A cursor is bound to its address.
    const other = await f.get(`/address/${carol}/utxo?limit=2&after=${cursor}`);
    expect(other.status).toBe(400);
    expect(((await other.json()) as { code: string }).code).toBe('BAD_CURSOR');
  });

  it('txs/chain and block txs take ?limit= up to 100', async () => {
    const ids = (l: J[]) => l.map((t) => t.txid);
    const [t1, t2] = [f.tx1.txidHex(), f.tx2.txidHex()];
    expect(ids(await f.json(`/address/${carol}/txs/chain?limit=1`))).toEqual([t2]);
    expect(ids(await f.json(`/address/${carol}/txs/chain/${t2}?limit=1`))).toEqual([t1]);
    const h = f.block102.hashHex();
    const txs = await f.json<J[]>(`/block/${h}/txs`);
    expect(await f.json(`/block/${h}/txs/1?limit=1`)).toEqual(txs.slice(1, 2));
    for (const p of [`/address/${carol}/txs/chain?limit=101`, `/block/${h}/txs?limit=0`])
      expect((await f.get(p)).status, p).toBe(400);
  });

  it('POST /addresses/utxo: a page per address, in order, with each next cursor', async () => {
    const post = (body: unknown) =>
      f.get('/addresses/utxo', {
        method: 'POST',
        body: typeof body === 'string' ? body : JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
    const res = await post({ addresses: [carol, alice], limit: 3 });
    expect(res.status).toBe(200);
    const [c, a] = (await res.json()) as J[];
    expect(c).toEqual({ address: carol, utxos: await f.json(`/address/${carol}/utxo`), next: null });
    const first = await f.get(`/address/${alice}/utxo?limit=3`);
    expect(a).toEqual({
      address: alice,
      utxos: await first.json(),
      next: first.headers.get('x-next-cursor'),
    });
    const again = await post({ addresses: [{ address: alice, after: a!.next }], limit: 3 });
    const [a2] = (await again.json()) as J[];
    expect(a2!.utxos).toEqual(await f.json(`/address/${alice}/utxo?limit=3&after=${a!.next}`));
    const bad: [unknown, string][] = [
      ['nope', 'BAD_REQUEST'],
      [{ addresses: [] }, 'BAD_REQUEST'],
      [{ addresses: [alice], limit: 0 }, 'BAD_REQUEST'],
      [{ addresses: [alice], limit: 5000 }, 'BAD_REQUEST'],
      [{ addresses: [{ address: alice, after: 'forged' }] }, 'BAD_CURSOR'],
      [{ addresses: Array.from({ length: 21 }, (_, i) => `${alice}${i}`) }, 'TOO_MANY_ENTRIES'],
    ];
    for (const [body, code] of bad) {
      const r = await post(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(((await r.json()) as { code: string }).code).toBe(code);
    }
  });
});

describe('mempool, fees and node routes', () => {
  it('mempool stats, txids and recent', async () => {
    const entry = f.t.node.mempool.get(f.tx3.txid())!;
    const res = await f.get('/mempool');
    expect(res.headers.get('cache-control')).toBe('public, max-age=10');
    expect(await res.json()).toEqual({
      count: 1,
      vsize: entry.vsize,
      total_fee: Number(FEE3),
      fee_histogram: [[Number(FEE3) / (f.tx3.weight() / 4), entry.vsize]],
    });
    expect(await f.json('/mempool/txids')).toEqual([f.tx3.txidHex()]);
    expect(await f.json('/mempool/recent')).toEqual([
      { txid: f.tx3.txidHex(), fee: Number(FEE3), vsize: entry.vsize, value: 300_000_000 },
    ]);
  });

  it('fee-estimates: every Esplora target, sat/vB, never below the relay floor, non-increasing', async () => {
    const est = await f.json<Record<string, number>>('/fee-estimates');
    const targets = [...Array.from({ length: 25 }, (_, i) => String(i + 1)), '144', '504', '1008'];
    expect(Object.keys(est).sort((a, b) => Number(a) - Number(b))).toEqual(targets);
    const values = targets.map((t) => est[t]!);
    for (let i = 0; i < values.length; i++) {
      expect(values[i]).toBeGreaterThanOrEqual(1);
      if (i > 0) expect(values[i]).toBeLessThanOrEqual(values[i - 1]!);
    }
  });

  it('tx/:txid/replacement: 404 JSON for a tx never replaced, 400 for a bad txid', async () => {
    // A replaced tx's 200 is in explorer-web.test.ts, with the page that shows it.
    const none = await f.get(`/tx/${f.tx3.txidHex()}/replacement`);
    expect(none.status).toBe(404);
    expect(await none.json()).toEqual({ error: 'replacement not found', code: 'NOT_FOUND' });
    const bad = await f.get('/tx/xyz/replacement');
    expect(bad.status).toBe(400);
  });

  it('chain and peers', async () => {
    const c = await f.json<J>('/chain');
    const tip = f.t.node.chain.tip;
    expect(c).toEqual({
      network: 'regtest',
      height: 103,
      tip_hash: tip.hashHex,
      chainwork: tip.chainWork.toString(16).padStart(64, '0'),
      difficulty: 4.6565423739069247e-10,
      mediantime: tip.medianTimePast(),
      mempool: { count: 1, bytes: f.tx3.size(), vsize: f.t.node.mempool.get(f.tx3.txid())!.vsize },
      peers: 0,
      // Its blocks are fresh (generatetoaddress), so it is out of IBD; no peers to hear of more.
      sync: {
        best_known_height: 103,
        progress: 1,
        synced: true,
        state: 'waiting for peers',
        initial_block_download: false,
      },
    });
    expect(await f.json('/peers')).toEqual([]);
  });

  it('the OpenAPI document lists every route and the docs page is served', async () => {
    const doc = await f.json<J>('/openapi.json');
    expect(doc.openapi).toMatch(/^3\./);
    const paths = Object.keys(doc.paths);
    for (const p of [
      '/api/blocks/tip/height',
      '/api/block/{hash}/txs/{start_index}',
      '/api/tx/{txid}/merkle-proof',
      '/api/tx/{txid}/merkleblock-proof',
      '/api/address/{address}/balance',
      '/api/addresses/balances',
      '/api/addresses/utxo',
      '/api/txs/package',
      '/api/address/{address}/txs/chain/{last_seen_txid}',
      '/api/scripthash/{hash}/utxo',
      '/api/fee-estimates',
      '/api/anchors/{id}',
      '/api/tx',
      '/api/tx/{txid}/replacement',
    ])
      expect(paths).toContain(p);
    expect(paths).not.toContain('/rpc');
    expect(
      doc.paths['/api/tx/{txid}'].get.responses['200'].content['application/json'].schema.properties,
    ).toHaveProperty('vin');
    const page = await fetch(`${f.t.url}/api/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
  });
});
