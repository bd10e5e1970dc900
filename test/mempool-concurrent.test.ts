/**
 * Concurrent submissions (issue 22): many `sendrawtransaction` calls in flight at once go through
 * `broadcastTx` and the mempool's accept queue, and must come out as if made one after another
 * in arrival order (Core holds cs_main for each). Coin reads are held open (FakeChain.gate) so
 * every submission is waiting at once, the case a slow UTXO read makes real.
 */
import { describe, expect, it } from 'vitest';
import { type BroadcastDeps, BroadcastError, broadcastTx } from '../node/broadcast.js';
import type { Mempool } from '../node/mempool/mempool.js';
import type { Tx } from '../node/protocol/tx.js';
import { outpointOf, payTo, type SpendInput, signedSpend, testKey } from './helpers/keys.js';
import { ALICE, BOB, COIN, FakeChain, invariants } from './helpers/mempool-fixture.js';

const CAROL = testKey('carol');

const NO_CAP = { maxFeeRate: 0n };

function deps(mp: Mempool): BroadcastDeps {
  return { mempool: mp, chain: { getTxLocation: async () => undefined } };
}

/** Holds every coin read until `open()`, so the calls made meanwhile are all in flight together. */
function holdReads(chain: FakeChain): { open: () => void } {
  let open = () => {};
  const held = new Promise<void>((r) => {
    open = r;
  });
  chain.gate = () => held;
  return { open };
}

/** Outcome per submission: 'added', 'known' (already in the pool), or the reject reason. */
async function submitAll(mp: Mempool, txs: readonly Tx[], release: () => void): Promise<string[]> {
  const pending = txs.map((tx) => broadcastTx(deps(mp), tx, NO_CAP));
  release();
  const settled = await Promise.allSettled(pending);
  return settled.map((s) => {
    if (s.status === 'fulfilled') return s.value.added ? 'added' : 'known';
    const e = s.reason as unknown;
    if (e instanceof BroadcastError) return e.reject?.reason ?? e.message;
    throw e;
  });
}

function pay(input: SpendInput, fee: bigint, to = BOB): Tx {
  return signedSpend([input], [payTo(to, input.value - fee)]);
}

describe('concurrent submissions', () => {
  it('lets exactly one of several conflicting spends in, the first to arrive', async () => {
    const chain = new FakeChain();
    const mp = chain.mempool();
    const coin = chain.fund(COIN);
    // Equal fees, so none may replace another (BIP125 rule 3 wants more).
    const spends = [pay(coin, 2000n, BOB), pay(coin, 2000n, CAROL), pay(coin, 2000n, ALICE)];
    const gate = holdReads(chain);
    const outcomes = await submitAll(mp, spends, gate.open);
    expect(outcomes).toEqual(['added', 'insufficient fee', 'insufficient fee']);
    expect(mp.txids()).toEqual([spends[0]!.txidHex()]);
    invariants(mp);
  });

  it('accepts one copy of a transaction submitted twice at once; the other is answered as known', async () => {
    const chain = new FakeChain();
    const mp = chain.mempool();
    const tx = pay(chain.fund(COIN), 1500n);
    const gate = holdReads(chain);
    const outcomes = await submitAll(mp, [tx, tx], gate.open);
    expect(outcomes[0]).toBe('added');
    // As Core's sendrawtransaction answers a tx already in the mempool, whichever way it got there.
    expect(outcomes[1]).toBe('known');
    expect(mp.txids()).toEqual([tx.txidHex()]);
    // And one after the other.
    expect(await submitAll(mp, [tx], () => {})).toEqual(['known']);
    invariants(mp);
  });

  it('accepts every independent spend and a child after its parent, all in flight at once', async () => {
    const chain = new FakeChain();
    const mp = chain.mempool();
    const coins = Array.from({ length: 16 }, () => chain.fund(COIN));
    const txs = coins.map((c) => pay(c, 1000n + BigInt(c.prevout.index)));
    const parent = txs[0]!;
    const child = signedSpend(
      [{ prevout: outpointOf(parent, 0), value: parent.outputs[0]!.value, key: BOB }],
      [payTo(CAROL, parent.outputs[0]!.value - 2000n)],
    );
    const gate = holdReads(chain);
    const outcomes = await submitAll(mp, [...txs, child], gate.open);
    expect(outcomes).toEqual(Array.from({ length: 17 }, () => 'added'));
    expect(mp.size).toBe(17);
    expect(mp.get(child.txid())?.ancestorCount).toBe(2);
    invariants(mp);
  });
});
