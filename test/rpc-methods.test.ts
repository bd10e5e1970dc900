/**
 * A contract test per RPC method added for issue 20, on a real regtest node: Core's result shape
 * and, for bad input, Core's error code, never a crash (the node answers getblockcount after).
 * estimatesmartfee, gettxout, decoderawtransaction, decodescript, validateaddress, getchaintips,
 * getdifficulty, getblockstats, getmempoolancestors / getmempooldescendants, getblocktemplate,
 * submitblock, getmininginfo, uptime, getrpcinfo, invalidateblock, help, and the new
 * getblockchaininfo fields. getpeerinfo's new fields are checked with two connected nodes;
 * ping and disconnectnode in rpc-net.test.ts and here over the wire.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { encodeAddress } from '../node/protocol/address.js';
import { toHex } from '../node/protocol/bytes.js';
import { hash160 } from '../node/protocol/hash.js';
import { regtest } from '../node/protocol/params.js';
import { p2sh, p2wpkh } from '../node/protocol/script/templates.js';
import { OutPoint, type Tx, TxOut } from '../node/protocol/tx.js';
import { makeBlock } from './helpers/blocks.js';
import { payTo, signedSpend, testKey } from './helpers/keys.js';
import { rpcError, startTestNode, stopTestNodes, type TestNode } from './helpers/node.js';
import { startNetNode, stopNetNodes, waitFor } from './helpers/p2p.js';

afterEach(stopTestNodes);
afterAll(stopNetNodes);

const MINER = testKey('rpc methods miner');
const addr = (script: Uint8Array) => encodeAddress(script, regtest.address)!;
const code = async (t: TestNode, method: string, params: unknown[] | Record<string, unknown> = []) =>
  (await rpcError(t.rpc(method, params as unknown[]))).code;

/** A node with 101 blocks to MINER, and the coinbase of block `h` spendable. */
async function funded(): Promise<TestNode & { coinbaseOf: (h: number) => Promise<Tx> }> {
  const t = await startTestNode();
  await t.rpc('generatetoaddress', [101, addr(MINER.p2wpkh)]);
  const coinbaseOf = async (h: number) =>
    (await t.node.chain.getBlock(t.node.chain.entryAt(h)!.hash))!.txs[0]!;
  return Object.assign(t, { coinbaseOf });
}

