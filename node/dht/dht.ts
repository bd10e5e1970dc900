/**
 * The DHT node (issue 17, docs/dht.md): Kademlia routing on a secp256k1 identity, provider
 * records for anchored manifest ids only, disjoint-path lookups. It answers the four requests
 * of messages.ts, walks the network for `findProviders` and `provide`, republishes what it
 * provides every 22 h, expires stored records, refreshes idle buckets hourly and saves its
 * routing table, so a restart does not start cold. Every timer, clock read and random choice
 * goes through the injected Clock and Random (node/clock.ts).
 *
 * The filter that makes the chain pay for Sybil resistance: a record is stored or served only
 * for an id `isAnchored` accepts (the node's anchor index on its best chain), and a lookup for
 * any other id is answered at once, with no walk.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { Clock, Random } from '../clock.js';
import type { Consequence } from '../p2p/misbehaviour.js';
import { consequenceOf } from '../p2p/misbehaviour.js';
import type { Transport } from '../p2p/transport/transport.js';
import { equal, toHex } from '../protocol/bytes.js';
import { idInBucket } from './distance.js';
import { DhtError } from './errors.js';
import type { DhtIdentity } from './identity.js';
import { type Answer, disjointWalk, type WalkResult } from './lookup.js';
import type { Contact, DhtBody, DhtMessage } from './messages.js';
import {
  ALPHA,
  BUCKET_REFRESH_MS,
  DISJOINT_PATHS,
  HOUR_MS,
  K,
  MAX_RECORDS_PER_MESSAGE,
  PROVIDER_TTL_MS,
  REPUBLISH_MS,
} from './params.js';
import { ProviderStore } from './provider-store.js';
import { type ProviderRecord, signRecord, verifyRecord } from './record.js';
import { RoutingTable } from './routing-table.js';
import { DhtWire, QueryFailed } from './wire.js';

/** What the file downloader (node/files/) calls: the DHT is its second source of holders. */
export interface ProviderFinder {
  /**
   * Providers of `manifestId` found in the network, each with the address and port it serves
   * the file at (signed by its node key). Empty at once if the id is not anchored on our chain.
   */
  findProviders(
    manifestId: Uint8Array,
    opts?: { limit?: number; onProvider?: (r: ProviderRecord) => void },
  ): Promise<ProviderRecord[]>;
  /** Announces that this node serves `manifestId` (if anchored), and keeps announcing it. */
  provide(manifestId: Uint8Array): Promise<number>;
  /** Stops announcing `manifestId` (records already stored expire within 48 h). */
  unprovide(manifestId: Uint8Array): void;
}

export interface DhtOptions {
  identity: DhtIdentity;
  transport: Transport;
  magic: Uint8Array;
  clock: Clock;
  random: Random;
  /** The address others reach this node at, and the one listened on (default: the same). */
  host: string;
  listenHost?: string;
  /** The DHT port (0: any free one). */
  port: number;
  /**
   * The port our provider records name: where we serve files, i.e. the node's P2P port, since
   * the files protocol runs there (default: the DHT port). 0 while there is none: nothing is
   * announced.
   */
  servePort?: () => number;
  /** Whether the manifest id is anchored on the best chain (chain/anchors.ts). */
  isAnchored(manifestId: Uint8Array): Promise<boolean>;
  /** A peer's fault and what it costs (node/p2p/misbehaviour.ts); the caller applies it. */
  punish?(host: string, consequence: Consequence): void;
  /** A file to save the routing table to, and load it from at start. */
  tablePath?: string;
  /** Period of the housekeeping tick (expiry, refresh, republish, save); default 10 min. */
  tickMs?: number;
}

export interface LookupStats {
  lookups: number;
  succeeded: number;
  /** Milliseconds and rounds of each finished provider lookup, newest last (at most 1,000). */
  latencies: number[];
  hops: number[];
}

export interface DhtStatus {
  nodeId: string;
  port: number;
  routingTableSize: number;
  recordsStored: number;
  providing: number;
  lookups: LookupStats;
}

interface Provided {
  id: Uint8Array;
  published: number;
}

