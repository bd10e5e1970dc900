/**
 * Initial block download and sync progress, as Bitcoin Core decides them:
 *
 * - `InitialBlockDownload` is ChainstateManager::IsInitialBlockDownload (validation.cpp): true
 *   while the tip is older than -maxtipage (DEFAULT_MAX_TIP_AGE, 24 h) of the clock, then
 *   latched to false for the rest of the process, so a quiet network (no block for a day) does
 *   not send a synced node back into IBD. Core also waits for nMinimumChainWork; neither network
 *   here sets one (Core's regtest value is 0). A node that mines its own blocks leaves IBD with
 *   its first fresh block, as on Core's regtest, where generatetoaddress works during IBD.
 * - `verificationProgress` is GuessVerificationProgress (validation.cpp) with each network's
 *   ChainTxData: regtest's is {0, 0, 0}, so its progress is always 1, exactly as Core reports.
 *   On main the block index keeps no per-block transaction counts, so the same estimate counts
 *   blocks at the target spacing instead of transactions at a measured rate: the blocks we
 *   have over those plus the blocks the time since the tip should have produced.
 *
 * Pure apart from the state it latches: the caller passes the clock's value.
 */
import type { NetworkParams } from './protocol/params.js';

/** Core's DEFAULT_MAX_TIP_AGE, seconds. */
export const MAX_TIP_AGE = 24 * 60 * 60;

export class InitialBlockDownload {
  private left_ = false;
  private readonly maxTipAge: number;

  constructor(maxTipAge = MAX_TIP_AGE) {
    this.maxTipAge = maxTipAge;
  }

  /** Whether IBD has ended (it never starts again in this process). */
  get left(): boolean {
    return this.left_;
  }

  /** Whether a node whose tip block has time `tipTime` is in IBD at `now` (both in seconds). */
  check(tipTime: number, now: number): boolean {
    if (this.left_) return false;
    if (tipTime < now - this.maxTipAge) return true;
    this.left_ = true;
    return false;
  }
}

/** Core's ChainTxData, counted in blocks: a known point of the chain and its growth rate. */
interface ChainBlockData {
  /** Time of the known point (seconds). */
  time: number;
  /** Blocks up to and including the known point. */
  count: number;
  /** Blocks per second expected after it. */
  rate: number;
}

function chainData(params: NetworkParams): ChainBlockData {
  if (params.name === 'regtest') return { time: 0, count: 0, rate: 0 };
  return { time: params.genesis.header.time, count: 1, rate: 1 / params.targetSpacing };
}

/** Core's GuessVerificationProgress for a tip at `height` with block time `tipTime`, 0..1. */
export function verificationProgress(
  params: NetworkParams,
  tip: { height: number; time: number },
  now: number,
): number {
  const data = chainData(params);
  const have = tip.height + 1;
  const total =
    have <= data.count ? data.count + (now - data.time) * data.rate : have + (now - tip.time) * data.rate;
  return total <= 0 ? 1 : Math.min(1, have / total);
}
