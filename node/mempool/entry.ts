/**
 * A mempool entry: Bitcoin Core's CTxMemPoolEntry (kernel/mempool_entry.h). The transaction,
 * its fee and policy size, when it arrived, its in-mempool parents and children, and the
 * cached aggregates over its ancestors and descendants (each including the entry itself) that
 * package limits, ancestor-feerate mining and descendant-score eviction read.
 *
 * `vsize` is the sigop-adjusted virtual size (GetTxSize in Core), which fee rates, package
 * sizes and the size limits all use.
 */
import { type HashKey, hashKey } from '../protocol/ids.js';
import type { Tx } from '../protocol/tx.js';
import { type FeeRate, feeRate } from './fee-rate.js';

/** What callers see of an entry (mining, explorer, RPC). Live: aggregates track the pool. */
export interface MempoolEntry {
  readonly tx: Tx;
  /** Map keys (hashKey): also the display hex the edges show. The bytes are tx.txid(), tx.wtxid(). */
  readonly txid: HashKey;
  readonly wtxid: HashKey;
  readonly fee: bigint;
  /** Sigop-adjusted virtual size. */
  readonly vsize: number;
  readonly weight: number;
  /** Serialized size with witness. */
  readonly size: number;
  readonly sigopCost: number;
  /** Seconds (deps.now()) when it entered the pool. */
  readonly time: number;
  /** Tip height when it entered the pool. */
  readonly height: number;
  readonly parents: ReadonlySet<MempoolEntry>;
  readonly children: ReadonlySet<MempoolEntry>;
  /** With itself. */
  readonly ancestorCount: number;
  readonly ancestorSize: number;
  readonly ancestorFee: bigint;
  readonly ancestorSigopCost: number;
  readonly descendantCount: number;
  readonly descendantSize: number;
  readonly descendantFee: bigint;
  /** fee / vsize in sat/kvB. */
  feeRate(): FeeRate;
  /** ancestorFee / ancestorSize in sat/kvB: what ancestor-feerate mining sorts by. */
  ancestorFeeRate(): FeeRate;
}

export class Entry implements MempoolEntry {
  readonly tx: Tx;
  readonly txid: HashKey;
  readonly wtxid: HashKey;
  readonly fee: bigint;
  readonly vsize: number;
  readonly weight: number;
  readonly size: number;
  readonly sigopCost: number;
  readonly time: number;
  readonly height: number;
  readonly parents = new Set<Entry>();
  readonly children = new Set<Entry>();
  ancestorCount = 1;
  ancestorSize: number;
  ancestorFee: bigint;
  ancestorSigopCost: number;
  descendantCount = 1;
  descendantSize: number;
  descendantFee: bigint;
  /** Bumped whenever the descendant aggregates change (stale eviction-heap items). */
  version = 0;
  removed = false;

  constructor(f: {
    tx: Tx;
    fee: bigint;
    vsize: number;
    sigopCost: number;
    time: number;
    height: number;
  }) {
    this.tx = f.tx;
    this.txid = hashKey(f.tx.txid());
    this.wtxid = hashKey(f.tx.wtxid());
    this.fee = f.fee;
    this.vsize = f.vsize;
    this.weight = f.tx.weight();
    this.size = f.tx.size();
    this.sigopCost = f.sigopCost;
    this.time = f.time;
    this.height = f.height;
    this.ancestorSize = this.descendantSize = f.vsize;
    this.ancestorFee = this.descendantFee = f.fee;
    this.ancestorSigopCost = f.sigopCost;
  }

  feeRate(): FeeRate {
    return feeRate(this.fee, this.vsize);
  }

  ancestorFeeRate(): FeeRate {
    return feeRate(this.ancestorFee, this.ancestorSize);
  }

  /** Adds (sign 1) or removes (sign -1) `other` from this entry's ancestor aggregates. */
  addAncestor(other: Entry, sign: 1 | -1): void {
    this.ancestorCount += sign;
    this.ancestorSize += sign * other.vsize;
    this.ancestorFee += BigInt(sign) * other.fee;
    this.ancestorSigopCost += sign * other.sigopCost;
  }

  addDescendant(other: Entry, sign: 1 | -1): void {
    this.descendantCount += sign;
    this.descendantSize += sign * other.vsize;
    this.descendantFee += BigInt(sign) * other.fee;
    this.version++;
  }

  /** Clears both aggregates to the entry alone (before a recount). */
  resetAggregates(): void {
    this.ancestorCount = this.descendantCount = 1;
    this.ancestorSize = this.descendantSize = this.vsize;
    this.ancestorFee = this.descendantFee = this.fee;
    this.ancestorSigopCost = this.sigopCost;
    this.version++;
  }
}

/**
 * Every in-pool ancestor of the entries in `start` (not those themselves, unless one is an
 * ancestor of another), by walking parent links; entries in `exclude` are walked through but
 * left out of the result.
 */
export function ancestorsOf(start: Iterable<Entry>, exclude?: ReadonlySet<Entry>): Set<Entry> {
  return walk(start, (e) => e.parents, exclude);
}

/** Every in-pool descendant of the entries in `start`, as `ancestorsOf` the other way. */
export function descendantsOf(start: Iterable<Entry>, exclude?: ReadonlySet<Entry>): Set<Entry> {
  return walk(start, (e) => e.children, exclude);
}

function walk(
  start: Iterable<Entry>,
  next: (e: Entry) => Iterable<Entry>,
  exclude?: ReadonlySet<Entry>,
): Set<Entry> {
  const seen = new Set<Entry>();
  const stack: Entry[] = [];
  for (const s of start) for (const n of next(s)) stack.push(n);
  while (stack.length > 0) {
    const e = stack.pop()!;
    if (seen.has(e)) continue;
    seen.add(e);
    for (const n of next(e)) stack.push(n);
  }
  if (!exclude) return seen;
  // Filtered by what was reached, never by walking `exclude`: removing a block's n entries
  // calls this once per entry with all n excluded, which was O(n^2) (2.4 s for 5,000).
  const out = new Set<Entry>();
  for (const e of seen) if (!exclude.has(e)) out.add(e);
  return out;
}
