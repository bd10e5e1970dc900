/**
 * GET /api/v1/fees/recommended (mempool.space's fee-api.ts getRecommendedFee, followed step by
 * step): fastestFee, halfHourFee, hourFee, economyFee and minimumFee in whole sat/vB, read off
 * the first three projected blocks (projected.ts). A block less than half full says any rate
 * above the default of 1 sat/vB gets in; a last block between half and 95 % full scales its
 * median down by how full it is; each block's median is averaged with the one before it; the
 * results are made non-increasing from fastest to economy and never below the mempool minimum.
 */
import type { ProjectedBlock } from './projected.js';

export interface RecommendedFees {
  fastestFee: number;
  halfHourFee: number;
  hourFee: number;
  economyFee: number;
  minimumFee: number;
}

const DEFAULT_FEE = 1;

function optimizeMedianFee(
  block: ProjectedBlock,
  next: ProjectedBlock | undefined,
  previousFee?: number,
): number {
  const useFee = previousFee !== undefined ? (block.medianFee + previousFee) / 2 : block.medianFee;
  if (block.blockVSize <= 500_000) return DEFAULT_FEE;
  if (block.blockVSize <= 950_000 && !next) {
    const multiplier = (block.blockVSize - 500_000) / 500_000;
    return Math.max(Math.round(useFee * multiplier), DEFAULT_FEE);
  }
  return Math.ceil(useFee);
}

/** `minFeeRate` in sat/vB: the mempool's minimum (rolling minimum or relay fee). */
export function recommendedFees(blocks: readonly ProjectedBlock[], minFeeRate: number): RecommendedFees {
  const minimumFee = Math.ceil(minFeeRate);
  const defaultMin = Math.max(minimumFee, DEFAULT_FEE);
  const [b0, b1, b2, b3] = blocks;
  if (!b0)
    return {
      fastestFee: defaultMin,
      halfHourFee: defaultMin,
      hourFee: defaultMin,
      economyFee: minimumFee,
      minimumFee,
    };
  const first = optimizeMedianFee(b0, b1);
  const second = b1 ? optimizeMedianFee(b1, b2, first) : DEFAULT_FEE;
  const third = b2 ? optimizeMedianFee(b2, b3, second) : DEFAULT_FEE;
  const economyFee = Math.max(minimumFee, Math.min(2 * minimumFee, third));
  const hourFee = Math.max(minimumFee, third, economyFee);
  const halfHourFee = Math.max(minimumFee, second, hourFee);
  const fastestFee = Math.max(minimumFee, first, halfHourFee);
  return { fastestFee, halfHourFee, hourFee, economyFee, minimumFee };
}
