/**
 * The address book (a small cousin of Core's AddrMan): every address heard of, with when it
 * was last seen, last connected to successfully, last tried and how many tries failed since.
 *
 * Selection prefers what worked: addresses we connected to before ("tried", most recent
 * first among a random few), then addresses learned from peers, then seeds; within each, a
 * random pick. An address that failed waits an exponentially growing time before it is tried
 * again (`backoffBaseMs` doubling per failure, capped), and after `maxFailures` failures with
 * no success ever it is forgotten (Core's IsTerrible). At most `maxPerGroup` entries come from
 * one network group (netaddr.ts: a /16 or /32), and at most `maxEntries` in all, so one peer's
 * addr flood cannot take the book over.
 */

import { addrKey, netGroup } from './netaddr.js';
import type { AddrRecord, PeerDb } from './peer-db.js';

export interface AddrEntry {
  readonly key: string;
  readonly host: string;
  readonly port: number;
  readonly group: string;
  services: bigint;
  lastSeen: number;
  lastSuccess: number;
  lastAttempt: number;
  attempts: number;
  source: AddrRecord['source'];
}

export interface AddrBookOptions {
  maxEntries: number;
  maxPerGroup: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  maxFailures: number;
}

export const DEFAULT_ADDRBOOK: AddrBookOptions = {
  maxEntries: 10_000,
  maxPerGroup: 64,
  backoffBaseMs: 1_000,
  backoffMaxMs: 10 * 60_000,
  maxFailures: 10,
};

export interface AddrBookDeps {
  db: PeerDb | null;
  /** Milliseconds. */
  now(): number;
  random(): number;
}

const SOURCE_RANK: Record<AddrRecord['source'], number> = { manual: 1, addr: 1, inbound: 1, seed: 2 };

export class AddressBook {
  private readonly opts: AddrBookOptions;
  private readonly deps: AddrBookDeps;
  private readonly entries = new Map<string, AddrEntry>();
  private readonly groups = new Map<string, number>();
  private seeds = 0;

