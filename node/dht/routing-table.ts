/**
 * Kademlia's routing table (Maymounkov & Mazieres 2002, sections 2.2 and 2.4): 256 buckets by
 * common-prefix length with our id, at most k contacts each, least recently seen first. A new
 * contact for a full bucket never evicts a live one (long-lived contacts are the likeliest to
 * stay, the paper's uptime argument); it waits in the bucket's replacement cache and takes the
 * place of a contact that fails MAX_FAILS queries in a row. Each bucket remembers when a lookup
 * last went through it, for refresh. Pure: the caller passes the time.
 */
import { equal, fromHex, toHex } from '../protocol/bytes.js';
import { commonPrefix, compareDistance } from './distance.js';
import { nodeIdOf } from './identity.js';
import type { Contact } from './messages.js';
import { K, MAX_FAILS, REPLACEMENTS } from './params.js';

export interface Entry {
  contact: Contact;
  /** When first added: how long-lived it is. */
  firstSeen: number;
  lastSeen: number;
  fails: number;
}

interface Bucket {
  entries: Entry[];
  replacements: Contact[];
  touched: number;
}

export class RoutingTable {
  readonly self: Uint8Array;
  private readonly buckets: Bucket[] = [];

  constructor(self: Uint8Array, now: number) {
    this.self = self;
    for (let i = 0; i <= 256; i++) this.buckets.push({ entries: [], replacements: [], touched: now });
  }

  get size(): number {
    let n = 0;
    for (const b of this.buckets) n += b.entries.length;
    return n;
  }

  bucketOf(id: Uint8Array): number {
    return commonPrefix(this.self, id);
  }

  /**
   * Records that `c` answered or asked us: moves it to the tail of its bucket, adds it if
   * there is room, or else keeps it as a replacement. Returns whether it is in the table.
   */
  seen(c: Contact, now: number): boolean {
    if (equal(c.id, this.self) || c.port === 0) return false;
    const b = this.buckets[this.bucketOf(c.id)]!;
    const i = b.entries.findIndex((e) => equal(e.contact.id, c.id));
    if (i >= 0) {
      const e = b.entries.splice(i, 1)[0]!;
      e.contact = c;
      e.lastSeen = now;
      e.fails = 0;
      b.entries.push(e);
      return true;
    }
    if (b.entries.length < K) {
      b.entries.push({ contact: c, firstSeen: now, lastSeen: now, fails: 0 });
      return true;
    }
    const r = b.replacements.findIndex((x) => equal(x.id, c.id));
    if (r >= 0) b.replacements.splice(r, 1);
    b.replacements.push(c);
    if (b.replacements.length > REPLACEMENTS) b.replacements.shift();
    return false;
  }

  /** A query to `id` failed; after MAX_FAILS in a row (or at once if `drop`) it is replaced. */
  failed(id: Uint8Array, now: number, drop = false): void {
    const b = this.buckets[this.bucketOf(id)]!;
    const i = b.entries.findIndex((e) => equal(e.contact.id, id));
    if (i < 0) {
      b.replacements = b.replacements.filter((x) => !equal(x.id, id));
      return;
    }
    const e = b.entries[i]!;
    e.fails++;
    if (!drop && e.fails < MAX_FAILS) return;
    b.entries.splice(i, 1);
    const fresh = b.replacements.pop();
    if (fresh) b.entries.push({ contact: fresh, firstSeen: now, lastSeen: now, fails: 0 });
  }

  has(id: Uint8Array): boolean {
    return this.buckets[this.bucketOf(id)]!.entries.some((e) => equal(e.contact.id, id));
  }

  /** The `n` contacts closest to `target`, closest first. */
  closest(target: Uint8Array, n = K): Contact[] {
    const all: Contact[] = [];
    for (const b of this.buckets) for (const e of b.entries) all.push(e.contact);
    all.sort((a, b) => compareDistance(a.id, b.id, target));
    return all.slice(0, n);
  }

  touch(target: Uint8Array, now: number): void {
    this.buckets[Math.min(255, this.bucketOf(target))]!.touched = now;
  }

  /** Buckets up to the deepest non-empty one that no lookup went through since `before`. */
  staleBuckets(before: number): number[] {
    let deepest = -1;
    for (let i = 0; i < 256; i++) if (this.buckets[i]!.entries.length > 0) deepest = i;
    const out: number[] = [];
    for (let i = 0; i <= Math.min(255, deepest); i++) if (this.buckets[i]!.touched < before) out.push(i);
    return out;
  }

  entries(): Entry[] {
    return this.buckets.flatMap((b) => b.entries);
  }

  /** A JSON-able copy for the data directory (hex at the edge of the process). */
  toJSON(): { contacts: { pubkey: string; host: string; port: number; firstSeen: number }[] } {
    return {
      contacts: this.entries().map((e) => ({
        pubkey: toHex(e.contact.pubkey),
        host: e.contact.host,
        port: e.contact.port,
        firstSeen: e.firstSeen,
      })),
    };
  }

  /** Adds the contacts of a `toJSON` copy, keeping their age; bad entries are skipped. */
  load(saved: unknown, now: number): number {
    const list = (saved as { contacts?: unknown } | null)?.contacts;
    if (!Array.isArray(list)) return 0;
    let n = 0;
    for (const x of list as { pubkey?: unknown; host?: unknown; port?: unknown; firstSeen?: unknown }[]) {
      if (typeof x?.pubkey !== 'string' || typeof x.host !== 'string' || typeof x.port !== 'number') continue;
      let pubkey: Uint8Array;
      try {
        pubkey = fromHex(x.pubkey);
      } catch {
        continue;
      }
      if (pubkey.length !== 33 || !Number.isInteger(x.port) || x.port < 1 || x.port > 65535) continue;
      const c = { id: nodeIdOf(pubkey), pubkey, host: x.host, port: x.port };
      if (!this.seen(c, now)) continue;
      const b = this.buckets[this.bucketOf(c.id)]!;
      const e = b.entries[b.entries.length - 1]!;
      if (typeof x.firstSeen === 'number' && Number.isFinite(x.firstSeen)) e.firstSeen = x.firstSeen;
      n++;
    }
    return n;
  }
}
