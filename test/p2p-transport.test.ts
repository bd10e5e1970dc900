/**
 * The in-memory transport on a virtual clock: latency (the dialler connects after a round
 * trip, bytes arrive one way later), bandwidth (a token bucket per direction: 1 MB over a
 * 1 MB/s link takes 1 s), order, backpressure, close and error propagation, refused dials,
 * connect timeouts, per-host up/down buckets shared by all of a host's links, and the same
 * schedule for the same calls. Then a contract both transports
 * must meet alike, on real timers (the default clock), so the in-memory one behaves as TCP does
 * for everything the P2P layer relies on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  type LinkSpec,
  MemoryNetwork,
  type MemoryTransport,
  TokenBucket,
} from '../node/p2p/transport/memory.js';
import { TcpTransport } from '../node/p2p/transport/tcp.js';
import type { Listener, Stream, Transport } from '../node/p2p/transport/transport.js';
import { waitFor } from './helpers/p2p.js';
import { VirtualClock } from './helpers/virtual-clock.js';

const A = '10.0.0.1';
const B = '10.0.1.2';
const PORT = 8333;
const MB = 1_000_000;

interface Received {
  bytes: number;
  chunks: Uint8Array[];
  events: string[];
}

function record(s: Stream, clock: { now(): number } | null, t0 = 0): Received {
  const r: Received = { bytes: 0, chunks: [], events: [] };
  const at = () => (clock ? `@${clock.now() - t0}` : '');
  s.on('data', (c) => {
    r.bytes += c.length;
    r.chunks.push(c);
    r.events.push(`data ${c.length}${at()}`);
  });
  for (const e of ['connect', 'end', 'close', 'drain'] as const) s.on(e, () => r.events.push(`${e}${at()}`));
  s.on('error', (e) => r.events.push(`error ${(e as Error & { code?: string }).code ?? e.message}${at()}`));
  return r;
}

async function setup(link: Partial<LinkSpec> = {}) {
  const clock = new VirtualClock();
  const t0 = clock.now();
  const net = new MemoryNetwork({ clock, link });
  const a: MemoryTransport = net.transport(A);
  const b: MemoryTransport = net.transport(B);
  const accepted: Stream[] = [];
  const acceptedAt: number[] = [];
  const listener: Listener = await b.listen(B, PORT, {
    connection: (s) => {
      accepted.push(s);
      acceptedAt.push(clock.now() - t0);
    },
  });
  return { clock, t0, net, a, b, listener, accepted, acceptedAt };
}

/** Dials B from A and runs the clock until both ends are connected. */
async function connected(env: Awaited<ReturnType<typeof setup>>, rtt: number) {
  const client = env.a.dial(B, PORT, { timeoutMs: 60_000 });
  const c = record(client, env.clock, env.t0);
  await env.clock.advance(rtt);
  expect(c.events).toContain(`connect@${rtt}`);
  const server = env.accepted[0]!;
  const s = record(server, env.clock, env.t0);
  return { client, server, c, s, t: env.clock.now() - env.t0 };
}

describe('in-memory transport: latency', () => {
  it('connects after a round trip, delivers one way later, and reports both ends', async () => {
    const env = await setup({ latencyMs: 50 });
    const client = env.a.dial(B, PORT, { timeoutMs: 10_000 });
    const c = record(client, env.clock, env.t0);
    await env.clock.advance(49);
    expect(env.accepted).toHaveLength(0);
    await env.clock.advance(1);
    expect(env.acceptedAt).toEqual([50]);
    expect(c.events).toEqual([]);
    await env.clock.advance(50);
    expect(c.events).toEqual(['connect@100']);

    const server = env.accepted[0]!;
    expect([server.remoteAddress, server.remotePort]).toEqual([A, client.localPort]);
    expect([server.localAddress, server.localPort]).toEqual([B, PORT]);
    expect([client.remoteAddress, client.remotePort, client.localAddress]).toEqual([B, PORT, A]);
    expect(client.localPort).toBe(49152);

    const s = record(server, env.clock, env.t0);
    expect(client.write(new TextEncoder().encode('hello'))).toBe(true);
    await env.clock.advance(49);
    expect(s.bytes).toBe(0);
    await env.clock.advance(1);
    expect(s.events).toEqual(['data 5@150']);
    expect(new TextDecoder().decode(s.chunks[0])).toBe('hello');
    server.write(new Uint8Array(3));
    await env.clock.advance(50);
    expect(c.events).toEqual(['connect@100', 'data 3@200']);
  });

  it('uses the latency set for a pair of hosts, the default for others', async () => {
    const env = await setup({ latencyMs: 5 });
    env.net.setLink(A, B, { latencyMs: 200 });
    const far = env.a.dial(B, PORT, { timeoutMs: 10_000 });
    const near = env.net.transport('10.0.2.3').dial(B, PORT, { timeoutMs: 10_000 });
    const f = record(far, env.clock, env.t0);
    const n = record(near, env.clock, env.t0);
    await env.clock.advance(400);
    expect(n.events).toEqual(['connect@10']);
    expect(f.events).toEqual(['connect@400']);
  });
});

