/**
 * Issue 4, hostile peers: scripted peers, each from its own loopback address (127.0.0.x),
 * send garbage, a bad checksum, another network's magic, a message before the handshake, no
 * handshake at all, a header announcing a 50 MB payload, an invalid block, and floods of unknown inventory. Each
 * is disconnected; the severe or repeated ones get their address banned (listbanned, persisted
 * across a restart, refused on reconnect). Meanwhile the honest peer stays connected and keeps
 * being served, and the node's chain does not move until an honest block arrives.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame, HEADER_LEN } from '../node/p2p/framing.js';
import { encodePayload, INV } from '../node/p2p/messages.js';
import { main, regtest } from '../node/protocol/params.js';
import { makeBlock } from './helpers/blocks.js';
import { testKey } from './helpers/keys.js';
import { type NetNode, restartNetNode, startNetNode, stopNetNodes, tipOf, waitFor } from './helpers/p2p.js';
import { RawPeer } from './helpers/p2p-raw.js';

const MINER = testKey('p2p hostile miner');
let target: NetNode;
let honest: NetNode;
let tip: string;
let silent: RawPeer;

interface Banned {
  address: string;
  reason: string;
  ban_duration: number;
}

const banned = async () => (await target.rpc<Banned[]>('listbanned')).map((b) => b.address).sort();
const port = () => target.node.p2p!.listenPort;

beforeAll(async () => {
  target = await startNetNode();
  honest = await startNetNode({ connect: [target.addr] });
  await honest.node.generate(5, MINER.p2wpkh);
  await waitFor('target synced', () => tipOf(target) === tipOf(honest));
  tip = tipOf(target);
  // Connects and says nothing: the handshake timeout (5 s in tests) must end it.
  silent = await RawPeer.connect(port(), '127.0.0.8');
});

afterAll(stopNetNodes);

/** The honest peer is still connected and the chain has not moved. */
function unharmed(): void {
  expect(tipOf(target)).toBe(tip);
  expect(target.node.peerInfo().map((p) => p.nodeId)).toContain(honest.node.p2p!.nodeId);
}

describe('hostile peers', () => {
  it('drops a peer sending garbage bytes (not banned for one offence)', async () => {
    const p = await RawPeer.connect(port(), '127.0.0.2');
    p.sendBytes(randomBytes(64));
    expect(await p.waitClosed()).toBe(true);
    unharmed();
    expect(await banned()).toEqual([]);
  });

  it('drops a peer sending a bad checksum', async () => {
    const p = await RawPeer.connect(port(), '127.0.0.3');
    await p.handshake();
    const frame = encodeFrame(regtest.magic, 'ping', encodePayload({ command: 'ping', nonce: 7n }));
    frame[20] = frame[20]! ^ 0xff;
    p.sendBytes(frame);
    expect(await p.waitClosed()).toBe(true);
    unharmed();
    expect(await banned()).toEqual([]);
  });

  it("drops a peer speaking another network's magic, or talking before its version", async () => {
    const other = await RawPeer.connect(port(), '127.0.0.7');
    other.sendBytes(encodeFrame(main.magic, 'verack', new Uint8Array(0)));
    expect(await other.waitClosed()).toBe(true);
    const early = await RawPeer.connect(port(), '127.0.0.7');
    early.send({ command: 'getaddr' });
    expect(await early.waitClosed()).toBe(true);
    unharmed();
    expect(await banned()).toEqual([]);
  });

  it('bans a peer whose header announces a 50 MB payload, before the payload comes', async () => {
    const p = await RawPeer.connect(port(), '127.0.0.4');
    await p.handshake();
    const header = encodeFrame(regtest.magic, 'block', new Uint8Array(0)).slice(0, HEADER_LEN);
    new DataView(header.buffer).setUint32(16, 50_000_000, true);
    p.sendBytes(header);
    expect(await p.waitClosed()).toBe(true);
    expect(await banned()).toEqual(['127.0.0.4/32']);
    // Reconnecting from the banned address gets no version back.
    const again = await RawPeer.connect(port(), '127.0.0.4');
    again.version();
    expect(await again.waitClosed()).toBe(true);
    expect(again.received).toEqual([]);
    unharmed();
  });

  it('bans a peer sending an invalid block; the chain keeps its tip', async () => {
    const p = await RawPeer.connect(port(), '127.0.0.5');
    await p.handshake();
    const t = target.node.chain.tip;
    const bad = makeBlock({
      prev: t.hash,
      height: t.height + 1,
      time: t.header.time + 1,
      coinbaseValue: 50n * 100_000_000n + 1n, // one satoshi more than the subsidy
    });
    p.send({ command: 'block', block: bad });
    expect(await p.waitClosed()).toBe(true);
    expect(await banned()).toEqual(['127.0.0.4/32', '127.0.0.5/32']);
    expect(target.node.chain.entry(bad.hash())?.failed).toBe(true);
    unharmed();
  });

  it('drops a peer flooding unknown transaction announcements, and bans it the second time', async () => {
    const flood = () => ({
      command: 'inv' as const,
      items: Array.from({ length: 50_000 }, () => ({ type: INV.TX, hash: randomBytes(32) })),
    });
    const p = await RawPeer.connect(port(), '127.0.0.6');
    await p.handshake();
    p.send(flood());
    expect(await p.waitClosed()).toBe(true);
    expect(p.received.some((m) => m.command === 'getdata')).toBe(false);
    expect(await banned()).toEqual(['127.0.0.4/32', '127.0.0.5/32']);
    const q = await RawPeer.connect(port(), '127.0.0.6');
    await q.handshake();
    q.send(flood());
    expect(await q.waitClosed()).toBe(true);
    expect(await banned()).toEqual(['127.0.0.4/32', '127.0.0.5/32', '127.0.0.6/32']);
    unharmed();
  });

  it('drops a peer that never starts the handshake', async () => {
    expect(await silent.waitClosed(15_000)).toBe(true);
    expect(silent.received).toEqual([]);
    expect(await banned()).not.toContain('127.0.0.8/32');
  });

  it('keeps serving the honest peer: its next block reaches the target', async () => {
    const [next] = await honest.node.generate(1, MINER.p2wpkh);
    await waitFor('target follows the honest peer', () => tipOf(target) === next);
  });

  it('keeps bans across a restart; setban and clearbanned manage them', async () => {
    target = await restartNetNode(target);
    expect(await banned()).toEqual(['127.0.0.4/32', '127.0.0.5/32', '127.0.0.6/32']);
    const list = await target.rpc<Banned[]>('listbanned');
    expect(list.find((b) => b.address === '127.0.0.4/32')).toMatchObject({
      reason: 'OVERSIZED_FRAME',
      ban_duration: 86_400,
    });
    await target.rpc('setban', ['127.0.0.9', 'add', 60]);
    await target.rpc('setban', ['127.0.0.4/32', 'remove']);
    expect(await banned()).toEqual(['127.0.0.5/32', '127.0.0.6/32', '127.0.0.9/32']);
    await target.rpc('clearbanned');
    expect(await banned()).toEqual([]);
    const p = await RawPeer.connect(port(), '127.0.0.4');
    await p.handshake();
    p.close();
  });
});
