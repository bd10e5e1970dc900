/**
 * The provider records this node stores for others (libp2p kad-dht's ProviderManager): per
 * manifest id at most MAX_PROVIDERS_PER_ID records (a newer record of the same provider
 * replaces its older one; when full, the one expiring first goes), MAX_RECORDS in all, each
 * dropped when it expires. Kept in memory: after a restart providers' republishing (every
 * 22 h) refills it, as libp2p's in-memory provider store does. The caller passes the time.
 */
import { equal, toHex } from '../protocol/bytes.js';
import { MAX_PROVIDERS_PER_ID, MAX_RECORDS } from './params.js';
import type { ProviderRecord } from './record.js';

export class ProviderStore {
  private readonly byId = new Map<string, ProviderRecord[]>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Stores `r` (already verified and anchored); false if it is expired or there is no room. */
  put(r: ProviderRecord, nowSec: number): boolean {
    if (r.expires <= nowSec) return false;
    const key = toHex(r.manifestId);
    const list = this.byId.get(key) ?? [];
    const i = list.findIndex((x) => equal(x.nodeId, r.nodeId));
    if (i >= 0) {
      if (list[i]!.expires >= r.expires) return true;
      list[i] = r;
      return true;
    }
    if (list.length >= MAX_PROVIDERS_PER_ID) {
      list.sort((a, b) => a.expires - b.expires);
      if (list[0]!.expires >= r.expires) return false;
      list[0] = r;
      return true;
    }
    if (this.count >= MAX_RECORDS) return false;
    list.push(r);
    this.byId.set(key, list);
    this.count++;
    return true;
  }

  get(manifestId: Uint8Array, nowSec: number): ProviderRecord[] {
    return (this.byId.get(toHex(manifestId)) ?? []).filter((r) => r.expires > nowSec);
  }

  /** Drops every expired record; returns how many. */
  expire(nowSec: number): number {
    let dropped = 0;
    for (const [key, list] of this.byId) {
      const live = list.filter((r) => r.expires > nowSec);
      dropped += list.length - live.length;
      if (live.length === 0) this.byId.delete(key);
      else this.byId.set(key, live);
    }
    this.count -= dropped;
    return dropped;
  }
}
