/**
 * Issue 4, partition: four regtest nodes share 110 blocks, then split into {1, 2} and {3, 4}.
 * Each group mines its own branch with its own transactions (group A 2 blocks, group B 3, one
 * of B's spending a coin A also spent). Joined by one connection, all four converge on B's
 * branch (most work); A's transaction that B did not double-spend is back in every mempool,
 * the double-spent one in none.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../node/protocol/bytes.js';
import { OutPoint, type Tx } from '../node/protocol/tx.js';
import { payTo, signedSpend, type TestKey, testKey } from './helpers/keys.js';
import { rpcError } from './helpers/node.js';
import { type NetNode, startNetNode, stopNetNodes, tipOf, waitFor } from './helpers/p2p.js';

const MINER = testKey('p2p partition miner');
const ALICE = testKey('p2p partition alice');
const BOB = testKey('p2p partition bob');
const SUBSIDY = 5_000_000_000n;
let n: NetNode[] = [];

beforeAll(async () => {
  n = await Promise.all([1, 2, 3, 4].map(() => startNetNode()));
  await n[0]!.node.generate(110, MINER.p2wpkh);
  for (let h = 1; h <= 110; h++) {
    const block = (await n[0]!.node.chain.getBlock(n[0]!.node.chain.entryAt(h)!.hash))!;
    for (const t of n.slice(1)) await t.node.submitBlock(block);
  }
});

afterAll(stopNetNodes);

async function coinbaseAt(t: NetNode, h: number): Promise<Tx> {
  return (await t.node.chain.getBlock(t.node.chain.entryAt(h)!.hash))!.txs[0]!;
}

async function pay(t: NetNode, h: number, to: TestKey, fee: bigint): Promise<Tx> {
  const cb = await coinbaseAt(t, h);
  const tx = signedSpend(
    [{ prevout: new OutPoint(cb.txid(), 0), value: SUBSIDY, key: MINER }],
    [payTo(to, SUBSIDY - fee)],
  );
  expect(await t.rpc('sendrawtransaction', [toHex(tx.toBytes())])).toBe(tx.txidHex());
  return tx;
}

describe('partition and merge', () => {
  it('converges on the most-work branch and returns the losing branch’s valid txs to the mempools', async () => {
    const [n1, n2, n3, n4] = n as [NetNode, NetNode, NetNode, NetNode];
    expect(new Set(n.map(tipOf)).size).toBe(1);
    expect(await n1.rpc('addnode', [n2.addr, 'add'])).toBeNull();
    expect((await rpcError(n1.rpc('addnode', [n2.addr, 'add']))).code).toBe(-23);
    expect((await rpcError(n1.rpc('addnode', ['127.0.0.1:1', 'remove']))).code).toBe(-24);
    expect((await rpcError(n1.rpc('addnode', ['not an address', 'add']))).code).toBe(-8);
    expect((await rpcError(n1.rpc('addnode', [n2.addr, 'connect']))).code).toBe(-8);
    n3.node.p2p!.conns.addNode(n4.addr, 'add');
    await waitFor('pairs connected', () => n.every((t) => t.node.peerInfo().length === 1));

    // Group A: tA survives the merge, tA2 is double-spent by group B.
    const tA = await pay(n1, 1, ALICE, 10_000n);
    const tA2 = await pay(n1, 3, ALICE, 10_000n);
    await waitFor('A txs at node 2', () => n2.node.mempool.has(tA.txid()) && n2.node.mempool.has(tA2.txid()));
    await n1.node.generate(2, MINER.p2wpkh);
    await waitFor('group A agrees', () => tipOf(n2) === tipOf(n1));

    // Group B: tB2 spends the coin tA2 spent.
    const tB = await pay(n3, 2, BOB, 10_000n);
    const tB2 = await pay(n3, 3, BOB, 20_000n);
    await waitFor('B txs at node 4', () => n4.node.mempool.has(tB.txid()) && n4.node.mempool.has(tB2.txid()));
    const hashes = await n3.node.generate(3, MINER.p2wpkh);
    await waitFor('group B agrees', () => tipOf(n4) === tipOf(n3));
    expect(n3.node.chain.height).toBe(113);
    expect(n1.node.chain.height).toBe(112);
    expect(n.every((t) => t.node.mempool.size === 0)).toBe(true);

    // Merge.
    expect(await n2.rpc('addnode', [n3.addr, 'onetry'])).toBeNull();
    await waitFor('every node on branch B', () => n.every((t) => tipOf(t) === hashes[2]), 30_000);
    await waitFor('tA back in every mempool', () => n.every((t) => t.node.mempool.has(tA.txid())));
    for (const t of n) {
      expect(t.node.mempool.has(tA2.txid())).toBe(false);
      expect(t.node.mempool.size).toBe(1);
    }
    expect((await n1.node.chain.utxoStats()).hash).toBe((await n4.node.chain.utxoStats()).hash);
  });
});
