/**
 * The pool of recent transactions that are not in the mempool, kept to rebuild compact blocks
 * (Core's vExtraTxnForCompact, -blockreconstructionextratxn, default 100): transactions
 * replaced or evicted from the mempool, and peers' transactions refused by policy or held as
 * orphans. A miner with other rules may well include them. A ring: the oldest goes first;
 * large transactions (over 100 kB, as Core's RecursiveDynamicUsage check) are not kept.
 */
import type { Tx } from '../protocol/tx.js';

export const DEFAULT_EXTRA_TXN = 100;
const MAX_TX_BYTES = 100_000;

export class ExtraTxnPool {
  private readonly ring: (Tx | null)[];
  private readonly ids = new Set<string>();
  private next = 0;

  constructor(capacity = DEFAULT_EXTRA_TXN) {
    this.ring = new Array(Math.max(0, capacity)).fill(null);
  }

  add(tx: Tx): void {
    if (this.ring.length === 0 || tx.size() > MAX_TX_BYTES) return;
    const w = tx.wtxidHex();
    if (this.ids.has(w)) return;
    const old = this.ring[this.next];
    if (old) this.ids.delete(old.wtxidHex());
    this.ring[this.next] = tx;
    this.ids.add(w);
    this.next = (this.next + 1) % this.ring.length;
  }

  get size(): number {
    return this.ids.size;
  }

  *txs(): IterableIterator<Tx> {
    for (const t of this.ring) if (t) yield t;
  }
}
