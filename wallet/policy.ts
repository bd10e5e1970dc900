/**
 * Sizes and standardness numbers the wallet plans with, as Bitcoin Core computes them
 * (policy/policy.cpp GetDustThreshold; wallet size estimates), for P2WPKH inputs.
 */

import { witnessProgramOf } from '../node/protocol/script/templates.js';
import { varintSize } from '../node/protocol/writer.js';
import { feeFor } from './amount.js';

/** Core's DUST_RELAY_TX_FEE: 3 sat/vB, in sat/kvB. */
export const DUST_RELAY_FEE_RATE = 3000n;

/**
 * A P2WPKH input, in weight units: outpoint 36 + empty scriptSig 1 + sequence 4 = 41 bytes at 4 WU,
 * plus the witness at 1 WU: item count 1, signature push 1 + 72 (low-S DER <= 71 + hash type),
 * key push 1 + 33. 272 WU = 68 vB.
 */
export const P2WPKH_INPUT_WEIGHT = 41 * 4 + 1 + 1 + 72 + 1 + 33;

/** Core's CScript::IsUnspendable: starts with OP_RETURN, or longer than MAX_SCRIPT_SIZE. */
export function isUnspendable(script: Uint8Array): boolean {
  return (script.length > 0 && script[0] === 0x6a) || script.length > 10_000;
}

/** Serialized size of an output paying to `script`. */
export function outputSize(script: Uint8Array): number {
  return 8 + varintSize(script.length) + script.length;
}

/**
 * GetDustThreshold: an output is dust when spending it would cost more than it is worth at the
 * dust relay fee: (output size + the input that spends it: 67 bytes for witness programs, 148
 * otherwise) at 3 sat/vB. 294 sats for P2WPKH, 546 for P2PKH. An unspendable output
 * (OP_RETURN, CScript::IsUnspendable) is never dust: it carries data, not value (0 sats).
 */
export function dustThreshold(script: Uint8Array): bigint {
  if (isUnspendable(script)) return 0n;
  const spend = witnessProgramOf(script) ? 32 + 4 + 1 + Math.floor(107 / 4) + 4 : 32 + 4 + 1 + 107 + 4;
  return feeFor(outputSize(script) + spend, DUST_RELAY_FEE_RATE);
}

/** Weight of a transaction with these many P2WPKH inputs and these outputs (segwit serialization). */
export function txWeight(inputs: number, outputScripts: readonly Uint8Array[]): number {
  let base = 4 + 4 + varintSize(inputs) + varintSize(outputScripts.length);
  for (const s of outputScripts) base += outputSize(s);
  // marker and flag count 1 WU each
  return base * 4 + 2 + inputs * P2WPKH_INPUT_WEIGHT;
}

export function vsizeOf(weight: number): number {
  return Math.ceil(weight / 4);
}
