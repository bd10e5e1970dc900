/**
 * Chain updates: removeForBlock drops mined transactions (children stay, now with confirmed
 * parents) and everything conflicting with the block's spends; reAddDisconnected puts a
 * disconnected block's transactions back, relinks in-pool children, and removes entries the
 * lower tip makes invalid (missing inputs, immature coinbase spends, non-final). Accepts run
 * one at a time, and one that was waiting for coins while a block arrived starts over.
 */
import { describe, expect, it } from 'vitest';
import type { RemovalReason } from '../node/mempool/events.js';
import type { Tx } from '../node/protocol/tx.js';
import { outpointOf, payTo, type SpendInput, signedSpend } from './helpers/keys.js';
import { ALICE, BOB, COIN, FakeChain, invariants, rejection } from './helpers/mempool-fixture.js';

function pay(input: SpendInput, fee = 1000n, opts: { locktime?: number } = {}): Tx {
  return signedSpend(
    [{ ...input, sequence: opts.locktime ? 0xfffffffe : input.sequence }],
    [payTo(BOB, input.value - fee)],
    opts,
  );
}

function out(tx: Tx, i = 0): SpendInput {
  return { prevout: outpointOf(tx, i), value: tx.outputs[i]!.value, key: BOB };
}

describe('removeForBlock', () => {
  it('removes mined txs and conflicts (with descendants), keeping children of mined txs', async () => {
    const chain = new FakeChain();
    const mp = chain.mempool();
    const removed: [string, RemovalReason][] = [];
    mp.on('removed', (e, reason) => removed.push([e.txid, reason]));
    const parent = pay(chain.fund(COIN));
    const child = pay(out(parent));
    const k = chain.fund(COIN);
    const loser = pay(k);
    const loserChild = pay(out(loser));
    const unrelated = pay(chain.fund(COIN));
    for (const tx of [parent, child, loser, loserChild, unrelated]) await mp.accept(tx);

    const winner = signedSpend([k], [payTo(ALICE, COIN - 5000n)]);
    const r = mp.removeForBlock(chain.connect([parent, winner]));
    expect(r.mined.map((e) => e.txid)).toEqual([parent.txidHex()]);
    expect(new Set(r.conflicts.map((e) => e.txid))).toEqual(new Set([loser.txidHex(), loserChild.txidHex()]));
    expect(removed).toContainEqual([parent.txidHex(), 'block']);
    expect(removed).toContainEqual([loser.txidHex(), 'conflict']);
    expect(removed).toContainEqual([loserChild.txidHex(), 'conflict']);
    expect(mp.txids()).toEqual([child.txidHex(), unrelated.txidHex()]);
    const c = mp.get(child.txid())!;
    expect(c.ancestorCount).toBe(1);
    expect(c.parents.size).toBe(0);
    invariants(mp);

    // The child now spends a confirmed coin; its descendants can grow again.
    expect((await mp.accept(pay(out(child)))).status).toBe('accepted');
    invariants(mp);
  });
});

