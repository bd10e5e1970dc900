/**
 * Sizes and standardness numbers the wallet plans with, for P2WPKH and key-path P2TR inputs
 * (Bitcoin Core's wallet size estimates). Dust, output sizes and fees are the node's own relay
 * policy (node/protocol/policy.ts: GetDustThreshold, CFeeRate::GetFee), so what the wallet
 * builds is what the mempool accepts.
 */

import { DUST_RELAY_FEE_RATE, outputSize, virtualSize } from '../node/protocol/policy.js';
import { varintSize } from '../node/protocol/writer.js';
import type { AddressType } from './hd.js';

export { dustThreshold, isUnspendable, outputSize } from '../node/protocol/policy.js';
/** Core's DUST_RELAY_TX_FEE: 3 sat/vB, in sat/kvB. */
export { DUST_RELAY_FEE_RATE };

/**
 * A P2WPKH input, in weight units: outpoint 36 + empty scriptSig 1 + sequence 4 = 41 bytes at 4 WU,
 * plus the witness at 1 WU: item count 1, signature push 1 + 72 (low-S DER <= 71 + hash type),
 * key push 1 + 33. 272 WU = 68 vB.
 */
export const P2WPKH_INPUT_WEIGHT = 41 * 4 + 1 + 1 + 72 + 1 + 33;

/**
 * A key-path P2TR input (BIP341), in weight units: the same 41 bytes at 4 WU, then the witness:
 * item count 1, signature push 1 + 64 (SIGHASH_DEFAULT adds no hash-type byte). 230 WU = 57.5 vB.
 */
export const P2TR_INPUT_WEIGHT = 41 * 4 + 1 + 1 + 64;

/** An input's type, or its weight itself (a P2WSH multisig input's depends on k and n). */
export type InputKind = AddressType | number;

export function inputWeight(type: InputKind): number {
  if (typeof type === 'number') return type;
  return type === 'p2tr' ? P2TR_INPUT_WEIGHT : P2WPKH_INPUT_WEIGHT;
}

/**
 * A P2WSH k-of-n CHECKMULTISIG input, in weight units: 41 bytes at 4 WU, then the witness:
 * item count, the empty item CHECKMULTISIG's extra pop takes, k signatures (push 1 + 72), and
 * the witness script (k, n keys of 33 bytes each pushed, n, OP_CHECKMULTISIG) with its length.
 */
export function multisigInputWeight(k: number, n: number): number {
  const script = 3 + 34 * n;
  return 41 * 4 + 1 + 1 + k * (1 + 72) + varintSize(script) + script;
}

/** The output type of a script this wallet can spend later (change): P2TR or else P2WPKH. */
export function spendTypeOf(script: Uint8Array): AddressType {
  return script.length === 34 && script[0] === 0x51 && script[1] === 0x20 ? 'p2tr' : 'p2wpkh';
}

/**
 * Weight of a transaction with these inputs (a count of P2WPKH inputs, or each input's type)
 * and these outputs (segwit serialization).
 */
export function txWeight(
  inputs: number | readonly InputKind[],
  outputScripts: readonly Uint8Array[],
): number {
  const types = typeof inputs === 'number' ? null : inputs;
  const count = types ? types.length : (inputs as number);
  let base = 4 + 4 + varintSize(count) + varintSize(outputScripts.length);
  for (const s of outputScripts) base += outputSize(s);
  const witness = types ? types.reduce((w: number, t) => w + inputWeight(t), 0) : count * P2WPKH_INPUT_WEIGHT;
  // marker and flag count 1 WU each
  return base * 4 + 2 + witness;
}

/** GetVirtualTransactionSize of a tx without unusual sigops: weight / 4, rounded up. */
export function vsizeOf(weight: number): number {
  return virtualSize(weight);
}