export class Dht implements ProviderFinder {
  readonly table: RoutingTable;
  readonly records = new ProviderStore();
  readonly stats: LookupStats = { lookups: 0, succeeded: 0, latencies: [], hops: [] };
  private readonly o: DhtOptions;
  private readonly wire: DhtWire;
  private readonly provided = new Map<string, Provided>();
  private readonly scores = new Map<string, number>();
  private tick: unknown = null;
  private boundPort = 0;
  private stopped = false;

  constructor(o: DhtOptions) {
    this.o = o;
    this.table = new RoutingTable(o.identity.id, o.clock.now());
    this.wire = new DhtWire({
      identity: o.identity,
      transport: o.transport,
      magic: o.magic,
      clock: o.clock,
      self: { host: o.host, port: 0 },
    });
  }

  get id(): Uint8Array {
    return this.o.identity.id;
  }

  get port(): number {
    return this.boundPort;
  }

  get contact(): Contact {
    return {
      id: this.o.identity.id,
      pubkey: this.o.identity.pubkey,
      host: this.o.host,
      port: this.boundPort,
    };
  }

  async start(): Promise<void> {
    this.boundPort = await this.wire.listen(
      this.o.listenHost ?? this.o.host,
      this.o.port,
      (m, from) => this.answer(m, from),
      (from, err) => this.fault(from, err),
    );
    this.wire.setSelfPort(this.boundPort);
    if (this.o.tablePath) await this.loadTable(this.o.tablePath);
    this.tick = this.o.clock.setInterval(() => void this.housekeeping(), this.o.tickMs ?? 10 * 60_000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.tick !== null) this.o.clock.clearInterval(this.tick);
    this.tick = null;
    await this.wire.close();
    if (this.o.tablePath) await this.saveTable(this.o.tablePath);
  }

  /** Joins through nodes known by address only: ping each, then look up our own id. */
  async bootstrap(addrs: readonly { host: string; port: number }[]): Promise<number> {
    await this.join(addrs);
    return this.table.size;
  }

  /**
   * `bootstrap`, resolving with how many of `addrs` answered the ping: one that did not (down,
   * or its answer later than QUERY_TIMEOUT_MS on a loaded host) is not in the table, and the
   * caller may try it again.
   */
  async join(addrs: readonly { host: string; port: number }[]): Promise<number> {
    const pongs = await Promise.all(addrs.map((a) => this.query(a, { command: 'dhtping' })));
    await this.lookupNodes(this.id);
    return pongs.filter((m) => m?.body.command === 'dhtpong').length;
  }

  /** The k closest nodes to `target` that answered. */
  async lookupNodes(target: Uint8Array): Promise<WalkResult> {
    this.table.touch(target, this.o.clock.now());
    return disjointWalk(
      target,
      this.id,
      this.table.closest(target, K),
      async (c) => {
        const m = await this.query(c, { command: 'dhtfindnode', target });
        return m?.body.command === 'dhtnodes' ? { contacts: m.body.contacts, records: [] } : null;
      },
      { paths: DISJOINT_PATHS, alpha: ALPHA, k: K, wantRecords: 0 },
    );
  }

  /**
   * Providers of `manifestId` (at most `limit`). `onProvider` hears each one as it arrives, so a
   * downloader can start on the first while the walk goes on (IPFS's FindProvidersAsync).
   */
  async findProviders(
    manifestId: Uint8Array,
    opts: { limit?: number; onProvider?: (r: ProviderRecord) => void } = {},
  ): Promise<ProviderRecord[]> {
    if (!(await this.o.isAnchored(manifestId))) return [];
    const started = this.o.clock.now();
    const limit = Math.max(1, Math.min(opts.limit ?? MAX_RECORDS_PER_MESSAGE, MAX_RECORDS_PER_MESSAGE));
    this.table.touch(manifestId, started);
    const told = new Set<string>();
    const heard = (r: ProviderRecord) => {
      const key = toHex(r.nodeId);
      if (told.has(key) || equal(r.nodeId, this.id) || r.expires <= Math.floor(this.o.clock.now() / 1000))
        return;
      told.add(key);
      opts.onProvider?.(r);
    };
    if (opts.onProvider) for (const r of this.records.get(manifestId, Math.floor(started / 1000))) heard(r);
    const res = await disjointWalk(
      manifestId,
      this.id,
      this.table.closest(manifestId, K),
      (c) => this.askProviders(c, manifestId),
      {
        paths: DISJOINT_PATHS,
        alpha: ALPHA,
        k: K,
        wantRecords: limit,
        ...(opts.onProvider ? { onRecord: heard } : {}),
      },
    );
    const nowSec = Math.floor(this.o.clock.now() / 1000);
    const found = new Map<string, ProviderRecord>();
    for (const r of [...this.records.get(manifestId, nowSec), ...res.records])
      if (r.expires > nowSec && !equal(r.nodeId, this.id)) found.set(toHex(r.nodeId), r);
    const out = [...found.values()].slice(0, limit);
    this.note(this.o.clock.now() - started, res.hops, out.length > 0);
    return out;
  }

