/**
 * Fee estimates (GET /fee-estimates: `{"1": r, ..., "25": r, "144": r, "504": r, "1008": r}`,
 * sat/vB, the confirmation targets electrs asks bitcoind for) and the mempool fee histogram
 * (electrs' make_fee_histogram: bins of >50,000 vB from the highest fee rate down).
 *
 * Method, for a target of t blocks, the largest of three rates, then made non-increasing in t:
 * - floor: the mempool's minimum fee rate (rolling minimum, at least the 1 sat/vB relay fee);
 * - mempool: the mempool sorted by ancestor fee rate (what block templates select by) fills
 *   virtual blocks of 999,000 vB (Core's default block weight minus the coinbase reserve); if it
 *   holds more than t blocks, the rate of the tx at the end of block t, else nothing;
 * - recent blocks: each of the last 24 main-chain blocks gives the rate it demanded: 0 if it was
 *   not full (< 90% of the weight limit: anything paying the floor fit), else the 5th percentile
 *   by vsize of its txs' fee rates (the lowest rate a miner took, robust to a few CPFP parents).
 *   If blocks were drawn like these, a tx paying r misses t blocks in a row with probability
 *   P(v > r)^t; we pick the smallest r with that at most 10%, i.e. the quantile 1 - 0.1^(1/t).
 *
 * A target the node has no data for is left out rather than padded with the floor, as electrs
 * leaves out the targets bitcoind's estimatesmartfee cannot answer ("Insufficient data"): it
 * needs a mempool backlog (which prices every target: past its end the floor is enough) or
 * min(t, 24) recent blocks seen. A fresh chain with an empty mempool answers `{}`.
 */
import {
  type BlockEntry,
  type Clock,
  type MempoolEntry,
  type MempoolReader,
  realClock,
  unref,
} from '../node/api.js';
import type { ExplorerData } from './data.js';
import { Lru } from './lru.js';
import { feeOf } from './views.js';

export const CONF_TARGETS = [...Array.from({ length: 25 }, (_, i) => i + 1), 144, 504, 1008];
export const BLOCK_VSIZE = 999_000;
const MAX_WEIGHT = 4_000_000;
const FULL_WEIGHT = MAX_WEIGHT * 0.9;
const RECENT_BLOCKS = 24;
const MISS_PROBABILITY = 0.1;

