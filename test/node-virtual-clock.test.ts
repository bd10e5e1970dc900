/**
 * Three FullNodes on one virtual clock (node/clock.ts, test/helpers/virtual-clock.ts) and the
 * in-memory transport, in a line: node 2 connects to node 1, node 3 to node 2, each with a
 * seeded Random. Time moves only when the test advances the clock: the nodes connect, 100
 * blocks given to node 1 reach node 3, a transaction given to node 3 reaches node 1's mempool
 * (trickled at each hop after a seeded random delay), and the block that confirms it reaches
 * every tip.
 *
 * The clock starts in 2030, after the machine's: a node that checked block headers against the
 * real clock would refuse these blocks as too far in the future, and the times the nodes
 * record (peer connection, mempool entry) are the virtual ones. A ping's round trip is exactly
 * the two link latencies, since nothing else takes virtual time.
 *
 * Node 1 is given the clock; nodes 2 and 3 take their memory transport's (the same), and a
 * node given a clock other than its transport's refuses to start.
 *
 * The run is made twice with one seed and once with another: with the same seed every node
 * draws the same random numbers in the same order (its id, ping nonces, relay delays) and sees
 * its peers' ids in the same order; another seed gives other draws.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Random, seededRandom } from '../node/clock.js';
import { MemoryNetwork } from '../node/p2p/transport/memory.js';
import { toHex } from '../node/protocol/bytes.js';
import { OutPoint, type Tx, TxOut } from '../node/protocol/tx.js';
import { ANYONE, makeBlock, spend } from './helpers/blocks.js';
import { type NetNode, startNetNode, stopNetNodes, TEST_TUNING } from './helpers/p2p.js';
import { VirtualClock } from './helpers/virtual-clock.js';

const START_MS = Date.UTC(2030, 0, 1);
const LATENCY_MS = 5;
const STEP_MS = 10;
const host = (i: number) => `10.0.0.${i}`;

/** A Random that writes down every draw, to compare runs. */
function recording(inner: Random, draws: string[]): Random {
  return {
    float() {
      const v = inner.float();
      draws.push(`float ${v}`);
      return v;
    },
    bytes(n) {
      const v = inner.bytes(n);
      draws.push(`bytes ${toHex(v)}`);
      return v;
    },
  };
}

interface Run {
  clock: VirtualClock;
  nodes: NetNode[];
  draws: string[][];
  /** Per node: its peers' node ids, in the order they became ready. */
  peerOrder: string[][];
  /** Advances the clock in small steps until `cond` holds; fails after `maxMs` of virtual time. */
  until(what: string, cond: () => boolean, maxMs?: number): Promise<void>;
}

async function startLine(seed: string): Promise<Run> {
  const clock = new VirtualClock(START_MS);
  const net = new MemoryNetwork({ clock, link: { latencyMs: LATENCY_MS } });
  const draws: string[][] = [[], [], []];
  const nodes: NetNode[] = [];
  for (const i of [1, 2, 3]) {
    nodes.push(
      await startNetNode({
        p2pHost: host(i),
        p2pPort: 8333,
        p2pTransport: net.transport(host(i)),
        // Node 1 is given the clock, the others take their transport's: the same one.
        ...(i === 1 ? { clock } : {}),
        connect: i === 1 ? [] : [`${host(i - 1)}:8333`],
        listen: true,
        random: recording(seededRandom(`${seed}/${i}`), draws[i - 1]!),
        relayDelayMs: 200,
        p2pTuning: {
          ...TEST_TUNING,
          // Virtual time runs on while the chain writes to disk (a few virtual seconds, more on a
          // loaded machine): no stall should be called for that, and no second round of pings
          // should draw nonces at a moment that depends on the disk.
          timings: {
            ...TEST_TUNING.timings!,
            handshakeTimeoutMs: 60_000,
            connectTimeoutMs: 60_000,
            pingIntervalMs: 3_600_000,
          },
          sync: { stallTimeoutMs: 600_000, blockTimeoutMs: 600_000 },
        },
      }),
    );
  }
  const peerOrder = nodes.map(() => [] as string[]);
  const until = async (what: string, cond: () => boolean, maxMs = 600_000) => {
    const end = clock.now() + maxMs;
    while (!cond()) {
      if (clock.now() >= end) throw new Error(`not within ${maxMs} virtual ms: ${what}`);
      await clock.advance(STEP_MS);
      for (const [k, t] of nodes.entries())
        for (const p of t.node.peerInfo())
          if (!peerOrder[k]!.includes(p.nodeId)) peerOrder[k]!.push(p.nodeId);
    }
  };
  return { clock, nodes, draws, peerOrder, until };
}

