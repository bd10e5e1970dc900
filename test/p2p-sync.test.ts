/**
 * Issue 4, sync: a fresh node joining a network whose chain has 2,000 blocks reaches the same
 * tip (headers first, then blocks); a third fresh node fetches from two peers in parallel; a
 * node offline while 200 blocks were mined catches up on restart; and a peer that announces
 * headers but never delivers blocks is dropped as a staller while the download goes on from
 * the honest peer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlockHeader } from '../node/protocol/header.js';
import { testKey } from './helpers/keys.js';
import {
  type NetNode,
  restartNetNode,
  startNetNode,
  stopNetNode,
  stopNetNodes,
  TEST_TUNING,
  tipOf,
  waitFor,
} from './helpers/p2p.js';
import { RawPeer } from './helpers/p2p-raw.js';

const MINER = testKey('p2p sync miner');
let a: NetNode;

beforeAll(async () => {
  a = await startNetNode();
  await a.node.generate(2000, MINER.p2wpkh);
});

afterAll(stopNetNodes);

describe('initial sync', () => {
  it('brings a fresh node to the 2,000-block tip, then two peers serve a third in parallel', async () => {
    const b = await startNetNode({ connect: [a.addr] });
    await waitFor('B at A tip', () => tipOf(b) === tipOf(a), 60_000);
    expect(b.node.chain.height).toBe(2000);
    expect((await b.node.chain.utxoStats()).hash).toBe((await a.node.chain.utxoStats()).hash);

    // A generous stall timeout: on a loaded machine neither honest peer should look like a staller.
    const c = await startNetNode({
      connect: [a.addr, b.addr],
      p2pTuning: { ...TEST_TUNING, sync: { stallTimeoutMs: 15_000, blockTimeoutMs: 30_000 } },
    });
    await waitFor('C at A tip', () => tipOf(c) === tipOf(a), 60_000);
    const blockBytes = c.node.peerInfo().map((p) => p.bytesReceivedPerMsg.block ?? 0);
    expect(blockBytes.length).toBe(2);
    expect(blockBytes.every((n) => n > 0)).toBe(true);
    await stopNetNode(c);
    await stopNetNode(b);
  });

  it('catches up on restart after 200 blocks mined while offline', async () => {
    let d = await startNetNode({ connect: [a.addr] });
    await waitFor('D at A tip', () => tipOf(d) === tipOf(a), 60_000);
    const before = d.node.chain.height;
    await stopNetNode(d);
    await a.node.generate(200, MINER.p2wpkh);
    d = await restartNetNode(d);
    expect(d.node.chain.height).toBe(before);
    await waitFor('D at the new tip', () => tipOf(d) === tipOf(a), 60_000);
    expect(d.node.chain.height).toBe(before + 200);
    // And it follows the tip from there.
    const [next] = await a.node.generate(1, MINER.p2wpkh);
    await waitFor('D follows', () => tipOf(d) === next);
    await stopNetNode(d);
  });

  it('resumes after losing its only peer mid-download, when it already has every header', async () => {
    const f = await startNetNode({ connect: [a.addr] });
    const p2p = f.node.p2p!;
    await waitFor('all headers known', () => f.node.chain.bestHeader().hashHex === tipOf(a), 30_000, 10);
    expect(f.node.chain.height).toBeLessThan(a.node.chain.height);
    for (const p of p2p.conns.peers.values()) p.close('test: connection lost');
    await waitFor('F at A tip', () => tipOf(f) === tipOf(a), 60_000);
    await stopNetNode(f);
  });

  it('drops a peer that announces headers but never sends the blocks, and syncs from the others', async () => {
    const headers: BlockHeader[] = [];
    for (let h = 1; h <= a.node.chain.height && headers.length < 2000; h++)
      headers.push(a.node.chain.entryAt(h)!.header);
    const lazies: RawPeer[] = [];
    let getdataSeen = 0;
    const { server, port } = await RawPeer.listen((p) => {
      lazies.push(p);
      p.onMessage = (m) => {
        if (m.command === 'ping') p.send({ command: 'pong', nonce: m.nonce });
        if (m.command === 'version') {
          p.version(a.node.chain.height);
          p.send({ command: 'verack' });
        }
        if (m.command === 'getheaders' && m.locator.length === 1) p.send({ command: 'headers', headers });
        if (m.command === 'getdata') getdataSeen += m.items.length; // and never answer
      };
    });
    try {
      // The lazy peer first, so it gets the first blocks of the window.
      const e = await startNetNode({ connect: [`127.0.0.1:${port}`] });
      await waitFor('blocks requested from the lazy peer', () => getdataSeen > 0);
      e.node.p2p!.conns.addNode(a.addr, 'add');
      await waitFor('E at A tip', () => tipOf(e) === tipOf(a), 60_000);
      expect(lazies[0]!.isClosed).toBe(true);
      expect(e.node.chain.height).toBe(a.node.chain.height);
    } finally {
      server.close();
      for (const p of lazies) p.close();
    }
  });
});
