/**
 * Sizes and standardness numbers the wallet plans with, for P2WPKH inputs (Bitcoin Core's
 * wallet size estimates). Dust, output sizes and fees are the node's own relay policy
 * (node/protocol/policy.ts: GetDustThreshold, CFeeRate::GetFee), so what the wallet builds is
 * what the mempool accepts.
 */

import { DUST_RELAY_FEE_RATE, outputSize, virtualSize } from '../node/protocol/policy.js';
import { varintSize } from '../node/protocol/writer.js';

export { dustThreshold, isUnspendable, outputSize } from '../node/protocol/policy.js';
/** Core's DUST_RELAY_TX_FEE: 3 sat/vB, in sat/kvB. */
export { DUST_RELAY_FEE_RATE };

/**
 * A P2WPKH input, in weight units: outpoint 36 + empty scriptSig 1 + sequence 4 = 41 bytes at 4 WU,
 * plus the witness at 1 WU: item count 1, signature push 1 + 72 (low-S DER <= 71 + hash type),
 * key push 1 + 33. 272 WU = 68 vB.
 */
export const P2WPKH_INPUT_WEIGHT = 41 * 4 + 1 + 1 + 72 + 1 + 33;

/** Weight of a transaction with these many P2WPKH inputs and these outputs (segwit serialization). */
export function txWeight(inputs: number, outputScripts: readonly Uint8Array[]): number {
  let base = 4 + 4 + varintSize(inputs) + varintSize(outputScripts.length);
  for (const s of outputScripts) base += outputSize(s);
  // marker and flag count 1 WU each
  return base * 4 + 2 + inputs * P2WPKH_INPUT_WEIGHT;
}

/** GetVirtualTransactionSize of a tx without unusual sigops: weight / 4, rounded up. */
export function vsizeOf(weight: number): number {
  return virtualSize(weight);
}