describe('in-memory transport: bandwidth', () => {
  it('takes 1 s of virtual time to carry 1 MB over a 1 MB/s link, with backpressure until then', async () => {
    const env = await setup({ latencyMs: 10, bandwidth: MB });
    const { client, c, s, t } = await connected(env, 20);
    expect(client.write(new Uint8Array(MB))).toBe(false);
    expect(client.writableLength).toBe(MB);
    await env.clock.advance(1009);
    expect(s.bytes).toBe(0);
    await env.clock.advance(1);
    expect(s.events).toEqual([`data ${MB}@${t + 1010}`]);
    expect(client.writableLength).toBe(0);
    expect(c.events).toContain(`drain@${t + 1010}`);
  });

  it('queues writes behind each other (FIFO) and gives each direction its own bucket', async () => {
    const env = await setup({ latencyMs: 0, bandwidth: MB });
    const { client, server, c, s, t } = await connected(env, 0);
    client.write(new Uint8Array(MB / 2));
    client.write(new Uint8Array(MB / 4));
    server.write(new Uint8Array(MB));
    await env.clock.advance(2000);
    expect(s.events.filter((e) => e.startsWith('data'))).toEqual([
      `data ${MB / 2}@${t + 500}`,
      `data ${MB / 4}@${t + 750}`,
    ]);
    // The reverse direction is not slowed by this one's traffic.
    expect(c.events).toContain(`data ${MB}@${t + 1000}`);
  });

  it('refills the bucket while idle, up to the burst size', async () => {
    const env = await setup({ latencyMs: 0, bandwidth: MB, burstBytes: 100_000 });
    const { client, s, t } = await connected(env, 0);
    // The bucket started full: 100 kB leave at once, the rest at 1 MB/s.
    client.write(new Uint8Array(MB));
    await env.clock.advance(5000);
    client.write(new Uint8Array(MB));
    await env.clock.advance(5000);
    expect(s.events).toEqual([`data ${MB}@${t + 900}`, `data ${MB}@${t + 5900}`]);
  });
});

describe('in-memory transport: per-host buckets', () => {
  it("shares a host's uplink among its links: two 1 MB sends take 2 s, the downlink is counted", async () => {
    const clock = new VirtualClock();
    const t0 = clock.now();
    const up = new Map<string, TokenBucket>();
    const down = new Map<string, TokenBucket>();
    const bucket = (m: Map<string, TokenBucket>, h: string, rate: number) => {
      const b = m.get(h) ?? new TokenBucket(rate, 0);
      m.set(h, b);
      return b;
    };
    const net = new MemoryNetwork({
      clock,
      linkSpec: (from, to) => ({
        latencyMs: 10,
        bandwidth: Number.POSITIVE_INFINITY,
        burstBytes: 0,
        up: bucket(up, from, from === A ? MB : Number.POSITIVE_INFINITY),
        down: bucket(down, to, Number.POSITIVE_INFINITY),
      }),
    });
    const C = '10.0.2.3';
    const got: Record<string, number> = {};
    for (const h of [B, C])
      await net.transport(h).listen(h, PORT, {
        connection: (s) => s.on('data', (c) => (got[h] = (got[h] ?? 0) + c.length)),
      });
    const a = net.transport(A);
    const toB = a.dial(B, PORT, { timeoutMs: 60_000 });
    const toC = a.dial(C, PORT, { timeoutMs: 60_000 });
    await clock.advance(20);
    toB.write(new Uint8Array(MB));
    toC.write(new Uint8Array(MB));
    // Alone, each would arrive after 1 s + 10 ms; sharing A's uplink, the second waits for the first.
    await clock.advance(1010);
    expect(got).toEqual({ [B]: MB });
    await clock.advance(999);
    expect(got[C]).toBeUndefined();
    await clock.advance(1);
    expect(got).toEqual({ [B]: MB, [C]: MB });
    expect(clock.now() - t0).toBe(2030);
    expect([up.get(A)!.bytes, down.get(B)!.bytes, down.get(C)!.bytes]).toEqual([2 * MB, MB, MB]);
  });

  it("makes a slow receiver's downlink the bottleneck", () => {
    const b = new TokenBucket(1000, 0);
    expect(b.pay(0, 500)).toBe(500);
    // Asked earlier than the bytes already booked: waits behind them.
    expect(b.pay(100, 500)).toBe(1000);
    expect(b.pay(5000, 100)).toBe(5100);
    expect(() => new TokenBucket(0, 0)).toThrow(RangeError);
  });
});

