/**
 * Fee rates as Bitcoin Core's CFeeRate (policy/feerate.cpp): satoshis per 1,000 virtual bytes,
 * an integer. `feeRate(fee, vsize)` truncates as CFeeRate(fee, size) does; `feeAt(rate, vsize)`
 * rounds up as CFeeRate::GetFee does (and charges at least 1 sat for a positive rate).
 * `policyVsize` is GetVirtualTransactionSize with -bytespersigop 20 (policy/policy.cpp): a
 * transaction heavy in sigops is charged as if it were larger.
 */

/** sat/kvB. */
export type FeeRate = bigint;

/** Core's DEFAULT_MIN_RELAY_TX_FEE: 1 sat/vB. */
export const DEFAULT_MIN_RELAY_FEE_RATE: FeeRate = 1000n;
/** Core's DEFAULT_INCREMENTAL_RELAY_FEE: 1 sat/vB. */
export const DEFAULT_INCREMENTAL_RELAY_FEE_RATE: FeeRate = 1000n;
/** Core's DUST_RELAY_TX_FEE: 3 sat/vB. */
export const DEFAULT_DUST_RELAY_FEE_RATE: FeeRate = 3000n;
/** Core's DEFAULT_BYTES_PER_SIGOP. */
export const BYTES_PER_SIGOP = 20;

export function feeRate(fee: bigint, vsize: number): FeeRate {
  return vsize > 0 ? (fee * 1000n) / BigInt(vsize) : 0n;
}

export function feeAt(rate: FeeRate, vsize: number): bigint {
  const size = BigInt(vsize);
  let fee = (rate * size + 999n) / 1000n;
  if (rate < 0n) fee = (rate * size) / 1000n;
  if (fee === 0n && size !== 0n && rate > 0n) fee = 1n;
  return fee;
}

/** GetVirtualTransactionSize(weight, sigopCost, BYTES_PER_SIGOP). */
export function policyVsize(weight: number, sigopCost: number): number {
  return Math.ceil(Math.max(weight, sigopCost * BYTES_PER_SIGOP) / 4);
}

export function maxRate(a: FeeRate, b: FeeRate): FeeRate {
  return a > b ? a : b;
}
