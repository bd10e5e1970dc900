/**
 * A block's fee figures, as mempool.space adds them to GET /api/v1/block/:hash under `extras`
 * (backend src/api/blocks.ts): `totalFees`, `reward` (subsidy plus fees, what the coinbase may
 * claim), `medianFee` and `feeRange` (sat/vB over its txs by weight, projected.ts's
 * percentiles), `avgFee` and `avgFeeRate`; plus `subsidy`, which mempool.space leaves the reader
 * to work out. Fees come from the block's undo data (the coins its txs spent), so only blocks
 * on the main chain have them. Pure.
 */

import { blockSubsidy } from '../node/consensus/subsidy.js';
import type { Coin } from '../node/consensus/tx-inputs.js';
import type { Block } from '../node/protocol/block.js';
import type { NetworkParams } from '../node/protocol/params.js';
import { feePercentiles } from './projected.js';
import { feeOf } from './views.js';

export interface BlockExtras {
  totalFees: number;
  subsidy: number;
  reward: number;
  medianFee: number;
  feeRange: number[];
  avgFee: number;
  avgFeeRate: number;
}

export function blockExtras(
  block: Block,
  undo: readonly (readonly Coin[])[],
  height: number,
  params: Pick<NetworkParams, 'subsidy' | 'halvingInterval'>,
): BlockExtras {
  const txs = block.txs.slice(1).map((tx, i) => {
    const fee = feeOf(tx, undo[i] ?? []);
    const weight = tx.weight();
    return { fee, weight, rate: Number(fee) / (weight / 4) };
  });
  const totalFees = txs.reduce((s, t) => s + t.fee, 0n);
  const vsize = txs.reduce((s, t) => s + t.weight / 4, 0);
  const subsidy = blockSubsidy(height, params);
  const feeRange = feePercentiles(txs);
  return {
    totalFees: Number(totalFees),
    subsidy: Number(subsidy),
    reward: Number(subsidy + totalFees),
    medianFee: feeRange[3]!,
    feeRange,
    avgFee: txs.length ? Math.round(Number(totalFees) / txs.length) : 0,
    avgFeeRate: vsize ? Math.round((Number(totalFees) / vsize) * 100) / 100 : 0,
  };
}
