/**
 * A bounded memory of recent replacements (BIP125 and full RBF, Core's MemPoolRemovalReason
 * REPLACED): which transaction replaced which and when, so a client asking for a replaced txid
 * can be told "replaced by X" rather than only "not found" (mempool.space keeps such a cache for
 * its /api/v1/tx/:txid/rbf). The last `capacity` replacements (default 10,000, about 3 MB) are
 * kept; the oldest is forgotten first. Not persisted: a restart forgets them, as it forgets the
 * mempool itself.
 */

export const DEFAULT_REPLACEMENT_MEMORY = 10_000;

export interface Replacement {
  /** The transaction that left the mempool. */
  readonly txid: string;
  /** The transaction whose acceptance evicted it (directly, or as a descendant of a conflict). */
  readonly replacedBy: string;
  /** When, in the mempool clock's seconds. */
  readonly time: number;
}

export class ReplacementLog {
  // A Map iterates in insertion order, so its first key is the oldest replacement.
  private readonly byTxid = new Map<string, Replacement>();
  private readonly capacity: number;

  constructor(capacity = DEFAULT_REPLACEMENT_MEMORY) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`bad capacity ${capacity}`);
    this.capacity = capacity;
  }

  get size(): number {
    return this.byTxid.size;
  }

  record(txid: string, replacedBy: string, time: number): void {
    this.byTxid.delete(txid);
    if (this.capacity === 0) return;
    this.byTxid.set(txid, { txid, replacedBy, time });
    while (this.byTxid.size > this.capacity) this.byTxid.delete(this.byTxid.keys().next().value!);
  }

  /** A transaction is back in the mempool: it is no longer "replaced". */
  forget(txid: string): void {
    this.byTxid.delete(txid);
  }

  get(txid: string): Replacement | undefined {
    return this.byTxid.get(txid);
  }

  /** The end of the chain of replacements starting at `txid` (undefined if it was not replaced). */
  latest(txid: string): string | undefined {
    let at = this.byTxid.get(txid)?.replacedBy;
    // A re-accepted tx is forgotten (finalize), so records form no cycle; the bound is a guard.
    for (let i = 0; at !== undefined && i < this.capacity; i++) {
      const next = this.byTxid.get(at)?.replacedBy;
      if (next === undefined) return at;
      at = next;
    }
    return at;
  }
}
