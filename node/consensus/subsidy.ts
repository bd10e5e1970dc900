/**
 * Block subsidy: Bitcoin Core's GetBlockSubsidy (src/validation.cpp). The initial subsidy
 * halves every `halvingInterval` blocks by a right shift (odd satoshis round down), and is zero
 * from the 64th halving on: Core forces that because shifting its int64 CAmount by 64 or more
 * is undefined. At 50 coins the shift reaches zero after 33 halvings anyway; the cut-off is
 * kept so the rule does not depend on the initial amount.
 *
 * Pure: heights and params in, satoshis out.
 */
import type { NetworkParams } from '../protocol/params.js';

/** Halvings after which the subsidy is zero whatever its initial amount (Core's `>= 64`). */
export const MAX_HALVINGS = 64;

/** Satoshis a coinbase at `height` may create on top of its fees. */
export function blockSubsidy(
  height: number,
  params: Pick<NetworkParams, 'subsidy' | 'halvingInterval'>,
): bigint {
  if (!Number.isSafeInteger(height) || height < 0) {
    throw new RangeError(`block height must be a non-negative integer, got ${height}`);
  }
  const halvings = Math.floor(height / params.halvingInterval);
  if (halvings >= MAX_HALVINGS) return 0n;
  return params.subsidy >> BigInt(halvings);
}
