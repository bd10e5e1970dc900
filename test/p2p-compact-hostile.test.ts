/**
 * BIP152 against a regtest node from scripted peers on 127.0.0.x, each case named for the rule
 * of Core's net_processing.cpp / blockencodings.cpp it follows: what costs the sender 100 and
 * its connection (through p2p/misbehaviour.ts) and what falls back to fetching the full block
 * without blame. Then the pure parts: PartiallyDownloadedBlock's statuses and the choice of
 * high-bandwidth peers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PartialBlock } from '../node/p2p/compact-reconstruct.js';
import { HbPeers } from '../node/p2p/hb-peers.js';
import { INV } from '../node/p2p/messages.js';
import type { Block } from '../node/protocol/block.js';
import { compactBlockOf } from '../node/protocol/compact-block.js';
import { hashToDisplay } from '../node/protocol/hash.js';
import { BlockHeader } from '../node/protocol/header.js';
import { regtest } from '../node/protocol/params.js';
import { checkProofOfWork } from '../node/protocol/pow.js';
import { OutPoint, type Tx, TxOut } from '../node/protocol/tx.js';
import { ANYONE, makeBlock, spend } from './helpers/blocks.js';
import { type NetNode, startNetNode, stopNetNodes, waitFor } from './helpers/p2p.js';
import { RawPeer } from './helpers/p2p-raw.js';

const SUBSIDY = 5_000_000_000n;
let t: NetNode;
const peers: RawPeer[] = [];
let ip = 20;

async function peer(): Promise<{ p: RawPeer; host: string }> {
  const host = `127.0.0.${ip++}`;
  const p = await RawPeer.connect(t.node.p2p!.listenPort, host);
  peers.push(p);
  await p.handshake(t.node.chain.height);
  p.send({ command: 'sendcmpct', announce: false, version: 2n });
  return { p, host };
}

/** A tx spending the coinbase of block `h` (anyone-can-spend), not in the node's mempool. */
async function coinSpend(h: number, fee = 1_000n): Promise<Tx> {
  const cb = (await t.node.chain.getBlock(t.node.chain.entryAt(h)!.hash))!.txs[0]!;
  return spend([new OutPoint(cb.txid(), 0)], [new TxOut(SUBSIDY - fee, ANYONE)]);
}

function onTip(txs: Tx[], tag = 0): Block {
  const tip = t.node.chain.tip;
  return makeBlock({ prev: tip.hash, height: tip.height + 1, time: tip.header.time + 1, txs, tag });
}

const banned = (host: string) => t.node.p2p!.conns.bans.isBanned(host);
const askedFull = (p: RawPeer, b: Block) =>
  waitFor('a getdata of the full block', () =>
    p.received.some(
      (m) =>
        m.command === 'getdata' &&
        m.items.some((i) => i.type === INV.WITNESS_BLOCK && hashToDisplay(i.hash) === b.hashHex()),
    ),
  );

beforeAll(async () => {
  t = await startNetNode();
  await t.node.generate(110, ANYONE);
}, 120_000);

afterAll(async () => {
  for (const p of peers) p.close();
  await stopNetNodes();
});

