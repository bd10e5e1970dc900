/**
 * The DHT as the files service's second source of holders (issue 17, docs/dht.md), in
 * Bitswap's order: connected peers are asked first (service.ts); a file still without a
 * provider after FALLBACK_WAIT_MS is looked up in the DHT (`findProviders`), again every
 * RETRY_MS while it lacks one, and the providers named are dialled over the node's P2P
 * transport as file connections (p2p/connections.ts: a few, outside the full-relay slots), which
 * are closed when the download ends. Once connected, a provider is an ordinary files peer: it
 * announces its holdings and answers `getmanifest`.
 *
 * It also keeps the node's own announcements: `provideOnly` is given the DHT keys of every
 * whole, anchored file held, provides the new ones and withdraws the gone ones, and retries an
 * announcement no storer accepted (a cold routing table, or storers whose chain lacks the
 * anchor yet).
 *
 * The DHT key of a file is its anchor id: the manifest id when the file was anchored alone
 * (its commitment is its id), else the commitment of its batch, the only id the chain's anchor
 * index holds, so the only one other nodes store records for.
 */
import type { Clock } from '../clock.js';
import type { ProviderFinder } from '../dht/dht.js';
import type { Logger } from '../log.js';
import type { FileDial } from '../p2p/connections.js';
import { addrKey } from '../p2p/netaddr.js';
import { toHex } from '../protocol/bytes.js';
import type { FilesCounters } from './counters.js';

/** How long connected peers have to answer before the DHT is asked (Bitswap's provider search delay is 1 s). */
export const FALLBACK_WAIT_MS = 2_000;
/** Between DHT lookups for a file that still has no provider. */
export const RETRY_MS = 30_000;
/** Between announcements of a file no storer accepted. */
export const PROVIDE_RETRY_MS = 30_000;

/** The P2P layer's file connections (Connections.openFileConnection, closeFileConnection). */
export interface FileDialer {
  open(host: string, port: number): FileDial;
  close(host: string, port: number): void;
}

export interface FallbackDeps {
  finder: ProviderFinder;
  dialer: FileDialer;
  clock: Clock;
  log: Logger;
  counters: FilesCounters;
}

interface Search {
  key: Uint8Array;
  nextAt: number;
  running: boolean;
  ended: boolean;
  lookups: number;
  /** Node ids of the providers the DHT named. */
  readonly found: Set<string>;
  /** File connections this search opened, by address. */
  readonly conns: Map<string, { host: string; port: number }>;
}

interface Announcement {
  key: Uint8Array;
  /** Storers that accepted the last announcement; -1 while it runs. */
  acks: number;
  at: number;
  /** Announce again when the one running ends (the table changed under it). */
  redo: boolean;
}

export class DhtFallback {
  private readonly deps: FallbackDeps;
  /** By the id the service tracks the file under (a fetch target, then its manifest id). */
  private readonly searches = new Map<string, Search>();
  private readonly provided = new Map<string, Announcement>();
  private stopped = false;

  constructor(deps: FallbackDeps) {
    this.deps = deps;
  }

  /**
   * The file `id` has no provider among connected peers: the first call starts the wait, later
   * calls look it up under `key` once the wait (or the retry delay) is over.
   */
  lacking(id: string, key: Uint8Array): void {
    if (this.stopped) return;
    const now = this.deps.clock.now();
    let s = this.searches.get(id);
    if (!s) {
      s = {
        key,
        nextAt: now + FALLBACK_WAIT_MS,
        running: false,
        ended: false,
        lookups: 0,
        found: new Set(),
        conns: new Map(),
      };
      this.searches.set(id, s);
      return;
    }
    if (s.running || now < s.nextAt) return;
    s.running = true;
    s.lookups++;
    this.deps.counters.dhtLookups++;
    const search = s;
    this.deps.finder
      .findProviders(key)
      .then((records) => {
        if (search.ended || this.stopped) return;
        for (const r of records) search.found.add(toHex(r.nodeId));
        this.deps.log.info('dht providers of a file no connected peer holds', {
          id,
          providers: records.length,
        });
        for (const r of records) this.connect(search, r.host, r.port);
      })
      .catch((e: Error) => this.deps.log.warn('dht provider lookup failed', { id, error: e.message }))
      .finally(() => {
        search.running = false;
        search.nextAt = this.deps.clock.now() + RETRY_MS;
      });
  }

