/**
 * Projected blocks: the mempool cut into the blocks a miner would build next (mempool.space's
 * GET /api/v1/fees/mempool-blocks and the fee recommendations it derives from them, backend
 * src/api/mempool-blocks.ts and fee-api.ts). Each block is what the node's own template
 * selection (mining/select.ts: Core's addPackageTxs, packages by ancestor fee rate, 4,000,000
 * weight units less the coinbase reserve) takes from what the previous ones left; as on
 * mempool.space there are at most 8, the last holding everything still left.
 *
 * Per block: `blockSize`, `blockVSize`, `nTx`, `totalFees`, `medianFee` and `feeRange` in
 * sat/vB over each tx's effective fee rate (the rate of the package it was selected in, so a
 * parent lifted by its child counts at the package's rate): `feeRange` at 0, 10, 25, 50, 75,
 * 90 and 100 % of the block's weight from the cheapest, `medianFee` the 50 % point.
 *
 * The projection costs O(n log n) in the mempool's size, so it is cached: rebuilt only after
 * the mempool changed, and then at most once every `minIntervalMs` (a busy mempool is seen at
 * most that late, as mempool.space refreshes its projection on its update loop).
 */
import {
  type Clock,
  COINBASE_RESERVED_SIGOPS,
  COINBASE_RESERVED_WEIGHT,
  type MempoolEntry,
  type MempoolReader,
  selectTransactions,
  type TemplateCandidate,
} from '../node/api.js';
import type { NetworkParams } from '../node/protocol/params.js';

export const PROJECTED_BLOCKS = 8;
const PERCENTILES = [0, 10, 25, 50, 75, 90, 100];

export interface ProjectedBlock {
  blockSize: number;
  blockVSize: number;
  nTx: number;
  totalFees: number;
  medianFee: number;
  feeRange: number[];
}

export interface Projection {
  blocks: ProjectedBlock[];
  /** Effective fee rate (sat/vB) of each mempool tx by txid. */
  rates: ReadonlyMap<string, number>;
}

interface Placed {
  entry: MempoolEntry;
  rate: number;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * Fee rates (sat/vB, 2 decimals) at 0, 10, 25, 50, 75, 90 and 100 % of the weight, from the
 * cheapest: a block's `feeRange`, whose middle value is its `medianFee`. Zeros when empty.
 */
export function feePercentiles(txs: readonly { rate: number; weight: number }[]): number[] {
  const byRate = [...txs].sort((a, b) => a.rate - b.rate);
  const total = byRate.reduce((s, t) => s + t.weight, 0);
  return PERCENTILES.map((p) => {
    if (byRate.length === 0) return 0;
    const mark = (total * p) / 100;
    let acc = 0;
    for (const t of byRate) {
      acc += t.weight;
      if (acc >= mark) return round2(t.rate);
    }
    return round2(byRate.at(-1)!.rate);
  });
}

function summarize(txs: readonly Placed[]): ProjectedBlock {
  let size = 0;
  let weight = 0;
  let fees = 0n;
  for (const t of txs) {
    size += t.entry.size;
    weight += t.entry.weight;
    fees += t.entry.fee;
  }
  const feeRange = feePercentiles(txs.map((t) => ({ rate: t.rate, weight: t.entry.weight })));
  return {
    blockSize: size,
    blockVSize: weight / 4,
    nTx: txs.length,
    totalFees: Number(fees),
    medianFee: feeRange[3]!,
    feeRange,
  };
}

/** Cuts `entries` into at most `count` projected blocks. Pure. */
export function projectBlocks(
  entries: readonly MempoolEntry[],
  params: Pick<NetworkParams, 'maxBlockWeight' | 'maxBlockSigopsCost'>,
  count = PROJECTED_BLOCKS,
): Projection {
  const byTxid = new Map<string, MempoolEntry>();
  for (const e of entries) byTxid.set(e.txid, e);
  const left = new Map(byTxid);
  const blocks: ProjectedBlock[] = [];
  const rates = new Map<string, number>();
  while (left.size > 0 && blocks.length < count - 1) {
    // Parents already placed in an earlier projected block count as confirmed.
    const candidates: TemplateCandidate[] = [...left.values()].map((e) => ({
      tx: e.tx,
      fee: e.fee,
      vsize: e.vsize,
      weight: e.weight,
      sigopCost: e.sigopCost,
      parents: [...e.parents].filter((p) => left.has(p.txid)).map((p) => p.txid),
    }));
    const sel = selectTransactions(candidates, {
      maxWeight: params.maxBlockWeight,
      reservedWeight: COINBASE_RESERVED_WEIGHT,
      maxSigopCost: params.maxBlockSigopsCost,
      reservedSigopCost: COINBASE_RESERVED_SIGOPS,
      minFeeRate: 0n,
      height: 0,
      // Finality is the next block's business; a projection ignores it.
      lockTimeCutoff: null,
      allowWitness: true,
    });
    if (sel.selected.length === 0) break;
    const placed = sel.selected.map((c, i) => ({
      entry: byTxid.get(c.tx.txidHex())!,
      rate: sel.packageRates[i]!,
    }));
    for (const p of placed) {
      rates.set(p.entry.txid, p.rate);
      left.delete(p.entry.txid);
    }
    blocks.push(summarize(placed));
  }
  if (left.size > 0) {
    // The last block holds the rest, each at its ancestor fee rate.
    const rest = [...left.values()].map((entry) => ({
      entry,
      rate: Number(entry.ancestorFee) / (entry.ancestorSize || entry.vsize),
    }));
    for (const r of rest) rates.set(r.entry.txid, r.rate);
    blocks.push(summarize(rest));
  }
  return { blocks, rates };
}

/** The projection, rebuilt lazily after the mempool changed (see the file header). */
export class ProjectedBlocks {
  private changed = true;
  private builtAt = Number.NEGATIVE_INFINITY;
  private cached: Projection = { blocks: [], rates: new Map() };
  private readonly unsubscribe: (() => void)[];

  private readonly mempool: MempoolReader;
  private readonly params: NetworkParams;
  private readonly clock: Clock;
  private readonly minIntervalMs: number;

  constructor(deps: { mempool: MempoolReader; params: NetworkParams; clock: Clock; minIntervalMs?: number }) {
    this.mempool = deps.mempool;
    this.params = deps.params;
    this.clock = deps.clock;
    this.minIntervalMs = deps.minIntervalMs ?? 2000;
    const mark = () => {
      this.changed = true;
    };
    this.unsubscribe = [this.mempool.on('added', mark), this.mempool.on('removed', mark)];
  }

  close(): void {
    for (const u of this.unsubscribe.splice(0)) u();
  }

  get(): Projection {
    const now = this.clock.now();
    if (this.changed && now - this.builtAt >= this.minIntervalMs) {
      this.changed = false;
      this.builtAt = now;
      this.cached = projectBlocks([...this.mempool.entries()], this.params);
    }
    return this.cached;
  }
}
