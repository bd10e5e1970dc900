/**
 * Package limits (Core defaults: 25 transactions, 101 kvB up and down the chain) and the size
 * limit: TrimToSize evicts the lowest descendant score first, raises the rolling minimum fee,
 * and rejects a newcomer that would be evicted itself as 'mempool full'; entries expire after
 * two weeks.
 */
import { describe, expect, it } from 'vitest';
import type { RemovalReason } from '../node/mempool/events.js';
import { feeRate } from '../node/mempool/fee-rate.js';
import { ENTRY_OVERHEAD } from '../node/mempool/pool.js';
import type { Tx } from '../node/protocol/tx.js';
import { outpointOf, payTo, type SpendInput, signedSpend } from './helpers/keys.js';
import { BOB, COIN, FakeChain, invariants, rejection } from './helpers/mempool-fixture.js';

function pay(input: SpendInput, fee: bigint, outputs = 1): Tx {
  const each = (input.value - fee) / BigInt(outputs);
  const rest = input.value - fee - each * BigInt(outputs - 1);
  return signedSpend(
    [input],
    Array.from({ length: outputs }, (_, i) => payTo(BOB, i === 0 ? rest : each)),
  );
}

function out(tx: Tx, i: number): SpendInput {
  return { prevout: outpointOf(tx, i), value: tx.outputs[i]!.value, key: BOB };
}

/** A chain of `n` transactions, each spending the previous one's only output. */
function chainOf(input: SpendInput, n: number, fee = 1000n): Tx[] {
  const txs: Tx[] = [];
  let next = input;
  for (let i = 0; i < n; i++) {
    const tx = pay(next, fee);
    txs.push(tx);
    next = out(tx, 0);
  }
  return txs;
}

/** Spends `input` at `rate` sat/vB (re-signing until the size settles). */
function atRate(input: SpendInput, rate: number): Tx {
  let tx = pay(input, 1000n);
  for (;;) {
    const next = pay(input, BigInt(tx.vsize() * rate));
    if (next.vsize() === tx.vsize()) return next;
    tx = next;
  }
}

const usageOf = (txs: Tx[]): number => txs.reduce((s, t) => s + t.size() + ENTRY_OVERHEAD, 0);

describe('package limits', () => {
  it('accepts a chain of 25 and rejects the 26th until the first is mined', async () => {
    const chain = new FakeChain();
    const mp = chain.mempool();
    const txs = chainOf(chain.fund(COIN), 26);
    for (const tx of txs.slice(0, 25)) expect((await mp.accept(tx)).status).toBe('accepted');
    const last = mp.get(txs[24]!.txid())!;
    expect(last.ancestorCount).toBe(25);
    expect(last.ancestorFee).toBe(25_000n);
    expect(mp.get(txs[0]!.txid())!.descendantCount).toBe(25);
    invariants(mp);

    const err = await rejection(mp.accept(txs[25]!));
    expect(err.code).toBe('ANCESTOR_COUNT');
    expect(err.reason).toBe('too-long-mempool-chain');

    mp.removeForBlock(chain.connect([txs[0]!]));
    invariants(mp);
    expect((await mp.accept(txs[25]!)).status).toBe('accepted');
    expect(mp.get(txs[25]!.txid())!.ancestorCount).toBe(25);
    invariants(mp);
  });

  it('rejects a 25th child of one parent (DESCENDANT_COUNT)', async () => {
    const chain = new FakeChain();
    const mp = chain.mempool();
    const parent = pay(chain.fund(COIN), 5000n, 25);
    await mp.accept(parent);
    for (let i = 0; i < 24; i++) await mp.accept(pay(out(parent, i), 500n));
    expect(mp.get(parent.txid())!.descendantCount).toBe(25);
    const err = await rejection(mp.accept(pay(out(parent, 24), 500n)));
    expect(err.code).toBe('DESCENDANT_COUNT');
    expect(err.reason).toBe('too-long-mempool-chain');
    invariants(mp);
  });

  it('limits ancestor and descendant sizes (vbytes)', async () => {
    const chain = new FakeChain();
    const small = chain.mempool({ limits: { ancestorSize: 300 } });
    const txs = chainOf(chain.fund(COIN), 3);
    await small.accept(txs[0]!);
    await small.accept(txs[1]!);
    expect((await rejection(small.accept(txs[2]!))).code).toBe('ANCESTOR_SIZE');

    const mp = chain.mempool({ limits: { descendantSize: 300 } });
    const parent = pay(chain.fund(COIN), 5000n, 2);
    await mp.accept(parent);
    await mp.accept(pay(out(parent, 0), 500n));
    expect((await rejection(mp.accept(pay(out(parent, 1), 500n)))).code).toBe('DESCENDANT_SIZE');
  });

  it('counts a replacement in a full chain without the tx it evicts', async () => {
    const chain = new FakeChain();
    const mp = chain.mempool();
    const txs = chainOf(chain.fund(COIN), 25);
    for (const tx of txs) await mp.accept(tx);
    const replacement = pay(out(txs[23]!, 0), 2000n);
    const r = await mp.accept(replacement);
    if (r.status !== 'accepted') throw new Error('not accepted');
    expect(r.replaced.map((e) => e.txid)).toEqual([txs[24]!.txidHex()]);
    expect(mp.get(replacement.txid())!.ancestorCount).toBe(25);
    invariants(mp);
  });

  it('reports ancestor fee rates for block templates', async () => {
    const chain = new FakeChain();
    const mp = chain.mempool();
    const parent = pay(chain.fund(COIN), 200n);
    const child = pay(out(parent, 0), 20_000n);
    await mp.accept(parent);
    await mp.accept(child);
    const e = mp.get(child.txid())!;
    expect(e.ancestorSize).toBe(parent.vsize() + child.vsize());
    expect(e.ancestorFeeRate()).toBe(feeRate(20_200n, parent.vsize() + child.vsize()));
    expect(mp.descendants(parent.txid()).map((d) => d.txid)).toEqual([child.txidHex()]);
  });
});

