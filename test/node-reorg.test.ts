/**
 * Reorg end to end (issue 3, "Must be true when done"), with three in-process regtest nodes.
 * A and B share 110 base blocks. A mines branch 1 (10 blocks carrying transactions that spend
 * matured coinbases, a chain of children, and one spend that branch 2 double-spends); B mines
 * branch 2 (11 blocks, another coinbase address, carrying the double-spend). Fed branch 2,
 * A keeps its tip while the work is equal (first seen wins, as Core), then reorgs 10 blocks
 * deep on the 11th; afterwards its UTXO set hash equals that of B and of a fresh node C fed only
 * base + branch 2, and branch 1's still-valid transactions are back in A's mempool (the
 * double-spent one is not). C, fed branch 1 afterwards (less work), keeps its tip.
 * A heavier branch whose last block is invalid leaves A where it was (Core's
 * setBlockIndexCandidates keeps the old tip "in case a reorganization to a better block fails").
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RuleError } from '../node/consensus/errors.js';
import { blockSubsidy } from '../node/consensus/subsidy.js';
import { solveBlock } from '../node/mining/miner-loop.js';
import { MinerPool } from '../node/mining/miner-pool.js';
import { buildBlockTemplate } from '../node/mining/template.js';
import { encodeAddress } from '../node/protocol/address.js';
import type { Block } from '../node/protocol/block.js';
import { toHex } from '../node/protocol/bytes.js';
import { sha256 } from '../node/protocol/hash.js';
import { regtest } from '../node/protocol/params.js';
import { OutPoint, type Tx, type TxOut } from '../node/protocol/tx.js';
import { payTo, signedSpend, type TestKey, testKey } from './helpers/keys.js';
import {
  blocksOf,
  feedBlocks,
  rpcError,
  startTestNode,
  stopTestNodes,
  type TestNode,
} from './helpers/node.js';

const SUBSIDY = 5_000_000_000n;
const FEE = 10_000n;
const MINER_A = testKey('reorg miner A');
const MINER_B = testKey('reorg miner B');
const ALICE = testKey('reorg alice');
const BOB = testKey('reorg bob');
const addr = (k: TestKey) => encodeAddress(k.p2wpkh, regtest.address)!;

afterEach(stopTestNodes);

/** Spends output `vout` of `prev` (worth `value`, locked to `key`). */
function spend(prev: Tx, vout: number, value: bigint, key: TestKey, outputs: TxOut[]): Tx {
  return signedSpend([{ prevout: new OutPoint(prev.txid(), vout), value, key }], outputs);
}

async function send(t: TestNode, tx: Tx): Promise<void> {
  expect(await t.rpc('sendrawtransaction', [toHex(tx.toBytes())])).toBe(tx.txidHex());
}

interface UtxoSet {
  txouts: number;
  hash_serialized: string;
  bestblock: string;
}

async function utxoSet(t: TestNode): Promise<UtxoSet> {
  const { txouts, hash_serialized, bestblock } = await t.rpc<UtxoSet>('gettxoutsetinfo');
  return { txouts, hash_serialized, bestblock };
}

/** What the address indexes say about a script: totals, unspent outputs and history. */
async function addressView(t: TestNode, script: Uint8Array) {
  const sh = sha256(script);
  const utxos = await t.node.chain.getAddressUtxos(sh);
  const history = await t.node.chain.getAddressHistory(sh, { limit: 1000 });
  return {
    totals: await t.node.chain.getAddressTotals(sh),
    utxos: utxos.map((u) => ({ ...u, txid: toHex(u.txid) })),
    history: history.map((h) => ({ ...h, txid: toHex(h.txid) })),
  };
}

const txidsOf = (txs: readonly Tx[]) => txs.map((tx) => tx.txidHex()).sort();

/**
 * A (base + branch 1, tip at 120), B (base + branch 2, tip at 121), C (base only); nothing of
 * one branch has been shown to the other side yet.
 */
