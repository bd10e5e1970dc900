/**
 * Address gossip (Core's ProcessMessage "addr"/"getaddr", RelayAddress and AdvertiseLocal):
 *
 * - `getaddr` from an inbound peer is answered once per connection with a random sample of
 *   the book (23% of it, at least 50, at most 1,000).
 * - Addresses received are checked (a usable IP and port; routable unless the network allows
 *   local ones, as regtest does here; not our own) and go into the book. Those of a small
 *   message (<= 10), seen within the last 10 minutes, are passed on to two random other peers
 *   that do not know them yet: fresh self-announcements spread, bulk answers do not.
 * - After the handshake a listening node tells the peer its own address: the IP that peer
 *   sees us at (its version's addr_recv) with our listening port.
 */
import type { Logger } from '../log.js';
import type { AddressBook } from './addrbook.js';
import { MAX_ADDR } from './framing.js';
import { addrKey, isIp, isRoutable, type TimedAddr } from './netaddr.js';
import type { Peer } from './peer.js';

const RELAY_MAX_ADDRS = 10;
const RELAY_FRESH_SECONDS = 10 * 60;
const RELAY_FANOUT = 2;

export interface AddrRelayDeps {
  book: AddressBook;
  peers(): Iterable<Peer>;
  /** Seconds. */
  now(): number;
  random(): number;
  log: Logger;
}

export class AddrRelay {
  private readonly allowLocal: boolean;
  private readonly deps: AddrRelayDeps;
  /** Our own addresses as "host:port" (learned from peers' addr_recv): never stored. */
  readonly own = new Set<string>();

  constructor(opts: { allowLocal: boolean }, deps: AddrRelayDeps) {
    this.allowLocal = opts.allowLocal;
    this.deps = deps;
  }

  usable(a: { host: string; port: number }, ownToo = false): boolean {
    if (a.port === 0 || !isIp(a.host) || a.host === '::' || a.host === '0.0.0.0') return false;
    if (!ownToo && this.own.has(addrKey(a.host, a.port))) return false;
    return this.allowLocal || isRoutable(a.host);
  }

  onGetaddr(peer: Peer): void {
    if (peer.direction !== 'inbound' || peer.servedGetaddr) return;
    peer.servedGetaddr = true;
    const book = this.deps.book;
    const n = Math.min(MAX_ADDR, Math.max(50, Math.ceil(book.size * 0.23)));
    const addrs = book
      .sample(n)
      .filter((e) => this.usable(e))
      .map((e) => ({
        host: e.host,
        port: e.port,
        services: e.services,
        time: Math.floor((e.lastSeen || this.deps.now() * 1000) / 1000),
      }));
    for (const a of addrs) peer.knownAddrs.add(addrKey(a.host, a.port));
    if (addrs.length > 0) peer.send({ command: 'addr', addrs });
  }

  onAddr(peer: Peer, addrs: readonly TimedAddr[]): void {
    const now = this.deps.now();
    const good: TimedAddr[] = [];
    for (const a of addrs) {
      peer.knownAddrs.add(addrKey(a.host, a.port));
      if (!this.usable(a)) continue;
      // Core's rule for implausible times: treat them as five days old.
      const time = a.time <= 100_000_000 || a.time > now + 600 ? now - 5 * 86_400 : a.time;
      good.push({ ...a, time });
    }
    this.deps.book.add(good, 'addr');
    if (addrs.length > RELAY_MAX_ADDRS) return;
    const fresh = good.filter((a) => a.time > now - RELAY_FRESH_SECONDS);
    if (fresh.length > 0) this.relay(peer, fresh);
  }

  private relay(from: Peer, addrs: readonly TimedAddr[]): void {
    const others = [...this.deps.peers()].filter((p) => p !== from && p.ready && !p.closed);
    const out = new Map<Peer, TimedAddr[]>();
    for (const a of addrs) {
      const key = addrKey(a.host, a.port);
      const candidates = others.filter((p) => !p.knownAddrs.has(key));
      for (let i = 0; i < RELAY_FANOUT && candidates.length > 0; i++) {
        const [p] = candidates.splice(Math.floor(this.deps.random() * candidates.length), 1);
        p!.knownAddrs.add(key);
        out.set(p!, [...(out.get(p!) ?? []), a]);
      }
    }
    for (const [p, list] of out) p.send({ command: 'addr', addrs: list });
  }

  /** Tells a peer where we can be reached, as it sees us. */
  advertiseSelf(peer: Peer, listenPort: number, services: bigint): void {
    const seen = peer.version?.addrRecv;
    if (!seen || listenPort === 0) return;
    const self = { host: seen.host, port: listenPort };
    if (!this.usable(self, true)) return;
    const key = addrKey(self.host, self.port);
    this.own.add(key);
    this.deps.book.remove(key);
    peer.knownAddrs.add(key);
    peer.send({ command: 'addr', addrs: [{ ...self, services, time: this.deps.now() }] });
  }
}