describe('chain and mempool methods', () => {
  it('gettxout: the coin, null once spent in the mempool (or with include_mempool false, the chain view)', async () => {
    const t = await funded();
    const cb = await t.coinbaseOf(1);
    const out = (await t.rpc('gettxout', [cb.txidHex(), 0])) as Record<string, unknown>;
    expect(out).toEqual({
      bestblock: t.node.chain.tip.hashHex,
      confirmations: 101,
      value: 50,
      scriptPubKey: {
        asm: `0 ${toHex(MINER.pkh)}`,
        hex: toHex(MINER.p2wpkh),
        type: 'witness_v0_keyhash',
        address: addr(MINER.p2wpkh),
      },
      coinbase: true,
    });
    expect(await t.rpc('gettxout', [cb.txidHex(), 1])).toBeNull();
    const tx = signedSpend(
      [{ prevout: new OutPoint(cb.txid(), 0), value: 5_000_000_000n, key: MINER }],
      [payTo(MINER, 4_999_990_000n)],
    );
    await t.rpc('sendrawtransaction', [toHex(tx.toBytes())]);
    expect(await t.rpc('gettxout', [cb.txidHex(), 0])).toBeNull();
    expect(await t.rpc('gettxout', [cb.txidHex(), 0, false])).toMatchObject({
      value: 50,
      confirmations: 101,
    });
    expect(await t.rpc('gettxout', [tx.txidHex(), 0])).toMatchObject({
      value: 49.9999,
      confirmations: 0,
      coinbase: false,
    });
    expect(await t.rpc('gettxout', [tx.txidHex(), 0, false])).toBeNull();
    expect(await code(t, 'gettxout', ['zz', 0])).toBe(-8);
    expect(await code(t, 'gettxout', [cb.txidHex(), 'x'])).toBe(-3);
    expect(await code(t, 'gettxout', [cb.txidHex(), -1])).toBe(-8);
    expect(await code(t, 'gettxout', [cb.txidHex()])).toBe(-1);
  });

  it('getmempoolancestors / getmempooldescendants: txids or entries, -5 for a tx not in the mempool', async () => {
    const t = await funded();
    const cb = await t.coinbaseOf(1);
    const a = signedSpend(
      [{ prevout: new OutPoint(cb.txid(), 0), value: 5_000_000_000n, key: MINER }],
      [payTo(MINER, 4_999_990_000n)],
    );
    const b = signedSpend(
      [{ prevout: new OutPoint(a.txid(), 0), value: 4_999_990_000n, key: MINER }],
      [payTo(MINER, 4_999_980_000n)],
    );
    const c = signedSpend(
      [{ prevout: new OutPoint(b.txid(), 0), value: 4_999_980_000n, key: MINER }],
      [payTo(MINER, 4_999_970_000n)],
    );
    for (const x of [a, b, c]) await t.rpc('sendrawtransaction', [toHex(x.toBytes())]);
    expect(((await t.rpc('getmempoolancestors', [c.txidHex()])) as string[]).sort()).toEqual(
      [a.txidHex(), b.txidHex()].sort(),
    );
    expect(await t.rpc('getmempoolancestors', [a.txidHex()])).toEqual([]);
    expect(((await t.rpc('getmempooldescendants', [a.txidHex()])) as string[]).sort()).toEqual(
      [b.txidHex(), c.txidHex()].sort(),
    );
    const verbose = (await t.rpc('getmempooldescendants', [b.txidHex(), true])) as Record<
      string,
      { depends: string[] }
    >;
    expect(Object.keys(verbose)).toEqual([c.txidHex()]);
    expect(verbose[c.txidHex()]!.depends).toEqual([b.txidHex()]);
    expect(await code(t, 'getmempoolancestors', [cb.txidHex()])).toBe(-5);
    expect(await code(t, 'getmempooldescendants', ['00'])).toBe(-8);
  });

  it('getblockstats: fees, sizes, counts and UTXO change of a block; a chosen subset; Core errors', async () => {
    const t = await funded();
    const cb = await t.coinbaseOf(1);
    const tx = signedSpend(
      [{ prevout: new OutPoint(cb.txid(), 0), value: 5_000_000_000n, key: MINER }],
      [payTo(MINER, 4_999_990_000n)],
    );
    await t.rpc('sendrawtransaction', [toHex(tx.toBytes())]);
    await t.rpc('generatetoaddress', [1, addr(MINER.p2wpkh)]);
    const s = (await t.rpc('getblockstats', [102])) as Record<string, number | number[]>;
    const fee = 10_000;
    expect(s).toMatchObject({
      height: 102,
      blockhash: t.node.chain.tip.hashHex,
      txs: 2,
      ins: 1,
      outs: 3, // the spend's output, the coinbase's payout and its witness commitment
      totalfee: fee,
      minfee: fee,
      maxfee: fee,
      avgfee: fee,
      medianfee: fee,
      subsidy: 5_000_000_000,
      total_out: 4_999_990_000,
      total_size: tx.size(),
      total_weight: tx.weight(),
      swtxs: 1,
      avgfeerate: Math.floor((fee * 4) / tx.weight()),
      feerate_percentiles: Array(5).fill(Math.floor((fee * 4) / tx.weight())),
      // Three outputs (the commitment among them, never a UTXO) for one input spent.
      utxo_increase: 2,
      utxo_increase_actual: 1,
    });
    expect(await t.rpc('getblockstats', [t.node.chain.tip.hashHex, ['txs', 'height']])).toEqual({
      height: 102,
      txs: 2,
    });
    expect(await code(t, 'getblockstats', [103])).toBe(-8);
    expect(await code(t, 'getblockstats', [-1])).toBe(-8);
    expect(await code(t, 'getblockstats', ['00'.repeat(32)])).toBe(-5);
    expect(await code(t, 'getblockstats', [1, ['nosuchstat']])).toBe(-8);
    expect(await code(t, 'getblockstats', [1, 'txs'])).toBe(-3);
  });

  it('getchaintips, getdifficulty, invalidateblock, reconsiderblock; getblockchaininfo has size_on_disk, bits, target', async () => {
    const t = await startTestNode();
    const hashes = (await t.rpc('generatetoaddress', [3, addr(MINER.p2wpkh)])) as string[];
    expect(await t.rpc('getchaintips')).toEqual([
      { height: 3, hash: hashes[2], branchlen: 0, status: 'active' },
    ]);
    // Core prints 4.656542373906925e-10 (16 significant digits) for regtest's 0x207fffff.
    expect(await t.rpc('getdifficulty')).toBeCloseTo(4.656542373906925e-10, 24);
    // A side branch from block 1, one block long and with less work: valid-fork.
    const e1 = t.node.chain.entryAt(1)!;
    const side = makeBlock({ prev: e1.hash, height: 2, time: e1.medianTimePast() + 1000, tag: 7 });
    await t.rpc('submitblock', [toHex(side.toBytes())]);
    const tips = (await t.rpc('getchaintips')) as { hash: string; status: string; branchlen: number }[];
    expect(tips).toContainEqual({ height: 2, hash: side.hashHex(), branchlen: 1, status: 'valid-fork' });
    await t.rpc('invalidateblock', [hashes[1]]);
    expect(await t.rpc('getblockcount')).toBe(2);
    expect(await t.rpc('getbestblockhash')).toBe(side.hashHex());
    const after = (await t.rpc('getchaintips')) as { hash: string; status: string }[];
    expect(after.find((x) => x.hash === hashes[2])?.status).toBe('invalid');
    // reconsiderblock undoes it: the longer branch wins again.
    await t.rpc('reconsiderblock', [hashes[1]]);
    expect(await t.rpc('getbestblockhash')).toBe(hashes[2]);
    expect(await t.rpc('getblockcount')).toBe(3);
    expect(((await t.rpc('getchaintips')) as { status: string }[]).map((x) => x.status).sort()).toEqual([
      'active',
      'valid-fork',
    ]);
    await t.rpc('invalidateblock', [hashes[1]]);
    expect(await code(t, 'reconsiderblock', ['00'.repeat(32)])).toBe(-5);
    expect(await code(t, 'reconsiderblock', [])).toBe(-1);
    expect(await code(t, 'invalidateblock', ['00'.repeat(32)])).toBe(-5);
    expect(await code(t, 'invalidateblock', ['xyz'])).toBe(-8);
    const info = (await t.rpc('getblockchaininfo')) as Record<string, unknown>;
    expect(info).toMatchObject({
      chain: 'regtest',
      blocks: 2,
      bits: '207fffff',
      pruned: false,
      warnings: [],
    });
    expect(info.target).toBe(`7fffff${'0'.repeat(58)}`);
    expect(info.size_on_disk).toBeGreaterThan(0);
  });

  it('invalidateblock and reconsiderblock survive a restart (each stored in one batch)', async () => {
    const t = await startTestNode();
    const hashes = (await t.rpc('generatetoaddress', [3, addr(MINER.p2wpkh)])) as string[];
    await t.rpc('invalidateblock', [hashes[1]]);
    await t.node.stop();
    const again = await startTestNode({ datadir: t.datadir });
    expect(await again.rpc('getblockcount')).toBe(1);
    await again.rpc('reconsiderblock', [hashes[2]]);
    expect(await again.rpc('getbestblockhash')).toBe(hashes[2]);
    await again.node.stop();
    const third = await startTestNode({ datadir: t.datadir });
    expect(await third.rpc('getbestblockhash')).toBe(hashes[2]);
    expect(await third.rpc('getchaintips')).toEqual([
      { height: 3, hash: hashes[2], branchlen: 0, status: 'active' },
    ]);
  });
});

