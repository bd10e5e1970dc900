/**
 * The coin view (node/chain/coin-view.ts, Core's -dbcache) and its replay on restart
 * (coin-replay.ts, Core's ReplayBlocks). A crash is a copy of the data dir taken while the
 * chain is open with unflushed coin changes: writes are not synced, so what a SIGKILL leaves on
 * disk is what the files hold at that instant. Every UTXO set is compared with that of a chain
 * fed the same blocks with the view off (each block writing its own coins).
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { Level } from 'level';
import { describe, expect, it } from 'vitest';
import type { Chain } from '../node/chain/chain.js';
import { CoinView } from '../node/chain/coin-view.js';
import { keys } from '../node/chain/layout.js';
import type { Block } from '../node/protocol/block.js';
import { regtest } from '../node/protocol/params.js';
import { OutPoint, type Tx, TxOut } from '../node/protocol/tx.js';
import { ANYONE, chainOf, makeBlock, spend } from './helpers/blocks.js';
import { chainFixture } from './helpers/chain-fixture.js';

const { tempDir, openChain: open, closeChain } = chainFixture('gl-coinview-');
/** A chain whose coin view holds `coinViewBytes` and never flushes for age. */
const openChain = (path: string, coinViewBytes: number) => open(path, { coinViewBytes, coinFlushSec: 1e9 });

const T0 = regtest.genesis.header.time + 600;
const BIG = 64 * 1024 * 1024;

/**
 * 110 coinbase-only blocks, then `spends` blocks that each split a matured coinbase in three and
 * spend one output of the block before (coins created and spent between flushes), on `prev`.
 */
function spendChain(base: Block[], from: number, spends: number, tag: number): Block[] {
  const out: Block[] = [];
  let prev = base[from - 1]!;
  let carry: Tx | null = null;
  for (let i = 0; i < spends; i++) {
    const height = from + i + 1;
    const cb = base[i]!.txs[0]!;
    const txs: Tx[] = [];
    const split = spend(
      [new OutPoint(cb.txid(), 0)],
      [0, 1, 2].map((k) => new TxOut(1_000_000_000n - BigInt(tag * 10 + k), ANYONE)),
    );
    txs.push(split);
    if (carry)
      txs.push(spend([new OutPoint(carry.txid(), 1)], [new TxOut(999_000_000n - BigInt(i), ANYONE)]));
    carry = split;
    const b = makeBlock({ prev: prev.hash(), height, time: T0 + 600 * (height - 1), txs, tag });
    out.push(b);
    prev = b;
  }
  return out;
}

async function feed(chain: Chain, blocks: Block[]): Promise<void> {
  for (const b of blocks) {
    const r = await chain.addBlock(b);
    if (r.status !== 'connected') throw new Error(`block not connected: ${r.status}`);
  }
}

async function digestOf(blocks: Block[]): Promise<{ count: number; hash: string }> {
  const ref = await openChain(join(tempDir(), 'ref'), 0);
  await feed(ref, blocks);
  const { count, hash } = await ref.utxoStats();
  return { count, hash };
}

const base = chainOf(110, regtest.genesisHash, 1, T0);
const spends = spendChain(base, 110, 30, 1);
const all = [...base, ...spends];

