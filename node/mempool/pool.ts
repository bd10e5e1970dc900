/**
 * The mempool's storage: Bitcoin Core's CTxMemPool bookkeeping (txmempool.cpp) without the
 * policy. Entries by txid and wtxid, which entry spends each outpoint (mapNextTx), parent and
 * child links, the ancestor/descendant aggregates kept up to date on every insert and removal
 * (addUnchecked / UpdateForRemoveFromMempool), totals for getmempoolinfo, and the eviction
 * order (eviction-heap.ts). Synchronous and trusting: callers validate first.
 *
 * Usage, what the size limit measures, is serialized size plus a fixed per-entry overhead
 * (ENTRY_OVERHEAD), a deterministic stand-in for Core's DynamicMemoryUsage; it is not the
 * process's real heap use, which is several times larger for parsed transactions.
 */
import { hashToDisplay } from '../protocol/hash.js';
import { OutPoint } from '../protocol/tx.js';
import { ancestorsOf, descendantsOf, type Entry } from './entry.js';
import { EvictionHeap } from './eviction-heap.js';

/** Bytes charged per entry besides the serialized tx (maps, links, aggregates). */
export const ENTRY_OVERHEAD = 256;

export class TxPool {
  readonly byTxid = new Map<string, Entry>();
  readonly byWtxid = new Map<string, Entry>();
  /** OutPoint.key() -> the entry spending it. */
  readonly spenders = new Map<string, Entry>();
  readonly heap = new EvictionHeap();
  totalVsize = 0;
  totalSize = 0;
  totalFee = 0n;

  get count(): number {
    return this.byTxid.size;
  }

  usage(): number {
    return this.totalSize + ENTRY_OVERHEAD * this.byTxid.size;
  }

  /** The in-pool parents of a transaction not yet in the pool. */
  parentsOf(entry: Entry): Set<Entry> {
    const parents = new Set<Entry>();
    for (const input of entry.tx.inputs) {
      const parent = this.byTxid.get(hashToDisplay(input.prevout.txid));
      if (parent) parents.add(parent);
    }
    return parents;
  }

  /**
   * addUnchecked plus UpdateTransactionsFromBlock: links the entry to its in-pool parents and
   * to in-pool children (only after a reorg put a parent back) and updates the aggregates.
   */
  add(entry: Entry): void {
    const parents = this.parentsOf(entry);
    const txid = entry.tx.txid();
    const children = new Set<Entry>();
    entry.tx.outputs.forEach((_, i) => {
      const child = this.spenders.get(new OutPoint(txid, i).key());
      if (child) children.add(child);
    });

    this.byTxid.set(entry.txid, entry);
    this.byWtxid.set(entry.wtxid, entry);
    for (const input of entry.tx.inputs) this.spenders.set(input.prevout.key(), entry);
    for (const p of parents) {
      entry.parents.add(p);
      p.children.add(entry);
    }
    for (const c of children) {
      entry.children.add(c);
      c.parents.add(entry);
    }
    this.totalVsize += entry.vsize;
    this.totalSize += entry.size;
    this.totalFee += entry.fee;

    if (children.size === 0) {
      const ancestors = new Set([...parents, ...ancestorsOf(parents)]);
      for (const a of ancestors) {
        entry.addAncestor(a, 1);
        a.addDescendant(entry, 1);
        this.heap.push(a);
      }
    } else {
      const up = new Set([entry, ...parents, ...ancestorsOf(parents)]);
      const down = new Set([entry, ...descendantsOf([entry])]);
      for (const e of up) this.recountDescendants(e);
      for (const e of down) this.recountAncestors(e);
      for (const e of up) this.heap.push(e);
    }
    this.heap.push(entry);
  }

  /**
   * Removes a set of entries (RemoveStaged): each remaining ancestor loses them from its
   * descendant aggregates, each remaining descendant from its ancestor aggregates.
   */
  remove(set: ReadonlySet<Entry>): void {
    const touched = new Set<Entry>();
    for (const r of set) {
      for (const a of ancestorsOf([r], set)) {
        a.addDescendant(r, -1);
        touched.add(a);
      }
      for (const d of descendantsOf([r], set)) d.addAncestor(r, -1);
    }
    for (const r of set) {
      for (const p of r.parents) if (!set.has(p)) p.children.delete(r);
      for (const c of r.children) if (!set.has(c)) c.parents.delete(r);
      this.byTxid.delete(r.txid);
      if (this.byWtxid.get(r.wtxid) === r) this.byWtxid.delete(r.wtxid);
      for (const input of r.tx.inputs) {
        const key = input.prevout.key();
        if (this.spenders.get(key) === r) this.spenders.delete(key);
      }
      r.removed = true;
      this.totalVsize -= r.vsize;
      this.totalSize -= r.size;
      this.totalFee -= r.fee;
    }
    for (const a of touched) if (!a.removed) this.heap.push(a);
    this.heap.compact(this.count);
  }

  /** The entries and everything descending from them (CalculateDescendants). */
  withDescendants(entries: Iterable<Entry>): Set<Entry> {
    const start = [...entries];
    return new Set([...start, ...descendantsOf(start)]);
  }

  private recountAncestors(e: Entry): void {
    const ds = { count: e.descendantCount, size: e.descendantSize, fee: e.descendantFee };
    e.resetAggregates();
    e.descendantCount = ds.count;
    e.descendantSize = ds.size;
    e.descendantFee = ds.fee;
    for (const a of ancestorsOf([e])) e.addAncestor(a, 1);
  }

  private recountDescendants(e: Entry): void {
    const as = {
      count: e.ancestorCount,
      size: e.ancestorSize,
      fee: e.ancestorFee,
      sigops: e.ancestorSigopCost,
    };
    e.resetAggregates();
    e.ancestorCount = as.count;
    e.ancestorSize = as.size;
    e.ancestorFee = as.fee;
    e.ancestorSigopCost = as.sigops;
    for (const d of descendantsOf([e])) e.addDescendant(d, 1);
  }
}
