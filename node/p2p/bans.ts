/**
 * Banned IP addresses (Core's BanMan with banlist.json): a peer that misbehaves badly enough,
 * or an address the operator bans with `setban`, may not connect in either direction until the
 * ban expires (default 24 hours, Core's DEFAULT_MISBEHAVING_BANTIME). Bans are persisted in the
 * peer database and expire lazily when looked at.
 */
import { canonicalIp } from './netaddr.js';
import type { BanRecord, PeerDb } from './peer-db.js';

export const DEFAULT_BAN_SECONDS = 24 * 60 * 60;

export class BanList {
  private readonly bans = new Map<string, BanRecord>();
  private readonly db: PeerDb | null;
  private readonly now: () => number;

  constructor(deps: { db: PeerDb | null; now(): number }) {
    this.db = deps.db;
    this.now = deps.now;
  }

  load(records: readonly BanRecord[]): void {
    for (const r of records) this.bans.set(r.host, r);
    this.sweep();
  }

  isBanned(host: string): boolean {
    const key = safeCanonical(host);
    const b = this.bans.get(key);
    if (!b) return false;
    if (b.until > this.now()) return true;
    this.bans.delete(key);
    this.db?.delBans([key]);
    return false;
  }

  /** Bans `host` for `seconds` (or until `untilMs` when absolute). */
  ban(host: string, seconds: number, reason: string, untilMs?: number): BanRecord {
    const created = this.now();
    const r: BanRecord = {
      host: canonicalIp(host),
      created,
      until: untilMs ?? created + seconds * 1000,
      reason,
    };
    this.bans.set(r.host, r);
    this.db?.putBan(r);
    return r;
  }

  unban(host: string): boolean {
    const key = safeCanonical(host);
    const had = this.bans.delete(key);
    if (had) this.db?.delBans([key]);
    return had;
  }

  clear(): void {
    this.db?.delBans([...this.bans.keys()]);
    this.bans.clear();
  }

  /** Bans in force; unlike list(), expires nothing (cheap enough for every metrics scrape). */
  get size(): number {
    const now = this.now();
    let n = 0;
    for (const b of this.bans.values()) if (b.until > now) n++;
    return n;
  }

  list(): BanRecord[] {
    this.sweep();
    return [...this.bans.values()];
  }

  private sweep(): void {
    const now = this.now();
    const gone = [...this.bans.values()].filter((b) => b.until <= now).map((b) => b.host);
    for (const h of gone) this.bans.delete(h);
    this.db?.delBans(gone);
  }
}

function safeCanonical(host: string): string {
  try {
    return canonicalIp(host);
  } catch {
    return host;
  }
}
