/**
 * Address gossip (Core's ProcessMessage "addr"/"getaddr", RelayAddress and AdvertiseLocal):
 *
 * - `getaddr` from an inbound peer is answered once per connection with a random sample of
 *   the book (23% of it, at least 50, at most 1,000).
 * - Addresses received are checked (a usable IP and port; routable unless the network allows
 *   local ones, as regtest does here; not our own) and go into the book. Those of a small
 *   message (<= 10), seen within the last 10 minutes, are passed on to two other peers, unless
 *   they know them already: fresh self-announcements spread, bulk answers do not. The two are
 *   Core's RelayAddress choice: the peers whose keyed hash of (address, 24-hour window, peer
 *   id) is highest, so an address heard again from anyone goes to the same two (who know it by
 *   then) and a node relays each address about once a day. A random pick among the peers that
 *   do not know it yet would hand it to two more on every hearing: a flood that reaches every
 *   peer of every node, which at a thousand nodes starting together was most of the work.
 * - After the handshake a listening node tells the peer its own address: the IP that peer
 *   sees us at (its version's addr_recv) with our listening port.
 * - BIP155: a peer that sent `sendaddrv2` gets every one of these as `addrv2`, others as `addr`.
 *   From `addrv2`, IPv4 and IPv6 entries go the same way as `addr`'s; TORv3, I2P and CJDNS
 *   ones are kept in memory (the newest 1,000), never dialled, and relayed and served only to
 *   addrv2 peers; unknown networks and TORv2 are dropped, as in Core.
 */
import type { Logger } from '../log.js';
import type { AddressBook } from './addrbook.js';
import { type AddrV2, addrV2ToTimed, isOverlay, overlayKey, timedToAddrV2 } from './addrv2.js';
import { MAX_ADDR } from './framing.js';
import { addrKey, isIp, isRoutable, type TimedAddr } from './netaddr.js';
import type { Peer } from './peer.js';

const RELAY_MAX_ADDRS = 10;
const RELAY_FRESH_SECONDS = 10 * 60;
/** Core's ROTATE_ADDR_RELAY_DEST_INTERVAL: an address goes to the same peers for this long. */
const ROTATE_RELAY_SECONDS = 24 * 3600;
/** Overlay-network addresses kept (the oldest leave first when full). */
const MAX_OVERLAY = 1_000;

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
  /** TORv3, I2P and CJDNS addresses heard of, by overlayKey (insertion order: oldest first). */
  readonly overlay = new Map<string, AddrV2>();
  /** The secret of the relay choice (Core's RANDOMIZER_ID_ADDRESS_RELAY randomizer). */
  private readonly salt: number;

  constructor(opts: { allowLocal: boolean }, deps: AddrRelayDeps) {
    this.allowLocal = opts.allowLocal;
    this.deps = deps;
    this.salt = Math.floor(deps.random() * 2 ** 32) >>> 0;
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
    const room = peer.wantsAddrV2 ? MAX_ADDR - addrs.length : 0;
    const overlay = room > 0 ? [...this.overlay.values()].slice(-room) : [];
    for (const a of overlay) peer.knownAddrs.add(overlayKey(a));
    sendAddrs(peer, addrs, overlay);
  }

  /** BIP155 `addrv2`: its IP entries as `addr`'s, its overlay entries kept and relayed. */
  onAddrV2(peer: Peer, addrs: readonly AddrV2[]): void {
    const ips: TimedAddr[] = [];
    const overlay: AddrV2[] = [];
    for (const a of addrs) {
      const ip = addrV2ToTimed(a);
      if (ip) ips.push(ip);
      else if (isOverlay(a)) overlay.push(a);
    }
    this.onAddr(peer, ips, addrs.length);
    const now = this.deps.now();
    const fresh: AddrV2[] = [];
    for (const a of overlay) {
      const key = overlayKey(a);
      peer.knownAddrs.add(key);
      const time = a.time <= 100_000_000 || a.time > now + 600 ? now - 5 * 86_400 : a.time;
      this.overlay.delete(key);
      this.overlay.set(key, { ...a, time });
      if (time > now - RELAY_FRESH_SECONDS) fresh.push(a);
    }
    while (this.overlay.size > MAX_OVERLAY) this.overlay.delete(this.overlay.keys().next().value!);
    if (addrs.length <= RELAY_MAX_ADDRS && fresh.length > 0) {
      const v2Peers = (p: Peer) => p.wantsAddrV2;
      this.relay(peer, fresh, overlayKey, v2Peers, (p, list) => sendAddrs(p, [], list));
    }
  }

  /** `addr` (and the IP entries of `addrv2`, `count` being that message's size). */
  onAddr(peer: Peer, addrs: readonly TimedAddr[], count = addrs.length): void {
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
    if (count > RELAY_MAX_ADDRS) return;
    const fresh = good.filter((a) => a.time > now - RELAY_FRESH_SECONDS);
    const key = (a: TimedAddr) => addrKey(a.host, a.port);
    if (fresh.length > 0)
      this.relay(
        peer,
        fresh,
        key,
        () => true,
        (p, list) => sendAddrs(p, list),
      );
  }

  private relay<A>(
    from: Peer,
    addrs: readonly A[],
    keyOf: (a: A) => string,
    accepts: (p: Peer) => boolean,
    send: (p: Peer, list: A[]) => void,
  ): void {
    const others: Peer[] = [];
    for (const p of this.deps.peers()) if (p !== from && p.ready && !p.closed && accepts(p)) others.push(p);
    if (others.length === 0) return;
    const now = this.deps.now();
    const out = new Map<Peer, A[]>();
    for (const a of addrs) {
      const key = keyOf(a);
      for (const p of relayTargets(others, key, now, this.salt)) {
        // Core's PushAddress: a peer that knows the address is not told again.
        if (p.knownAddrs.has(key)) continue;
        p.knownAddrs.add(key);
        const list = out.get(p);
        if (list) list.push(a);
        else out.set(p, [a]);
      }
    }
    for (const [p, list] of out) send(p, list);
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
    sendAddrs(peer, [{ ...self, services, time: this.deps.now() }]);
  }
}

