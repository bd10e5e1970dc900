/**
 * The relay-policy numbers a node enforces and a wallet must plan with, in one place so the
 * two cannot drift (Bitcoin Core's policy/policy.cpp and policy/feerate.cpp):
 *
 * - `feeForVsize`: CFeeRate::GetFee, sat/kvB times vsize rounded up, at least 1 sat for a
 *   positive rate.
 * - `virtualSize`: GetVirtualTransactionSize, weight / 4 rounded up, or the sigop cost times
 *   -bytespersigop (20) when that is larger.
 * - `dustThreshold` / `isDust`: GetDustThreshold / IsDust at the dust relay fee (3 sat/vB):
 *   an output is dust when it is worth less than the output plus the input spending it cost.
 * - `standardOutputType`: IsStandard for one output script (Solver's types; bare multisig up
 *   to 3 keys; OP_RETURN outputs up to -datacarriersize).
 *
 * Pure: the mempool applies these to what peers send, the wallet to what it builds.
 */
import { OP } from './script/opcodes.js';
import { MAX_SCRIPT_SIZE } from './script/script.js';
import { classifyOutput, witnessProgramOf } from './script/templates.js';
import { varintSize } from './writer.js';

/** sat/kvB, Core's CFeeRate. */
export type FeeRate = bigint;

/** Core's DUST_RELAY_TX_FEE: 3 sat/vB. */
export const DUST_RELAY_FEE_RATE: FeeRate = 3000n;
/** Core's DEFAULT_BYTES_PER_SIGOP. */
export const BYTES_PER_SIGOP = 20;
/** Core's MAX_OP_RETURN_RELAY: OP_RETURN, a pushdata opcode and 80 bytes. */
export const MAX_OP_RETURN_RELAY = 83;
/** Bare multisig is standard up to n = 3. */
export const MAX_STANDARD_MULTISIG_KEYS = 3;

/** CFeeRate::GetFee: what `vsize` vbytes cost at `rate`. */
export function feeForVsize(rate: FeeRate, vsize: number): bigint {
  const size = BigInt(vsize);
  let fee = (rate * size + 999n) / 1000n;
  if (rate < 0n) fee = (rate * size) / 1000n;
  if (fee === 0n && size !== 0n && rate > 0n) fee = 1n;
  return fee;
}

/** GetVirtualTransactionSize(weight, sigopCost, BYTES_PER_SIGOP). */
export function virtualSize(weight: number, sigopCost = 0): number {
  return Math.ceil(Math.max(weight, sigopCost * BYTES_PER_SIGOP) / 4);
}

/** CScript::IsUnspendable: starts with OP_RETURN, or longer than MAX_SCRIPT_SIZE. */
export function isUnspendable(script: Uint8Array): boolean {
  return (script.length > 0 && script[0] === OP.OP_RETURN) || script.length > MAX_SCRIPT_SIZE;
}

/** Serialized size of an output paying to `script`: value 8, script length, script. */
export function outputSize(script: Uint8Array): number {
  return 8 + varintSize(script.length) + script.length;
}

/**
 * GetDustThreshold: the output's size plus the input that spends it (outpoint 36, script
 * length 1, sequence 4, and a P2WPKH witness of 107 bytes at a quarter for witness programs,
 * else a 107-byte P2PKH scriptSig at full size), at `rate`: 294 sats for P2WPKH and 546 for
 * P2PKH at 3 sat/vB. Unspendable outputs carry data, not value: 0.
 */
export function dustThreshold(script: Uint8Array, rate: FeeRate = DUST_RELAY_FEE_RATE): bigint {
  if (isUnspendable(script)) return 0n;
  const spend = witnessProgramOf(script) ? 32 + 4 + 1 + Math.floor(107 / 4) + 4 : 32 + 4 + 1 + 107 + 4;
  return feeForVsize(rate, outputSize(script) + spend);
}

export function isDust(value: bigint, script: Uint8Array, rate: FeeRate = DUST_RELAY_FEE_RATE): boolean {
  return value < dustThreshold(script, rate);
}

/**
 * IsStandard for one output script: 'nulldata' (OP_RETURN up to `maxDatacarrierBytes`, none
 * when null), 'multisig' (bare, 1 <= m <= n <= 3), 'other' for every other standard type,
 * or null when the script is non-standard.
 */
export function standardOutputType(
  script: Uint8Array,
  maxDatacarrierBytes: number | null = MAX_OP_RETURN_RELAY,
): 'nulldata' | 'multisig' | 'other' | null {
  const c = classifyOutput(script);
  switch (c.type) {
    case 'nonstandard':
      return null;
    case 'multisig': {
      const n = c.pubkeys.length;
      return n >= 1 && n <= MAX_STANDARD_MULTISIG_KEYS && c.m >= 1 && c.m <= n ? 'multisig' : null;
    }
    case 'nulldata':
      return maxDatacarrierBytes !== null && script.length <= maxDatacarrierBytes ? 'nulldata' : null;
    default:
      return 'other';
  }
}
