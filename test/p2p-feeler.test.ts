/**
 * Feeler connections (node/p2p/feeler.ts, Bitcoin Core's -feeler in net.cpp): a node whose
 * outbound slots are all taken dials, every ~2 minutes, one address it has heard of and never
 * connected to; the handshake completes, the address becomes "tried" (a success in the book),
 * and the connection closes. The feeler never takes an outbound slot (the one full-relay peer
 * stays, no other is dialled) and never reaches the rest of the P2P layer; a node with a free
 * slot makes none. Five Connections on the in-memory network and a virtual clock.
 */
import { describe, expect, it } from 'vitest';
import { type Random, seededRandom } from '../node/clock.js';
import { createLogger } from '../node/log.js';
import { DEFAULT_ADDRBOOK } from '../node/p2p/addrbook.js';
import { DEFAULT_TIMINGS } from '../node/p2p/config.js';
import { Connections } from '../node/p2p/connections.js';
import { FEELER_INTERVAL_MS } from '../node/p2p/feeler.js';
import { addrKey } from '../node/p2p/netaddr.js';
import type { Peer } from '../node/p2p/peer.js';
import { MemoryNetwork } from '../node/p2p/transport/memory.js';
import type { DialOptions, Transport } from '../node/p2p/transport/transport.js';
import { regtest } from '../node/protocol/params.js';
import { VirtualClock } from './helpers/virtual-clock.js';

const PORT = regtest.p2pPort;
const log = createLogger('silent');

interface Probe {
  conns: Connections;
  /** Peers handed to the P2P layer (onReady), and those closed. */
  ready: Peer[];
  closed: { peer: Peer; reason: string }[];
  dials: string[];
}

function node(
  net: MemoryNetwork,
  clock: VirtualClock,
  host: string,
  maxOutbound: number,
  random: Random,
): Probe {
  const probe: Probe = { conns: null as unknown as Connections, ready: [], closed: [], dials: [] };
  const inner = net.transport(host);
  // Every dial this node makes, in order (the feeler's and the outbound slot's alike).
  const transport: Transport = {
    listen: (h, p, handlers) => inner.listen(h, p, handlers),
    dial: (h: string, p: number, o: DialOptions) => {
      probe.dials.push(addrKey(h, p));
      return inner.dial(h, p, o);
    },
  };
  probe.conns = new Connections(
    {
      listen: true,
      host,
      port: PORT,
      seeds: [],
      connect: [],
      addNodes: [],
      maxOutbound,
      maxInbound: 117,
      banSeconds: 86_400,
      timings: { ...DEFAULT_TIMINGS, feelerIntervalMs: FEELER_INTERVAL_MS },
      addrbook: DEFAULT_ADDRBOOK,
      params: regtest,
      local: { services: 9n, userAgent: '/feeler-test/', height: () => 0 },
      transport,
      clock,
      random,
    },
    {
      onReady: (p) => probe.ready.push(p),
      onMessage: () => {},
      onClose: (p) => probe.closed.push({ peer: p, reason: p.closeReason }),
    },
    log,
    null,
  );
  return probe;
}

describe('feeler connections (Core -feeler)', () => {
  it('with its outbound slots full, a node feels each new address: handshake, tried, disconnected, no slot used', async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 1));
    const net = new MemoryNetwork({ clock, link: { latencyMs: 20 } });
    const hosts = ['10.1.0.1', '10.2.0.1', '10.3.0.1'];
    const targets = hosts.map((h, i) => node(net, clock, h, 0, seededRandom(`target-${i}`)));
    // A has one outbound slot; E has eight and the same three addresses, so its slots never fill.
    const a = node(net, clock, '10.0.0.1', 1, seededRandom('a'));
    const e = node(net, clock, '10.4.0.1', 8, seededRandom('e'));
    for (const t of targets) await t.conns.start();
    const keys = hosts.map((h) => addrKey(h, PORT));
    for (const x of [a, e])
      x.conns.book.add(
        hosts.map((h) => ({ host: h, port: PORT, services: 9n })),
        'addr',
      );
    await a.conns.start();
    await e.conns.start();

    // The one outbound slot fills first; that peer is the only one A's P2P layer ever sees.
    await clock.advance(5_000);
    expect(a.ready).toHaveLength(1);
    const slot = a.ready[0]!;
    expect(slot.direction).toBe('outbound');
    const others = keys.filter((k) => k !== slot.dialed);
    for (const k of others) expect(a.conns.book.get(k)!.lastSuccess).toBe(0);

    // Feelers come on average every 2 minutes; both other addresses are felt well within an hour.
    for (let m = 0; m < 60 && others.some((k) => a.conns.book.get(k)!.lastSuccess === 0); m++) {
      await clock.advance(60_000);
      // Never a second full-relay peer, and the slot's peer is never replaced.
      expect(a.conns.ready().filter((p) => p.direction === 'outbound' && p !== slot)).toEqual([]);
      expect(slot.closed).toBe(false);
    }
    for (const k of others) expect(a.conns.book.get(k)!.lastSuccess).toBeGreaterThan(0);
    expect(a.conns.feelers.completed).toBeGreaterThanOrEqual(2);

    // Each feeler finished its handshake, then closed as a feeler.
    const feelers = a.closed.filter((c) => c.reason === 'feeler done');
    expect(feelers.length).toBe(a.conns.feelers.completed);
    for (const c of feelers) {
      expect(c.peer.ready).toBe(true);
      expect(c.peer.dialed).not.toBe(slot.dialed);
    }
    for (const k of others) {
      const t = targets[keys.indexOf(k)]!;
      // The target saw the connection come and go: A leaves once its own handshake is done
      // (Core's feeler leaves on the version), which may be before the target reads A's verack.
      expect(t.closed.some((c) => c.peer.direction === 'inbound' && c.peer.host === '10.0.0.1')).toBe(true);
    }
    // A dialled its slot's address once; every other dial was a feeler's.
    expect(a.dials.filter((d) => d === slot.dialed)).toHaveLength(1);
    expect(a.dials.length - 1).toBe(a.conns.feelers.completed);
    expect(a.ready).toEqual([slot]);
    expect(a.conns.feelers.key).toBeNull();

    // E, with free slots, made ordinary outbound connections and no feeler.
    expect(e.conns.feelers.completed).toBe(0);
    expect(e.closed.filter((c) => c.reason === 'feeler done')).toEqual([]);

    for (const x of [a, e, ...targets]) await x.conns.stop();
  }, 120_000);
});