describe('in-memory transport: partitions', () => {
  it('resets connections across a cut, lets dials across it time out, and heals', async () => {
    const env = await setup({ latencyMs: 10 });
    const C = '10.0.2.3';
    const { c, s } = await connected(env, 20);
    const side = (h: string) => (h === A ? 0 : 1);
    env.net.setReachable((x, y) => side(x) === side(y));
    await env.clock.advance(1);
    expect(c.events).toContain('error ECONNRESET@20');
    expect(s.events).toContain('error ECONNRESET@20');
    const across = record(env.a.dial(B, PORT, { timeoutMs: 500 }), env.clock, env.t0);
    const within = record(env.net.transport(C).dial(B, PORT, { timeoutMs: 500 }), env.clock, env.t0);
    await env.clock.advance(600);
    expect(across.events).toEqual(['error connect timeout@521', 'close@521']);
    expect(within.events).toEqual(['connect@41']);
    env.net.setReachable(null);
    const healed = record(env.a.dial(B, PORT, { timeoutMs: 500 }), env.clock, env.t0);
    await env.clock.advance(20);
    expect(healed.events).toEqual(['connect@641']);
  });
});

describe('in-memory transport: order and backpressure', () => {
  it('delivers every byte in the order written, whatever the sizes and timing', async () => {
    const env = await setup({ latencyMs: 7, bandwidth: 250_000 });
    const { client, s } = await connected(env, 14);
    const sent: number[] = [];
    let n = 0;
    for (let round = 0; round < 20; round++) {
      for (let k = 0; k < 5; k++) {
        const size = ((round * 7919 + k * 104729) % 3000) + 1;
        const chunk = new Uint8Array(size).map(() => n++ & 0xff);
        sent.push(...chunk);
        client.write(chunk);
      }
      await env.clock.advance(3);
    }
    await env.clock.advance(10_000);
    const got = s.chunks.flatMap((x) => [...x]);
    expect(got.length).toBe(sent.length);
    expect(got).toEqual(sent);
  });

  it('holds bytes for a paused reader (the sender sees its backlog) and drains on resume', async () => {
    const env = await setup({ latencyMs: 5 });
    const { client, server, c, s } = await connected(env, 10);
    server.pause();
    expect(client.write(new Uint8Array(20_000))).toBe(false);
    await env.clock.advance(100);
    expect(s.bytes).toBe(0);
    expect(client.writableLength).toBe(20_000);
    expect(c.events.some((e) => e.startsWith('drain'))).toBe(false);
    server.resume();
    expect(s.bytes).toBe(20_000);
    expect(client.writableLength).toBe(0);
    expect(c.events.some((e) => e.startsWith('drain'))).toBe(true);
  });

  it('copies what is written, so a reused buffer does not change bytes in flight', async () => {
    const env = await setup({ latencyMs: 5 });
    const { client, s } = await connected(env, 10);
    const buf = Uint8Array.of(1, 2, 3);
    client.write(buf);
    buf.fill(9);
    await env.clock.advance(5);
    expect([...s.chunks[0]!]).toEqual([1, 2, 3]);
  });
});

