/**
 * BIP152 compact block relay across five regtest nodes on the in-memory transport (node i at
 * 127.0.0.(10+i), a little latency and a bandwidth limit), bootstrapped from a seeds file
 * naming node 1, as in test/p2p-network.test.ts.
 *
 * With the same 500 transactions in every mempool, a block node 2 mines with them reaches every
 * other node as a compact block rebuilt from its mempool: no getblocktxn and no full block on
 * any link. Then with one of 500 new transactions taken out of node 5's mempool, node 5 asks
 * for exactly that one transaction (its index in the block) with getblocktxn, rebuilds the
 * block and takes it as its tip; no other node asks for anything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompactStats } from '../node/p2p/compact-blocks.js';
import type { Peer } from '../node/p2p/peer.js';
import { MemoryNetwork } from '../node/p2p/transport/memory.js';
import { Block } from '../node/protocol/block.js';
import { toHex } from '../node/protocol/bytes.js';
import { blockHashFromDisplay } from '../node/protocol/ids.js';
import { OutPoint, type Tx, type TxOut } from '../node/protocol/tx.js';
import { payTo, signedSpend, testKey } from './helpers/keys.js';
import { type NetNode, startNetNode, stopNetNodes, tipOf, waitFor, writeSeeds } from './helpers/p2p.js';

const MINER = testKey('compact miner');
const ALICE = testKey('compact alice');
const BOB = testKey('compact bob');
const SUBSIDY = 5_000_000_000n;
const FANOUT = 1_000;
const EACH = 4_990_000n;
const BATCH = 500;

let nodes: NetNode[] = [];
const at = (i: number) => nodes[i - 1]!;
let fanout: Tx;
/** getblocktxn messages each node sent, by node index (0-based). */
const asked: { node: number; indexes: number[]; hash: string }[] = [];

function stats(t: NetNode): CompactStats {
  return t.node.p2p!.compactStats();
}

function spendFanout(from: number, n: number): Tx[] {
  const txs: Tx[] = [];
  for (let i = from; i < from + n; i++)
    txs.push(
      signedSpend(
        [{ prevout: new OutPoint(fanout.txid(), i), value: EACH, key: ALICE }],
        [payTo(BOB, EACH - 10_000n)],
      ),
    );
  return txs;
}

async function submitAll(txs: Tx[]): Promise<void> {
  for (const tx of txs) await at(4).rpc('sendrawtransaction', [toHex(tx.toBytes())]);
  await waitFor(
    `${txs.length} txs in every mempool`,
    () => nodes.every((t) => txs.every((tx) => t.node.mempool.has(tx.txid()))),
    120_000,
  );
}

/** Records every getblocktxn a node's peers are sent (the node's own outgoing messages). */
function watchGetblocktxn(): void {
  for (const [k, t] of nodes.entries()) {
    const p2p = t.node.p2p!;
    const patched = new WeakSet<Peer>();
    const patch = () => {
      for (const peer of p2p.conns.ready()) {
        if (patched.has(peer)) continue;
        patched.add(peer);
        const send = peer.send.bind(peer);
        peer.send = (msg, witness) => {
          if (msg.command === 'getblocktxn')
            asked.push({ node: k, indexes: [...msg.request.indexes], hash: toHex(msg.request.blockHash) });
          send(msg, witness);
        };
      }
    };
    patch();
    const timer = setInterval(patch, 20);
    timer.unref();
  }
}

beforeAll(async () => {
  const net = new MemoryNetwork({ link: { latencyMs: 5, bandwidth: 20_000_000, burstBytes: 64_000 } });
  const host = (i: number) => `127.0.0.${10 + i}`;
  const opts = (i: number) => ({ p2pHost: host(i), p2pTransport: net.transport(host(i)) });
  const seeds = await writeSeeds([`${host(1)}:18444`]);
  const n1 = await startNetNode({ ...opts(1), p2pPort: 18444, seedsFile: seeds });
  const rest = await Promise.all([2, 3, 4, 5].map((i) => startNetNode({ ...opts(i), seedsFile: seeds })));
  nodes = [n1, ...rest];
  await waitFor(
    'every node with >= 2 peers',
    () => nodes.every((t) => t.node.peerInfo().length >= 2),
    30_000,
  );
  await at(2).node.generate(101, MINER.p2wpkh);
  await waitFor('tip 101 everywhere', () => nodes.every((t) => t.node.chain.height === 101), 60_000);
  const cb = (await at(2).node.chain.getBlock(at(2).node.chain.entryAt(1)!.hash))!.txs[0]!;
  const outs: TxOut[] = [];
  for (let i = 0; i < FANOUT; i++) outs.push(payTo(ALICE, EACH));
  fanout = signedSpend([{ prevout: new OutPoint(cb.txid(), 0), value: SUBSIDY, key: MINER }], outs);
  await submitAll([fanout]);
  const [h] = await at(2).node.generate(1, MINER.p2wpkh);
  await waitFor('the fan-out block everywhere', () => nodes.every((t) => tipOf(t) === h), 60_000);
  watchGetblocktxn();
}, 300_000);