describe("Core's optional arguments of older methods", () => {
  it('getrawtransaction with a blockhash, sendrawtransaction maxburnamount, gettxoutsetinfo hash_type', async () => {
    const t = await funded();
    const cb = await t.coinbaseOf(1);
    const b1 = t.node.chain.entryAt(1)!.hashHex;
    const b2 = t.node.chain.entryAt(2)!.hashHex;
    expect(await t.rpc('getrawtransaction', [cb.txidHex(), 0, b1])).toBe(toHex(cb.toBytes()));
    expect(await t.rpc('getrawtransaction', [cb.txidHex(), 1, b1])).toMatchObject({
      in_active_chain: true,
      txid: cb.txidHex(),
      blockhash: b1,
    });
    expect(await code(t, 'getrawtransaction', [cb.txidHex(), 0, b2])).toBe(-5);
    expect(await code(t, 'getrawtransaction', [cb.txidHex(), 0, '00'.repeat(32)])).toBe(-5);

    // Core's default maxburnamount is 0: an OP_RETURN output carrying value is refused (-25).
    const burn = signedSpend(
      [{ prevout: new OutPoint(cb.txid(), 0), value: 5_000_000_000n, key: MINER }],
      [payTo(MINER, 4_999_000_000n), new TxOut(980_000n, Uint8Array.of(0x6a, 0x01, 0x61))],
    );
    const burnHex = toHex(burn.toBytes());
    const refused = await rpcError(t.rpc('sendrawtransaction', [burnHex]));
    expect([refused.code, refused.message]).toEqual([
      -25,
      'RPC error -25: Unspendable output exceeds maximum configured by user (maxburnamount)',
    ]);
    expect(await code(t, 'sendrawtransaction', [burnHex, 0, 0.0097])).toBe(-25);
    expect(await code(t, 'sendrawtransaction', [burnHex, 0, -1])).toBe(-3);
    expect(await t.rpc('sendrawtransaction', [burnHex, 0, 0.0098])).toBe(burn.txidHex());

    const all = (await t.rpc('gettxoutsetinfo')) as Record<string, unknown>;
    expect(all.hash_serialized_3).toMatch(/^[0-9a-f]{64}$/);
    expect(await t.rpc('gettxoutsetinfo', ['none'])).not.toHaveProperty('hash_serialized_3');
    expect(await code(t, 'gettxoutsetinfo', ['muhash'])).toBe(-8);
    expect(await code(t, 'gettxoutsetinfo', ['sha512'])).toBe(-8);
    expect(await code(t, 'gettxoutsetinfo', ['none', 5])).toBe(-8);
    expect(await code(t, 'getrawmempool', [false, true])).toBe(-8);
    expect(await code(t, 'getrawmempool', [true, true])).toBe(-8);
    expect(await t.rpc('generatetoaddress', [1, addr(MINER.p2wpkh), 1_000_000])).toHaveLength(1);
    expect(await code(t, 'generatetoaddress', [1, addr(MINER.p2wpkh), 'x'])).toBe(-3);
  });
});