  private connect(s: Search, host: string, port: number): void {
    const k = addrKey(host, port);
    const r = this.deps.dialer.open(host, port);
    if (r === 'dialing') {
      s.conns.set(k, { host, port });
      this.deps.counters.dhtConnections++;
    } else if (r === 'connected' && this.owned(k)) {
      // Another download's file connection: it must stay open until this one ends too.
      s.conns.set(k, { host, port });
    }
  }

  private owned(k: string): boolean {
    for (const o of this.searches.values()) if (o.conns.has(k)) return true;
    return false;
  }

  /** The file `from` is tracked as `to` now (a fetch target became its manifest id). */
  rename(from: string, to: string): void {
    const s = this.searches.get(from);
    if (!s || from === to) return;
    this.searches.delete(from);
    if (!this.searches.has(to)) this.searches.set(to, s);
    else this.close(s);
  }

  /** Providers the DHT named for `id` so far. */
  found(id: string): number {
    return this.searches.get(id)?.found.size ?? 0;
  }

  /** DHT lookups made for `id` so far. */
  lookups(id: string): number {
    return this.searches.get(id)?.lookups ?? 0;
  }

  /** The download of `id` ended (done, removed or given up): its file connections close. */
  end(id: string): void {
    const s = this.searches.get(id);
    if (!s) return;
    this.searches.delete(id);
    this.close(s);
  }

  private close(s: Search): void {
    s.ended = true;
    const inUse = new Set<string>();
    for (const o of this.searches.values()) for (const k of o.conns.keys()) inUse.add(k);
    for (const [k, c] of s.conns) if (!inUse.has(k)) this.deps.dialer.close(c.host, c.port);
  }

  /**
   * Announces exactly `keys` (DHT key by hex): provides the new ones, withdraws the others,
   * and announces again one that reached no storer PROVIDE_RETRY_MS ago.
   */
  provideOnly(keys: ReadonlyMap<string, Uint8Array>): void {
    if (this.stopped) return;
    const now = this.deps.clock.now();
    for (const [k, key] of keys) {
      const a = this.provided.get(k);
      if (!a) this.announce(k, { key, acks: -1, at: now, redo: false });
      else if (a.acks === 0 && now - a.at >= PROVIDE_RETRY_MS) this.announce(k, a);
    }
    for (const [k, a] of this.provided) {
      if (keys.has(k)) continue;
      this.provided.delete(k);
      this.deps.finder.unprovide(a.key);
    }
  }

  /** Announces every key again (the routing table was just filled by a bootstrap). */
  reprovide(): void {
    for (const [k, a] of this.provided) {
      if (a.acks === -1) a.redo = true;
      else this.announce(k, a);
    }
  }

  private announce(k: string, a: Announcement): void {
    a.acks = -1;
    a.redo = false;
    a.at = this.deps.clock.now();
    this.provided.set(k, a);
    this.deps.finder
      .provide(a.key)
      .then((n) => {
        a.acks = n;
        // Zero is retried every PROVIDE_RETRY_MS (always, on a node that does not listen): not news.
        this.deps.log[n > 0 ? 'info' : 'debug']('announced a file in the dht', { key: k, storers: n });
      })
      .catch((e: Error) => {
        a.acks = 0;
        this.deps.log.warn('announcing a file in the dht failed', { key: k, error: e.message });
      })
      .finally(() => {
        if (a.redo && !this.stopped && this.provided.get(k) === a) this.announce(k, a);
      });
  }

  /** Keys announced now (hex). */
  providing(): string[] {
    return [...this.provided.keys()];
  }

  stop(): void {
    this.stopped = true;
    for (const id of [...this.searches.keys()]) this.end(id);
  }
}
