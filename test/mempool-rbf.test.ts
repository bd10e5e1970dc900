/**
 * Full-RBF replacement with Core's rules (policy/rbf.cpp): replacements that pay enough go in
 * and evict the conflicts with their descendants (announced as 'replaced'); each rule broken
 * alone is rejected with its own code; no opt-in signal is needed.
 */
import { describe, expect, it } from 'vitest';
import type { RemovalReason } from '../node/mempool/events.js';
import { outpointOf, payTo, type SpendInput, signedSpend } from './helpers/keys.js';
import { ALICE, BOB, COIN, FakeChain, invariants, rejection } from './helpers/mempool-fixture.js';

function pay(input: SpendInput, fee: bigint, outputs = 1): ReturnType<typeof signedSpend> {
  const each = (input.value - fee) / BigInt(outputs);
  const rest = input.value - fee - each * BigInt(outputs - 1);
  const outs = Array.from({ length: outputs }, (_, i) => payTo(BOB, i === 0 ? rest : each));
  return signedSpend([input], outs);
}

/** Output i of `tx` (paying Bob) as an input to sign. */
function out(tx: ReturnType<typeof signedSpend>, i: number): SpendInput {
  return { prevout: outpointOf(tx, i), value: tx.outputs[i]!.value, key: BOB };
}

describe('replacement accepted', () => {
  it('replaces a non-signalling tx paying more (full RBF)', async () => {
    const chain = new FakeChain();
    const mp = chain.mempool();
    const removed: [string, RemovalReason][] = [];
    mp.on('removed', (e, reason) => removed.push([e.txid, reason]));
    const coin = chain.fund(COIN);
    const a = pay({ ...coin, sequence: 0xffffffff }, 1000n);
    await mp.accept(a);
    const b = pay({ ...coin, sequence: 0xffffffff }, 1000n + 200n);
    const r = await mp.accept(b);
    if (r.status !== 'accepted') throw new Error('not accepted');
    expect(r.replaced.map((e) => e.txid)).toEqual([a.txidHex()]);
    expect(removed).toEqual([[a.txidHex(), 'replaced']]);
    expect(mp.txids()).toEqual([b.txidHex()]);
    expect(mp.spender(coin.prevout)?.txid).toBe(b.txidHex());
    invariants(mp);
  });

  it('evicts the descendants of what it replaces when it pays for them', async () => {
    const chain = new FakeChain();
    const mp = chain.mempool();
    const coin = chain.fund(COIN);
    const a = pay(coin, 1000n, 2);
    const c1 = pay(out(a, 0), 1000n);
    const c2 = pay(out(a, 1), 1000n);
    for (const tx of [a, c1, c2]) await mp.accept(tx);
    const b = pay(coin, 3000n + 110n);
    // Rule 4 needs 3000 + vsize(b): vsize is 109 or 110.
    const r = await mp.accept(b);
    if (r.status !== 'accepted') throw new Error('not accepted');
    expect(new Set(r.replaced.map((e) => e.txid))).toEqual(
      new Set([a.txidHex(), c1.txidHex(), c2.txidHex()]),
    );
    expect(mp.txids()).toEqual([b.txidHex()]);
    invariants(mp);
  });

  it("may spend another output of a conflict's parent (rule 2 allows it)", async () => {
    const chain = new FakeChain();
    const mp = chain.mempool();
    const p = pay(chain.fund(COIN), 1000n, 2);
    await mp.accept(p);
    const a = pay(out(p, 0), 1000n);
    await mp.accept(a);
    const b = signedSpend([out(p, 0), out(p, 1)], [payTo(BOB, COIN - 10_000n)]);
    expect((await mp.accept(b)).status).toBe('accepted');
    invariants(mp);
  });

  it('replaces exactly 100 candidates', async () => {
    const chain = new FakeChain();
    const mp = chain.mempool({ limits: { descendantCount: 200 } });
    const coin = chain.fund(10n * COIN);
    const a = pay(coin, 10_000n, 99);
    await mp.accept(a);
    for (let i = 0; i < 99; i++) await mp.accept(pay(out(a, i), 500n));
    expect(mp.size).toBe(100);
    const b = pay(coin, 10_000n + 99n * 500n + 200n);
    const r = await mp.accept(b);
    if (r.status !== 'accepted') throw new Error('not accepted');
    expect(r.replaced.length).toBe(100);
    expect(mp.size).toBe(1);
  });
});