describe('mining methods', () => {
  it('getblocktemplate (BIP22/23/145): the mempool with depends, the coinbase value; a block from it is accepted', async () => {
    const t = await funded();
    const cb = await t.coinbaseOf(1);
    const a = signedSpend(
      [{ prevout: new OutPoint(cb.txid(), 0), value: 5_000_000_000n, key: MINER }],
      [payTo(MINER, 4_999_990_000n)],
    );
    const b = signedSpend(
      [{ prevout: new OutPoint(a.txid(), 0), value: 4_999_990_000n, key: MINER }],
      [payTo(MINER, 4_999_970_000n)],
    );
    for (const x of [a, b]) await t.rpc('sendrawtransaction', [toHex(x.toBytes())]);
    const gbt = (await t.rpc('getblocktemplate', [{ rules: ['segwit'] }])) as Record<string, unknown> & {
      transactions: { txid: string; depends: number[]; fee: number; weight: number; data: string }[];
    };
    expect(gbt).toMatchObject({
      version: 0x20000000,
      rules: ['csv', '!segwit'],
      previousblockhash: t.node.chain.tip.hashHex,
      coinbasevalue: 5_000_000_000 + 30_000,
      height: 102,
      bits: '207fffff',
      target: `7fffff${'0'.repeat(58)}`,
      mutable: ['time', 'transactions', 'prevblock'],
      noncerange: '00000000ffffffff',
      weightlimit: 4_000_000,
      sigoplimit: 80_000,
    });
    expect(gbt.transactions.map((x) => [x.txid, x.depends, x.fee])).toEqual([
      [a.txidHex(), [], 10_000],
      [b.txidHex(), [1], 20_000],
    ]);
    expect(gbt.default_witness_commitment).toMatch(/^6a24aa21a9ed[0-9a-f]{64}$/);
    expect(await t.rpc('getmininginfo')).toMatchObject({
      blocks: 101,
      currentblocktx: 2,
      pooledtx: 2,
      chain: 'regtest',
    });
    // Named, as bitcoin-cli -named sends it.
    expect(
      await t.rpc('getblocktemplate', { template_request: { rules: ['segwit'] } } as never),
    ).toMatchObject({ height: 102 });
    expect(await code(t, 'getblocktemplate', [])).toBe(-8);
    expect(await code(t, 'getblocktemplate', [{ rules: ['segwit'], mode: 'proposal' }])).toBe(-8);
    expect(await code(t, 'getblocktemplate', [{ rules: ['segwit'], mode: 5 }])).toBe(-3);

    // A miner's block from the template: our own coinbase, the template's transactions.
    const tip = t.node.chain.tip;
    const block = makeBlock({
      prev: tip.hash,
      height: 102,
      time: tip.medianTimePast() + 1,
      txs: [a, b],
      coinbaseValue: BigInt(gbt.coinbasevalue as number),
    });
    expect(await t.rpc('submitblock', [toHex(block.toBytes())])).toBeNull();
    expect(await t.rpc('getbestblockhash')).toBe(block.hashHex());
    expect(await t.rpc('submitblock', [toHex(block.toBytes())])).toBe('duplicate');
  });

  it('submitblock: BIP22 reasons for a bad block, -22 for bytes that are not one', async () => {
    const t = await startTestNode();
    const tip = t.node.chain.tip;
    const greedy = makeBlock({
      prev: tip.hash,
      height: 1,
      time: tip.medianTimePast() + 1,
      coinbaseValue: 5_000_000_001n,
    });
    expect(await t.rpc('submitblock', [toHex(greedy.toBytes())])).toBe('bad-cb-amount');
    const orphan = makeBlock({ prev: new Uint8Array(32).fill(9), height: 5, time: tip.medianTimePast() + 1 });
    expect(await t.rpc('submitblock', [toHex(orphan.toBytes())])).toBe('prev-blk-not-found');
    for (const bad of ['', 'zz', '00', toHex(greedy.toBytes()).slice(0, 100)])
      expect(await code(t, 'submitblock', [bad]), bad).toBe(-22);
    expect(await code(t, 'submitblock', [5])).toBe(-3);
    expect(await t.rpc('getblockcount')).toBe(0);
  });
});