async function forks() {
  const [a, b, c] = await Promise.all([startTestNode(), startTestNode(), startTestNode()]);

  // Base: 110 blocks mined on A, fed to B and C as raw blocks.
  await a.rpc('generatetoaddress', [110, addr(MINER_A)]);
  const base = await blocksOf(a, 1, 110);
  expect(await feedBlocks(b, base)).toEqual(base.map(() => 'connected'));
  expect(await feedBlocks(c, base)).toEqual(base.map(() => 'connected'));
  expect(await b.rpc('getbestblockhash')).toBe(await a.rpc('getbestblockhash'));
  expect(await utxoSet(b)).toEqual(await utxoSet(a));
  const cbAt = (h: number) => base[h - 1]!.txs[0]!;

  // Branch 1 on A: 10 blocks, the first three carrying transactions.
  const t1 = spend(cbAt(1), 0, SUBSIDY, MINER_A, [payTo(ALICE, SUBSIDY - FEE)]);
  const t2 = spend(t1, 0, SUBSIDY - FEE, ALICE, [payTo(BOB, SUBSIDY - 2n * FEE)]);
  const t4 = spend(cbAt(3), 0, SUBSIDY, MINER_A, [payTo(ALICE, SUBSIDY - FEE)]);
  for (const tx of [t1, t2, t4]) await send(a, tx);
  await a.rpc('generatetoaddress', [1, addr(MINER_A)]);
  const t3 = spend(cbAt(2), 0, SUBSIDY, MINER_A, [payTo(BOB, SUBSIDY - FEE)]);
  const t5 = spend(t2, 0, SUBSIDY - 2n * FEE, BOB, [payTo(ALICE, SUBSIDY - 3n * FEE)]);
  for (const tx of [t3, t5]) await send(a, tx);
  await a.rpc('generatetoaddress', [1, addr(MINER_A)]);
  const half = SUBSIDY / 2n;
  const t6 = spend(cbAt(4), 0, SUBSIDY, MINER_A, [payTo(ALICE, half), payTo(BOB, half - FEE)]);
  await send(a, t6);
  await a.rpc('generatetoaddress', [8, addr(MINER_A)]);
  expect(await a.rpc('getblockcount')).toBe(120);
  expect(await a.rpc('getrawmempool')).toEqual([]);
  const branch1 = await blocksOf(a, 111, 120);
  // Per block, in whatever order the template chose (ancestor fee rate).
  expect(branch1.map((blk) => txidsOf(blk.txs.slice(1)))).toEqual([
    txidsOf([t1, t2, t4]),
    txidsOf([t3, t5]),
    txidsOf([t6]),
    ...Array.from({ length: 7 }, () => []),
  ]);

  // Branch 2 on B: 11 blocks to another address; the first double-spends t4's coin.
  const u3 = spend(cbAt(3), 0, SUBSIDY, MINER_A, [payTo(BOB, SUBSIDY - 2n * FEE)]);
  await send(b, u3);
  await b.rpc('generatetoaddress', [11, addr(MINER_B)]);
  expect(await b.rpc('getblockcount')).toBe(121);
  const branch2 = await blocksOf(b, 111, 121);
  expect(txidsOf(branch2[0]!.txs.slice(1))).toEqual([u3.txidHex()]);

  return { a, b, c, branch1, branch2, txs: { t1, t2, t3, t4, t5, t6, u3 } };
}

/** A block on `parent` (a block `t` has) whose coinbase claims twice the subsidy. */
async function overpayingBlock(t: TestNode, parent: Block): Promise<Block> {
  const entry = t.node.chain.entry(parent.hash())!;
  const height = entry.height + 1;
  const template = buildBlockTemplate({
    params: regtest,
    prevHash: parent.hash(),
    height,
    bits: t.node.chain.nextBits(entry),
    time: entry.medianTimePast() + 1,
    coinbaseScript: MINER_B.p2wpkh,
    candidates: [],
    subsidy: 2n * blockSubsidy(height, regtest),
  }).block;
  const pool = new MinerPool({ workers: 1 });
  try {
    return (await solveBlock(pool, template))!;
  } finally {
    await pool.close();
  }
}