afterAll(stopNetNodes);

describe('compact blocks across five nodes', () => {
  it('every node takes compact blocks (sendcmpct version 2 from each peer)', () => {
    for (const t of nodes) {
      const sent = t.node.peerInfo().every((p) => (p.bytesReceivedPerMsg.sendcmpct ?? 0) > 0);
      expect(sent).toBe(true);
    }
  });

  it('a block of 500 mempool txs reaches all four other nodes as a compact block, with no getblocktxn', async () => {
    const txs = spendFanout(0, BATCH);
    await submitAll(txs);
    const before = nodes.map(stats);
    const asked0 = asked.length;
    const [hash] = await at(2).node.generate(1, MINER.p2wpkh);
    await waitFor('the block as every tip', () => nodes.every((t) => tipOf(t) === hash), 60_000);
    const block = (await at(2).node.chain.getBlock(blockHashFromDisplay(hash!)))!;
    expect(block.txs.length).toBe(BATCH + 1);
    for (const i of [1, 3, 4, 5]) {
      const s = stats(at(i));
      const b = before[i - 1]!;
      expect(s.reconstructed - b.reconstructed, `node ${i} rebuilt it`).toBeGreaterThanOrEqual(1);
      expect(s.blocks.full - b.blocks.full, `node ${i} got no full block`).toBe(0);
      expect(s.neededGetblocktxn - b.neededGetblocktxn, `node ${i} asked nothing`).toBe(0);
      expect(s.failed - b.failed).toBe(0);
      // Bytes for this block on the link it came by: a few kB, not the ~110 kB of the block.
      const perBlock = (s.blockBytes.compact - b.blockBytes.compact) / (s.blocks.compact - b.blocks.compact);
      expect(perBlock).toBeLessThan(block.size() / 10);
    }
    expect(asked.length - asked0).toBe(0);
    await waitFor('mempools emptied', () => nodes.every((t) => t.node.mempool.size === 0));
  });

  it('with one tx missing from node 5, node 5 asks for exactly it with getblocktxn and rebuilds the block', async () => {
    const txs = spendFanout(BATCH, BATCH);
    await submitAll(txs);
    const withheld = txs[123]!;
    // Node 5 loses it, as if it had never had it; its peers still think it has it.
    at(5).node.mempool.removeForBlock(new Block(at(5).node.chain.tip.header, [withheld]));
    expect(at(5).node.mempool.has(withheld.txid())).toBe(false);
    const before = nodes.map(stats);
    const asked0 = asked.length;
    const [hash] = await at(2).node.generate(1, MINER.p2wpkh);
    await waitFor('the block as every tip', () => nodes.every((t) => tipOf(t) === hash), 60_000);
    const block = (await at(2).node.chain.getBlock(blockHashFromDisplay(hash!)))!;
    const index = block.txs.findIndex((t) => t.txidHex() === withheld.txidHex());
    expect(index).toBeGreaterThan(0);
    const mine = asked.slice(asked0);
    expect(mine.map((a) => ({ node: a.node + 1, indexes: a.indexes }))).toEqual([
      { node: 5, indexes: [index] },
    ]);
    const s5 = stats(at(5));
    expect(s5.neededGetblocktxn - before[4]!.neededGetblocktxn).toBe(1);
    expect(s5.blocks.full - before[4]!.blocks.full).toBe(0);
    expect(s5.failed - before[4]!.failed).toBe(0);
    for (const i of [1, 3, 4])
      expect(stats(at(i)).neededGetblocktxn - before[i - 1]!.neededGetblocktxn).toBe(0);
  });

  it('has peers ask the miner, who delivered every new block first, to push blocks (at most 3 each)', () => {
    // Node 2 mined every block, so each node that is its peer chose it as a high-bandwidth peer.
    const miner = at(2).node.p2p!.nodeId;
    const peersOfMiner = [1, 3, 4, 5].filter((i) =>
      at(i)
        .node.peerInfo()
        .some((p) => p.nodeId === miner),
    );
    expect(peersOfMiner.length).toBeGreaterThan(0);
    expect(stats(at(2)).hbTo).toBeGreaterThanOrEqual(1);
    for (const t of nodes) expect(stats(t).hbFrom).toBeLessThanOrEqual(3);
  });
});
