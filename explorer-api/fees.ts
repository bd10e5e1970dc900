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
import type { BlockEntry, MempoolEntry } from '../node/api.js';
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

const INDEX_BITS = 2 ** 20;
const MAX_MILLI_RATE = 2 ** 32; // rate in 1/1000 sat/vB: key = rate * 2^20 + index < 2^53

/**
 * The mempool by rate, highest first. A 50,000-tx mempool sorted with a comparator over objects
 * took 80-200 ms on a loaded 2-core machine (bench/fees.ts), so each tx becomes one float64 key,
 * its rate in 1/1000 sat/vB (the mempool's sat/kvB) times 2^20 plus its index, exact below 2^53,
 * and the keys are sorted natively, several times faster. Rates are compared rounded to 1/1000
 * sat/vB; a pool too large or a rate too high for the key takes the comparator.
 */
function byRateDescending(mempool: FeeInputs['mempool']): { rate: number; vsize: number }[] {
  const n = mempool.length;
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const milli = Math.round(mempool[i]!.rate * 1000);
    if (n >= INDEX_BITS || !(milli >= 0 && milli < MAX_MILLI_RATE))
      return [...mempool].sort((a, b) => b.rate - a.rate);
    keys[i] = milli * INDEX_BITS + i;
  }
  keys.sort();
  const out = new Array<{ rate: number; vsize: number }>(n);
  for (let k = 0; k < n; k++) out[k] = mempool[keys[n - 1 - k]! % INDEX_BITS]!;
  return out;
}

export function estimateFees(inp: FeeInputs): Record<string, number> {
  const blockVsize = inp.blockVsize ?? BLOCK_VSIZE;
  const pool = byRateDescending(inp.mempool);
  const demanded = [...inp.blocks].sort((a, b) => a - b);
  const out: Record<string, number> = {};
  let prev = Number.POSITIVE_INFINITY;
  let cum = 0;
  let k = 0;
  for (const t of CONF_TARGETS) {
    // The tx straddling the end of virtual block t, if the mempool reaches that far.
    const boundary = t * blockVsize;
    while (k < pool.length && cum + pool[k]!.vsize <= boundary) cum += pool[k++]!.vsize;
    const projected = k < pool.length ? pool[k]!.rate : 0;
    let recent = 0;
    if (demanded.length > 0) {
      const q = 1 - MISS_PROBABILITY ** (1 / t);
      recent = demanded[Math.max(0, Math.ceil(q * demanded.length) - 1)]!;
    }
    const est = Math.min(prev, Math.max(inp.floor, projected, recent));
    prev = est;
    if (pool.length > 0 || demanded.length >= Math.min(t, RECENT_BLOCKS)) out[String(t)] = round3(est);
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

export class FeeEstimator {
  private readonly demanded = new Lru<string, number>(RECENT_BLOCKS * 4);
  private cached: { tip: string; version: number; at: number; value: Record<string, number> } | null = null;
  private inflight: Promise<Record<string, number>> | null = null;
  /** Bumped by every mempool change: an unchanged mempool on an unchanged tip is never recomputed. */
  private version = 0;
  private readonly unsubscribe: (() => void)[];

  private readonly data: ExplorerData;

  constructor(data: ExplorerData) {
    this.data = data;
    const mark = () => {
      this.version++;
    };
    const mempool = data.node.mempool;
    this.unsubscribe = [mempool.on('added', mark), mempool.on('removed', mark)];
  }

  close(): void {
    for (const u of this.unsubscribe.splice(0)) u();
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

  /**
   * The estimates, recomputed only when the tip moved or the mempool changed, and after a
   * mempool change at most once a second (a busy mempool is seen up to a second late); one
   * computation at a time, which every caller meanwhile shares.
   */
  async estimates(): Promise<Record<string, number>> {
    const tip = this.data.chain.tip.hashHex;
    const now = Date.now();
    const c = this.cached;
    if (c && c.tip === tip && (c.version === this.version || now - c.at < 1000)) return c.value;
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
    const value = estimateFees({
      mempool: [...mempool.entries()].map((e) => ({
        rate: Number(e.ancestorFeeRate()) / 1000,
        vsize: e.vsize,
      })),
      blocks,
      floor: Number(mempool.minFeeRate()) / 1000,
    });
    this.cached = { tip, version, at: Date.now(), value };
    return value;
  }
}
