/**
 * An in-memory network for the P2P layer: many nodes in one process, no sockets. A
 * MemoryNetwork is the registry of listening addresses; `network.transport(host)` gives one
 * node its Transport, whose connections come from `host` (an IP literal, as a real node's
 * address: peers see it, gossip it, group and ban it like any other).
 *
 * Connections behave like TCP on a quiet network, as Node's sockets show it: the dialler's
 * 'connect' comes one round trip after the dial (the listener accepts after one way); a dial
 * to an address nobody listens on fails with ECONNREFUSED after a round trip; bytes arrive in
 * order after the link's latency and no faster than its bandwidth (memory-link.ts); destroying
 * one end delivers what it had sent, then 'end' and 'close' at the other. Nothing is lost or
 * reordered. Local ports are handed out from 49152 up, per host, like ephemeral ports.
 *
 * Time comes from the injected Clock (real timers by default), so a simulator can run a
 * whole network on a virtual clock; the same calls give the same schedule and the same ports.
 */
import { EventEmitter } from 'node:events';
import { P2PConfigError } from '../errors.js';
import { addrKey, canonicalIp, isIp } from '../netaddr.js';
import { Link, type LinkSpec } from './memory-link.js';
import {
  type Clock,
  type DialOptions,
  type Listener,
  type ListenHandlers,
  realClock,
  type Stream,
  type Transport,
  TransportError,
} from './transport.js';

export type { LinkSpec } from './memory-link.js';

/** Node's default high-water mark for a socket's send buffer. */
const HIGH_WATER_MARK = 16 * 1024;
const FIRST_EPHEMERAL = 49152;
const LAST_PORT = 65535;

type Item =
  | { kind: 'open' }
  | { kind: 'connect' }
  | { kind: 'refused' }
  | { kind: 'data'; bytes: Uint8Array }
  | { kind: 'end' };

export interface MemoryNetworkOptions {
  clock?: Clock;
  /** Every link's spec unless `setLink` says otherwise (default: no latency, no limit). */
  link?: Partial<LinkSpec>;
}

interface Bound {
  handlers: ListenHandlers;
}

export class MemoryNetwork {
  readonly clock: Clock;
  private readonly defaults: LinkSpec;
  private readonly links = new Map<string, LinkSpec>();
  private readonly listeners = new Map<string, Bound>();
  private readonly ports = new Map<string, { next: number; used: Set<number> }>();

  constructor(opts: MemoryNetworkOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.defaults = checkSpec({
      latencyMs: 0,
      bandwidth: Number.POSITIVE_INFINITY,
      burstBytes: 0,
      ...opts.link,
    });
  }

  /** The transport of a node at `host` (an IPv4 or IPv6 literal). */
  transport(host: string): MemoryTransport {
    if (!isIp(host)) throw new P2PConfigError('BAD_ADDRESS', `not an IP address: ${host}`);
    return new MemoryTransport(this, canonicalIp(host));
  }

  /** Latency and bandwidth between two hosts, each direction with its own bucket. */
  setLink(a: string, b: string, spec: Partial<LinkSpec>): void {
    const full = checkSpec({ ...this.defaults, ...spec });
    this.links.set(`${a}>${b}`, full);
    this.links.set(`${b}>${a}`, full);
  }

  /** True while something listens on host:port. */
  isListening(host: string, port: number): boolean {
    return this.listeners.has(addrKey(isIp(host) ? canonicalIp(host) : host, port));
  }

  /** @internal */
  linkSpec(from: string, to: string): LinkSpec {
    return this.links.get(`${from}>${to}`) ?? this.defaults;
  }