describe('coin view', () => {
  it('writes nothing for a coin created and spent before a flush, and a delete for one on disk', () => {
    const view = new CoinView(BIG, 1e9);
    const [b1, b2] = chainOf(2, regtest.genesisHash, 1, T0);
    view.connected(b1!, 1, 0);
    const created = new OutPoint(b1!.txs[0]!.txid(), 0);
    const onDisk = new OutPoint(new Uint8Array(32).fill(7), 3);
    const tx = spend([created, onDisk], [new TxOut(1n, ANYONE)]);
    const b3 = makeBlock({ prev: b2!.hash(), height: 3, time: T0 + 1200, txs: [tx] });
    view.connected(b3, 3, 0);
    const ops = view.flushOps(b3.hash());
    const k = (o: OutPoint) => Buffer.from(keys.coin(o.txid, o.index)).toString('hex');
    const byKey = new Map(ops.map((op) => [Buffer.from(op.key).toString('hex'), op.type]));
    expect(byKey.has(k(created)), 'created and spent: no op').toBe(false);
    expect(byKey.get(k(onDisk))).toBe('del');
    expect(byKey.get(k(new OutPoint(tx.txid(), 0)))).toBe('put');
    expect(byKey.get(Buffer.from(keys.coinTip()).toString('hex'))).toBe('put');
    expect(view.get(created.key())).toBeUndefined();
    expect(view.get(onDisk.key())).toBeNull();
  });

  it('keeps block coins in memory and answers for them, then a crash image replays to the same UTXO set', async () => {
    const want = await digestOf(all);
    const dir = tempDir();
    const c = await openChain(join(dir, 'live'), BIG);
    await feed(c, all);
    const stats = c.cacheStats().coinView;
    expect(stats.entries).toBeGreaterThan(110);
    expect(c.coinFlushes).toBe(0);
    // Answered from the view: spent in block 112, created in block 140.
    expect(await c.getCoin(new OutPoint(base[1]!.txs[0]!.txid(), 0))).toBeUndefined();
    expect((await c.getCoin(new OutPoint(spends[29]!.txs[1]!.txid(), 0)))?.height).toBe(140);

    cpSync(join(dir, 'live'), join(dir, 'crash'), { recursive: true });
    const after = await openChain(join(dir, 'crash'), BIG);
    expect(after.height).toBe(140);
    expect(after.replayedBlocks).toBe(140);
    const got = await after.utxoStats();
    expect({ count: got.count, hash: got.hash }).toEqual(want);
    // The live chain's own flush (gettxoutsetinfo's) gives the same set.
    const live = await c.utxoStats();
    expect({ count: live.count, hash: live.hash }).toEqual(want);
    expect(c.coinFlushes).toBe(1);
  });

  it('flushes when full; a crash image then replays only the blocks above the last flush', async () => {
    const want = await digestOf(all);
    const dir = tempDir();
    const c = await openChain(join(dir, 'live'), 20_000);
    await feed(c, all);
    expect(c.coinFlushes).toBeGreaterThan(2);
    cpSync(join(dir, 'live'), join(dir, 'crash'), { recursive: true });
    const after = await openChain(join(dir, 'crash'), 20_000);
    expect(after.replayedBlocks).toBeGreaterThan(0);
    expect(after.replayedBlocks).toBeLessThan(140);
    const got = await after.utxoStats();
    expect({ count: got.count, hash: got.hash }).toEqual(want);
  });

  it('reorganises with unflushed coins (flushing first) and matches the other branch, before and after a crash', async () => {
    // Branch B leaves branch A at height 130 and is two blocks longer.
    const a = all;
    const b = [...all.slice(0, 130)];
    let prev = all[129]!;
    for (let h = 131; h <= 142; h++) {
      const cb = base[h - 111]!.txs[0]!;
      const tx = spend([new OutPoint(cb.txid(), 0)], [new TxOut(2_000_000_000n + BigInt(h), ANYONE)]);
      const blk = makeBlock({
        prev: prev.hash(),
        height: h,
        time: T0 + 600 * (h - 1) + 1,
        txs: [tx],
        tag: 9,
      });
      b.push(blk);
      prev = blk;
    }
    const want = await digestOf(b);
    const dir = tempDir();
    const c = await openChain(join(dir, 'live'), BIG);
    await feed(c, a);
    for (const blk of b.slice(130)) await c.addBlock(blk);
    expect(c.tip.hashHex).toBe(b[141]!.hashHex());
    expect(c.coinFlushes).toBe(1);
    cpSync(join(dir, 'live'), join(dir, 'crash'), { recursive: true });
    const live = await c.utxoStats();
    expect({ count: live.count, hash: live.hash }).toEqual(want);
    const after = await openChain(join(dir, 'crash'), BIG);
    // Flushed at 140 before the first disconnect, moved with each disconnect down to 130.
    expect(after.replayedBlocks).toBe(12);
    const got = await after.utxoStats();
    expect({ count: got.count, hash: got.hash }).toEqual(want);
  });

  it('replays blocks whose coins the database already holds without changing the set (a replay cut short)', async () => {
    const want = await digestOf(all);
    const dir = tempDir();
    const path = join(dir, 'chain');
    // Coins on disk up to block 120 (each block writing its own), 121-140 in the view.
    const c = await openChain(path, 0);
    await feed(c, all.slice(0, 120));
    await closeChain(c);
    const c2 = await openChain(path, BIG);
    await feed(c2, all.slice(120));
    cpSync(path, join(dir, 'crash'), { recursive: true });
    // As if a replay from block 100 had written its work up to 120 and been killed: blocks
    // 101-120 are applied again over a set that already has them.
    const db = new Level<Uint8Array, Uint8Array>(join(dir, 'crash'), {
      keyEncoding: 'view',
      valueEncoding: 'view',
    });
    await db.put(keys.coinTip(), all[99]!.hash());
    await db.close();
    const again = await openChain(join(dir, 'crash'), BIG);
    expect(again.replayedBlocks).toBe(40);
    const got = await again.utxoStats();
    expect({ count: got.count, hash: got.hash }).toEqual(want);
  });
});