export interface FeeInputs {
  /** Mempool txs: fee rate (sat/vB) they are mined by, and vsize. */
  mempool: readonly { rate: number; vsize: number }[];
  /** Per recent block, the rate it demanded (0 when it was not full). */
  blocks: readonly number[];
  /** sat/vB. */
  floor: number;
  blockVsize?: number;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

const MAX_MILLI_RATE = 2 ** 32; // rates in 1/1000 sat/vB sort as u32 keys
const DIGIT_BITS = 11;
const DIGITS = 1 << DIGIT_BITS;
/**
 * The mempool as two parallel arrays: each tx's rate in 1/1000 sat/vB (the mempool's sat/kvB,
 * Core's CFeeRate) and its vsize. Filled straight from the mempool's entries, so a
 * recomputation over 50,000 txs allocates two typed arrays, not 50,000 objects (whose garbage
 * the next requests paid for in collector pauses).
 */
export interface PackedMempool {
  milli: Float64Array;
  vsize: Float64Array;
  length: number;
}

export function packMempool(txs: readonly { rate: number; vsize: number }[]): PackedMempool {
  const n = txs.length;
  const out = { milli: new Float64Array(n), vsize: new Float64Array(n), length: n };
  for (let i = 0; i < n; i++) {
    out.milli[i] = Math.round(txs[i]!.rate * 1000);
    out.vsize[i] = txs[i]!.vsize;
  }
  return out;
}

/**
 * Indexes of the packed mempool by rate, highest first (ties: the later tx first). The rate in
 * 1/1000 sat/vB is a u32 key, sorted by an LSD radix sort (three passes of 11 bits, stable), so
 * a recomputation is linear in the mempool: sorting 50,000 float64 keys natively cost ~7 ms of
 * CPU, most of a recomputation, and blocked the event loop for it (bench/fees.ts). A rate that
 * is not a u32 (absurdly high) makes the whole pool take a comparator sort.
 */
function byRateDescending(pool: PackedMempool): Uint32Array {
  const n = pool.length;
  let order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const keys = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const milli = pool.milli[i]!;
    if (!(milli >= 0 && milli < MAX_MILLI_RATE && Number.isInteger(milli))) {
      const idx = Array.from({ length: n }, (_, j) => j);
      idx.sort((a, b) => pool.milli[b]! - pool.milli[a]! || b - a);
      return Uint32Array.from(idx);
    }
    keys[i] = milli;
  }
  let tmp = new Uint32Array(n);
  const count = new Uint32Array(DIGITS);
  for (let shift = 0; shift < 32; shift += DIGIT_BITS) {
    count.fill(0);
    for (let i = 0; i < n; i++) count[(keys[order[i]!]! >>> shift) & (DIGITS - 1)]!++;
    let sum = 0;
    for (let d = 0; d < DIGITS; d++) {
      const c = count[d]!;
      count[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const j = order[i]!;
      tmp[count[(keys[j]! >>> shift) & (DIGITS - 1)]!++] = j;
    }
    [order, tmp] = [tmp, order];
  }
  return order.reverse();
}

export function estimateFees(inp: FeeInputs): Record<string, number> {
  return estimatePacked(packMempool(inp.mempool), inp.blocks, inp.floor, inp.blockVsize);
}

/** estimateFees over a packed mempool (see the file header for the method). */
export function estimatePacked(
  pool: PackedMempool,
  blocks: readonly number[],
  floor: number,
  blockVsize = BLOCK_VSIZE,
): Record<string, number> {
  const order = byRateDescending(pool);
  const n = pool.length;
  const demanded = [...blocks].sort((a, b) => a - b);
  const out: Record<string, number> = {};
  let prev = Number.POSITIVE_INFINITY;
  let cum = 0;
  let k = 0;
  for (const t of CONF_TARGETS) {
    // The tx straddling the end of virtual block t, if the mempool reaches that far.
    const boundary = t * blockVsize;
    while (k < n && cum + pool.vsize[order[k]!]! <= boundary) cum += pool.vsize[order[k++]!]!;
    const projected = k < n ? pool.milli[order[k]!]! / 1000 : 0;
    let recent = 0;
    if (demanded.length > 0) {
      const q = 1 - MISS_PROBABILITY ** (1 / t);
      recent = demanded[Math.max(0, Math.ceil(q * demanded.length) - 1)]!;
    }
    const est = Math.min(prev, Math.max(floor, projected, recent));
    prev = est;
    if (n > 0 || demanded.length >= Math.min(t, RECENT_BLOCKS)) out[String(t)] = round3(est);
  }
  return out;
}

/** The rate a block demanded (see the file header), from its txs' fees and vsizes. */
export function demandedRate(weight: number, txs: readonly { fee: bigint; weight: number }[]): number {
  if (weight < FULL_WEIGHT || txs.length === 0) return 0;
  const rates = txs.map((t) => ({ rate: Number(t.fee) / (t.weight / 4), vsize: t.weight / 4 }));
  rates.sort((a, b) => a.rate - b.rate);
  const total = rates.reduce((s, r) => s + r.vsize, 0);
  let acc = 0;
  for (const r of rates) {
    acc += r.vsize;
    if (acc >= total * 0.05) return r.rate;
  }
  return rates[rates.length - 1]!.rate;
}

/** electrs' make_fee_histogram over the mempool: [fee rate, vsize of txs paying >= it]. */
export function feeHistogram(entries: Iterable<MempoolEntry>): [number, number][] {
  const infos = [...entries].map((e) => ({ rate: Number(e.fee) / (e.weight / 4), vsize: e.vsize }));
  infos.sort((a, b) => b.rate - a.rate);
  const out: [number, number][] = [];
  let bin = 0;
  let last = 0;
  for (const e of infos) {
    if (bin > 50_000 && last !== e.rate) {
      out.push([last, bin]);
      bin = 0;
    }
    last = e.rate;
    bin += e.vsize;
  }
  if (bin > 0) out.push([last, bin]);
  return out;
}

/** How stale the cached estimates may be while the mempool keeps changing (ms). */
export const REFRESH_MS = 1000;

/**
 * The estimates for requests: never computed on a request's path while the mempool is busy.
 * The cached answer is served as long as the tip is unchanged; a mempool change schedules one
 * recomputation, at most once every REFRESH_MS, on a timer, so a busy mempool is seen up to
 * a second late (mempool.space refreshes on its update loop the same way). A request waits
 * for a computation only when there is no answer for the current tip yet (the first request,
 * or the first after a block, which changes the estimates more than any mempool churn), or
 * when the cached answer is older than REFRESH_MS (an idle node answers from its mempool as
 * it is now). One computation at a time, shared by every caller meanwhile.
 */
export class FeeEstimator {
  private readonly demanded = new Lru<string, number>(RECENT_BLOCKS * 4);
  private cached: { tip: string; version: number; at: number; value: Record<string, number> } | null = null;
  private inflight: Promise<Record<string, number>> | null = null;
  private timer: unknown = null;
  /** Mempool size at the last computation: the next one's first guess of its arrays' length. */
  private lastSize = 0;
  /** Bumped by every mempool change: an unchanged mempool on an unchanged tip is never recomputed. */
  private version = 0;
  private readonly unsubscribe: (() => void)[];

