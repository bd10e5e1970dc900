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
 * A partition (`setReachable`) cuts hosts apart as a routing failure would: connections across
 * the cut are reset, and dials across it get no answer (they time out), until it heals.
 *
 * Time comes from the injected Clock (real timers by default), so a simulator can run a
 * whole network on a virtual clock; the same calls give the same schedule and the same ports.
 */
import { P2PConfigError } from '../errors.js';
import { addrKey, canonicalIp, isIp } from '../netaddr.js';
import type { LinkSpec } from './memory-link.js';
import { type LinkHost, MemoryStream } from './memory-stream.js';
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

export { type LinkSpec, TokenBucket } from './memory-link.js';

const FIRST_EPHEMERAL = 49152;
const LAST_PORT = 65535;

export interface MemoryNetworkOptions {
  clock?: Clock;
  /** Every link's spec unless `setLink` says otherwise (default: no latency, no limit). */
  link?: Partial<LinkSpec>;
  /**
   * Computes the spec of the link from one host to another, in place of `link` and `setLink`
   * (a simulator's region matrix and per-host buckets; asked once per connection direction).
   */
  linkSpec?: (from: string, to: string) => LinkSpec;
}

interface Bound {
  handlers: ListenHandlers;
}

export class MemoryNetwork implements LinkHost {
  readonly clock: Clock;
  private readonly defaults: LinkSpec;
  private readonly links = new Map<string, LinkSpec>();
  private readonly resolve?: (from: string, to: string) => LinkSpec;
  private reachable: ((a: string, b: string) => boolean) | null = null;
  private readonly open = new Set<MemoryStream>();
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
    if (opts.linkSpec) this.resolve = opts.linkSpec;
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

  /**
   * Cuts the network: from now on two hosts reach each other only if `fn(a, b)`; open
   * connections between hosts that do not are reset (ECONNRESET at both ends). `null` heals.
   */
  setReachable(fn: ((a: string, b: string) => boolean) | null): void {
    this.reachable = fn;
    if (!fn) return;
    for (const s of [...this.open])
      if (!fn(s.localAddress, s.remoteAddress))
        s.destroy(new TransportError('ECONNRESET', `read ECONNRESET (partition)`));
  }

  /** @internal Remembers an open stream until it closes, so a partition can reset it. */
  track(s: MemoryStream): void {
    this.open.add(s);
    s.once('close', () => this.open.delete(s));
  }

  /** True while something listens on host:port. */
  isListening(host: string, port: number): boolean {
    return this.listeners.has(addrKey(isIp(host) ? canonicalIp(host) : host, port));
  }

  /** @internal */
  linkSpec(from: string, to: string): LinkSpec {
    if (this.resolve) return checkSpec(this.resolve(from, to));
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
    // Across a cut the dial is lost on the way: no answer, the dialler times out.
    if (this.reachable && !this.reachable(dialer.localAddress, host)) return;
    const bound = this.listeners.get(addrKey(host, port));
    if (!bound) {
      dialer.inbound.send({ kind: 'refused' }, 0);
      return;
    }
    const accepted = new MemoryStream(this, { host, port }, dialer.local, false);
    accepted.join(dialer);
    this.track(accepted);
    bound.handlers.connection(accepted);
    accepted.outbound.send({ kind: 'connect' }, 0);
  }
}

/** Throws RangeError for a spec no link can have (a programming error, not a peer's). */
function checkSpec(spec: LinkSpec): LinkSpec {
  const { latencyMs, bandwidth, burstBytes, sendBufferBytes = 0 } = spec;
  if (!(Number.isFinite(latencyMs) && latencyMs >= 0))
    throw new RangeError(`link latency must be >= 0 ms, got ${latencyMs}`);
  if (!(bandwidth > 0)) throw new RangeError(`link bandwidth must be > 0 bytes/s, got ${bandwidth}`);
  if (!(Number.isFinite(burstBytes) && burstBytes >= 0))
    throw new RangeError(`link burst must be >= 0 bytes, got ${burstBytes}`);
  if (!(Number.isFinite(sendBufferBytes) && sendBufferBytes >= 0))
    throw new RangeError(`link send buffer must be >= 0 bytes, got ${sendBufferBytes}`);
  return spec;
}

export class MemoryTransport implements Transport {
  readonly host: string;
  private readonly network: MemoryNetwork;

  constructor(network: MemoryNetwork, host: string) {
    this.network = network;
    this.host = host;
  }

  /** The network's clock: a node on this transport runs on it unless told otherwise. */
  get clock(): Clock {
    return this.network.clock;
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
    this.network.track(s);
    s.dial(opts.timeoutMs);
    return s;
  }
}
