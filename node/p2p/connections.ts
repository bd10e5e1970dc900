/**
 * Who we are connected to (Core's CConnman): the listener, outbound dialling, the address
 * book and ban list, and what happens to a peer that misbehaves. Connections are made through
 * a Transport (transport/: TCP by default, or an in-memory network), never through sockets
 * directly.
 *
 * Outbound: every tick, `--connect`/`addnode` targets that are not connected are dialled
 * (with backoff); unless `--connect` was given, addresses from the book fill the outbound
 * slots (one per network group), and seeds are resolved when the book has nothing to try or
 * nobody answered within `seedDelayMs` (with growing retry delays, each logged).
 *
 * Seeds are for addresses (Core's `-seednode`, an ADDR_FETCH connection): a seed dialled while
 * the book holds fewer learned addresses than outbound slots is asked `getaddr` (as every
 * outbound peer is), and once it answers with more than one address the connection ends, so a
 * seed's inbound slots turn over and it is not asked again for `addrFetchRetryMs`. A seed that
 * has nothing to tell (a new network, where it is the only node known) is kept after
 * `addrFetchTimeoutMs` as an ordinary outbound peer if the book is still nearly empty (seeds are
 * our fixed seeds too), and let go otherwise, as Core lets an addr-fetch connection go.
 *
 * Inbound: when the inbound slots are full, a new connection is taken if an inbound peer can be
 * evicted by Core's rules (eviction.ts); otherwise it is refused.
 *
 * Identity: the version nonce is this node's id. A version carrying our own nonce is a
 * connection to ourselves (the address dialled is forgotten); a second connection to a node
 * already connected is closed, keeping the one opened by the node with the lower id, a rule
 * both ends apply alike.
 *
 * File connections: the files service may open a few extra outbound connections to providers
 * it found outside its peers (the DHT's records), at most MAX_FILE_CONNECTIONS at once, and
 * close them when its download ends. Like Core's manual and block-relay-only connections they
 * are counted apart, so they never take one of the full-relay outbound slots, and a full-relay
 * slot never waits for them.
 *
 * Feelers (feeler.ts, Core's -feeler): with every outbound slot taken, one address never
 * connected to is dialled every ~2 minutes, marked good once it shakes hands, and let go; like
 * file connections it has no slot and the rest of the P2P layer never sees it.
 *
 * Misbehaviour: every offence disconnects; its score adds up per IP address and at
 * BAN_THRESHOLD the address is banned (all its connections closed, persisted, `banSeconds`).
 */
import { type Clock, type Random, randomU64, realClock, systemRandom } from '../clock.js';
import type { Logger } from '../log.js';
import type { NetworkParams } from '../protocol/params.js';
import { type AddrBookOptions, type AddrEntry, AddressBook } from './addrbook.js';
import { BanList } from './bans.js';
import { BAN_THRESHOLD, type OffenceCode, type P2PError } from './errors.js';
import { candidateOf, type EvictionCandidate, keyedNetGroup, selectNodeToEvict } from './eviction.js';
import { Feelers } from './feeler.js';
import type { Message, VersionMessage } from './messages.js';
import { addrKey, canonicalIp, isIp, netGroup, parseHostPort } from './netaddr.js';
import { type LocalInfo, Peer, type PeerTimings } from './peer.js';
import type { PeerDb } from './peer-db.js';
import { type Resolver, resolveSeeds } from './seeds.js';
import { TcpTransport } from './transport/tcp.js';
import type { Listener, Stream, Transport } from './transport/transport.js';

const MAX_STRIKES = 10_000;
/** Extra outbound connections opened for file transfer at once (beside the full-relay slots). */
export const MAX_FILE_CONNECTIONS = 4;

/** What asking for a file connection did. */
export type FileDial = 'dialing' | 'connected' | 'full' | 'refused';

