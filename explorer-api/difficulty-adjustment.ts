/**
 * GET /api/v1/difficulty-adjustment, mempool.space's shape (backend src/api/difficulty-adjustment.ts:
 * progressPercent, difficultyChange, estimatedRetargetDate, remainingBlocks, remainingTime,
 * previousRetarget, previousTime, nextRetargetHeight, timeAvg, adjustedTimeAvg, timeOffset,
 * expectedBlocks) for this chain's rule, which is not Bitcoin's 2016-block epoch:
 *
 * - main retargets at every block (ASERT, consensus/difficulty.ts), so an "epoch" is one block:
 *   the next retarget is the next block, `remainingBlocks` is 1, and `difficultyChange` is exact,
 *   not a forecast: aserti3-2d fixes the next block's target from the tip's time and height, so
 *   it is the next block's difficulty against the tip's, in percent. `previousRetarget` is the
 *   tip's against its parent's. Progress and remaining time count from the tip's timestamp
 *   towards one target spacing.
 * - regtest never retargets (Core's fPowNoRetargeting): both changes are 0.
 *
 * `retargetRule` ('asert' or 'none') says which; times are as mempool.space gives them
 * (milliseconds, except `previousTime` in seconds), `timeAvg` is the mean spacing of the last
 * 144 blocks (or fewer near genesis), and `timeOffset` is 0 (no testnet 20-minute rule here).
 */
import type { BlockEntry } from '../node/api.js';
import { nextWorkRequired } from '../node/consensus/difficulty.js';
import type { NetworkParams } from '../node/protocol/params.js';
import { difficultyFromBits } from '../node/protocol/pow.js';

const AVG_BLOCKS = 144;

export interface DifficultyAdjustment {
  progressPercent: number;
  difficultyChange: number;
  estimatedRetargetDate: number;
  remainingBlocks: number;
  remainingTime: number;
  previousRetarget: number;
  previousTime: number;
  nextRetargetHeight: number;
  timeAvg: number;
  adjustedTimeAvg: number;
  timeOffset: number;
  expectedBlocks: number;
  retargetRule: 'asert' | 'none';
}

const change = (from: number, to: number) => (from > 0 ? (to / from - 1) * 100 : 0);

export function difficultyAdjustment(
  params: NetworkParams,
  tip: BlockEntry,
  nowMs: number,
): DifficultyAdjustment {
  const spacing = params.targetSpacing;
  const asert = params.difficulty.kind === 'asert';
  const current = difficultyFromBits(tip.header.bits);
  const next = asert
    ? difficultyFromBits(
        nextWorkRequired(params, { height: tip.height, bits: tip.header.bits, time: tip.header.time }),
      )
    : current;
  const previous = tip.prev ? difficultyFromBits(tip.prev.header.bits) : current;
  const n = Math.min(AVG_BLOCKS, tip.height);
  const base = n > 0 ? tip.ancestor(tip.height - n) : null;
  const timeAvg = base ? ((tip.header.time - base.header.time) / n) * 1000 : spacing * 1000;
  const elapsed = Math.max(0, nowMs / 1000 - tip.header.time);
  const remainingTime = Math.max(0, spacing - elapsed) * 1000;
  return {
    progressPercent: Math.min(100, (elapsed / spacing) * 100),
    difficultyChange: change(current, next),
    estimatedRetargetDate: Math.round(nowMs + remainingTime),
    remainingBlocks: 1,
    remainingTime: Math.round(remainingTime),
    previousRetarget: asert ? change(previous, current) : 0,
    previousTime: tip.header.time,
    nextRetargetHeight: tip.height + 1,
    timeAvg: Math.round(timeAvg),
    adjustedTimeAvg: Math.round(timeAvg),
    timeOffset: 0,
    expectedBlocks: elapsed / spacing,
    retargetRule: asert ? 'asert' : 'none',
  };
}