describe('replacement rejected', () => {
  it("RBF_FEERATE: fee rate not above the conflict's", async () => {
    const chain = new FakeChain();
    const mp = chain.mempool();
    const coin = chain.fund(COIN);
    await mp.accept(pay(coin, 2000n));
    // More fee, but three outputs: a lower fee rate.
    const b = pay(coin, 2100n, 3);
    const err = await rejection(mp.accept(b));
    expect(err.code).toBe('RBF_FEERATE');
    expect(err.reason).toBe('insufficient fee');
    expect(err.consensus).toBe(false);
  });

  it('RBF_FEE: higher fee rate but less absolute fee than everything evicted', async () => {
    const chain = new FakeChain();
    const mp = chain.mempool();
    const coin = chain.fund(COIN);
    const a = pay(coin, 1000n, 2);
    await mp.accept(a);
    await mp.accept(pay(out(a, 0), 5000n));
    const err = await rejection(mp.accept(pay(coin, 4000n)));
    expect(err.code).toBe('RBF_FEE');
    expect(err.reason).toBe('insufficient fee');
  });

  it('RBF_RELAY_FEE: pays the evicted fees but not its own relay', async () => {
    const chain = new FakeChain();
    const mp = chain.mempool();
    const coin = chain.fund(COIN);
    await mp.accept(pay(coin, 1000n));
    const err = await rejection(mp.accept(pay(coin, 1000n + 50n)));
    expect(err.code).toBe('RBF_RELAY_FEE');
    expect(err.reason).toBe('insufficient fee');
  });

  it('RBF_TOO_MANY_REPLACEMENTS: 101 candidates', async () => {
    const chain = new FakeChain();
    const mp = chain.mempool({ limits: { descendantCount: 200 } });
    const coin = chain.fund(10n * COIN);
    const a = pay(coin, 10_000n, 100);
    await mp.accept(a);
    for (let i = 0; i < 100; i++) await mp.accept(pay(out(a, i), 500n));
    const err = await rejection(mp.accept(pay(coin, COIN)));
    expect(err.code).toBe('RBF_TOO_MANY_REPLACEMENTS');
    expect(err.reason).toBe('too many potential replacements');
    expect(mp.size).toBe(101);
  });

  it('RBF_ADDS_UNCONFIRMED: a new unconfirmed input', async () => {
    const chain = new FakeChain();
    const mp = chain.mempool();
    const coin = chain.fund(COIN);
    await mp.accept(pay(coin, 1000n));
    const u = pay(chain.fund(COIN, { key: ALICE }), 1000n);
    await mp.accept(u);
    const b = signedSpend([coin, out(u, 0)], [payTo(BOB, COIN)]);
    const err = await rejection(mp.accept(b));
    expect(err.code).toBe('RBF_ADDS_UNCONFIRMED');
    expect(err.reason).toBe('replacement-adds-unconfirmed');
  });

  it('RBF_SPENDS_CONFLICTING: spends an output of the tx it replaces', async () => {
    const chain = new FakeChain();
    const mp = chain.mempool();
    const coin = chain.fund(COIN);
    const a = pay(coin, 1000n, 2);
    await mp.accept(a);
    const b = signedSpend([coin, out(a, 1)], [payTo(BOB, COIN)]);
    const err = await rejection(mp.accept(b));
    expect(err.code).toBe('RBF_SPENDS_CONFLICTING');
    expect(err.reason).toBe('bad-txns-spends-conflicting-tx');
    expect(mp.txids()).toEqual([a.txidHex()]);
  });

  it('leaves the pool as it was after a rejected replacement', async () => {
    const chain = new FakeChain();
    const mp = chain.mempool();
    const coin = chain.fund(COIN);
    const a = pay(coin, 1000n, 2);
    const c = pay(out(a, 0), 1000n);
    await mp.accept(a);
    await mp.accept(c);
    await rejection(mp.accept(pay(coin, 1500n)));
    expect(mp.txids()).toEqual([a.txidHex(), c.txidHex()]);
    invariants(mp);
  });
});