/** Connect, sync 100 blocks, relay a tx from node 3 to node 1, confirm it in block 101. */
async function scenario(run: Run): Promise<{ tx: Tx }> {
  const { clock, nodes, until } = run;
  const [n1, n2, n3] = nodes as [NetNode, NetNode, NetNode];
  await until(
    'the line 1-2-3 connected',
    () =>
      n1.node.peerInfo().length === 1 && n2.node.peerInfo().length === 2 && n3.node.peerInfo().length === 1,
  );
  await until('a ping answered on every link', () =>
    nodes.every((t) => t.node.peerInfo().every((p) => p.pingMs !== null)),
  );

  const blocks = [];
  let prev = n1.node.chain.tip.hash;
  const t0 = Math.floor(clock.now() / 1000);
  for (let h = 1; h <= 100; h++) {
    const b = makeBlock({ prev, height: h, time: t0 + h });
    blocks.push(b);
    prev = b.hash();
  }
  for (const b of blocks) await n1.node.submitBlock(b);
  expect(n1.node.chain.height).toBe(100);
  await until('100 blocks at node 3', () => nodes.every((t) => t.node.chain.height === 100));

  const tx = spend(
    [new OutPoint(blocks[0]!.txs[0]!.txid(), 0)],
    [new TxOut(5_000_000_000n - 10_000n, ANYONE)],
  );
  const accepted = await n3.node.submitTx(tx);
  expect(accepted.status).toBe('accepted');
  await until('the tx in every mempool', () => nodes.every((t) => t.node.mempool.has(tx.txid())));

  const confirm = makeBlock({ prev, height: 101, time: t0 + 101, txs: [tx] });
  await n1.node.submitBlock(confirm);
  await until('block 101 everywhere, mempools empty', () =>
    nodes.every((t) => t.node.chain.tip.hashHex === confirm.hashHex() && t.node.mempool.size === 0),
  );
  return { tx };
}

describe('three nodes on a virtual clock', () => {
  afterEach(stopNetNodes);

  it('connect, sync blocks and relay a tx while only the virtual clock moves', async () => {
    const run = await startLine('virtual clock');
    const { clock, nodes } = run;
    const [n1, n2, n3] = nodes as [NetNode, NetNode, NetNode];
    const startSeconds = Math.floor(START_MS / 1000);
    await run.until(
      'the line connected',
      () => n2.node.peerInfo().length === 2 && n3.node.peerInfo().length === 1,
    );
    await run.until('pings answered', () =>
      nodes.every((t) => t.node.peerInfo().every((p) => p.pingMs !== null)),
    );
    for (const t of nodes)
      for (const p of t.node.peerInfo()) {
        expect(p.pingMs).toBe(2 * LATENCY_MS);
        expect(p.connectedAt).toBeGreaterThanOrEqual(startSeconds);
        expect(p.connectedAt).toBeLessThanOrEqual(Math.floor(clock.now() / 1000));
      }

    let entryTime: number | undefined;
    n1.node.mempool.on('added', (e) => {
      entryTime = e.time;
    });
    await scenario(run);
    // Node 1 took the tx in at a virtual time, after the clock's start.
    expect(entryTime).toBeGreaterThanOrEqual(startSeconds);
    expect(entryTime).toBeLessThanOrEqual(Math.floor(clock.now() / 1000));
    // The block template's time is the node's (virtual) now.
    const tmpl = n3.node.template(ANYONE);
    expect(tmpl.block.header.time).toBe(
      Math.max(Math.floor(clock.now() / 1000), n3.node.chain.tip.medianTimePast() + 1),
    );
    // Every node drew its id and ping nonces from its seeded Random; node 3 and node 2 a relay delay.
    for (const d of run.draws)
      expect(d.filter((x) => x.startsWith('bytes')).length).toBeGreaterThanOrEqual(2);
    expect(run.draws[2]!.some((x) => x.startsWith('float'))).toBe(true);
    expect(run.draws[1]!.some((x) => x.startsWith('float'))).toBe(true);
  });

  it("refuses a clock other than its memory transport's", async () => {
    const net = new MemoryNetwork();
    await expect(
      startNetNode({
        p2pHost: host(1),
        p2pTransport: net.transport(host(1)),
        clock: new VirtualClock(START_MS),
      }),
    ).rejects.toThrow(/differs from the clock of config.p2pTransport/);
  });

  it('replays the same draws and the same peer order from the same seed; another seed differs', async () => {
    const results: { draws: string[][]; peerOrder: string[][]; ids: string[] }[] = [];
    for (const seed of ['replay', 'replay', 'another']) {
      const run = await startLine(seed);
      await scenario(run);
      // The scenario ends when a condition first holds, which the disk's real time can move by a
      // step; let the network fall quiet on the virtual clock so trailing relay delays are drawn
      // in every run, not only in those whose last check came late.
      for (let i = 0; i < 30; i++) await run.clock.advance(1_000);
      results.push({
        draws: run.draws.map((d) => [...d]),
        peerOrder: run.peerOrder,
        ids: run.nodes.map((t) => t.node.p2p!.nodeId),
      });
      await stopNetNodes();
    }
    const [a, b, c] = results as [(typeof results)[0], (typeof results)[0], (typeof results)[0]];
    expect(b.ids).toEqual(a.ids);
    expect(b.peerOrder).toEqual(a.peerOrder);
    expect(b.draws).toEqual(a.draws);
    expect(a.peerOrder[1]).toEqual([a.ids[0], a.ids[2]]);
    expect(c.ids).not.toEqual(a.ids);
    expect(c.draws).not.toEqual(a.draws);
  });
});
