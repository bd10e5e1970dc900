/**
 * Issue 4, bootstrap and gossip: five regtest nodes, each given a seeds file that names only
 * node 1 (node 1 included: it must recognise itself by its nonce). Within 10 s every node has
 * at least two peers and node 5 has learned the others' addresses through addr gossip. Then
 * transactions submitted to node 4 reach every mempool, each node receiving each body once; a
 * block mined on node 2 becomes every node's tip; and the RPC reports peers.
 *
 * All of it runs twice: over TCP on 127.0.0.1, and over the in-memory transport, where node i
 * is 127.0.0.(10+i) on a network with a little latency and a bandwidth limit.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeerInfo } from '../node/p2p/peer-info.js';
import { MemoryNetwork } from '../node/p2p/transport/memory.js';
import { toHex } from '../node/protocol/bytes.js';
import { OutPoint, type Tx } from '../node/protocol/tx.js';
import { payTo, signedSpend, testKey } from './helpers/keys.js';
import {
  type NetNode,
  type NetNodeOptions,
  startNetNode,
  stopNetNodes,
  tipOf,
  waitFor,
  writeSeeds,
} from './helpers/p2p.js';

const MINER = testKey('p2p network miner');
const ALICE = testKey('p2p network alice');
const SUBSIDY = 5_000_000_000n;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

interface Network {
  /** The IP node `i` (1-5) is seen at. */
  host(i: number): string;
  /** Node 1's P2P port, known before it starts (the seeds file names it). */
  port1: number;
  options(i: number): NetNodeOptions;
  /** Whether node `i` listens on this network (not on another transport). */
  listening(i: number, port: number): boolean;
}

const NETWORKS: { name: string; make(): Promise<Network> }[] = [
  {
    name: 'TCP',
    async make() {
      return {
        host: () => '127.0.0.1',
        port1: await freePort(),
        options: () => ({}),
        listening: (_i, port) => port > 0,
      };
    },
  },
  {
    name: 'the in-memory transport',
    async make() {
      const net = new MemoryNetwork({ link: { latencyMs: 2, bandwidth: 20_000_000, burstBytes: 64_000 } });
      const host = (i: number) => `127.0.0.${10 + i}`;
      return {
        host,
        port1: 18444,
        options: (i) => ({ p2pHost: host(i), p2pTransport: net.transport(host(i)) }),
        listening: (i, port) => net.isListening(host(i), port),
      };
    },
  },
];

