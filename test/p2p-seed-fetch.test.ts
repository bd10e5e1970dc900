/**
 * Seeds are for addresses (Core's -seednode, an ADDR_FETCH connection; connections.ts): a node
 * whose book is nearly empty dials its seed, asks getaddr, and once the seed answers with more
 * than one address it disconnects and connects to the addresses it learned; the seed is not
 * made a "tried" address. A seed with nothing to tell (the first nodes of a network) is kept as
 * an ordinary peer once the fetch times out, and counts as tried from then on.
 *
 * In-memory transport, node i at 127.0.0.(20+i); short timers from TEST_TUNING. The seed makes
 * no outbound connections of its own, so no connection to it is closed as a duplicate of one
 * from it, whichever node id is lower.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryNetwork } from '../node/p2p/transport/memory.js';
import {
  type NetNode,
  type NetNodeOptions,
  startNetNode,
  stopNetNodes,
  TEST_TUNING,
  waitFor,
  writeSeeds,
} from './helpers/p2p.js';

const net = new MemoryNetwork({ link: { latencyMs: 2, bandwidth: 20_000_000, burstBytes: 64_000 } });
const host = (i: number) => `127.0.0.${20 + i}`;
const TUNING = { ...TEST_TUNING, timings: { ...TEST_TUNING.timings, addrFetchTimeoutMs: 1_500 } };
const opts = (i: number, seeds: string): NetNodeOptions => ({
  p2pHost: host(i),
  p2pTransport: net.transport(host(i)),
  p2pTuning: TUNING,
  seedsFile: seeds,
});

/** Outbound connections of `from` that it dialled to `to`'s address. */
const dialledTo = (from: NetNode, to: NetNode) =>
  [...from.node.p2p!.conns.peers.values()].filter((p) => p.dialed === to.addr && !p.closed);

afterAll(stopNetNodes);

describe('seed connections', () => {
  let seed: NetNode;

  it('keeps a seed that has no addresses to give as an ordinary peer', async () => {
    seed = await startNetNode({ ...opts(0, await writeSeeds([])), p2pPort: 18444, maxOutbound: 0 });
    const first = await startNetNode(opts(1, await writeSeeds([seed.addr])));
    await waitFor('the first node connected to the seed', () => dialledTo(first, seed).some((p) => p.ready));
    // Past the fetch timeout the connection stays (the book is still nearly empty) and the seed is tried.
    await waitFor(
      'the seed marked as connected to',
      () => (first.node.p2p!.conns.book.get(seed.addr)?.lastSuccess ?? 0) > 0,
      20_000,
    );
    expect(dialledTo(first, seed).filter((p) => p.ready)).toHaveLength(1);
    expect(first.node.p2p!.conns.addrFetches.size).toBe(0);
  }, 60_000);

  it('asks a seed that knows others for addresses, then disconnects and connects to them', async () => {
    const seeds = await writeSeeds([seed.addr]);
    const others = [await startNetNode(opts(2, seeds)), await startNetNode(opts(3, seeds))];
    await waitFor('the seed knowing three nodes', () => seed.node.p2p!.conns.book.size >= 3, 20_000);

    const late = await startNetNode(opts(9, seeds));
    const book = late.node.p2p!.conns.book;
    await waitFor('the late node learning the others from the seed', () => book.learned >= 3, 20_000);
    await waitFor(
      'the late node connected to two others and not to the seed',
      () =>
        late.node.peerInfo().filter((p) => p.addr !== seed.addr).length >= 2 &&
        late.node.peerInfo().every((p) => p.addr !== seed.addr),
      20_000,
    );
    // The seed answered, so it is reachable, but it is not a tried address to come back to.
    const entry = book.get(seed.addr)!;
    expect(entry.source).toBe('seed');
    expect(entry.lastSuccess).toBe(0);
    expect(entry.attempts).toBe(0);
    // The seed heard of the late node (its self-advertisement) for the next newcomer.
    expect(seed.node.p2p!.conns.book.get(late.addr)).toBeDefined();
    expect(others.length).toBe(2);
  }, 60_000);
});