  private readonly data: ExplorerData;
  private readonly clock: Clock;

  constructor(data: ExplorerData, clock: Clock = realClock) {
    this.data = data;
    this.clock = clock;
    const mark = () => {
      this.version++;
    };
    const mempool = data.node.mempool;
    this.unsubscribe = [mempool.on('added', mark), mempool.on('removed', mark)];
  }

  close(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private async blockDemand(e: BlockEntry): Promise<number> {
    const hit = this.demanded.get(e.hashHex);
    if (hit !== undefined) return hit;
    const { sizes } = await this.data.blockInfo(e);
    let rate = 0;
    if (sizes.weight >= FULL_WEIGHT) {
      const block = await this.data.block(e);
      const undo = (await this.data.undo(e)) ?? [];
      const txs = block.txs.slice(1).map((tx, i) => {
        const coins = undo[i] ?? [];
        return { fee: feeOf(tx, coins), weight: tx.weight() };
      });
      rate = demandedRate(sizes.weight, txs);
    }
    this.demanded.set(e.hashHex, rate);
    return rate;
  }

  /** The estimates (see the class comment for when they are recomputed). */
  async estimates(): Promise<Record<string, number>> {
    const c = this.cached;
    if (c && c.tip === this.data.chain.tip.hashHex) {
      if (c.version === this.version) return c.value;
      const age = this.clock.now() - c.at;
      if (age < REFRESH_MS) {
        this.refreshIn(REFRESH_MS - age);
        return c.value;
      }
    }
    return this.recompute();
  }

  private refreshIn(ms: number): void {
    if (this.timer !== null || this.inflight) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.recompute().catch((e: unknown) =>
        this.data.node.log.warn(`fee estimates: ${e instanceof Error ? e.message : String(e)}`),
      );
    }, ms);
    unref(this.timer);
  }

  private recompute(): Promise<Record<string, number>> {
    if (!this.inflight) {
      this.inflight = this.compute().finally(() => {
        this.inflight = null;
      });
    }
    return this.inflight;
  }

  private async compute(): Promise<Record<string, number>> {
    const chain = this.data.chain;
    const tip = chain.tip.hashHex;
    const blocks: number[] = [];
    for (let e: BlockEntry | null = chain.tip; e && e.height > 0 && blocks.length < RECENT_BLOCKS; e = e.prev)
      blocks.push(await this.blockDemand(e));
    // Read after the awaits, so what is cached is the mempool at `version`.
    const version = this.version;
    const mempool = this.data.node.mempool;
    const packed = packEntries(mempool, this.lastSize + 16);
    this.lastSize = packed.length;
    const value = estimatePacked(packed, blocks, Number(mempool.minFeeRate()) / 1000);
    this.cached = { tip, version, at: this.clock.now(), value };
    return value;
  }
}

/**
 * The mempool's ancestor fee rates (sat/kvB, what block templates select by) and vsizes, read
 * without an object per tx. The rate is computed in floating point and truncated, as CFeeRate
 * is: exact for any fee below 9e12 sat.
 */
export function packEntries(mempool: MempoolReader, sizeHint = 1024): PackedMempool {
  let cap = Math.max(16, sizeHint);
  let milli = new Float64Array(cap);
  let vsize = new Float64Array(cap);
  let n = 0;
  for (const e of mempool.entries()) {
    if (n === cap) {
      cap *= 2;
      const m = new Float64Array(cap);
      m.set(milli);
      milli = m;
      const v = new Float64Array(cap);
      v.set(vsize);
      vsize = v;
    }
    milli[n] = e.ancestorSize > 0 ? Math.floor((Number(e.ancestorFee) * 1000) / e.ancestorSize) : 0;
    vsize[n++] = e.vsize;
  }
  return { milli, vsize, length: n };
}