describe('compact blocks from a hostile or unlucky peer', () => {
  it("an invalid header costs 100 and the connection (Core: MaybePunishNodeForBlock, BLOCK_INVALID_HEADER, 'invalid header via cmpctblock')", async () => {
    const { p, host } = await peer();
    const b = onTip([await coinSpend(1)]);
    let bad = b.header;
    for (let n = b.header.nonce + 1; ; n++) {
      bad = new BlockHeader({ ...b.header, nonce: n });
      if (!checkProofOfWork(bad.hash(), bad.bits, regtest.powLimit)) break;
    }
    p.send({ command: 'cmpctblock', block: { ...compactBlockOf(b.header, b.txs, 7n, [0]), header: bad } });
    expect(await p.waitClosed()).toBe(true);
    expect(banned(host)).toBe(true);
    expect(t.node.chain.entry(bad.hash())?.failed ?? true).toBe(true);
  });

  it("duplicate short ids fall back to the full block without blame (Core: InitData READ_STATUS_FAILED, 'Duplicate txindexes')", async () => {
    const { p, host } = await peer();
    const b = onTip([await coinSpend(2), await coinSpend(3)]);
    const cb = compactBlockOf(b.header, b.txs, 9n, [0]);
    cb.shortIds[1] = cb.shortIds[0]!;
    p.send({ command: 'cmpctblock', block: cb });
    await askedFull(p, b);
    p.send({ command: 'block', block: b });
    await waitFor('the block as tip', () => t.node.chain.tip.hashHex === b.hashHex());
    expect(p.isClosed).toBe(false);
    expect(banned(host)).toBe(false);
  });

  it("a blocktxn that does not complete the block (merkle mismatch) falls back to the full block (Core: FillBlock READ_STATUS_FAILED, 'Might have collided, fall back to getdata')", async () => {
    const { p, host } = await peer();
    const b = onTip([await coinSpend(4)]);
    p.send({ command: 'cmpctblock', block: compactBlockOf(b.header, b.txs, 11n, [0]) });
    const req = await p.waitFor('getblocktxn');
    expect(req.request.indexes).toEqual([1]);
    p.send({ command: 'blocktxn', response: { blockHash: b.hash(), txs: [await coinSpend(5)] } });
    await askedFull(p, b);
    p.send({ command: 'block', block: b });
    await waitFor('the block as tip', () => t.node.chain.tip.hashHex === b.hashHex());
    expect(p.isClosed).toBe(false);
    expect(banned(host)).toBe(false);
  });

  it("a blocktxn with fewer transactions than asked costs 100 (Core: FillBlock READ_STATUS_INVALID, 'invalid compact block/non-matching block transactions')", async () => {
    const { p, host } = await peer();
    const b = onTip([await coinSpend(6), await coinSpend(7)]);
    p.send({ command: 'cmpctblock', block: compactBlockOf(b.header, b.txs, 13n, [0]) });
    const req = await p.waitFor('getblocktxn');
    expect(req.request.indexes).toEqual([1, 2]);
    p.send({ command: 'blocktxn', response: { blockHash: b.hash(), txs: [b.txs[1]!] } });
    expect(await p.waitClosed()).toBe(true);
    expect(banned(host)).toBe(true);
  });

  it("a cmpctblock with a prefilled index past its end costs 100 (Core: InitData READ_STATUS_INVALID, 'invalid compact block')", async () => {
    const { p, host } = await peer();
    const b = onTip([await coinSpend(8)], 1);
    const cb = compactBlockOf(b.header, b.txs, 15n, [0]);
    cb.prefilled = [{ index: 5, tx: b.txs[0]! }];
    p.send({ command: 'cmpctblock', block: cb });
    expect(await p.waitClosed()).toBe(true);
    expect(banned(host)).toBe(true);
  });

  it('rebuilds from the mempool with no round trip, and serves getdata(MSG_CMPCT_BLOCK) and getblocktxn', async () => {
    const { p } = await peer();
    const tx = await coinSpend(9);
    await t.rpc('sendrawtransaction', [Buffer.from(tx.toBytes()).toString('hex')]);
    const b = onTip([tx], 2);
    p.send({ command: 'cmpctblock', block: compactBlockOf(b.header, b.txs, 17n, [0]) });
    await waitFor('the block as tip', () => t.node.chain.tip.hashHex === b.hashHex());
    expect(p.received.some((m) => m.command === 'getblocktxn')).toBe(false);
    p.send({ command: 'getdata', items: [{ type: INV.CMPCT_BLOCK, hash: b.hash() }] });
    const got = await p.waitFor('cmpctblock');
    expect(got.block.header.hashHex()).toBe(b.hashHex());
    expect(got.block.shortIds.length + got.block.prefilled.length).toBe(2);
    p.send({ command: 'getblocktxn', request: { blockHash: b.hash(), indexes: [1] } });
    const txn = await p.waitFor('blocktxn');
    expect(txn.response.txs.map((x) => x.wtxidHex())).toEqual([tx.wtxidHex()]);
  });

  it("a getblocktxn past the block's end costs 100 (Core: 'getblocktxn with out-of-bounds tx indices')", async () => {
    const { p, host } = await peer();
    p.send({ command: 'getblocktxn', request: { blockHash: t.node.chain.tip.hash, indexes: [1, 99] } });
    expect(await p.waitClosed()).toBe(true);
    expect(banned(host)).toBe(true);
  });
});

describe('PartiallyDownloadedBlock (pure)', () => {
  const b = makeBlock({
    prev: new Uint8Array(32),
    height: 5,
    time: 1_700_000_000,
    txs: [1, 2, 3].map((n) =>
      spend([new OutPoint(new Uint8Array(32).fill(n), 0)], [new TxOut(1000n, ANYONE)]),
    ),
  });
  const cb = compactBlockOf(b.header, b.txs, 42n, [0]);

  it('fills every slot the candidates match and leaves the rest missing', () => {
    const pb = PartialBlock.init(cb, [b.txs[1]!, b.txs[3]!]) as PartialBlock;
    expect(pb.missing()).toEqual([2]);
    const block = pb.fill([b.txs[2]!]) as Block;
    expect(block.hashHex()).toBe(b.hashHex());
  });

  it('refuses a message without transactions, and reports duplicate short ids as failed', () => {
    expect(PartialBlock.init({ ...cb, shortIds: [], prefilled: [] }, [])).toMatchObject({
      status: 'invalid',
    });
    expect(PartialBlock.init({ ...cb, shortIds: [1, 1, 2] }, [])).toMatchObject({ status: 'failed' });
  });

  it('a blocktxn of the wrong count is invalid; a wrong transaction is failed', () => {
    const pb = () => PartialBlock.init(cb, [b.txs[1]!]) as PartialBlock;
    expect(pb().fill([b.txs[2]!])).toMatchObject({ status: 'invalid' });
    expect(pb().fill([b.txs[2]!, b.txs[3]!, b.txs[1]!])).toMatchObject({ status: 'invalid' });
    expect(pb().fill([b.txs[3]!, b.txs[2]!])).toMatchObject({ status: 'failed' });
  });
});

describe('high-bandwidth peers (Core: MaybeSetPeerAsAnnouncingHeaderAndIDs)', () => {
  const mk = (direction: 'inbound' | 'outbound') => ({ direction, closed: false });

  it('keeps the last 3 that delivered a new tip first, telling the displaced one', () => {
    const hb = new HbPeers<ReturnType<typeof mk>>();
    const [a, b, c, d] = [mk('outbound'), mk('outbound'), mk('outbound'), mk('outbound')];
    expect(hb.select(a)).toEqual({ add: a, drop: null });
    hb.select(b);
    hb.select(c);
    expect(hb.select(a)).toEqual({ add: null, drop: null });
    expect(hb.select(d)).toEqual({ add: d, drop: b });
    expect(hb.peers).toEqual([c, a, d]);
  });

  it('never lets an inbound newcomer push out the last outbound one', () => {
    const hb = new HbPeers<ReturnType<typeof mk>>();
    const out = mk('outbound');
    const [i1, i2, i3] = [mk('inbound'), mk('inbound'), mk('inbound')];
    hb.select(out);
    hb.select(i1);
    hb.select(i2);
    expect(hb.select(i3)).toEqual({ add: i3, drop: i1 });
    expect(hb.peers).toContain(out);
  });
});
