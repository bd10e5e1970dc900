/**
 * Issue 13, the `inv` flood bound. A peer may have at most MAX_PEER_TX_ANNOUNCEMENTS (5,000,
 * Core's txrequest cap) transaction announcements outstanding, and one `inv` may carry no more
 * entries than that. Raw peers, each from its own loopback address, flood a regtest node whose
 * every inbound slot they take (its one honest peer is an outbound connection):
 *   - an `inv` header announcing 50,000 entries ends the connection before its 1.8 MB payload is
 *     sent (nothing of it is buffered or parsed), and the offence is scored: twice is a ban;
 *   - peers announcing 1,000 unknown txids per message, never answering the getdata, are
 *     disconnected on the message that would take them past 5,000; no peer's count of queued
 *     announcements ever exceeds 5,000 (TxRelay's read-only peak counter), a second flood bans
 *     every one of them;
 *   - meanwhile the honest peer stays connected and its next block reaches the node.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame, HEADER_LEN, MAX_INV, MAX_PEER_TX_ANNOUNCEMENTS } from '../node/p2p/framing.js';
import { INV } from '../node/p2p/messages.js';
import { regtest } from '../node/protocol/params.js';
import { testKey } from './helpers/keys.js';
import { type NetNode, startNetNode, stopNetNodes, TEST_TUNING, tipOf, waitFor } from './helpers/p2p.js';
import { RawPeer } from './helpers/p2p-raw.js';

const MINER = testKey('p2p inv flood miner');
const INBOUND_SLOTS = 4;
const PER_MESSAGE = 1_000;
/** Enough messages to pass the cap several times over; the node must cut the peer off first. */
const MAX_MESSAGES = 3 * (MAX_PEER_TX_ANNOUNCEMENTS / PER_MESSAGE);
const CLOSE_MS = 60_000;

let target: NetNode;
let honest: NetNode;

const banned = async () =>
  (await target.rpc<{ address: string }[]>('listbanned')).map((b) => b.address).sort();
const port = () => target.node.p2p!.listenPort;
const relay = () => target.node.p2p!.tx;

beforeAll(async () => {
  // The honest node dials nobody: the target's connection to it stays the one link between them,
  // so it is outbound at the target and every inbound slot is the flooders'.
  honest = await startNetNode({ maxOutbound: 0 });
  await honest.node.generate(3, MINER.p2wpkh);
  target = await startNetNode({
    connect: [honest.addr],
    maxInbound: INBOUND_SLOTS,
    // Requests must not time out during a flood: each announcement stays queued until the
    // peer is gone, so the count is exact.
    p2pTuning: { ...TEST_TUNING, txRelay: { requestTimeoutMs: 600_000 } },
  });
  await waitFor('target synced from the honest peer', () => tipOf(target) === tipOf(honest), 60_000);
  expect(target.node.peerInfo().map((p) => p.direction)).toEqual(['outbound']);
});

afterAll(stopNetNodes);

function unknownTxids(n: number) {
  return {
    command: 'inv' as const,
    items: Array.from({ length: n }, () => ({ type: INV.TX, hash: randomBytes(32) })),
  };
}

/** Handshakes, then announces PER_MESSAGE fresh txids at a time until the node hangs up. */
async function flood(host: string): Promise<{ peer: RawPeer; sent: number }> {
  const p = await RawPeer.connect(port(), host);
  await p.handshake();
  let sent = 0;
  for (let m = 0; m < MAX_MESSAGES && !p.isClosed; m++) {
    p.send(unknownTxids(PER_MESSAGE));
    sent++;
    // The node asks for every fresh txid; waiting for that getdata keeps this peer in step
    // with the node, so the message that passes the cap is the one that gets it dropped.
    await p.waitFor('getdata', 30_000, () => true).catch(() => undefined);
    p.received.length = 0;
  }
  return { peer: p, sent };
}

describe('inv flood', () => {
  it('refuses an inv of 50,000 entries at its header, before the payload; twice bans', async () => {
    for (const attempt of [1, 2]) {
      const p = await RawPeer.connect(port(), '127.0.0.20');
      await p.handshake();
      const header = encodeFrame(regtest.magic, 'inv', new Uint8Array(0)).slice(0, HEADER_LEN);
      new DataView(header.buffer).setUint32(16, 3 + MAX_INV * 36, true);
      p.sendBytes(header);
      expect(await p.waitClosed(CLOSE_MS), `attempt ${attempt}: still connected`).toBe(true);
    }
    expect(await banned()).toEqual(['127.0.0.20/32']);
  });

  it('drops every inbound slot flooding before its queue passes 5,000; a second flood bans them all', async () => {
    const hosts = Array.from({ length: INBOUND_SLOTS }, (_, i) => `127.0.0.${30 + i}`);
    for (const round of [1, 2]) {
      const results = await Promise.all(hosts.map(flood));
      for (const [i, { peer, sent }] of results.entries()) {
        expect(await peer.waitClosed(CLOSE_MS), `round ${round}: ${hosts[i]} still connected`).toBe(true);
        // Dropped on the message that passed the cap, not before it and not much after.
        if (round === 1) expect(sent, hosts[i]).toBe(MAX_PEER_TX_ANNOUNCEMENTS / PER_MESSAGE + 1);
      }
      // The cap was reached (the flood was real) and never passed.
      expect(relay().peakAnnouncements).toBe(MAX_PEER_TX_ANNOUNCEMENTS);
    }
    expect(await banned()).toEqual(['127.0.0.20/32', ...hosts.map((h) => `${h}/32`)].sort());
  });

  it('keeps serving the honest peer: it is still connected and its next block arrives', async () => {
    expect(target.node.peerInfo().map((p) => p.nodeId)).toContain(honest.node.p2p!.nodeId);
    const [next] = await honest.node.generate(1, MINER.p2wpkh);
    await waitFor('target follows the honest peer', () => tipOf(target) === next, 60_000);
    // And a well-behaved inbound peer gets a slot again and is answered.
    const p = await RawPeer.connect(port(), '127.0.0.40');
    await p.handshake();
    p.send(unknownTxids(10));
    await p.waitFor('getdata', 30_000);
    const asked = p.received.find((m) => m.command === 'getdata');
    expect(asked && 'items' in asked ? asked.items.length : 0).toBe(10);
    expect(
      relay().announcementsOf([...target.node.p2p!.conns.ready()].find((x) => x.host === '127.0.0.40')!),
    ).toBe(10);
    p.close();
  });
});
