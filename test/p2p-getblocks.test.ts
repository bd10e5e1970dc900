/**
 * Issue 18, getblocks (Core's net_processing.cpp GETBLOCKS handler and hashContinue): a client
 * that syncs the way bcoin does past its checkpoints, with getblocks, inv and getdata only
 * (never getheaders), gets a 2,000-block chain from one of our nodes in batches of 500, each
 * next batch prompted by the inv of our tip that follows the batch's last block. The answer
 * starts after the locator's last main-chain block, stops before the stop hash, and is empty
 * (no inv at all) for a peer already at our tip. A client asking for the blocks as compact
 * ones, as bcoin does, is walked on the same way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INV, type Message } from '../node/p2p/messages.js';
import { PROTOCOL_VERSION } from '../node/p2p/peer.js';
import { hashToDisplay } from '../node/protocol/hash.js';
import { regtest } from '../node/protocol/params.js';
import { testKey } from './helpers/keys.js';
import { type NetNode, startNetNode, stopNetNodes, tipOf, waitFor } from './helpers/p2p.js';
import { RawPeer } from './helpers/p2p-raw.js';

const MINER = testKey('p2p getblocks miner');
const ZERO = new Uint8Array(32);
let node: NetNode;

const hashAt = (h: number) => node.node.chain.entryAt(h)!.hash;
/** The first message received so far that `pred` accepts, waiting for it if need be. */
async function waitMsg<M extends Message>(peer: RawPeer, pred: (m: Message) => m is M): Promise<M> {
  await waitFor('message', () => peer.received.some(pred) || peer.isClosed, 20_000);
  const m = peer.received.find(pred);
  if (!m) throw new Error('connection closed');
  return m;
}
type Inv = Extract<Message, { items: unknown }>;
const isInv = (m: Message): m is Inv => m.command === 'inv';
const blockInvs = (p: RawPeer) =>
  p.received.flatMap((m) => (m.command === 'inv' ? [m.items.filter((i) => i.type === INV.BLOCK)] : []));

beforeAll(async () => {
  node = await startNetNode();
  await node.node.generate(2000, MINER.p2wpkh);
}, 300_000);

afterAll(stopNetNodes);

/** A getblocks-only downloader: asks for what an inv names, and for more when told of an unknown tip. */
class GetblocksClient {
  /** Connected block hashes, display hex, from genesis. */
  readonly chain: string[] = [regtest.genesisHashHex];
  getblocksSent = 0;
  private readonly waiting = new Map<string, string>(); // parent -> child, received out of order
  private readonly known = new Set<string>([regtest.genesisHashHex]);

  readonly peer: RawPeer;
  /** How blocks are asked for: witness blocks, or compact ones (bcoin, once it counts itself synced). */
  private readonly type: number;

  constructor(peer: RawPeer, type: number = INV.WITNESS_BLOCK) {
    this.peer = peer;
    this.type = type;
    peer.onMessage = (m) => this.onMessage(m);
  }

  getblocks(): void {
    this.getblocksSent++;
    const locator = [this.chain.at(-1)!, regtest.genesisHashHex].map((h) =>
      Uint8Array.from(Buffer.from(h, 'hex').reverse()),
    );
    this.peer.send({ command: 'getblocks', version: PROTOCOL_VERSION, locator, stop: ZERO });
  }

  private onMessage(m: Message): void {
    if (m.command === 'ping') this.peer.send({ command: 'pong', nonce: m.nonce });
    if (m.command === 'inv') {
      const unknown = m.items.filter((i) => i.type === INV.BLOCK && !this.known.has(hashToDisplay(i.hash)));
      if (unknown.length === 0) return;
      // One unknown block alone: the server's tip after a batch, so ask for the next batch.
      if (m.items.length === 1) {
        this.getblocks();
        return;
      }
      for (const i of unknown) this.known.add(hashToDisplay(i.hash));
      this.peer.send({
        command: 'getdata',
        items: unknown.map((i) => ({ type: this.type, hash: i.hash })),
      });
    }
    if (m.command === 'block') {
      this.waiting.set(hashToDisplay(m.block.header.prevBlock), m.block.hashHex());
      for (
        let next = this.waiting.get(this.chain.at(-1)!);
        next;
        next = this.waiting.get(this.chain.at(-1)!)
      ) {
        this.waiting.delete(this.chain.at(-1)!);
        this.chain.push(next);
      }
    }
  }
}

