/**
 * The entry TrimToSize evicts first: Bitcoin Core's descendant_score index
 * (CompareTxMemPoolEntryByDescendantScore, kernel/mempool_entry.h / txmempool.h). An entry
 * scores max(its own fee rate, the fee rate of it with all its descendants); the lowest score
 * goes first, and between equal scores the newer entry.
 *
 * A binary min-heap with lazy invalidation: whenever an entry's descendant aggregates change
 * it bumps `version` and is pushed again; popped items whose version or membership is stale
 * are skipped. The heap is rebuilt when stale items outnumber live ones.
 */
import type { Entry } from './entry.js';

interface Item {
  readonly entry: Entry;
  readonly version: number;
  readonly fee: number;
  readonly size: number;
  readonly time: number;
}

function itemOf(entry: Entry): Item {
  // GetModFeeAndSize: whichever of (fee, size) and (descendant fee, descendant size) is higher.
  const own = Number(entry.fee) * entry.descendantSize;
  const withDesc = Number(entry.descendantFee) * entry.vsize;
  return withDesc > own
    ? {
        entry,
        version: entry.version,
        fee: Number(entry.descendantFee),
        size: entry.descendantSize,
        time: entry.time,
      }
    : { entry, version: entry.version, fee: Number(entry.fee), size: entry.vsize, time: entry.time };
}

/** a before b: lower score first; equal scores, the later time first (Core: a.time >= b.time). */
function before(a: Item, b: Item): boolean {
  const f1 = a.fee * b.size;
  const f2 = a.size * b.fee;
  if (f1 === f2) return a.time >= b.time;
  return f1 < f2;
}

export class EvictionHeap {
  private items: Item[] = [];

  /** Records `entry` (again) at its current score. */
  push(entry: Entry): void {
    this.items.push(itemOf(entry));
    this.up(this.items.length - 1);
  }

  /** The entry to evict first, or undefined when the heap holds no live entry. */
  peek(): Entry | undefined {
    while (this.items.length > 0) {
      const top = this.items[0]!;
      if (!top.entry.removed && top.version === top.entry.version) return top.entry;
      this.pop();
    }
    return undefined;
  }

  /** Drops stale items when they are most of the heap. */
  compact(live: number): void {
    if (this.items.length <= 2 * live + 64) return;
    const keep = this.items.filter((i) => !i.entry.removed && i.version === i.entry.version);
    this.items = [];
    for (const i of keep) {
      this.items.push(i);
      this.up(this.items.length - 1);
    }
  }

  get length(): number {
    return this.items.length;
  }

  private pop(): void {
    const last = this.items.pop()!;
    if (this.items.length === 0) return;
    this.items[0] = last;
    this.down(0);
  }

  private up(i: number): void {
    const items = this.items;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(items[i]!, items[p]!)) break;
      [items[i], items[p]] = [items[p]!, items[i]!];
      i = p;
    }
  }

  private down(i: number): void {
    const items = this.items;
    const n = items.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && before(items[l]!, items[m]!)) m = l;
      if (r < n && before(items[r]!, items[m]!)) m = r;
      if (m === i) return;
      [items[i], items[m]] = [items[m]!, items[i]!];
      i = m;
    }
  }
}