describe('util and control methods', () => {
  it('estimatesmartfee: coin/kvB and the target used; Core errors for a bad target or mode', async () => {
    const t = await startTestNode();
    // No blocks and no mempool: no estimate, Core's answer for a node without data.
    expect(await t.rpc('estimatesmartfee', [6])).toEqual({
      errors: ['Insufficient data or no feerate found'],
      blocks: 0,
    });
    await t.rpc('generatetoaddress', [24, addr(MINER.p2wpkh)]);
    const r = (await t.rpc('estimatesmartfee', [6])) as { feerate: number; blocks: number };
    // An empty mempool and no full blocks: the 1 sat/vB relay floor.
    expect(r).toEqual({ feerate: 0.00001, blocks: 6 });
    expect(await t.rpc('estimatesmartfee', [1])).toMatchObject({ blocks: 2 });
    expect(await t.rpc('estimatesmartfee', [100, 'CONSERVATIVE'])).toMatchObject({ blocks: 144 });
    expect(await t.rpc('estimatesmartfee', [1008, 'economical'])).toMatchObject({ blocks: 1008 });
    expect(await code(t, 'estimatesmartfee', [0])).toBe(-8);
    expect(await code(t, 'estimatesmartfee', [1009])).toBe(-8);
    expect(await code(t, 'estimatesmartfee', [2, 'cheap'])).toBe(-8);
    expect(await code(t, 'estimatesmartfee', ['2'])).toBe(-3);
  });

  it('validateaddress, decodescript and decoderawtransaction in Core shapes', async () => {
    const t = await startTestNode();
    const a = addr(MINER.p2wpkh);
    expect(await t.rpc('validateaddress', [a])).toEqual({
      isvalid: true,
      address: a,
      scriptPubKey: toHex(MINER.p2wpkh),
      isscript: false,
      iswitness: true,
      witness_version: 0,
      witness_program: toHex(MINER.pkh),
    });
    expect(await t.rpc('validateaddress', [addr(MINER.p2pkh)])).toMatchObject({
      isvalid: true,
      iswitness: false,
      isscript: false,
    });
    const bad = (await t.rpc('validateaddress', ['bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4'])) as Record<
      string,
      unknown
    >;
    expect(bad).toMatchObject({ isvalid: false, error_locations: [] });
    expect(typeof bad.error).toBe('string');
    expect(await code(t, 'validateaddress', [1])).toBe(-3);

    const pkh = (await t.rpc('decodescript', [toHex(MINER.p2pkh)])) as Record<string, unknown>;
    const seg = p2wpkh(MINER.pkh);
    expect(pkh).toEqual({
      asm: `OP_DUP OP_HASH160 ${toHex(MINER.pkh)} OP_EQUALVERIFY OP_CHECKSIG`,
      type: 'pubkeyhash',
      address: addr(MINER.p2pkh),
      p2sh: addr(p2sh(hash160(MINER.p2pkh))),
      segwit: {
        asm: `0 ${toHex(MINER.pkh)}`,
        hex: toHex(seg),
        type: 'witness_v0_keyhash',
        address: addr(seg),
        'p2sh-segwit': addr(p2sh(hash160(seg))),
      },
    });
    // A P2SH output cannot be wrapped again; OP_RETURN neither.
    const sh = (await t.rpc('decodescript', [toHex(p2sh(MINER.pkh))])) as Record<string, unknown>;
    expect([sh.type, sh.p2sh, sh.segwit]).toEqual(['scripthash', undefined, undefined]);
    expect(await t.rpc('decodescript', ['6a0161'])).toEqual({ asm: 'OP_RETURN 97', type: 'nulldata' });
    expect(await t.rpc('decodescript', [''])).toMatchObject({ asm: '', type: 'nonstandard' });
    expect(await code(t, 'decodescript', ['zz'])).toBe(-8);
    expect(await code(t, 'decodescript', [7])).toBe(-3);

    const tx = signedSpend(
      [{ prevout: new OutPoint(new Uint8Array(32).fill(1), 0), value: 1000n, key: MINER }],
      [payTo(MINER, 900n)],
    );
    expect(await t.rpc('decoderawtransaction', [toHex(tx.toBytes())])).toMatchObject({
      txid: tx.txidHex(),
      hash: tx.wtxidHex(),
      vsize: tx.vsize(),
      vout: [{ value: 0.000009, n: 0, scriptPubKey: { type: 'witness_v0_keyhash', address: a } }],
    });
    for (const badHex of ['', 'zz', '0200000001'])
      expect(await code(t, 'decoderawtransaction', [badHex])).toBe(-22);
  });

  it('uptime, getrpcinfo (this call is active), help and help <method>', async () => {
    const t = await startTestNode();
    expect(await t.rpc('uptime')).toBeGreaterThanOrEqual(0);
    const info = (await t.rpc('getrpcinfo')) as { active_commands: { method: string; duration: number }[] };
    expect(info.active_commands.map((c) => c.method)).toEqual(['getrpcinfo']);
    const help = (await t.rpc('help')) as string;
    expect(help).toMatch(/^== Blockchain ==\n/);
    expect(help).toContain('\ngettxout "txid" n ( include_mempool )\n');
    expect(help).toContain('== Mining ==\ngetblocktemplate ( {template_request} )');
    expect(((await t.rpc('help', ['estimatesmartfee'])) as string).split('\n')[0]).toBe(
      'estimatesmartfee conf_target ( "estimate_mode" )',
    );
    expect(await t.rpc('help', ['nosuch'])).toBe('help: unknown command: nosuch');
    expect(await code(t, 'help', [5])).toBe(-3);
    expect(await t.rpc('getblockcount')).toBe(0);
  });
});

