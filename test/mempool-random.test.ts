/**
 * Random operations against a small mempool (seeded, so failures replay): spends of random
 * confirmed and unconfirmed outputs (chains, fan-outs, double spends that replace or fail),
 * blocks mining ancestor-closed subsets, disconnects with re-adds, and a size limit small
 * enough to trim often. After every step the cached ancestor/descendant aggregates must equal
 * a recount, and every entry must spend coins that exist, none spent twice.
 */
import { expect, it } from 'vitest';
import type { MempoolEntry } from '../node/mempool/entry.js';
import { TxRejectError } from '../node/mempool/errors.js';
import { hashToDisplay } from '../node/protocol/hash.js';
import type { Tx } from '../node/protocol/tx.js';
import { outpointOf, payTo, type SpendInput, signedSpend } from './helpers/keys.js';
import { BOB, COIN, FakeChain, invariants } from './helpers/mempool-fixture.js';
import { prng } from './helpers/prng.js';

function consistent(chain: FakeChain, entries: MempoolEntry[]): void {
  const txids = new Set<string>(entries.map((e) => e.txid));
  const spent = new Set<string>();
  for (const e of entries) {
    for (const input of e.tx.inputs) {
      const key = input.prevout.key();
      expect(spent.has(key), `${key} spent twice`).toBe(false);
      spent.add(key);
      const parent = hashToDisplay(input.prevout.txid);
      expect(txids.has(parent) || chain.coins.has(key), `${key} exists`).toBe(true);
    }
  }
}

it.each([1, 2, 3])('keeps its bookkeeping through random operations (seed %i)', async (seed) => {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const chain = new FakeChain();
  const mp = chain.mempool({ maxUsage: 6000, limits: { ancestorCount: 6, descendantCount: 6 } });
  const all: SpendInput[] = [];
  const unspent = new Map<string, SpendInput>();
  const note = (i: SpendInput): void => {
    all.push(i);
    unspent.set(i.prevout.key(), i);
  };
  for (let i = 0; i < 12; i++) note(chain.fund(COIN, { key: BOB }));
  const blocks: Tx[][] = [];
  let accepted = 0;

  for (let step = 0; step < 150; step++) {
    const r = rand();
    if (r < 0.75) {
      // Mostly outputs believed unspent; sometimes any output (double spends, orphans).
      const choose = (): SpendInput =>
        rand() < 0.85 && unspent.size > 0 ? pick([...unspent.values()]) : pick(all);
      const inputs = [choose()];
      if (rand() < 0.3) inputs.push(choose());
      if (inputs[1] && inputs[1].prevout.key() === inputs[0]!.prevout.key()) inputs.pop();
      const total = inputs.reduce((s, i) => s + i.value, 0n);
      const fee = BigInt(200 + Math.floor(rand() * 5000));
      const n = 1 + Math.floor(rand() * 3);
      if (total - fee < BigInt(n) * 1000n) continue;
      const each = (total - fee) / BigInt(n);
      const tx = signedSpend(
        inputs,
        Array.from({ length: n }, () => payTo(BOB, each)),
      );
      let ok = false;
      try {
        ok = (await mp.accept(tx)).status === 'accepted';
      } catch (e) {
        if (!(e instanceof TxRejectError)) throw e;
      }
      if (ok) {
        accepted++;
        for (const i of inputs) unspent.delete(i.prevout.key());
      }
      tx.outputs.forEach((o, i) => {
        const spend = { prevout: outpointOf(tx, i), value: o.value, key: BOB };
        if (ok) note(spend);
        else all.push(spend);
      });
    } else if (r < 0.9) {
      // Mine entries whose ancestors are all mined too (pool order is a valid order), and
      // sometimes a rival spend of a coin some unmined entry spends.
      const mined: Tx[] = [];
      const chosen = new Set<string>();
      const rest: MempoolEntry[] = [];
      for (const e of mp.entries()) {
        if (rand() < 0.5 && [...e.parents].every((p) => chosen.has(p.txid))) {
          chosen.add(e.txid);
          mined.push(e.tx);
        } else {
          rest.push(e);
        }
      }
      const confirmedSpends = rest.flatMap((e) =>
        e.tx.inputs.filter((i) => chain.coins.has(i.prevout.key())).map((i) => i.prevout.key()),
      );
      if (confirmedSpends.length > 0 && rand() < 0.5) {
        const key = pick(confirmedSpends);
        const coin = all.find((i) => i.prevout.key() === key)!;
        mined.push(signedSpend([coin], [payTo(BOB, coin.value - 10_000n)]));
      }
      mp.removeForBlock(chain.connect(mined));
      blocks.push(mined);
    } else if (blocks.length > 0) {
      const block = chain.disconnect();
      blocks.pop();
      // Sometimes the disconnected block's transactions are lost (a rival branch took them).
      await mp.reAddDisconnected(rand() < 0.7 ? block.txs : []);
    }
    const entries = [...mp.entries()];
    invariants(mp);
    consistent(chain, entries);
    expect(mp.info().usage).toBeLessThanOrEqual(6000);
  }
  expect(accepted).toBeGreaterThan(20);
});