describe('getblocks', () => {
  // bcoin on regtest counts itself synced from genesis and asks for every block as a compact
  // one; blocks deeper than 5 come back whole (Core's MAX_CMPCTBLOCK_DEPTH), and the walk must
  // go on after the batch's last block all the same (it stalled at 500 before).
  it.each([
    ['witness blocks', INV.WITNESS_BLOCK],
    ['compact blocks', INV.CMPCT_BLOCK],
  ])(
    'serves a getblocks-only client asking for %s the whole 2,000-block chain, 500 hashes per inv',
    async (_, type) => {
      const peer = await RawPeer.connect(node.node.p2p!.listenPort);
      try {
        await peer.handshake();
        const client = new GetblocksClient(peer, type);
        client.getblocks();
        await waitFor('client at the tip', () => client.chain.at(-1) === tipOf(node), 120_000);
        expect(client.chain).toHaveLength(2001);
        for (let h = 0; h <= 2000; h++) expect(client.chain[h]).toBe(hashToDisplay(hashAt(h)));
        const batches = blockInvs(peer).filter((items) => items.length > 1);
        expect(batches.map((b) => b.length)).toEqual([500, 500, 500, 500]);
        expect(client.getblocksSent).toBe(4);
        expect(peer.received.some((m) => m.command === 'headers' && m.headers.length > 0)).toBe(false);
      } finally {
        peer.close();
      }
    },
  );

  it('starts after the last locator block on the main chain and stops before the stop hash', async () => {
    const peer = await RawPeer.connect(node.node.p2p!.listenPort);
    try {
      await peer.handshake();
      const unknown = new Uint8Array(32).fill(0xab);
      peer.send({
        command: 'getblocks',
        version: PROTOCOL_VERSION,
        locator: [unknown, hashAt(10)],
        stop: hashAt(20),
      });
      const inv = await waitMsg(peer, (m): m is Inv => isInv(m) && m.items.some((i) => i.type === INV.BLOCK));
      expect(inv.items.map((i) => hashToDisplay(i.hash))).toEqual(
        Array.from({ length: 9 }, (_, k) => hashToDisplay(hashAt(11 + k))),
      );

      // At our tip: no inv at all (the pong, sent after, proves the getblocks was handled).
      const before = blockInvs(peer).length;
      peer.send({ command: 'getblocks', version: PROTOCOL_VERSION, locator: [hashAt(2000)], stop: ZERO });
      peer.send({ command: 'ping', nonce: 77n });
      await waitMsg(peer, (m): m is Message => m.command === 'pong' && m.nonce === 77n);
      expect(blockInvs(peer).length).toBe(before);

      // A locator on the main chain at 1,500: the last 500 blocks; asking for the last one
      // (the continuation point) brings an inv of the tip right after it.
      peer.send({ command: 'getblocks', version: PROTOCOL_VERSION, locator: [hashAt(1500)], stop: ZERO });
      const last = await waitMsg(peer, (m): m is Inv => isInv(m) && m.items.length === 500);
      expect(hashToDisplay(last.items[0]!.hash)).toBe(hashToDisplay(hashAt(1501)));
      expect(hashToDisplay(last.items[499]!.hash)).toBe(tipOf(node));
      peer.send({ command: 'getdata', items: [{ type: INV.WITNESS_BLOCK, hash: hashAt(2000) }] });
      await waitMsg(peer, (m): m is Message => m.command === 'block' && m.block.hashHex() === tipOf(node));
      const after = await waitMsg(peer, (m): m is Inv => isInv(m) && m.items.length === 1);
      expect(hashToDisplay(after.items[0]!.hash)).toBe(tipOf(node));
    } finally {
      peer.close();
    }
  });
});