describe('reorg across nodes', () => {
  it('the heavier branch wins; UTXO set equals a fresh node fed it; losing txs return', async () => {
    const { a, b, c, branch1, branch2, txs } = await forks();
    const { t1, t2, t3, t4, t5, t6, u3 } = txs;
    const tipA1 = await a.rpc<string>('getbestblockhash');
    const tipB = await b.rpc<string>('getbestblockhash');

    // A gets branch 2: equal work keeps the first-seen tip, one more block wins.
    expect(await feedBlocks(a, branch2.slice(0, 10))).toEqual(branch2.slice(0, 10).map(() => 'side'));
    expect(await a.rpc('getbestblockhash')).toBe(tipA1);
    expect(await a.rpc('getrawmempool')).toEqual([]);
    expect(await feedBlocks(a, branch2.slice(10))).toEqual(['connected']);
    expect(await a.rpc('getbestblockhash')).toBe(tipB);
    expect(await a.rpc('getblockcount')).toBe(121);
    expect(await a.rpc('getblockhash', [111])).toBe(branch2[0]!.hashHex());
    const lostBlock = await a.rpc<Record<string, unknown>>('getblock', [branch1[0]!.hashHex()]);
    expect(lostBlock.confirmations).toBe(-1);
    expect(lostBlock).not.toHaveProperty('nextblockhash');

    // Branch 1's valid txs are back (parents and children alike); t4 lost to u3.
    const pool = await a.rpc<string[]>('getrawmempool');
    expect([...pool].sort()).toEqual(txidsOf([t1, t2, t3, t5, t6]));
    const e5 = await a.rpc<{ depends: string[]; ancestorcount: number }>('getmempoolentry', [t5.txidHex()]);
    expect(e5).toMatchObject({ depends: [t2.txidHex()], ancestorcount: 3 });
    expect((await rpcError(a.rpc('getmempoolentry', [t4.txidHex()]))).code).toBe(-5);
    const u3OnA = await a.rpc<Record<string, unknown>>('getrawtransaction', [u3.txidHex(), true]);
    expect(u3OnA).toMatchObject({ confirmations: 11, blockhash: branch2[0]!.hashHex() });
    // t4 sits only in a block off the main chain: not a main-chain or mempool transaction.
    expect((await rpcError(a.rpc('getrawtransaction', [t4.txidHex(), true]))).code).toBe(-5);
    expect((await rpcError(a.rpc('sendrawtransaction', [toHex(t4.toBytes())]))).code).toBe(-25);

    // C: a fresh node fed only base + branch 2.
    expect(await feedBlocks(c, branch2)).toEqual(branch2.map(() => 'connected'));
    const utxoC = await utxoSet(c);
    expect(utxoC.bestblock).toBe(tipB);
    expect(await utxoSet(a)).toEqual(utxoC);
    expect(await utxoSet(b)).toEqual(utxoC);
    for (const k of [MINER_A, MINER_B, ALICE, BOB]) {
      expect(await addressView(a, k.p2wpkh)).toEqual(await addressView(c, k.p2wpkh));
    }

    // C gets branch 1 afterwards: less work, so side blocks only; nothing changes.
    expect(await feedBlocks(c, branch1)).toEqual(branch1.map(() => 'side'));
    expect(await c.rpc('getbestblockhash')).toBe(tipB);
    expect(await utxoSet(c)).toEqual(utxoC);
    expect(await c.rpc('getrawmempool')).toEqual([]);

    // The returned txs are still good: A mines them, C accepts that block, the sets agree.
    await a.rpc('generatetoaddress', [1, addr(MINER_A)]);
    expect(await a.rpc('getrawmempool')).toEqual([]);
    const [next] = await blocksOf(a, 122, 122);
    expect(next!.txs).toHaveLength(6);
    expect(await feedBlocks(c, [next!])).toEqual(['connected']);
    expect(await utxoSet(c)).toEqual(await utxoSet(a));
  });

  it('a heavier branch ending in an invalid block leaves the node on its first-seen tip', async () => {
    const { a, b, branch2 } = await forks();
    const tipA1 = await a.rpc<string>('getbestblockhash');
    const utxoA1 = await utxoSet(a);
    const bad = await overpayingBlock(b, branch2[9]!);

    // Branch 2's first 10 blocks tie with branch 1; the 11th would win but is invalid.
    expect(await feedBlocks(a, branch2.slice(0, 10))).toEqual(branch2.slice(0, 10).map(() => 'side'));
    const err = await a.node.submitBlock(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuleError);
    expect((err as RuleError).reason).toBe('bad-cb-amount');

    // As Core: the attempted reorg is undone; branch 1 (first seen at equal work) is the tip.
    expect(await a.rpc('getbestblockhash')).toBe(tipA1);
    expect(await utxoSet(a)).toEqual(utxoA1);
    expect(await a.rpc('getrawmempool')).toEqual([]);
  });
});
