/**
 * Typed listener lists for mempool changes (Core's CValidationInterface
 * TransactionAddedToMempool / TransactionRemovedFromMempool with MemPoolRemovalReason).
 * Listeners run synchronously, after the pool is consistent; one that throws does not stop the
 * others or the pool (its error is passed to `onListenerError`).
 */
import type { MempoolEntry } from './entry.js';

/** Core's MemPoolRemovalReason, in lower case. */
export type RemovalReason = 'expiry' | 'size-limit' | 'reorg' | 'block' | 'conflict' | 'replaced';

export interface MempoolEvents {
  added: (entry: MempoolEntry) => void;
  removed: (entry: MempoolEntry, reason: RemovalReason) => void;
}

export class Listeners {
  private readonly added = new Set<MempoolEvents['added']>();
  private readonly removed = new Set<MempoolEvents['removed']>();
  onListenerError: (e: unknown) => void = () => {};

  on<K extends keyof MempoolEvents>(event: K, fn: MempoolEvents[K]): () => void {
    const set = (event === 'added' ? this.added : this.removed) as Set<MempoolEvents[K]>;
    set.add(fn);
    return () => {
      set.delete(fn);
    };
  }

  emitAdded(entry: MempoolEntry): void {
    for (const fn of this.added) this.call(() => fn(entry));
  }

  emitRemoved(entry: MempoolEntry, reason: RemovalReason): void {
    for (const fn of this.removed) this.call(() => fn(entry, reason));
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.onListenerError(e);
    }
  }
}