  /** @internal A free port of `host`: `port` itself, or the next ephemeral one when 0. */
  takePort(host: string, port: number): number {
    let p = this.ports.get(host);
    if (!p) {
      p = { next: FIRST_EPHEMERAL, used: new Set() };
      this.ports.set(host, p);
    }
    if (port !== 0) {
      if (p.used.has(port))
        throw new TransportError(
          'EADDRINUSE',
          `listen EADDRINUSE: address already in use ${addrKey(host, port)}`,
        );
      p.used.add(port);
      return port;
    }
    for (let i = 0; i <= LAST_PORT - FIRST_EPHEMERAL; i++) {
      const candidate = p.next;
      p.next = candidate === LAST_PORT ? FIRST_EPHEMERAL : candidate + 1;
      if (!p.used.has(candidate)) {
        p.used.add(candidate);
        return candidate;
      }
    }
    throw new TransportError('EADDRNOTAVAIL', `no free port left on ${host}`);
  }

  /** @internal */
  releasePort(host: string, port: number): void {
    this.ports.get(host)?.used.delete(port);
  }

  /** @internal */
  bind(host: string, port: number, handlers: ListenHandlers): void {
    this.listeners.set(addrKey(host, port), { handlers });
  }

  /** @internal */
  unbind(host: string, port: number): void {
    this.listeners.delete(addrKey(host, port));
    this.releasePort(host, port);
  }

  /** @internal A dialled stream's 'open' reached host:port: accept it or refuse it. */
  arrive(dialer: MemoryStream, host: string, port: number): void {
    const bound = this.listeners.get(addrKey(host, port));
    if (!bound) {
      dialer.inbound.send({ kind: 'refused' }, 0);
      return;
    }
    const accepted = new MemoryStream(this, { host, port }, dialer.local, false);
    accepted.join(dialer);
    bound.handlers.connection(accepted);
    accepted.outbound.send({ kind: 'connect' }, 0);
  }
}

/** Throws RangeError for a spec no link can have (a programming error, not a peer's). */
function checkSpec(spec: LinkSpec): LinkSpec {
  const { latencyMs, bandwidth, burstBytes } = spec;
  if (!(Number.isFinite(latencyMs) && latencyMs >= 0))
    throw new RangeError(`link latency must be >= 0 ms, got ${latencyMs}`);
  if (!(bandwidth > 0)) throw new RangeError(`link bandwidth must be > 0 bytes/s, got ${bandwidth}`);
  if (!(Number.isFinite(burstBytes) && burstBytes >= 0))
    throw new RangeError(`link burst must be >= 0 bytes, got ${burstBytes}`);
  return spec;
}

export class MemoryTransport implements Transport {
  readonly host: string;
  private readonly network: MemoryNetwork;

  constructor(network: MemoryNetwork, host: string) {
    this.network = network;
    this.host = host;
  }

  async listen(host: string, port: number, handlers: ListenHandlers): Promise<Listener> {
    // A node listens on its own address; a wildcard means the same here.
    const own = isIp(host) && (canonicalIp(host) === this.host || host === '0.0.0.0' || host === '::');
    if (!own)
      throw new TransportError(
        'EADDRNOTAVAIL',
        `listen EADDRNOTAVAIL: address not available ${addrKey(host, port)}`,
      );
    const bound = this.network.takePort(this.host, port);
    this.network.bind(this.host, bound, handlers);
    let open = true;
    return {
      address: host,
      port: bound,
      close: async () => {
        if (open) this.network.unbind(this.host, bound);
        open = false;
      },
    };
  }

  dial(host: string, port: number, opts: DialOptions): Stream {
    const remote = { host: isIp(host) ? canonicalIp(host) : host, port };
    const local = { host: this.host, port: this.network.takePort(this.host, 0) };
    const s = new MemoryStream(this.network, local, remote, true);
    s.dial(opts.timeoutMs);
    return s;
  }
}

interface End {
  host: string;
  port: number;
}

/** One end of an in-memory connection; see Stream for the events. */
export class MemoryStream extends EventEmitter implements Stream {
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** @internal What this end sends, and what it receives. */
  outbound!: Link<Item>;
  inbound!: Link<Item>;
  /** @internal */
  readonly local: End;
  private readonly network: MemoryNetwork;
  private readonly dialled: boolean;
  private peer: MemoryStream | null = null;
  private paused = false;
  private destroyed = false;
  private needDrain = false;
  private connectTimer: unknown = null;