  constructor(opts: AddrBookOptions, deps: AddrBookDeps) {
    this.opts = opts;
    this.deps = deps;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Entries learned some other way than from the seeds file: what a seed fetch is for. */
  get learned(): number {
    return this.entries.size - this.seeds;
  }

  get(key: string): AddrEntry | undefined {
    return this.entries.get(key);
  }

  all(): AddrEntry[] {
    return [...this.entries.values()];
  }

  /** Loads persisted records (no writes back). */
  load(records: readonly AddrRecord[]): void {
    for (const r of records) {
      const e = this.insert(r.host, r.port, BigInt(`0x${r.services || '0'}`), r.source);
      if (!e) continue;
      e.lastSeen = r.lastSeen;
      e.lastSuccess = r.lastSuccess;
      e.lastAttempt = r.lastAttempt;
      e.attempts = r.attempts;
    }
  }

  /**
   * Adds addresses or refreshes ones known (later last-seen time, services learned). Returns
   * the entries that were new.
   */
  add(
    addrs: readonly { host: string; port: number; services: bigint; time?: number }[],
    source: AddrRecord['source'],
  ): AddrEntry[] {
    const fresh: AddrEntry[] = [];
    const changed: AddrEntry[] = [];
    for (const a of addrs) {
      const seen = a.time === undefined ? this.deps.now() : a.time * 1000;
      const known = this.entries.get(addrKey(a.host, a.port));
      if (known) {
        if (seen > known.lastSeen || (a.services & ~known.services) !== 0n) {
          known.lastSeen = Math.max(known.lastSeen, seen);
          known.services |= a.services;
          changed.push(known);
        }
        continue;
      }
      const e = this.insert(a.host, a.port, a.services, source);
      if (!e) continue;
      e.lastSeen = seen;
      fresh.push(e);
      changed.push(e);
    }
    this.persist(changed);
    return fresh;
  }

  private insert(
    host: string,
    port: number,
    services: bigint,
    source: AddrRecord['source'],
  ): AddrEntry | null {
    const key = addrKey(host, port);
    const group = netGroup(host, port);
    if ((this.groups.get(group) ?? 0) >= this.opts.maxPerGroup) return null;
    if (this.entries.size >= this.opts.maxEntries && !this.evictOne()) return null;
    const e: AddrEntry = {
      key,
      host,
      port,
      group,
      services,
      lastSeen: 0,
      lastSuccess: 0,
      lastAttempt: 0,
      attempts: 0,
      source,
    };
    this.entries.set(key, e);
    this.groups.set(group, (this.groups.get(group) ?? 0) + 1);
    if (source === 'seed') this.seeds++;
    return e;
  }

  /** Makes room by forgetting the oldest-seen address that never worked. */
  private evictOne(): boolean {
    let worst: AddrEntry | null = null;
    for (const e of this.entries.values()) {
      if (e.lastSuccess > 0) continue;
      if (!worst || e.lastSeen < worst.lastSeen) worst = e;
    }
    if (!worst) return false;
    this.remove(worst.key);
    return true;
  }

  remove(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    if (e.source === 'seed') this.seeds--;
    const n = (this.groups.get(e.group) ?? 1) - 1;
    if (n <= 0) this.groups.delete(e.group);
    else this.groups.set(e.group, n);
    this.deps.db?.delAddrs([key]);
  }

  attempt(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    e.lastAttempt = this.deps.now();
    e.attempts++;
    this.persist([e]);
  }

  /** A failed attempt; returns the entry if it stays in the book. */
  failed(key: string): AddrEntry | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.lastSuccess === 0 && e.attempts >= this.opts.maxFailures && e.source !== 'seed') {
      this.remove(key);
      return undefined;
    }
    return e;
  }

  success(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    const now = this.deps.now();
    e.lastSuccess = now;
    e.lastSeen = now;
    e.attempts = 0;
    this.persist([e]);
  }

  /**
   * A seed answered our getaddr (a one-shot address fetch): it is reachable, so its failures
   * are forgotten, but it is not "tried": a seed should not become a preferred outbound peer.
   */
  answered(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    e.lastSeen = this.deps.now();
    e.attempts = 0;
    this.persist([e]);
  }

  /** When the entry may be tried again (ms). */
  retryAt(e: AddrEntry): number {
    if (e.attempts === 0) return 0;
    const wait = Math.min(
      this.opts.backoffMaxMs,
      this.opts.backoffBaseMs * 2 ** Math.min(30, e.attempts - 1),
    );
    return e.lastAttempt + wait;
  }

  /** An address to connect to, or undefined; `skip` filters out connected/banned/own ones. */
  select(skip: (e: AddrEntry) => boolean): AddrEntry | undefined {
    const now = this.deps.now();
    let bestRank = Number.POSITIVE_INFINITY;
    let pool: AddrEntry[] = [];
    for (const e of this.entries.values()) {
      if (this.retryAt(e) > now || skip(e)) continue;
      const rank = e.lastSuccess > 0 ? 0 : SOURCE_RANK[e.source];
      if (rank < bestRank) {
        bestRank = rank;
        pool = [e];
      } else if (rank === bestRank) pool.push(e);
    }
    if (pool.length === 0) return undefined;
    // Among tried addresses, the most recently successful of a random handful.
    if (bestRank === 0) {
      const few = Array.from({ length: 4 }, () => pool[Math.floor(this.deps.random() * pool.length)]!);
      return few.reduce((a, b) => (b.lastSuccess > a.lastSuccess ? b : a));
    }
    return pool[Math.floor(this.deps.random() * pool.length)];
  }

  /** Earliest time (ms) any entry not skipped may be tried; Infinity if none. */
  nextRetry(skip: (e: AddrEntry) => boolean): number {
    let t = Number.POSITIVE_INFINITY;
    for (const e of this.entries.values()) if (!skip(e)) t = Math.min(t, this.retryAt(e));
    return t;
  }

  /** Up to `n` random addresses, for answering getaddr (Core: 23% of the book, at most 1,000). */
  sample(n: number): AddrEntry[] {
    const all = [...this.entries.values()];
    const want = Math.min(n, all.length);
    for (let i = 0; i < want; i++) {
      const j = i + Math.floor(this.deps.random() * (all.length - i));
      [all[i], all[j]] = [all[j]!, all[i]!];
    }
    return all.slice(0, want);
  }

  private persist(entries: readonly AddrEntry[]): void {
    this.deps.db?.putAddrs(
      entries.map((e) => ({
        host: e.host,
        port: e.port,
        services: e.services.toString(16),
        lastSeen: e.lastSeen,
        lastSuccess: e.lastSuccess,
        lastAttempt: e.lastAttempt,
        attempts: e.attempts,
        source: e.source,
      })),
    );
  }
}