describe('net methods over the wire', () => {
  it("getpeerinfo has Core's v28 fields; ping; disconnectnode by id", { timeout: 120_000 }, async () => {
    const a = await startNetNode();
    const b = await startNetNode({ connect: [a.addr] });
    const peers = async () => (await b.rpc('getpeerinfo')) as Record<string, unknown>[];
    await waitFor('b connected to a', async () => (await peers()).length === 1, 60_000);
    await a.node.generate(1, MINER.p2wpkh);
    await b.rpc('ping');
    // b has taken a's block from it and a pong has come back: conditions, not sleeps.
    await waitFor(
      'a block and a pong from the peer',
      async () => {
        const p = (await peers())[0];
        return p !== undefined && (p.last_block as number) > 0 && p.minping !== undefined;
      },
      60_000,
    );
    const p = (await peers())[0]!;
    expect(p).toMatchObject({
      network: 'not_publicly_routable',
      servicesnames: ['NETWORK', 'WITNESS'],
      connection_type: expect.stringMatching(/^(inbound|outbound-full-relay)$/),
      transport_protocol_type: 'v1',
      session_id: '',
    });
    expect(p.last_block).toBeGreaterThan(0);
    expect(p.minping).toBeGreaterThanOrEqual(0);
    expect(p.lastrecv).toBeGreaterThan(0);
    expect(p.lastsend).toBeGreaterThan(0);
    expect(await b.rpc('disconnectnode', ['', p.id])).toBeNull();
    expect((await rpcError(b.rpc('disconnectnode', ['', p.id]))).code).toBe(-29);
  });
});