  constructor(network: MemoryNetwork, local: End, remote: End, dialled: boolean) {
    super();
    this.network = network;
    this.local = local;
    this.localAddress = local.host;
    this.localPort = local.port;
    this.remoteAddress = remote.host;
    this.remotePort = remote.port;
    this.dialled = dialled;
  }

  get writableLength(): number {
    return this.outbound.pendingBytes;
  }

  /** @internal Creates both directions and sends the 'open' towards the listener. */
  dial(timeoutMs: number): void {
    const { clock } = this.network;
    const there = this.remoteAddress;
    this.outbound = new Link(this.network.linkSpec(this.localAddress, there), clock, (item) => {
      if (item.kind === 'open') {
        this.network.arrive(this, there, this.remotePort);
        return true;
      }
      return this.peer ? this.peer.receive(item) : true;
    });
    this.inbound = new Link(this.network.linkSpec(there, this.localAddress), clock, (item) =>
      this.receive(item),
    );
    this.connectTimer = clock.setTimeout(() => this.destroy(new Error('connect timeout')), timeoutMs);
    this.outbound.send({ kind: 'open' }, 0);
  }

  /** @internal The accepting end takes the dialler's links, reversed. */
  join(dialer: MemoryStream): void {
    this.outbound = dialer.inbound;
    this.inbound = dialer.outbound;
    this.peer = dialer;
    dialer.peer = this;
  }

  write(chunk: Uint8Array): boolean {
    if (this.destroyed) return false;
    // Copied: the caller may reuse its buffer, and what was sent must not change in flight.
    if (chunk.length > 0) this.outbound.send({ kind: 'data', bytes: chunk.slice() }, chunk.length);
    if (this.writableLength < HIGH_WATER_MARK) return true;
    this.needDrain = true;
    return false;
  }

  pause(): this {
    this.paused = true;
    return this;
  }

  resume(): this {
    this.paused = false;
    this.inbound.unblock();
    return this;
  }

  isPaused(): boolean {
    return this.paused;
  }

  destroy(err?: Error): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    if (this.connectTimer !== null) this.network.clock.clearTimeout(this.connectTimer);
    this.connectTimer = null;
    // What was written still goes out, then the other end learns the connection ended.
    this.outbound.send({ kind: 'end' }, 0);
    this.inbound.clear();
    if (this.dialled) this.network.releasePort(this.localAddress, this.localPort);
    // Node emits these on a later tick, never inside the call.
    queueMicrotask(() => {
      if (err) this.emit('error', err);
      this.emit('close', err !== undefined);
    });
    return this;
  }

  /** @internal An item arriving; false holds it (and what follows) while paused. */
  receive(item: Item): boolean {
    if (this.destroyed) return true;
    switch (item.kind) {
      case 'connect':
        if (this.connectTimer !== null) this.network.clock.clearTimeout(this.connectTimer);
        this.connectTimer = null;
        this.emit('connect');
        return true;
      case 'refused':
        this.destroy(
          new TransportError(
            'ECONNREFUSED',
            `connect ECONNREFUSED ${addrKey(this.remoteAddress, this.remotePort)}`,
          ),
        );
        return true;
      case 'data':
        if (this.paused) return false;
        this.emit('data', item.bytes);
        this.peer?.drained();
        return true;
      case 'end':
        if (this.paused) return false;
        this.emit('end');
        this.destroy();
        return true;
      case 'open':
        return true;
    }
  }

  /** The other end took bytes we sent: 'drain' once all are taken after a full buffer. */
  private drained(): void {
    if (!this.needDrain || this.destroyed || this.writableLength > 0) return;
    this.needDrain = false;
    this.emit('drain');
  }
}