describe('in-memory transport: close and errors', () => {
  it('delivers what was sent before a destroy, then end and close at the other end', async () => {
    const env = await setup({ latencyMs: 20, bandwidth: MB });
    const { client, c, s, t } = await connected(env, 40);
    client.write(new Uint8Array(10_000));
    client.destroy();
    expect(client.write(new Uint8Array(1))).toBe(false);
    await env.clock.advance(0);
    expect(c.events.slice(1)).toEqual([`close@${t}`]);
    await env.clock.advance(100);
    expect(s.events).toEqual([`data 10000@${t + 30}`, `end@${t + 30}`, `close@${t + 30}`]);
  });

  it('emits the error given to destroy, then close; the other end sees end and close', async () => {
    const env = await setup({ latencyMs: 10 });
    const { server, c, s, t } = await connected(env, 20);
    server.destroy(new Error('bad peer'));
    await env.clock.advance(10);
    expect(s.events).toEqual([`error bad peer@${t}`, `close@${t}`]);
    expect(c.events.slice(1)).toEqual([`end@${t + 10}`, `close@${t + 10}`]);
  });

  it('refuses a dial to an address nobody listens on, after a round trip', async () => {
    const env = await setup({ latencyMs: 30 });
    const s = env.a.dial('10.9.9.9', PORT, { timeoutMs: 10_000 });
    const r = record(s, env.clock, env.t0);
    const other = record(env.a.dial(B, PORT + 1, { timeoutMs: 10_000 }), env.clock, env.t0);
    await env.clock.advance(1000);
    expect(r.events).toEqual(['error ECONNREFUSED@60', 'close@60']);
    expect(other.events).toEqual(['error ECONNREFUSED@60', 'close@60']);
    expect(env.clock.pending).toBe(0);
  });

  it('refuses dials once the listener is closed; connections already made stay up', async () => {
    const env = await setup({ latencyMs: 1 });
    const { client, s } = await connected(env, 2);
    await env.listener.close();
    expect(env.net.isListening(B, PORT)).toBe(false);
    const late = record(env.a.dial(B, PORT, { timeoutMs: 10_000 }), env.clock, env.t0);
    client.write(new Uint8Array(4));
    await env.clock.advance(10);
    expect(late.events[0]).toMatch(/^error ECONNREFUSED/);
    expect(s.bytes).toBe(4);
  });

  it('times a dial out with the same error as TCP', async () => {
    const env = await setup({ latencyMs: 3000 });
    const s = env.a.dial(B, PORT, { timeoutMs: 1000 });
    const r = record(s, env.clock, env.t0);
    await env.clock.advance(10_000);
    expect(r.events).toEqual(['error connect timeout@1000', 'close@1000']);
    // The listener saw the attempt arrive, then its end.
    expect(env.accepted).toHaveLength(1);
  });

  it('refuses to listen on a port in use, or on another host address', async () => {
    const env = await setup();
    await expect(env.b.listen(B, PORT, { connection: () => undefined })).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
    await expect(env.b.listen(A, PORT, { connection: () => undefined })).rejects.toMatchObject({
      code: 'EADDRNOTAVAIL',
    });
    const any = await env.b.listen('0.0.0.0', 0, { connection: () => undefined });
    expect([any.address, any.port]).toEqual(['0.0.0.0', 49152]);
    expect(env.net.isListening(B, 49152)).toBe(true);
    expect(() => env.net.transport('node-1')).toThrow(/not an IP address/);
  });

  it('rejects link specs no link can have', () => {
    expect(() => new MemoryNetwork({ link: { latencyMs: -1 } })).toThrow(RangeError);
    expect(() => new MemoryNetwork({ link: { bandwidth: 0 } })).toThrow(/bandwidth/);
    const net = new MemoryNetwork();
    expect(() => net.setLink(A, B, { burstBytes: Number.NaN })).toThrow(/burst/);
    expect(() => net.setLink(A, B, { latencyMs: Number.POSITIVE_INFINITY })).toThrow(/latency/);
  });
});