  async provide(manifestId: Uint8Array): Promise<number> {
    if (!(await this.o.isAnchored(manifestId))) return 0;
    this.provided.set(toHex(manifestId), { id: manifestId, published: this.o.clock.now() });
    return this.publish(manifestId);
  }

  unprovide(manifestId: Uint8Array): void {
    this.provided.delete(toHex(manifestId));
  }

  status(): DhtStatus {
    return {
      nodeId: toHex(this.id),
      port: this.boundPort,
      routingTableSize: this.table.size,
      recordsStored: this.records.size,
      providing: this.provided.size,
      lookups: this.stats,
    };
  }

  /** Sends our record to the k closest nodes of the id; resolves with how many stored it. */
  private async publish(manifestId: Uint8Array): Promise<number> {
    const port = this.o.servePort ? this.o.servePort() : this.boundPort;
    if (port <= 0) return 0;
    const now = this.o.clock.now();
    const expires = Math.floor((now + PROVIDER_TTL_MS) / 1000);
    const record = signRecord(this.o.identity, manifestId, this.o.host, port, expires);
    const { closest } = await this.lookupNodes(manifestId);
    const acks = await Promise.all(
      closest.map((c) => this.query(c, { command: 'dhtaddprov', records: [record] })),
    );
    return acks.filter((m) => m?.body.command === 'dhtack' && m.body.accepted > 0).length;
  }

  private async askProviders(c: Contact, manifestId: Uint8Array): Promise<Answer | null> {
    const m = await this.query(c, { command: 'dhtgetprov', manifestId });
    if (m?.body.command !== 'dhtprovs') return null;
    const records: ProviderRecord[] = [];
    for (const r of m.body.records) {
      const bad = !equal(r.manifestId, manifestId)
        ? new DhtError('DHT_BAD_ANSWER', 'a record for another id')
        : !verifyRecord(r)
          ? new DhtError('DHT_BAD_SIGNATURE', 'a provider record with a bad signature')
          : null;
      if (bad) {
        this.fault(c.host, bad);
        this.table.failed(c.id, this.o.clock.now(), true);
        return null;
      }
      records.push(r);
    }
    return { contacts: m.body.contacts, records };
  }

  /** One query; null if it failed (the contact is marked, a fault punished). */
  private async query(
    to: { host: string; port: number; id?: Uint8Array },
    body: DhtBody,
  ): Promise<DhtMessage | null> {
    if (this.stopped || this.banned(to.host)) return null;
    try {
      const m = await this.wire.request(to, body);
      this.table.seen(m.sender, this.o.clock.now());
      return m;
    } catch (e) {
      if (to.id) this.table.failed(to.id, this.o.clock.now(), e instanceof QueryFailed && e.fault !== null);
      if (e instanceof QueryFailed && e.fault) this.fault(to.host, e.fault);
      return null;
    }
  }

