/**
 * The mempool's dynamic minimum fee rate: Bitcoin Core's rollingMinimumFeeRate with
 * CTxMemPool::GetMinFee and trackPackageRemoved (txmempool.cpp). When the size limit evicts a
 * package, the minimum rises to that package's descendant fee rate plus the incremental relay
 * fee, so nothing cheaper gets straight back in. After the next block it decays with a 12-hour
 * half-life (6 h when the pool is under half full, 3 h under a quarter), updated at most every
 * 10 seconds, and drops to zero below half the incremental relay fee.
 */
import { type FeeRate, maxRate } from './fee-rate.js';

/** Core's ROLLING_FEE_HALFLIFE: 12 hours. */
export const ROLLING_FEE_HALFLIFE = 60 * 60 * 12;

export class RollingMinFee {
  private rate = 0;
  private lastUpdate = 0;
  private blockSinceBump = false;
  private readonly incremental: FeeRate;

  constructor(incremental: FeeRate) {
    this.incremental = incremental;
  }

  /** trackPackageRemoved: an evicted package's fee rate (already plus incremental). */
  packageRemoved(rate: FeeRate): void {
    if (Number(rate) > this.rate) {
      this.rate = Number(rate);
      this.blockSinceBump = false;
    }
  }

  /** removeForBlock's bookkeeping: decay may start. */
  blockConnected(now: number): void {
    this.lastUpdate = now;
    this.blockSinceBump = true;
  }

  /** GetMinFee: sat/kvB; 0 when no eviction has happened (or it has decayed away). */
  get(now: number, usage: number, maxUsage: number): FeeRate {
    if (!this.blockSinceBump || this.rate === 0) return BigInt(Math.round(this.rate));
    if (now > this.lastUpdate + 10) {
      let halflife = ROLLING_FEE_HALFLIFE;
      if (usage < maxUsage / 4) halflife /= 4;
      else if (usage < maxUsage / 2) halflife /= 2;
      this.rate /= 2 ** ((now - this.lastUpdate) / halflife);
      this.lastUpdate = now;
      if (this.rate < Number(this.incremental) / 2) {
        this.rate = 0;
        return 0n;
      }
    }
    const rate = BigInt(Math.round(this.rate));
    return maxRate(rate, this.incremental);
  }
}