export interface ConnectionTimings extends PeerTimings {
  tickMs: number;
  connectTimeoutMs: number;
  seedDelayMs: number;
  seedRetryBaseMs: number;
  seedRetryMaxMs: number;
  manualRetryBaseMs: number;
  manualRetryMaxMs: number;
  /** A seed connection that has not answered with addresses by then is kept or let go. */
  addrFetchTimeoutMs: number;
  /** A seed that answered is not asked again for this long. */
  addrFetchRetryMs: number;
  /** Mean time between feeler connections (Core's FEELER_INTERVAL); 0 turns them off. */
  feelerIntervalMs: number;
}

/** The connection settings a node is configured with (P2PConfig carries them too). */
export interface ConnectionSettings {
  listen: boolean;
  host: string;
  port: number;
  seeds: string[];
  connect: string[];
  addNodes: string[];
  maxOutbound: number;
  maxInbound: number;
  banSeconds: number;
  timings: ConnectionTimings;
  addrbook: AddrBookOptions;
}

export interface ConnectionOptions extends ConnectionSettings {
  params: NetworkParams;
  local: Omit<LocalInfo, 'nonce' | 'listenPort'>;
  resolver?: Resolver;
  /** How connections are made (default TCP; tests and simulations pass an in-memory one). */
  transport?: Transport;
  /** Timers and time (default the real clock; a simulator passes a virtual one). */
  clock?: Clock;
  /** The node id, address picks and ping nonces (default the system's; a seeded one replays). */
  random?: Random;
}

export interface ConnectionHooks {
  beforeVerack?(peer: Peer): void;
  onReady(peer: Peer): void;
  onMessage(peer: Peer, msg: Message): Promise<void> | void;
  onClose(peer: Peer): void;
}

interface Manual {
  key: string;
  host: string;
  port: number;
  attempts: number;
  retryAt: number;
  oneTry: boolean;
}

export class Connections {
  readonly peers = new Map<number, Peer>();
  readonly book: AddressBook;
  readonly bans: BanList;
  readonly nonce: bigint;
  listenPort = 0;
  private readonly opts: ConnectionOptions;
  private readonly hooks: ConnectionHooks;
  private readonly log: Logger;
  private readonly db: PeerDb | null;
  private readonly manual = new Map<string, Manual>();
  /** Keys ("host:port") of the file connections open or being dialled. */
  private readonly fileKeys = new Set<string>();
  readonly feelers: Feelers;
  private readonly pending = new Map<string, Stream>();
  private readonly strikes = new Map<string, number>();
  private readonly groups = new WeakMap<Peer, string>();
  /** The secret that orders network groups for eviction (Core's nKeyedNetGroup salt). */
  private readonly groupKey: Uint8Array;
  private readonly keyedGroups = new WeakMap<Peer, bigint>();
  /** Seed connections made for addresses (dial keys while connecting, then the peers). */
  private readonly fetchKeys = new Set<string>();
  readonly addrFetches = new Set<Peer>();
  /** When each seed last answered a fetch (ms). */
  private readonly fetchedAt = new Map<string, number>();
  /** Addresses that turned out to be us, and the node id behind addresses we dialled. */
  private readonly selfKeys = new Set<string>();
  private readonly nodeOfAddr = new Map<string, string>();
  private readonly transport: Transport;
  private server: Listener | null = null;
  private readonly clock: Clock;
  private readonly random: Random;
  private timer: unknown = null;
  private nextId = 1;
  private readonly startedAt: number;
  private seedFailures = 0;
  private seedRetryAt = 0;
  private resolving = false;
  private stopped = false;

  constructor(opts: ConnectionOptions, hooks: ConnectionHooks, log: Logger, db: PeerDb | null) {
    this.opts = opts;
    this.hooks = hooks;
    this.log = log;
    this.db = db;
    this.transport = opts.transport ?? new TcpTransport();
    const clock = opts.clock ?? realClock;
    const random = opts.random ?? systemRandom;
    this.clock = clock;
    this.random = random;
    this.nonce = randomU64(random);
    this.groupKey = random.bytes(16);
    this.startedAt = clock.now();
    this.feelers = new Feelers(clock, random, opts.timings.feelerIntervalMs);
    this.book = new AddressBook(opts.addrbook, { db, now: () => clock.now(), random: () => random.float() });
    this.bans = new BanList({ db, now: () => clock.now() });
    for (const s of [...opts.connect, ...opts.addNodes]) this.addManual(s, false);
  }

