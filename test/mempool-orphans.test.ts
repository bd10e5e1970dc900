/**
 * The orphan pool (Core's TxOrphanage): a transaction with unknown parents is kept and its
 * missing parents reported; when a parent is accepted, waiting orphans are retried (and their
 * own orphans in turn); orphans that turn out invalid are dropped; the pool is bounded (count,
 * random eviction), expires entries after 20 minutes, and forgets a peer's orphans on request.
 */
import { describe, expect, it } from 'vitest';
import type { Tx } from '../node/protocol/tx.js';
import { outpointOf, payTo, type SpendInput, signedSpend } from './helpers/keys.js';
import { ALICE, BOB, COIN, FakeChain, invariants } from './helpers/mempool-fixture.js';

function pay(input: SpendInput, fee = 1000n): Tx {
  return signedSpend([input], [payTo(BOB, input.value - fee)]);
}

function out(tx: Tx, i = 0): SpendInput {
  return { prevout: outpointOf(tx, i), value: tx.outputs[i]!.value, key: BOB };
}

describe('orphans', () => {
  it('keeps a child whose parent is unknown and accepts it when the parent arrives', async () => {
    const chain = new FakeChain();
    const mp = chain.mempool();
    const parent = pay(chain.fund(COIN));
    const child = pay(out(parent));
    const r = await mp.accept(child, { peer: 'peer1' });
    expect(r).toMatchObject({
      status: 'orphan',
      txid: child.txidHex(),
      missingParents: [parent.txidHex()],
      stored: true,
    });
    expect(mp.hasOrphan(child.txid())).toBe(true);
    expect(mp.hasOrphan(child.wtxid())).toBe(true);
    expect(mp.has(child.txid())).toBe(false);
    expect(mp.info().orphans).toBe(1);

    const again = await mp.accept(child);
    expect(again).toMatchObject({ status: 'orphan', stored: false });

    const p = await mp.accept(parent);
    if (p.status !== 'accepted') throw new Error('parent not accepted');
    expect(p.orphansAccepted.map((e) => e.txid)).toEqual([child.txidHex()]);
    expect(mp.txids()).toEqual([parent.txidHex(), child.txidHex()]);
    expect(mp.info().orphans).toBe(0);
    invariants(mp);
  });

  it('accepts a chain of orphans in order once the root arrives', async () => {
    const chain = new FakeChain();
    const mp = chain.mempool();
    const a = pay(chain.fund(COIN));
    const b = pay(out(a));
    const c = pay(out(b));
    expect((await mp.accept(c)).status).toBe('orphan');
    expect((await mp.accept(b)).status).toBe('orphan');
    const r = await mp.accept(a);
    if (r.status !== 'accepted') throw new Error('not accepted');
    expect(r.orphansAccepted.map((e) => e.txid)).toEqual([b.txidHex(), c.txidHex()]);
    expect(mp.size).toBe(3);
    invariants(mp);
  });

  it('reports every missing parent once', async () => {
    const chain = new FakeChain();
    const mp = chain.mempool();
    const p1 = signedSpend([chain.fund(COIN)], [payTo(BOB, COIN / 4n), payTo(BOB, COIN / 4n)]);
    const p2 = pay(chain.fund(COIN));
    const child = signedSpend([out(p1, 0), out(p1, 1), out(p2)], [payTo(ALICE, COIN)]);
    const r = await mp.accept(child);
    if (r.status !== 'orphan') throw new Error('not an orphan');
    expect([...r.missingParents].sort()).toEqual([p1.txidHex(), p2.txidHex()].sort());
  });

  it('drops an orphan that fails once its parent is known', async () => {
    const chain = new FakeChain();
    const mp = chain.mempool();
    const parent = pay(chain.fund(COIN));
    const bad = pay({ ...out(parent), key: ALICE }); // signed by the wrong key
    expect((await mp.accept(bad)).status).toBe('orphan');
    const r = await mp.accept(parent);
    if (r.status !== 'accepted') throw new Error('not accepted');
    expect(r.orphansAccepted).toEqual([]);
    expect(mp.hasOrphan(bad.txid())).toBe(false);
    expect(mp.txids()).toEqual([parent.txidHex()]);
  });

  it('keeps at most maxOrphans, evicting at random', async () => {
    const chain = new FakeChain();
    const mp = chain.mempool({ orphans: { maxOrphans: 3 } });
    const orphans = Array.from({ length: 5 }, () => pay(out(pay(chain.fund(COIN)))));
    for (const o of orphans) await mp.accept(o);
    expect(mp.info().orphans).toBe(3);
    expect(orphans.filter((o) => mp.hasOrphan(o.txid())).length).toBe(3);
  });

  it('expires orphans after 20 minutes', async () => {
    const chain = new FakeChain();
    const mp = chain.mempool();
    const first = pay(out(pay(chain.fund(COIN))));
    await mp.accept(first);
    chain.now += 20 * 60 + 1;
    const second = pay(out(pay(chain.fund(COIN))));
    await mp.accept(second);
    expect(mp.hasOrphan(first.txid())).toBe(false);
    expect(mp.hasOrphan(second.txid())).toBe(true);
  });

  it('forgets the orphans of a peer', async () => {
    const chain = new FakeChain();
    const mp = chain.mempool();
    await mp.accept(pay(out(pay(chain.fund(COIN)))), { peer: 'a' });
    await mp.accept(pay(out(pay(chain.fund(COIN)))), { peer: 'b' });
    expect(mp.eraseOrphansForPeer('a')).toBe(1);
    expect(mp.info().orphans).toBe(1);
  });

  it('forgets orphans a block confirms or conflicts with', async () => {
    const chain = new FakeChain();
    const mp = chain.mempool();
    const parent = pay(chain.fund(COIN));
    const orphan = pay(out(parent));
    await mp.accept(orphan);
    // A block spending the same output of the (never seen) parent.
    const rival = signedSpend([out(parent)], [payTo(ALICE, COIN / 2n)]);
    chain.connect([parent]);
    mp.removeForBlock(chain.connect([rival]));
    expect(mp.hasOrphan(orphan.txid())).toBe(false);
  });
});