  /** Our answer to a request (protected: tests and the simulator model hostile nodes by overriding it). */
  protected async answer(m: DhtMessage, from: string): Promise<DhtBody | null> {
    if (this.banned(from)) return null;
    const now = this.o.clock.now();
    // Only a sender at the address it names goes into the table: no one can plant others' addresses.
    if (m.sender.host === from) this.table.seen(m.sender, now);
    const b = m.body;
    switch (b.command) {
      case 'dhtping':
        return { command: 'dhtpong' };
      case 'dhtfindnode':
        return { command: 'dhtnodes', contacts: this.closestExcept(b.target, m.sender.id) };
      case 'dhtgetprov': {
        if (!(await this.o.isAnchored(b.manifestId)))
          return { command: 'dhtprovs', anchored: false, records: [], contacts: [] };
        const nowSec = Math.floor(now / 1000);
        const records = this.records.get(b.manifestId, nowSec).slice(0, MAX_RECORDS_PER_MESSAGE);
        return {
          command: 'dhtprovs',
          anchored: true,
          records,
          contacts: this.closestExcept(b.manifestId, m.sender.id),
        };
      }
      case 'dhtaddprov':
        return { command: 'dhtack', accepted: await this.accept(b.records, m.sender, from) };
      default:
        throw new DhtError('DHT_UNSOLICITED', `'${b.command}' is not a request`);
    }
  }

  /** Stores the records of an add-provider that verify, name their sender and are anchored. */
  private async accept(records: readonly ProviderRecord[], sender: Contact, from: string): Promise<number> {
    const nowSec = Math.floor(this.o.clock.now() / 1000);
    const latest = nowSec + PROVIDER_TTL_MS / 1000 + 600;
    let n = 0;
    for (const r of records) {
      if (!verifyRecord(r)) throw new DhtError('DHT_BAD_SIGNATURE', 'a provider record with a bad signature');
      // A node announces itself only, at the address it speaks from (no pointing others at a victim).
      if (!equal(r.pubkey, sender.pubkey) || r.host !== from)
        throw new DhtError('DHT_BAD_ANSWER', 'a provider record for another node or address');
      if (r.expires > latest || !(await this.o.isAnchored(r.manifestId))) continue;
      if (this.records.put(r, nowSec)) n++;
    }
    return n;
  }

  private closestExcept(target: Uint8Array, except: Uint8Array): Contact[] {
    return this.table
      .closest(target, K + 1)
      .filter((c) => !equal(c.id, except))
      .slice(0, K);
  }

  private fault(host: string, err: DhtError): void {
    const c = consequenceOf(err);
    this.scores.set(host, (this.scores.get(host) ?? 0) + c.score);
    this.o.punish?.(host, c);
  }

  /** Hosts whose faults reached Core's ban threshold are neither asked nor answered. */
  private banned(host: string): boolean {
    return (this.scores.get(host) ?? 0) >= 100;
  }

  private note(ms: number, hops: number, ok: boolean): void {
    this.stats.lookups++;
    if (ok) this.stats.succeeded++;
    this.stats.latencies.push(ms);
    this.stats.hops.push(hops);
    if (this.stats.latencies.length > 1000) {
      this.stats.latencies.shift();
      this.stats.hops.shift();
    }
  }

  private async housekeeping(): Promise<void> {
    if (this.stopped) return;
    const now = this.o.clock.now();
    this.records.expire(Math.floor(now / 1000));
    for (const p of this.provided.values()) {
      if (now - p.published < REPUBLISH_MS) continue;
      p.published = now;
      await this.publish(p.id);
    }
    for (const b of this.table.staleBuckets(now - BUCKET_REFRESH_MS)) {
      if (this.stopped) return;
      await this.lookupNodes(idInBucket(this.id, b, this.o.random.bytes(32)));
    }
    if (this.o.tablePath && now % HOUR_MS < (this.o.tickMs ?? 10 * 60_000))
      await this.saveTable(this.o.tablePath);
  }

  private async loadTable(path: string): Promise<void> {
    try {
      this.table.load(JSON.parse(await readFile(path, 'utf8')), this.o.clock.now());
    } catch {
      // No table yet, or an unreadable one: start from bootstrap nodes instead.
    }
  }

  private async saveTable(path: string): Promise<void> {
    const tmp = `${path}.tmp`;
    await writeFile(tmp, JSON.stringify(this.table.toJSON()));
    await rename(tmp, path);
  }
}