  async start(): Promise<void> {
    if (this.db) {
      this.book.load(await this.db.loadAddrs());
      this.bans.load(await this.db.loadBans());
    }
    if (this.opts.listen) await this.listen();
    this.log.info('p2p started', {
      listen: this.listenPort ? addrKey(this.opts.host, this.listenPort) : 'off',
      nodeId: this.nonce.toString(16).padStart(16, '0'),
      book: this.book.size,
      seeds: this.opts.seeds.length,
      connect: this.opts.connect.length > 0 ? this.opts.connect.join(',') : undefined,
    });
    this.tick();
  }

  private async listen(): Promise<void> {
    try {
      this.server = await this.transport.listen(this.opts.host, this.opts.port, {
        connection: (socket) => this.onInbound(socket),
        error: (e) => this.log.error('p2p listener error', { error: e.message }),
      });
      this.listenPort = this.server.port;
    } catch (e) {
      // Refusing to start would take the chain and RPC down with it; say so loudly instead.
      this.log.error('p2p cannot listen; running without inbound connections', {
        addr: addrKey(this.opts.host, this.opts.port),
        error: (e as Error).message,
      });
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    for (const s of this.pending.values()) s.destroy();
    this.pending.clear();
    const peers = [...this.peers.values()];
    for (const p of peers) p.close('shutting down');
    // Handlers already running (a tx in the mempool, a block in the chain) finish first.
    await Promise.all(peers.map((p) => p.idle()));
    await this.server?.close();
  }

  ready(): Peer[] {
    return [...this.peers.values()].filter((p) => p.ready && !p.closed);
  }

  private local(): LocalInfo {
    return { ...this.opts.local, nonce: this.nonce, listenPort: this.listenPort };
  }

  private createPeer(
    socket: Stream,
    direction: 'inbound' | 'outbound',
    host: string,
    port: number,
    dialed?: string,
  ) {
    const peer = new Peer(
      {
        id: this.nextId++,
        socket,
        direction,
        host,
        port,
        dialed,
        params: this.opts.params,
        local: this.local(),
        timings: this.opts.timings,
        log: this.log,
        clock: this.clock,
        random: this.random,
      },
      {
        onVersion: (p, v) => this.checkVersion(p, v),
        beforeVerack: (p) => this.hooks.beforeVerack?.(p),
        onReady: (p) => this.onReady(p),
        onMessage: (p, m) => this.hooks.onMessage(p, m),
        onOffence: (p, e) => this.punish(p, e),
        onClose: (p, reason) => this.onClose(p, reason),
      },
    );
    this.peers.set(peer.id, peer);
    peer.start();
    return peer;
  }

  private onInbound(socket: Stream): void {
    const host = socket.remoteAddress ? canonicalIp(socket.remoteAddress) : '';
    const port = socket.remotePort ?? 0;
    const inbound = [...this.peers.values()].filter((p) => p.direction === 'inbound' && !p.closed);
    const full = inbound.length >= this.opts.maxInbound;
    if (this.stopped || !host || this.bans.isBanned(host) || (full && !this.evictInbound(inbound))) {
      this.log.debug('inbound connection refused', { addr: addrKey(host, port) });
      socket.destroy();
      return;
    }
    this.log.debug('inbound connection', { addr: addrKey(host, port) });
    this.createPeer(socket, 'inbound', host, port);
  }

  /** Core's AttemptToEvictConnection: closes one inbound peer to make room; false if all are protected. */
  private evictInbound(inbound: readonly Peer[]): boolean {
    const now = this.clock.now();
    const id = selectNodeToEvict(inbound.map((p) => this.evictionCandidate(p)));
    const victim = id === null ? undefined : this.peers.get(id);
    if (!victim) return false;
    this.log.debug('inbound slots full; evicting a peer', {
      id: victim.id,
      addr: victim.addr,
      connectedS: Math.round(now / 1000) - victim.connectedAt,
    });
    victim.close('evicted: inbound slots full');
    return true;
  }

  private evictionCandidate(p: Peer): EvictionCandidate {
    let keyed = this.keyedGroups.get(p);
    if (keyed === undefined) {
      keyed = keyedNetGroup(this.groupKey, this.groupOf(p));
      this.keyedGroups.set(p, keyed);
    }
    return candidateOf(p, keyed, this.strikes.has(p.host));
  }

  /** Self-connections and duplicate connections, decided on the version message. */
  private checkVersion(peer: Peer, v: VersionMessage): OffenceCode | null {
    if (v.nonce === this.nonce) {
      // Our own dial arrived here: its local port is this inbound peer's remote port.
      for (const q of this.peers.values()) {
        if (q.direction === 'outbound' && q.socket.localPort === peer.port && q.dialed)
          this.markSelf(q.dialed);
      }
      if (peer.dialed) this.markSelf(peer.dialed);
      return 'SELF_CONNECTION';
    }
    const id = peer.nodeId;
    if (peer.dialed) this.nodeOfAddr.set(peer.dialed, id);
    const initiator = (p: Peer) => (p.direction === 'outbound' ? this.nonce : p.version!.nonce);
    for (const q of this.peers.values()) {
      if (q === peer || q.closed || !q.version || q.version.nonce !== v.nonce) continue;
      const keepOld = initiator(q) < initiator(peer) || initiator(q) === initiator(peer);
      if (keepOld) return 'DUPLICATE_CONNECTION';
      q.close('duplicate connection');
    }
    return null;
  }

  private markSelf(key: string): void {
    this.selfKeys.add(key);
    this.book.remove(key);
    this.manual.delete(key);
  }

  private onReady(peer: Peer): void {
    if (peer.dialed !== null && peer.dialed === this.feelers.key) {
      // Core's feeler: the handshake is all it was for; the address goes to tried.
      this.book.success(peer.dialed);
      this.feelers.completed++;
      this.log.debug('feeler connection completed; disconnecting', { addr: peer.addr });
      peer.close('feeler done');
      return;
    }
    if (peer.dialed && this.addrFetches.has(peer)) this.book.answered(peer.dialed);
    else if (peer.dialed) {
      this.book.success(peer.dialed);
      const m = this.manual.get(peer.dialed);
      if (m) {
        m.attempts = 0;
        if (m.oneTry) this.manual.delete(m.key);
      }
    }
    this.log.info('peer connected', {
      id: peer.id,
      addr: peer.addr,
      direction: peer.direction,
      agent: peer.version?.userAgent,
      height: peer.version?.startHeight,
    });
    this.hooks.onReady(peer);
  }

  private onClose(peer: Peer, reason: string): void {
    this.peers.delete(peer.id);
    if (this.addrFetches.delete(peer) && peer.ready && peer.dialed)
      this.fetchedAt.set(peer.dialed, this.clock.now());
    if (peer.dialed && this.fileKeys.has(peer.dialed)) this.fileKeys.delete(peer.dialed);
    this.feelers.done(peer.dialed);
    const benign = /SELF_CONNECTION|DUPLICATE_CONNECTION|shutting down/.test(reason);
    if (peer.dialed && !peer.ready && !benign) this.dialFailed(peer.dialed, reason);
    if (peer.ready) this.log.info('peer disconnected', { id: peer.id, addr: peer.addr, reason });
    else this.log.debug('connection closed before handshake', { addr: peer.addr, reason });
    this.hooks.onClose(peer);
  }

  /** Scores an offence against the peer's IP; bans the IP at the threshold. */
  punish(peer: Peer, err: P2PError): void {
    if (err.score === 0) return;
    const total = (this.strikes.get(peer.host) ?? 0) + err.score;
    this.log.warn('peer misbehaved', {
      id: peer.id,
      addr: peer.addr,
      code: err.code,
      reason: err.message,
      total,
    });
    if (total < BAN_THRESHOLD) {
      this.strikes.delete(peer.host);
      this.strikes.set(peer.host, total);
      // Bounded: the oldest scores go first (a flood of addresses cannot grow this map).
      if (this.strikes.size > MAX_STRIKES) this.strikes.delete(this.strikes.keys().next().value as string);
      return;
    }
    this.strikes.delete(peer.host);
    this.ban(peer.host, this.opts.banSeconds, err.code);
  }

  /**
   * A seed connection made for addresses sent us some (Core: an addr of more than one entry
   * from an ADDR_FETCH peer): the connection has done its job and ends.
   */
  addrsReceived(peer: Peer, count: number): void {
    if (count <= 1 || !this.addrFetches.has(peer) || peer.closed) return;
    this.log.debug('seed answered with addresses; disconnecting', { addr: peer.addr, count });
    peer.close('addr fetch done');
  }

  ban(host: string, seconds: number, reason: string, untilMs?: number): void {
    const r = this.bans.ban(host, seconds, reason, untilMs);
    this.log.warn('address banned', { host: r.host, until: new Date(r.until).toISOString(), reason });
    for (const p of [...this.peers.values()]) if (p.host === r.host) p.close(`banned: ${reason}`);
  }

  // -------------------------------------------------------------------------------------
  // Outbound

  private addManual(text: string, oneTry: boolean): Manual {
    const { host, port } = parseHostPort(text, this.opts.params.p2pPort);
    const key = addrKey(host, port);
    const m = this.manual.get(key) ?? { key, host, port, attempts: 0, retryAt: 0, oneTry };
    this.manual.set(key, m);
    return m;
  }

  /**
   * RPC addnode: 'add' keeps the node connected, 'remove' stops that, 'onetry' dials once.
   * Returns false when there was nothing to do (already added, or not added). Throws
   * P2PConfigError for a bad address.
   */
  addNode(text: string, command: 'add' | 'remove' | 'onetry'): boolean {
    const { host, port } = parseHostPort(text, this.opts.params.p2pPort);
    const key = addrKey(host, port);
    if (command === 'remove') return this.manual.delete(key);
    if (command === 'add' && this.manual.has(key)) return false;
    this.addManual(text, command === 'onetry');
    this.tick();
    return true;
  }

  addedNodes(): string[] {
    return [...this.manual.keys()];
  }

  /**
   * Dials `host:port` for a file transfer, outside the full-relay slots. 'connected' when a
   * connection to that address (or to the node behind it) exists already, 'full' at
   * MAX_FILE_CONNECTIONS, 'refused' for a banned address or our own.
   */
  openFileConnection(host: string, port: number): FileDial {
    if (!isIp(host) || port <= 0) return 'refused';
    const ip = canonicalIp(host);
    const key = addrKey(ip, port);
    if (this.stopped || this.selfKeys.has(key) || this.bans.isBanned(ip)) return 'refused';
    if (port === this.listenPort && this.opts.host === ip) return 'refused';
    if (this.isConnected(key)) return 'connected';
    if (this.fileKeys.size >= MAX_FILE_CONNECTIONS) return 'full';
    this.fileKeys.add(key);
    this.log.info('opening a file connection', { addr: key });
    this.dial(key, ip, port);
    return 'dialing';
  }

  /** Closes the file connection to `host:port` (one opened by openFileConnection only). */
  closeFileConnection(host: string, port: number): void {
    const key = addrKey(isIp(host) ? canonicalIp(host) : host, port);
    if (!this.fileKeys.delete(key)) return;
    const s = this.pending.get(key);
    if (s) {
      this.pending.delete(key);
      s.destroy();
    }
    for (const p of this.peers.values()) if (p.dialed === key && !p.closed) p.close('file transfer done');
  }

  /** Whether `peer` is a file connection (opened by openFileConnection and still open). */
  isFileConnection(peer: Peer): boolean {
    return peer.direction === 'outbound' && peer.dialed !== null && this.fileKeys.has(peer.dialed);
  }

  private isConnected(key: string): boolean {
    if (this.pending.has(key)) return true;
    for (const p of this.peers.values()) if (p.dialed === key && !p.closed) return true;
    const node = this.nodeOfAddr.get(key);
    if (node) for (const p of this.peers.values()) if (p.nodeId === node && !p.closed) return true;
    return false;
  }

  private tick(): void {
    if (this.stopped) return;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    try {
      this.fill();
    } catch (e) {
      this.log.error('p2p connection loop failed', { error: (e as Error).message });
    }
    this.timer = this.clock.setTimeout(() => this.tick(), this.opts.timings.tickMs);
  }

  /** A peer's network group, worked out once: fill() asks every tick for every outbound peer. */
  private groupOf(p: Peer): string {
    let g = this.groups.get(p);
    if (g === undefined) {
      g = netGroup(p.host, p.port);
      this.groups.set(p, g);
    }
    return g;
  }

  private fill(): void {
    const now = this.clock.now();
    for (const m of this.manual.values()) {
      if (m.retryAt <= now && !this.isConnected(m.key) && !this.selfKeys.has(m.key)) {
        m.attempts++;
        m.retryAt =
          now + backoff(m.attempts, this.opts.timings.manualRetryBaseMs, this.opts.timings.manualRetryMaxMs);
        this.dial(m.key, m.host, m.port);
      }
    }
    if (this.opts.connect.length > 0) return;
    this.endAddrFetches(now);
    // Manual, file and feeler connections have slots of their own (Core's addnode and extra connections).
    const manualKeys = new Set([...this.manual.keys(), ...this.fileKeys]);
    if (this.feelers.key !== null) manualKeys.add(this.feelers.key);
    const outbound = [...this.peers.values()].filter(
      (p) => p.direction === 'outbound' && !manualKeys.has(p.dialed ?? ''),
    );
    const groups = new Set(outbound.map((p) => this.groupOf(p)));
    let slots =
      this.opts.maxOutbound -
      outbound.length -
      [...this.pending.keys()].filter((k) => !manualKeys.has(k)).length;
    // isConnected() walks every peer; the book is walked per slot, so answer from sets made
    // once, and only when the book is walked (a full node with no feeler due walks nothing).
    let sets: { dialled: Set<string>; nodes: Set<string> } | null = null;
    const connected = (key: string) => {
      if (!sets) {
        sets = { dialled: new Set<string>(this.pending.keys()), nodes: new Set<string>() };
        for (const p of this.peers.values()) {
          if (p.closed) continue;
          if (p.dialed) sets.dialled.add(p.dialed);
          if (p.version) sets.nodes.add(p.nodeId);
        }
      }
      if (sets.dialled.has(key)) return true;
      const node = this.nodeOfAddr.get(key);
      return node !== undefined && sets.nodes.has(node);
    };
    const fetchRetry = this.opts.timings.addrFetchRetryMs;
    const unusable = (e: AddrEntry) =>
      (e.source === 'seed' && (this.fetchedAt.get(e.key) ?? -fetchRetry) + fetchRetry > now) ||
      manualKeys.has(e.key) ||
      this.selfKeys.has(e.key) ||
      this.bans.isBanned(e.host) ||
      connected(e.key);
    // Core: outbound full-relay peers come from distinct network groups (feelers need not).
    const skip = (e: AddrEntry) => groups.has(e.group) || unusable(e);
    let exhausted = false;
    while (slots > 0) {
      const e = this.book.select(skip);
      if (!e) {
        exhausted = true;
        break;
      }
      groups.add(e.group);
      this.book.attempt(e.key);
      if (e.source === 'seed' && this.nearlyEmpty()) this.fetchKeys.add(e.key);
      this.dial(e.key, e.host, e.port);
      slots--;
    }
    const feeler = this.feelers.due(outbound.length >= this.opts.maxOutbound, this.book, unusable);
    if (feeler) {
      this.book.attempt(feeler.key);
      this.dial(feeler.key, feeler.host, feeler.port);
    }
    const anyReady = outbound.some((p) => p.ready);
    const waited = now - this.startedAt >= this.opts.timings.seedDelayMs;
    if (this.opts.seeds.length > 0 && !anyReady && (exhausted || waited) && now >= this.seedRetryAt)
      void this.querySeeds();
  }

  /** Fewer learned addresses than outbound slots: a seed is asked for addresses, not kept. */
  private nearlyEmpty(): boolean {
    return this.book.learned < this.opts.maxOutbound;
  }

  /** Seed connections that never answered with addresses: kept while the book is nearly empty. */
  private endAddrFetches(now: number): void {
    const deadline = Math.floor((now - this.opts.timings.addrFetchTimeoutMs) / 1000);
    for (const p of [...this.addrFetches]) {
      if (p.connectedAt > deadline || !p.ready) continue;
      this.addrFetches.delete(p);
      if (!this.nearlyEmpty()) p.close('addr fetch timed out');
      else if (p.dialed) this.book.success(p.dialed);
    }
  }

  private async querySeeds(): Promise<void> {
    if (this.resolving) return;
    this.resolving = true;
    try {
      const { found, failed } = await resolveSeeds(
        this.opts.seeds,
        this.opts.resolver,
        undefined,
        this.clock,
      );
      if (this.stopped) return;
      const usable = found.filter((a) => !this.selfKeys.has(addrKey(a.host, a.port)));
      this.book.add(
        usable.map((a) => ({ ...a, services: 0n })),
        'seed',
      );
      this.seedFailures = usable.length > 0 ? 0 : this.seedFailures + 1;
      const t = this.opts.timings;
      const wait =
        usable.length > 0
          ? t.seedRetryMaxMs
          : backoff(this.seedFailures, t.seedRetryBaseMs, t.seedRetryMaxMs);
      this.seedRetryAt = this.clock.now() + wait;
      if (failed.length > 0 || usable.length === 0)
        this.log.info('seed lookup found no peers to try; retrying later', {
          failed: failed.map((f) => `${f.entry} (${f.error})`).join(', ') || undefined,
          attempt: this.seedFailures,
          retryInSeconds: Math.round(wait / 1000),
        });
      else this.log.info('seeds resolved', { addresses: usable.length });
      if (usable.length > 0) this.tick();
    } finally {
      this.resolving = false;
    }
  }

  private dial(key: string, host: string, port: number): void {
    if (isIp(host) && this.bans.isBanned(host)) return;
    const socket = this.transport.dial(host, port, { timeoutMs: this.opts.timings.connectTimeoutMs });
    this.pending.set(key, socket);
    socket.once('connect', () => {
      this.pending.delete(key);
      const fetch = this.fetchKeys.delete(key);
      if (this.stopped) return void socket.destroy();
      const remote = socket.remoteAddress ? canonicalIp(socket.remoteAddress) : host;
      const peer = this.createPeer(socket, 'outbound', remote, socket.remotePort ?? port, key);
      if (fetch && !peer.closed) this.addrFetches.add(peer);
    });
    socket.once('error', (e) => {
      if (this.pending.get(key) !== socket) return;
      this.pending.delete(key);
      this.fetchKeys.delete(key);
      socket.destroy();
      this.dialFailed(key, e.message);
    });
  }

  private dialFailed(key: string, reason: string): void {
    if (this.stopped) return;
    this.feelers.done(key);
    if (this.fileKeys.delete(key)) {
      this.log.info('file connection failed', { addr: key, reason });
      return;
    }
    const m = this.manual.get(key);
    if (m) {
      if (m.oneTry) this.manual.delete(key);
      this.log.info('connection failed; will retry', {
        addr: key,
        reason,
        attempt: m.attempts,
        retryInSeconds: Math.max(0, Math.round((m.retryAt - this.clock.now()) / 1000)),
      });
      return;
    }
    const e = this.book.failed(key);
    const fields = { addr: key, reason, attempt: e?.attempts };
    if (!e) this.log.debug('address forgotten after repeated failures', fields);
    else
      this.log[e.source === 'seed' ? 'info' : 'debug']('connection failed; will retry', {
        ...fields,
        retryInSeconds: Math.round((this.book.retryAt(e) - this.clock.now()) / 1000),
      });
  }
}

function backoff(attempts: number, base: number, max: number): number {
  return Math.min(max, base * 2 ** Math.min(30, Math.max(0, attempts - 1)));
}