/** As addrv2 to a peer that sent sendaddrv2 (BIP155), else as addr, which carries IPs only. */
function sendAddrs(peer: Peer, ips: readonly TimedAddr[], overlay: readonly AddrV2[] = []): void {
  if (peer.wantsAddrV2) {
    const addrs = [...ips.map(timedToAddrV2), ...overlay];
    if (addrs.length > 0) peer.send({ command: 'addrv2', addrs });
  } else if (ips.length > 0) peer.send({ command: 'addr', addrs: [...ips] });
}

/**
 * Core's RelayAddress choice: the two peers with the highest keyed hash of (address,
 * its 24-hour window, peer id). The window is shifted by the address's hash, as in Core, so
 * addresses do not all move to new peers at the same moment. Not cryptographic (Core uses
 * SipHash under a secret key): the salt only keeps other nodes from predicting the choice.
 */
export function relayTargets(peers: readonly Peer[], key: string, nowSeconds: number, salt: number): Peer[] {
  const h = hashKey(key, salt);
  const window = Math.floor((nowSeconds + (h % ROTATE_RELAY_SECONDS)) / ROTATE_RELAY_SECONDS);
  const base = fmix32((h ^ fmix32(window >>> 0)) >>> 0);
  let first: Peer | null = null;
  let firstKey = -1;
  let second: Peer | null = null;
  let secondKey = -1;
  for (const p of peers) {
    const k = fmix32((base ^ Math.imul(p.id, 0x9e3779b1)) >>> 0);
    if (k > firstKey) {
      second = first;
      secondKey = firstKey;
      first = p;
      firstKey = k;
    } else if (k > secondKey) {
      second = p;
      secondKey = k;
    }
  }
  const chosen: Peer[] = [];
  if (first) chosen.push(first);
  if (second) chosen.push(second);
  return chosen;
}

/** FNV-1a of the string's UTF-16 units from `seed`, finished with fmix32. */
function hashKey(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return fmix32(h);
}

/** MurmurHash3's 32-bit finaliser: every input bit affects every output bit. */
function fmix32(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
