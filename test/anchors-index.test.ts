import { Level } from 'level';
import { describe, expect, it } from 'vitest';
import { anchorScript } from '../node/anchors/commitment.js';
import { keys } from '../node/chain/layout.js';
import { toHex } from '../node/protocol/bytes.js';
import { sha256 } from '../node/protocol/hash.js';
import { regtest } from '../node/protocol/params.js';
import { OutPoint, TxOut } from '../node/protocol/tx.js';
import { ANYONE, chainOf, makeBlock, spend } from './helpers/blocks.js';
import { chainFixture } from './helpers/chain-fixture.js';

const { tempDir, openChain, closeChain } = chainFixture('gl-anchors-');

const T0 = regtest.genesis.header.time + 600;
const C = sha256(Uint8Array.of(0x61, 0x6e, 0x63));
const D = sha256(Uint8Array.of(0x64));

describe('anchor index', () => {
  it('indexes GLA1 outputs, keeps the earliest, follows reorgs and restarts', async () => {
    const dir = tempDir();
    let c = await openChain(dir);
    const base = chainOf(101, regtest.genesisHash, 1, T0);
    for (const b of base) await c.addBlock(b);
    const cb = (h: number) => new OutPoint(base[h - 1]!.txs[0]!.txid(), 0);
    const anchorOut = new TxOut(0n, anchorScript(C));
    // Not anchors: another tag, and the payload pushed with OP_PUSHDATA1.
    const lookalikes = [
      new TxOut(0n, Uint8Array.of(0x6a, 0x24, 0x47, 0x4c, 0x41, 0x32, ...D)),
      new TxOut(0n, Uint8Array.of(0x6a, 0x4c, 0x24, 0x47, 0x4c, 0x41, 0x31, ...D)),
    ];
    const tx1 = spend([cb(1)], [new TxOut(4_999_000_000n, ANYONE), anchorOut, ...lookalikes]);
    const tx2 = spend([cb(2)], [anchorOut, new TxOut(4_999_000_000n, ANYONE)]);
    const tip = base[100]!.hash();
    const a102 = makeBlock({ prev: tip, height: 102, time: T0 + 600 * 101, txs: [tx1] });
    const a103 = makeBlock({ prev: a102.hash(), height: 103, time: T0 + 600 * 102, txs: [tx2] });

    expect(await c.getAnchor(C)).toBeNull();
    expect((await c.addBlock(a102)).status).toBe('connected');
    const first = await c.getAnchor(C);
    expect(first).toMatchObject({ height: 102, txIndex: 1, vout: 1, time: a102.header.time });
    expect(toHex(first!.txid)).toBe(toHex(tx1.txid()));
    expect(toHex(first!.blockHash)).toBe(toHex(a102.hash()));
    expect(toHex(first!.commitment)).toBe(toHex(C));
    expect(await c.getAnchor(D)).toBeNull();

    // A second anchor of the same commitment: the earliest stays the answer.
    await c.addBlock(a103);
    expect(await c.getAnchor(C)).toMatchObject({ height: 102, txIndex: 1, vout: 1 });

    // A heavier branch without tx1 (tx2 lands one block later): the index follows it.
    const b102 = makeBlock({ prev: tip, height: 102, time: T0 + 600 * 101, tag: 7 });
    const b103 = makeBlock({ prev: b102.hash(), height: 103, time: T0 + 600 * 102, tag: 7, txs: [tx2] });
    const b104 = makeBlock({ prev: b103.hash(), height: 104, time: T0 + 600 * 103, tag: 7 });
    for (const b of [b102, b103]) expect((await c.addBlock(b)).status).toBe('side');
    expect(await c.getAnchor(C)).toMatchObject({ height: 102, txIndex: 1 });
    expect((await c.addBlock(b104)).status).toBe('connected');
    const moved = await c.getAnchor(C);
    expect(moved).toMatchObject({ height: 103, txIndex: 1, vout: 0 });
    expect(toHex(moved!.blockHash)).toBe(toHex(b103.hash()));

    // A branch with no anchor at all wins: the commitment is forgotten.
    const c102 = makeBlock({ prev: tip, height: 102, time: T0 + 600 * 101, tag: 9 });
    const cs = chainOf(4, c102.hash(), 103, T0 + 600 * 102, 9);
    for (const b of [c102, ...cs]) await c.addBlock(b);
    expect(c.tip.hashHex).toBe(cs[3]!.hashHex());
    expect(await c.getAnchor(C)).toBeNull();

    // The first branch is mined further and wins again: the anchor is back as it was.
    const as = chainOf(4, a103.hash(), 104, T0 + 600 * 103, 3);
    for (const b of as) await c.addBlock(b);
    expect(c.tip.hashHex).toBe(as[3]!.hashHex());
    expect(await c.getAnchor(C)).toEqual(first);

    await closeChain(c);
    c = await openChain(dir);
    expect(await c.getAnchor(C)).toEqual(first);
    await expect(c.getAnchor(new Uint8Array(31))).rejects.toThrow(RangeError);
  });

  it('refuses a data dir of the schema before the anchor index', async () => {
    const dir = tempDir();
    await closeChain(await openChain(dir));
    const db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
    const meta = (await db.get(keys.version()))!.slice();
    meta.set([0, 0, 0, 1], 0);
    await db.put(keys.version(), meta);
    await db.close();
    await expect(openChain(dir)).rejects.toMatchObject({ code: 'WRONG_SCHEMA' });
  });
});