describe.each(NETWORKS)('five nodes over $name', ({ make }) => {
  let nodes: NetNode[] = [];
  let network: Network;

  beforeAll(async () => {
    network = await make();
    const seeds = await writeSeeds([`${network.host(1)}:${network.port1}`]);
    const n1 = await startNetNode({ ...network.options(1), p2pPort: network.port1, seedsFile: seeds });
    const rest = await Promise.all(
      [2, 3, 4, 5].map((i) => startNetNode({ ...network.options(i), seedsFile: seeds })),
    );
    nodes = [n1, ...rest];
  });

  afterAll(stopNetNodes);

  const at = (i: number) => nodes[i - 1]!;
  /** The host node 1 should see a peer at: that of the node with the peer's id. */
  const hostOf = (p: PeerInfo) => network.host(nodes.findIndex((t) => t.node.p2p!.nodeId === p.nodeId) + 1);

  describe('bootstrap from a seeds file', () => {
    it('listens on the transport under test', () => {
      for (const i of [1, 2, 3, 4, 5]) expect(network.listening(i, at(i).node.p2p!.listenPort)).toBe(true);
    });

    it('gives every node two or more peers within 10 s, and node 5 learns the others by addr gossip', async () => {
      await waitFor(
        'every node with >= 2 peers and node 5 knowing nodes 2-4',
        () =>
          nodes.every((t) => t.node.peerInfo().length >= 2) &&
          [2, 3, 4].every((i) => at(5).node.p2p!.conns.book.get(at(i).addr)),
        10_000,
      );
      for (const i of [2, 3, 4]) expect(at(5).node.p2p!.conns.book.get(at(i).addr)?.source).toBe('addr');
      // Node 1 dialled its own seed entry, recognised its nonce and dropped it.
      expect(at(1).node.p2p!.conns.book.get(at(1).addr)).toBeUndefined();
      expect(
        at(1)
          .node.peerInfo()
          .every((p) => p.nodeId !== at(1).node.p2p!.nodeId),
      ).toBe(true);
      // At most one connection per pair of nodes.
      for (const t of nodes) {
        const ids = t.node.peerInfo().map((p) => p.nodeId);
        expect(new Set(ids).size).toBe(ids.length);
      }
    });

    it('reports peers over the RPC (getpeerinfo, getconnectioncount, getnetworkinfo)', async () => {
      await waitFor('a ping round trip', () =>
        at(1)
          .node.peerInfo()
          .every((x) => x.pingMs !== null),
      );
      const mine = at(1).node.peerInfo();
      const p: PeerInfo = mine[0]!;
      expect(p.userAgent).toBe('/gossip-ledger:0.1.0/');
      expect(p.nodeId).toMatch(/^[0-9a-f]{16}$/);
      expect(p.host).toBe(hostOf(p));
      for (const q of mine) expect(q.host).toBe(hostOf(q));
      // NODE_NETWORK | NODE_WITNESS | NODE_FILES (docs/files.md).
      expect(p.services).toBe('0000000001000009');
      expect(p.bytesReceivedPerMsg.version).toBeGreaterThan(24);
      const ids = nodes.slice(1).map((t) => t.node.p2p!.nodeId);
      for (const q of mine) expect(ids).toContain(q.nodeId);
      // Node 1 is the seed: newcomers connect to it for addresses and leave again (Core's
      // -seednode), so its peer set may change between two reads. The RPC answers are compared
      // with the node's own view taken just before and just after them, when the two agree.
      type RpcPeer = { id: number; nodeid: string; subver: string; inbound: boolean };
      const idsNow = () =>
        at(1)
          .node.peerInfo()
          .map((q) => q.nodeId)
          .sort();
      let peers: RpcPeer[] = [];
      let count = -1;
      let info = { connections: -1, localservices: '' };
      let seen: string[] = [];
      await waitFor('getpeerinfo, getconnectioncount and getnetworkinfo read one peer set', async () => {
        const before = idsNow();
        peers = await at(1).rpc<RpcPeer[]>('getpeerinfo');
        count = await at(1).rpc<number>('getconnectioncount');
        info = await at(1).rpc<{ connections: number; localservices: string }>('getnetworkinfo');
        seen = idsNow();
        return JSON.stringify(before) === JSON.stringify(seen);
      });
      expect(peers.map((q) => q.nodeid).sort()).toEqual(seen);
      expect(peers[0]!.subver).toBe('/gossip-ledger:0.1.0/');
      expect(count).toBe(peers.length);
      expect(info).toMatchObject({ connections: peers.length, localservices: '0000000001000009' });
    });
  });

  describe('gossip', () => {
    it('relays blocks mined on node 2 to every node', async () => {
      await at(2).node.generate(103, MINER.p2wpkh);
      await waitFor('tip 103 everywhere', () => nodes.every((t) => t.node.chain.height === 103));
      expect(new Set(nodes.map(tipOf)).size).toBe(1);
    });

    it('takes transactions submitted to node 4 to every mempool, each body once per node', async () => {
      const before = nodes.map((t) => t.node.p2p!.totals().txBodiesReceived);
      const txs: Tx[] = [];
      for (let h = 1; h <= 3; h++) {
        const cb = (await at(2).node.chain.getBlock(at(2).node.chain.entryAt(h)!.hash))!.txs[0]!;
        txs.push(
          signedSpend(
            [{ prevout: new OutPoint(cb.txid(), 0), value: SUBSIDY, key: MINER }],
            [payTo(ALICE, SUBSIDY - 10_000n)],
          ),
        );
      }
      // A child of the first, so relay order matters too.
      txs.push(
        signedSpend(
          [{ prevout: new OutPoint(txs[0]!.txid(), 0), value: SUBSIDY - 10_000n, key: ALICE }],
          [payTo(MINER, SUBSIDY - 20_000n)],
        ),
      );
      for (const tx of txs)
        expect(await at(4).rpc('sendrawtransaction', [toHex(tx.toBytes())])).toBe(tx.txidHex());
      await waitFor('all txs in all mempools', () =>
        nodes.every((t) => txs.every((tx) => t.node.mempool.has(tx.txid()))),
      );
      // Let any duplicate request that was going to happen happen.
      await new Promise((r) => setTimeout(r, 500));
      const received = nodes.map((t, i) => t.node.p2p!.totals().txBodiesReceived - before[i]!);
      expect(received).toEqual([4, 4, 4, 0, 4]);
    });

    it('confirms them in a block mined on node 2 that becomes every tip', async () => {
      const [hash] = await at(2).node.generate(1, MINER.p2wpkh);
      await waitFor('the new block as tip everywhere', () => nodes.every((t) => tipOf(t) === hash));
      await waitFor('mempools emptied', () => nodes.every((t) => t.node.mempool.size === 0));
    });
  });
});
