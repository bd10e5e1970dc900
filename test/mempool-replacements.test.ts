/** Issue 13: the mempool's bounded memory of recent replacements (node/mempool/replacements.ts). */
import { describe, expect, it } from 'vitest';
import { ReplacementLog } from '../node/mempool/replacements.js';
import { outpointOf, payTo, type SpendInput, signedSpend } from './helpers/keys.js';
import { BOB, COIN, FakeChain } from './helpers/mempool-fixture.js';

const id = (n: number) => n.toString(16).padStart(64, '0');

describe('ReplacementLog', () => {
  it('remembers the last N replacements, forgetting the oldest first', () => {
    const log = new ReplacementLog(3);
    for (let i = 1; i <= 5; i++) log.record(id(i), id(100 + i), 1000 + i);
    expect(log.size).toBe(3);
    expect(log.get(id(1))).toBeUndefined();
    expect(log.get(id(2))).toBeUndefined();
    expect(log.get(id(5))).toEqual({ txid: id(5), replacedBy: id(105), time: 1005 });
    // Recording again refreshes: id(3) is now the newest, so id(4) goes next.
    log.record(id(3), id(200), 2000);
    log.record(id(6), id(106), 2001);
    expect(log.get(id(4))).toBeUndefined();
    expect(log.get(id(3))?.replacedBy).toBe(id(200));
  });

  it('follows a chain of replacements to the newest, and forgets a tx that came back', () => {
    const log = new ReplacementLog();
    log.record(id(1), id(2), 1);
    log.record(id(2), id(3), 2);
    expect(log.latest(id(1))).toBe(id(3));
    expect(log.latest(id(2))).toBe(id(3));
    expect(log.latest(id(3))).toBeUndefined();
    log.forget(id(2));
    expect(log.latest(id(1))).toBe(id(2));
    expect(() => new ReplacementLog(-1)).toThrow(RangeError);
  });
});

describe('Mempool.replacedBy', () => {
  const pay = (input: SpendInput, fee: bigint, outputs = 1) => {
    const each = (input.value - fee) / BigInt(outputs);
    const outs = Array.from({ length: outputs }, (_, i) =>
      payTo(BOB, i === 0 ? input.value - fee - each * BigInt(outputs - 1) : each),
    );
    return signedSpend([input], outs);
  };

  it('names the replacement of a replaced tx and of its evicted descendants', async () => {
    const chain = new FakeChain();
    const mp = chain.mempool();
    const coin = chain.fund(COIN);
    const a = pay(coin, 1000n, 2);
    const child = pay({ prevout: outpointOf(a, 0), value: a.outputs[0]!.value, key: BOB }, 1000n);
    await mp.accept(a);
    await mp.accept(child);
    expect(mp.replacedBy(a.txid())).toBeUndefined();
    const b = pay(coin, 5000n);
    const c = pay(coin, 10_000n);
    chain.now = 1_700_000_123;
    await mp.accept(b);
    await mp.accept(c);
    expect(mp.replacedBy(a.txid())).toEqual({
      txid: a.txidHex(),
      replacedBy: b.txidHex(),
      time: 1_700_000_123,
      latest: c.txidHex(),
    });
    expect(mp.replacedBy(child.txid())?.replacedBy).toBe(b.txidHex());
    expect(mp.replacedBy(b.txid())?.replacedBy).toBe(c.txidHex());
    expect(mp.replacedBy(c.txid())).toBeUndefined();
  });

  it('keeps only as many as it is told to', async () => {
    const chain = new FakeChain();
    const mp = chain.mempool({ replacementMemory: 1 });
    const coins = [chain.fund(COIN), chain.fund(COIN)];
    const first = coins.map((c) => pay(c, 1000n));
    for (const tx of first) await mp.accept(tx);
    for (const c of coins) await mp.accept(pay(c, 5000n));
    expect(mp.replacedBy(first[0]!.txid())).toBeUndefined();
    expect(mp.replacedBy(first[1]!.txid())).toBeDefined();
  });
});