describe('reAddDisconnected', () => {
  it('puts a disconnected block back and relinks in-pool children', async () => {
    const chain = new FakeChain();
    const mp = chain.mempool();
    const parent = pay(chain.fund(COIN), 200n);
    const child = pay(out(parent));
    await mp.accept(parent);
    await mp.accept(child);
    mp.removeForBlock(chain.connect([parent]));
    expect(mp.txids()).toEqual([child.txidHex()]);

    const block = chain.disconnect();
    const r = await mp.reAddDisconnected(block.txs);
    expect(r.added.map((e) => e.txid)).toEqual([parent.txidHex()]);
    expect(r.removed).toEqual([]);
    expect(new Set(mp.txids())).toEqual(new Set([parent.txidHex(), child.txidHex()]));
    const c = mp.get(child.txid())!;
    expect(c.ancestorCount).toBe(2);
    expect(mp.get(parent.txid())!.descendantCount).toBe(2);
    invariants(mp);
  });

  it('re-adds below the fee floors but skips txs that no longer fit', async () => {
    const chain = new FakeChain();
    const mp = chain.mempool();
    const cheap = pay(chain.fund(COIN), 0n); // below min relay: only a block could take it
    const k = chain.fund(COIN);
    const spent = pay(k);
    chain.connect([cheap, spent]);
    // The branch that wins spends k differently.
    const block = chain.disconnect();
    chain.connect([signedSpend([k], [payTo(ALICE, COIN - 3000n)])]);
    const r = await mp.reAddDisconnected(block.txs);
    expect(r.added.map((e) => e.txid)).toEqual([cheap.txidHex()]);
    expect(mp.txids()).toEqual([cheap.txidHex()]);
    invariants(mp);
  });

  it('removes entries whose inputs the reorg took away', async () => {
    const chain = new FakeChain();
    const mp = chain.mempool();
    const q = pay(chain.fund(COIN));
    mp.removeForBlock(chain.connect([q]));
    const t = pay(out(q));
    const tChild = pay(out(t));
    await mp.accept(t);
    await mp.accept(tChild);
    chain.disconnect();
    // q conflicts with the new branch, so it is not handed back.
    const r = await mp.reAddDisconnected([]);
    expect(new Set(r.removed.map((e) => e.txid))).toEqual(new Set([t.txidHex(), tChild.txidHex()]));
    expect(mp.size).toBe(0);
  });

  it('removes coinbase spends that become immature and txs that become non-final', async () => {
    const chain = new FakeChain();
    const mp = chain.mempool();
    const removed: [string, RemovalReason][] = [];
    mp.on('removed', (e, reason) => removed.push([e.txid, reason]));
    mp.removeForBlock(chain.connect([]));
    const cb = pay(chain.fund(COIN, { height: 202, coinbase: true })); // depth 100 at tip 301
    const locked = pay(chain.fund(COIN), 1000n, { locktime: 301 }); // final in block 302
    const fine = pay(chain.fund(COIN));
    for (const tx of [cb, locked, fine]) expect((await mp.accept(tx)).status).toBe('accepted');
    const block = chain.disconnect();
    await mp.reAddDisconnected(block.txs);
    expect(mp.txids()).toEqual([fine.txidHex()]);
    expect(removed).toEqual([
      [cb.txidHex(), 'reorg'],
      [locked.txidHex(), 'reorg'],
    ]);
  });
});

describe('ordering', () => {
  it('starts over when a block lands while an accept waits for coins', async () => {
    const chain = new FakeChain();
    const mp = chain.mempool();
    const k = chain.fund(COIN);
    const tx = pay(k);
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    chain.gate = () => held;
    const pending = mp.accept(tx);
    while (chain.getCoinCalls === 0) await new Promise((r) => setTimeout(r, 0));
    // A block spends k meanwhile.
    chain.gate = null;
    mp.removeForBlock(chain.connect([signedSpend([k], [payTo(ALICE, COIN - 5000n)])]));
    release();
    const r = await pending;
    expect(r.status).toBe('orphan');
    expect(mp.size).toBe(0);
  });

  it('serializes concurrent accepts of conflicting transactions', async () => {
    const chain = new FakeChain();
    const mp = chain.mempool();
    const k = chain.fund(COIN);
    const a = pay(k, 1000n);
    const b = pay(k, 1050n);
    const [ra, rb] = await Promise.allSettled([mp.accept(a), mp.accept(b)]);
    expect(ra.status).toBe('fulfilled');
    expect(rb.status).toBe('rejected');
    expect((await rejection(Promise.reject((rb as PromiseRejectedResult).reason))).code).toBe(
      'RBF_RELAY_FEE',
    );
    expect(mp.txids()).toEqual([a.txidHex()]);
    invariants(mp);
  });
});
