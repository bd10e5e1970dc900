/**
 * BIP152 receiving, on CompactRelay alone with fake peers and chain: a block rebuilt from one
 * peer's compact block and its blocktxn is not asked for again while it is still on its way into
 * the chain, when a second high-bandwidth peer pushes the same compact block (Core keeps one
 * partial block per hash and ignores a CMPCTBLOCK for a block it already has the data of); nor
 * is one whose full copy arrived and is being validated.
 */
import { describe, expect, it } from 'vitest';
import { BlockEntry, STATUS } from '../node/chain/entry.js';
import { silentLogger } from '../node/log.js';
import { CompactRelay } from '../node/p2p/compact-blocks.js';
import type { Message } from '../node/p2p/messages.js';
import type { Peer } from '../node/p2p/peer.js';
import type { Block } from '../node/protocol/block.js';
import { compactBlockOf } from '../node/protocol/compact-block.js';
import { OutPoint, TxOut } from '../node/protocol/tx.js';
import { ANYONE, makeBlock, spend } from './helpers/blocks.js';

interface FakePeer {
  id: number;
  ready: boolean;
  closed: boolean;
  knownInv: Set<string>;
  sent: Message[];
  send(msg: Message): void;
}

function fakePeer(id: number): FakePeer {
  const p: FakePeer = {
    id,
    ready: true,
    closed: false,
    knownInv: new Set(),
    sent: [],
    send: (msg) => p.sent.push(msg),
  };
  return p;
}

function setup() {
  const parent = makeBlock({ prev: new Uint8Array(32), height: 0, time: 1_700_000_000 });
  const tip = new BlockEntry(parent.header, 0, 2n, STATUS.HAVE_DATA, null);
  const txs = [0, 1, 2].map((i) =>
    spend([new OutPoint(parent.txs[0]!.txid(), i)], [new TxOut(1_000n + BigInt(i), ANYONE)]),
  );
  const block = makeBlock({ prev: parent.hash(), height: 1, time: 1_700_000_600, txs });
  const entry = new BlockEntry(block.header, 1, 4n, 0, tip);
  // The mempool lacks txs[1]: whoever rebuilds the block must ask for index 2.
  const mempool = [txs[0]!, txs[2]!];
  const inFlight = new Map<string, Peer>();
  const delivered: Block[] = [];
  let finish: () => void = () => {};
  const relay = new CompactRelay({
    chain: { tip, entry: () => entry, getRawBlock: async () => undefined },
    mempoolTxs: () => mempool,
    acceptHeader: () => entry,
    // As block-sync does: the claim is released when the block arrives, and validation runs later.
    deliver: (peer, b) => {
      if (inFlight.get(b.hashHex()) === peer) inFlight.delete(b.hashHex());
      delivered.push(b);
      return new Promise<void>((resolve) => {
        finish = resolve;
      });
    },
    claim: (peer, hex) => {
      const cur = inFlight.get(hex);
      if (cur) return cur === peer;
      inFlight.set(hex, peer);
      return true;
    },
    requestedFrom: (hex) => inFlight.get(hex),
    announced: () => {},
    knows: () => true,
    peers: () => [],
    log: silentLogger,
  });
  return { relay, block, entry, finish: () => finish(), delivered, inFlight };
}

describe('CompactRelay receiving', () => {
  it('asks only the first peer with getblocktxn, and nobody again while the rebuilt block is being validated', async () => {
    const { relay, block, finish, delivered } = setup();
    const a = fakePeer(1);
    const b = fakePeer(2);
    const cb = compactBlockOf(block.header, block.txs, 7n, [0]);
    await relay.onCmpctBlock(a as unknown as Peer, cb);
    expect(a.sent.map((m) => m.command)).toEqual(['getblocktxn']);
    const req = a.sent[0]!;
    expect(req.command === 'getblocktxn' && [...req.request.indexes]).toEqual([2]);

    const done = relay.onBlockTxn(a as unknown as Peer, block.hash(), [block.txs[2]!]);
    expect(delivered.map((d) => d.hashHex())).toEqual([block.hashHex()]);
    // The second peer's push of the same block arrives before the chain has stored it.
    await relay.onCmpctBlock(b as unknown as Peer, compactBlockOf(block.header, block.txs, 9n, [0]));
    expect(b.sent).toEqual([]);
    expect(relay.stats.neededGetblocktxn).toBe(1);
    finish();
    await done;
  });

  it('asks nobody for a block whose full copy arrived and is being validated', async () => {
    // Peer A was asked for the missing tx and stalled; the block came whole from elsewhere
    // (block download asking again), and a third peer then pushes the compact block.
    const { relay, block, inFlight } = setup();
    const a = fakePeer(1);
    const c = fakePeer(3);
    await relay.onCmpctBlock(a as unknown as Peer, compactBlockOf(block.header, block.txs, 7n, [0]));
    expect(a.sent.map((m) => m.command)).toEqual(['getblocktxn']);
    relay.onFullBlock(fakePeer(2) as unknown as Peer, block, true);
    inFlight.delete(block.hashHex()); // block-sync releases the claim as the block arrives
    await relay.onCmpctBlock(c as unknown as Peer, compactBlockOf(block.header, block.txs, 9n, [0]));
    expect(c.sent).toEqual([]);
    expect(relay.stats.neededGetblocktxn).toBe(1);
    // A's late blocktxn is no longer expected either.
    await relay.onBlockTxn(a as unknown as Peer, block.hash(), [block.txs[2]!]);
    expect(relay.stats.blocks.compact).toBe(0);
  });
});