describe('size limit', () => {
  it('evicts the lowest fee rate, raises the minimum fee, and refuses what would not stay', async () => {
    const chain = new FakeChain();
    const coins = Array.from({ length: 5 }, () => chain.fund(COIN));
    const [t10, t20, t30, t5, t15] = [
      atRate(coins[0]!, 10),
      atRate(coins[1]!, 20),
      atRate(coins[2]!, 30),
      atRate(coins[3]!, 5),
      atRate(coins[4]!, 15),
    ] as [Tx, Tx, Tx, Tx, Tx];
    const mp = chain.mempool({ maxUsage: usageOf([t20, t30]) + 10 });
    const removed: [string, RemovalReason][] = [];
    mp.on('removed', (e, reason) => removed.push([e.txid, reason]));

    await mp.accept(t10);
    await mp.accept(t20);
    expect(mp.size).toBe(2);
    await mp.accept(t30);
    expect(removed).toEqual([[t10.txidHex(), 'size-limit']]);
    expect(mp.txids()).toEqual([t20.txidHex(), t30.txidHex()]);
    const floor = feeRate(BigInt(t10.vsize() * 10), t10.vsize()) + 1000n;
    expect(mp.info().minFeeRate).toBe(floor);

    const low = await rejection(mp.accept(t5));
    expect(low.code).toBe('MEMPOOL_MIN_FEE');
    expect(low.reason).toBe('mempool min fee not met');

    const full = await rejection(mp.accept(t15));
    expect(full.code).toBe('MEMPOOL_FULL');
    expect(full.reason).toBe('mempool full');
    expect(mp.txids()).toEqual([t20.txidHex(), t30.txidHex()]);
    expect(removed.length).toBe(1);
    invariants(mp);
  });

  it('keeps a cheap parent whose child pays for it (descendant score)', async () => {
    const chain = new FakeChain();
    const parent = atRate(chain.fund(COIN), 2);
    const child = pay(out(parent, 0), 10_000n);
    const other = atRate(chain.fund(COIN), 10);
    const late = atRate(chain.fund(COIN), 15);
    const mp = chain.mempool({ maxUsage: usageOf([parent, child, late]) + 10 });
    for (const tx of [parent, child, other]) await mp.accept(tx);
    await mp.accept(late);
    expect(mp.has(other.txid())).toBe(false);
    expect(new Set(mp.txids())).toEqual(new Set([parent.txidHex(), child.txidHex(), late.txidHex()]));
    invariants(mp);
  });

  it('lets the minimum fee decay after a block', async () => {
    const chain = new FakeChain();
    const a = atRate(chain.fund(COIN), 10);
    const b = atRate(chain.fund(COIN), 20);
    const mp = chain.mempool({ maxUsage: usageOf([b]) + 10 });
    await mp.accept(a);
    await mp.accept(b);
    const bumped = mp.info().minFeeRate;
    expect(bumped).toBeGreaterThan(1000n);
    chain.now += 3600;
    expect(mp.info().minFeeRate).toBe(bumped); // no block yet: no decay
    mp.removeForBlock(chain.connect([]));
    chain.now += 12 * 3600; // usage >= half the limit: 12-hour half-life
    const half = mp.info().minFeeRate;
    expect(Number(half)).toBeCloseTo(Number(bumped) / 2, -1);
    chain.now += 7 * 24 * 3600;
    expect(mp.info().minFeeRate).toBe(1000n);
  });

  it('expires entries after two weeks', async () => {
    const chain = new FakeChain();
    const mp = chain.mempool();
    const removed: [string, RemovalReason][] = [];
    mp.on('removed', (e, reason) => removed.push([e.txid, reason]));
    const old = pay(chain.fund(COIN), 1000n);
    const child = pay(out(old, 0), 1000n);
    await mp.accept(old);
    await mp.accept(child);
    chain.now += 336 * 3600 + 1;
    const fresh = pay(chain.fund(COIN), 1000n);
    await mp.accept(fresh);
    expect(removed.map(([, r]) => r)).toEqual(['expiry', 'expiry']);
    expect(mp.txids()).toEqual([fresh.txidHex()]);
  });
});
