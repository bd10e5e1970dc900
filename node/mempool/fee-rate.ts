/**
 * Fee rates as Bitcoin Core's CFeeRate (policy/feerate.cpp): satoshis per 1,000 virtual bytes,
 * an integer. `feeRate(fee, vsize)` truncates as CFeeRate(fee, size) does; `feeAt(rate, vsize)`
 * rounds up as CFeeRate::GetFee does (and charges at least 1 sat for a positive rate).
 * `policyVsize` is GetVirtualTransactionSize with -bytespersigop 20 (policy/policy.cpp): a
 * transaction heavy in sigops is charged as if it were larger. The two computations are the
 * shared policy's (protocol/policy.ts), which the wallet plans with.
 */
import { DUST_RELAY_FEE_RATE, type FeeRate, feeForVsize, virtualSize } from '../protocol/policy.js';

export type { FeeRate } from '../protocol/policy.js';
export { BYTES_PER_SIGOP } from '../protocol/policy.js';

/** Core's DEFAULT_MIN_RELAY_TX_FEE: 1 sat/vB. */
export const DEFAULT_MIN_RELAY_FEE_RATE: FeeRate = 1000n;
/** Core's DEFAULT_INCREMENTAL_RELAY_FEE: 1 sat/vB. */
export const DEFAULT_INCREMENTAL_RELAY_FEE_RATE: FeeRate = 1000n;
/** Core's DUST_RELAY_TX_FEE: 3 sat/vB. */
export const DEFAULT_DUST_RELAY_FEE_RATE: FeeRate = DUST_RELAY_FEE_RATE;

export function feeRate(fee: bigint, vsize: number): FeeRate {
  return vsize > 0 ? (fee * 1000n) / BigInt(vsize) : 0n;
}

/** CFeeRate::GetFee. */
export const feeAt = feeForVsize;

/** GetVirtualTransactionSize(weight, sigopCost, BYTES_PER_SIGOP). */
export const policyVsize = virtualSize;

export function maxRate(a: FeeRate, b: FeeRate): FeeRate {
  return a > b ? a : b;
}
