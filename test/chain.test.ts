import { describe, expect, it } from 'vitest';
import { Chain } from '../node/chain/chain.js';
import { RuleError } from '../node/consensus/errors.js';
import type { Block } from '../node/protocol/block.js';
import { sha256 } from '../node/protocol/hash.js';
import { main, regtest } from '../node/protocol/params.js';
import { OutPoint, TxOut } from '../node/protocol/tx.js';
import { ANYONE, chainOf, makeBlock, spend } from './helpers/blocks.js';
import { chainFixture } from './helpers/chain-fixture.js';

const { tempDir, openChain, closeChain } = chainFixture('gl-chain-');

const T0 = regtest.genesis.header.time + 600;

async function feed(chain: Chain, blocks: Block[]): Promise<void> {
  for (const b of blocks) await chain.addBlock(b);
}

describe('chain', () => {
  it('starts at Bitcoin regtest genesis', async () => {
    const c = await openChain();
    expect(c.height).toBe(0);
    expect(c.tip.hashHex).toBe('0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206');
  });

  it('connects blocks, spends a matured coinbase, and indexes txs and scripthashes', async () => {
    const c = await openChain();
    const blocks = chainOf(101, regtest.genesisHash, 1, T0);
    await feed(c, blocks);
    expect(c.height).toBe(101);
    const cb1 = blocks[0]!.txs[0]!;
    const pay = spend([new OutPoint(cb1.txid(), 0)], [new TxOut(4_999_990_000n, ANYONE)]);
    const b102 = makeBlock({ prev: blocks[100]!.hash(), height: 102, time: T0 + 600 * 101, txs: [pay] });
    const r = await c.addBlock(b102);
    expect(r.status).toBe('connected');
    expect(await c.getCoin(new OutPoint(cb1.txid(), 0))).toBeUndefined();
    expect((await c.getCoin(new OutPoint(pay.txid(), 0)))?.value).toBe(4_999_990_000n);
    const found = await c.getTx(pay.txid());
    expect(found?.block.height).toBe(102);
    expect(found?.tx.txidHex()).toBe(pay.txidHex());
    expect((await c.getSpender(cb1.txid(), 0))?.vin).toBe(0);
    const totals = await c.getAddressTotals(sha256(ANYONE));
    // 102 coinbases and the payment funded it; the payment spent one coinbase.
    expect(totals.fundedCount).toBe(103);
    expect(totals.spentCount).toBe(1);
    expect(totals.txCount).toBe(103);
    const history = await c.getAddressHistory(sha256(ANYONE), { limit: 2 });
    expect(history.map((h) => h.height)).toEqual([102, 102]);
  });

  it('rejects a premature coinbase spend with its code and changes nothing', async () => {
    const c = await openChain();
    const blocks = chainOf(50, regtest.genesisHash, 1, T0);
    await feed(c, blocks);
    const before = await c.utxoStats();
    const cb1 = blocks[0]!.txs[0]!;
    const bad = makeBlock({
      prev: blocks[49]!.hash(),
      height: 51,
      time: T0 + 600 * 50,
      txs: [spend([new OutPoint(cb1.txid(), 0)], [new TxOut(1000n, ANYONE)])],
    });
    await expect(c.addBlock(bad)).rejects.toMatchObject({ code: 'TX_PREMATURE_COINBASE_SPEND' });
    expect(c.height).toBe(50);
    expect(await c.utxoStats()).toEqual(before);
    // The same block again is known invalid; a child of it is built on an invalid parent.
    await expect(c.addBlock(bad)).rejects.toMatchObject({ code: 'DUPLICATE_INVALID' });
    const child = makeBlock({ prev: bad.hash(), height: 52, time: T0 + 600 * 51 });
    await expect(c.addBlock(child)).rejects.toMatchObject({ code: 'BAD_PREVBLK' });
    expect(c.height).toBe(50);
  });

  it('holds orphans until their parent arrives', async () => {
    const c = await openChain();
    const blocks = chainOf(3, regtest.genesisHash, 1, T0);
    expect((await c.addBlock(blocks[2]!)).status).toBe('orphan');
    const r = await c.addBlock(blocks[1]!);
    expect(r.status).toBe('orphan');
    expect(r.missing).toBe(blocks[0]!.hashHex());
    expect((await c.addBlock(blocks[0]!)).status).toBe('connected');
    expect(c.height).toBe(3);
    expect(c.orphanCount).toBe(0);
  });

  it('reorgs to the heavier branch; the UTXO set equals a node fed only that branch', async () => {
    const c = await openChain();
    const base = chainOf(105, regtest.genesisHash, 1, T0);
    await feed(c, base);
    const fork = base[104]!;
    // Branch A spends coinbase 1; branch B spends coinbase 2 and is one block longer.
    const cbA = base[0]!.txs[0]!;
    const cbB = base[1]!.txs[0]!;
    const branch = (n: number, tag: number, coin: OutPoint) => {
      const out: Block[] = [];
      let prev = fork.hash();
      for (let i = 0; i < n; i++) {
        const txs = i === 0 ? [spend([coin], [new TxOut(4_000_000_000n, ANYONE)])] : [];
        const b = makeBlock({ prev, height: 106 + i, time: T0 + 600 * (105 + i), txs, tag });
        out.push(b);
        prev = b.hash();
      }
      return out;
    };
    const a = branch(10, 1, new OutPoint(cbA.txid(), 0));
    const b = branch(11, 2, new OutPoint(cbB.txid(), 0));
    const disconnected: string[] = [];
    c.on('disconnect', (blk) => disconnected.push(blk.hashHex()));
    await feed(c, a);
    expect(c.tip.hashHex).toBe(a[9]!.hashHex());
    for (const blk of b.slice(0, 10)) expect((await c.addBlock(blk)).status).toBe('side');
    expect((await c.addBlock(b[10]!)).status).toBe('connected');
    expect(c.tip.hashHex).toBe(b[10]!.hashHex());
    expect(disconnected).toEqual(a.map((x) => x.hashHex()).reverse());
    expect(await c.getCoin(new OutPoint(cbA.txid(), 0))).toBeDefined();
    expect(await c.getCoin(new OutPoint(cbB.txid(), 0))).toBeUndefined();

    const fresh = await openChain();
    await feed(fresh, [...base, ...b]);
    expect(await c.utxoStats()).toEqual(await fresh.utxoStats());
    expect(await c.getAddressTotals(sha256(ANYONE))).toEqual(await fresh.getAddressTotals(sha256(ANYONE)));
  });

  it('resumes at its tip after a restart', async () => {
    const path = tempDir();
    const c = await openChain(path);
    await feed(c, chainOf(20, regtest.genesisHash, 1, T0));
    const stats = await c.utxoStats();
    const tip = c.tip.hashHex;
    await closeChain(c);
    const again = await openChain(path);
    expect(again.tip.hashHex).toBe(tip);
    expect(again.height).toBe(20);
    expect(await again.utxoStats()).toEqual(stats);
  });

  it('refuses a data dir of another network', async () => {
    const path = tempDir();
    const c = await openChain(path);
    await closeChain(c);
    await expect(Chain.open({ params: main, path }, { now: () => 0 })).rejects.toThrow(/another network/);
  });

  it('rejects a block with the wrong bits and a block from the future', async () => {
    const c = await openChain();
    const wrongBits = makeBlock({ prev: regtest.genesisHash, height: 1, time: T0, bits: 0x207ffffe });
    await expect(c.addBlock(wrongBits)).rejects.toBeInstanceOf(RuleError);
    const future = makeBlock({ prev: regtest.genesisHash, height: 1, time: 2_000_000_000 + 7201 });
    await expect(c.addBlock(future)).rejects.toMatchObject({ code: 'TIME_TOO_NEW' });
    expect(c.height).toBe(0);
  });
});