describe('in-memory transport: determinism and the default clock', () => {
  it('gives the same events at the same times and ports for the same calls', async () => {
    const run = async () => {
      const env = await setup({ latencyMs: 3, bandwidth: 40_000, burstBytes: 1_000 });
      const log: string[] = [];
      for (let i = 0; i < 4; i++) {
        const s = env.a.dial(B, PORT, { timeoutMs: 5_000 });
        record(s, env.clock, env.t0).events = log;
        s.once('connect', () => {
          log.push(`port ${s.localPort}`);
          s.write(new Uint8Array(1_000 * (i + 1)));
          if (i % 2 === 1) s.destroy();
        });
        await env.clock.advance(i);
      }
      await env.clock.advance(5_000);
      return log;
    };
    const first = await run();
    expect(first.length).toBeGreaterThan(8);
    expect(await run()).toEqual(first);
  });

  it('runs on real timers when no clock is given', async () => {
    const net = new MemoryNetwork({ link: { latencyMs: 2, bandwidth: 10 * MB } });
    const got: Stream[] = [];
    const l = await net.transport('127.0.0.2').listen('127.0.0.2', 0, { connection: (s) => got.push(s) });
    const client = net.transport('127.0.0.3').dial('127.0.0.2', l.port, { timeoutMs: 20_000 });
    const c = record(client, null);
    await waitFor('connected', () => c.events.includes('connect'));
    const s = record(got[0]!, null);
    client.write(new Uint8Array(100_000));
    await waitFor('100 kB received', () => s.bytes === 100_000);
    client.destroy();
    await waitFor('closed at both ends', () => c.events.includes('close') && s.events.includes('close'));
    await l.close();
  });
});

/**
 * The same contract over both transports on real timers: what the P2P layer relies on must
 * mean the same over TCP and in memory.
 */
const CONTRACT: { name: string; make(): { server: Transport; client: Transport; host: string } }[] = [
  {
    name: 'TCP',
    make: () => ({ server: new TcpTransport(), client: new TcpTransport(), host: '127.0.0.1' }),
  },
  {
    name: 'in-memory (real clock)',
    make: () => {
      const net = new MemoryNetwork({ link: { latencyMs: 1 } });
      return { server: net.transport('127.0.0.1'), client: net.transport('127.0.0.1'), host: '127.0.0.1' };
    },
  },
];

describe.each(CONTRACT)('transport contract: $name', ({ make }) => {
  const open: Stream[] = [];
  const listeners: Listener[] = [];

  afterEach(async () => {
    for (const s of open.splice(0)) s.destroy();
    for (const l of listeners.splice(0)) await l.close();
  });

  async function pair() {
    const { server, client, host } = make();
    const accepted: Stream[] = [];
    const l = await server.listen(host, 0, { connection: (s) => accepted.push(s) });
    listeners.push(l);
    const c = client.dial(host, l.port, { timeoutMs: 20_000 });
    open.push(c);
    const cr = record(c, null);
    await waitFor('connected and accepted', () => cr.events.includes('connect') && accepted.length === 1);
    const s = accepted[0]!;
    open.push(s);
    return { c, s, cr, sr: record(s, null), l, server, client, host };
  }

  it('reports both ends, and carries bytes in order both ways', async () => {
    const { c, s, cr, sr, l, host } = await pair();
    expect([c.remoteAddress, c.remotePort, c.localAddress]).toEqual([host, l.port, host]);
    expect([s.remoteAddress, s.remotePort, s.localPort]).toEqual([host, c.localPort, l.port]);
    const sent = new Uint8Array(300_000).map((_, i) => (i * 31) & 0xff);
    for (let i = 0; i < sent.length; i += 10_000) c.write(sent.subarray(i, i + 10_000));
    s.write(Uint8Array.of(7, 8, 9));
    await waitFor('all bytes', () => sr.bytes === sent.length && cr.bytes === 3);
    expect(Buffer.concat(sr.chunks).equals(Buffer.from(sent))).toBe(true);
    expect([...Buffer.concat(cr.chunks)]).toEqual([7, 8, 9]);
  });

  it('ends and closes the other side when one side is destroyed; an error shows where it was given', async () => {
    const { c, s, cr, sr } = await pair();
    s.destroy(new Error('bad peer'));
    await waitFor('both closed', () => cr.events.includes('close') && sr.events.includes('close'));
    expect(sr.events).toEqual(['error bad peer', 'close']);
    expect(cr.events).toEqual(['connect', 'end', 'close']);
    expect(c.write(Uint8Array.of(1))).toBe(false);
  });

  it('refuses a dial to a closed port with ECONNREFUSED, and a second listen on a port with EADDRINUSE', async () => {
    const { server, client, host, l } = await pair();
    await expect(server.listen(host, l.port, { connection: () => undefined })).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
    const spare = await server.listen(host, 0, { connection: () => undefined });
    await spare.close();
    const r = record(client.dial(host, spare.port, { timeoutMs: 20_000 }), null);
    await waitFor('refused', () => r.events.includes('close'));
    expect(r.events).toEqual(['error ECONNREFUSED', 'close']);
  });
});
