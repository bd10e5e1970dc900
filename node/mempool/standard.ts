/**
 * Standardness of a transaction on its own: Bitcoin Core's IsStandardTx, IsStandard,
 * GetDustThreshold and IsDust (policy/policy.cpp), plus PreChecks' minimum non-witness size.
 *
 * - version 1 or 2. Core 28 also relays version 3 under the TRUC rules (BIP431: one parent,
 *   one child, 10 kvB); those topology rules are not implemented here, so v3 stays
 *   non-standard rather than being relayed without them.
 * - weight <= 400,000; each scriptSig <= 1,650 bytes and push-only;
 * - every output a standard type (Core's Solver via `classifyOutput`; bare multisig up to
 *   x-of-3, permitted as Core's -permitbaremultisig default); at most one OP_RETURN output
 *   whose whole script is <= 83 bytes (-datacarriersize); no output below the dust threshold
 *   at 3 sat/vB (-dustrelayfee). Core 29's single ephemeral dust output is not allowed.
 * - non-witness size >= 65 bytes (MIN_STANDARD_TX_NONWITNESS_SIZE, CVE-2017-12842).
 *
 * The per-output rules (dust, standard types) are the shared policy's (protocol/policy.ts),
 * which the wallet plans with too.
 */
import {
  dustThreshold as dustThresholdOf,
  MAX_OP_RETURN_RELAY,
  standardOutputType,
} from '../protocol/policy.js';
import { isPushOnly } from '../protocol/script/script.js';
import type { Tx, TxOut } from '../protocol/tx.js';
import { TxRejectError } from './errors.js';
import { DEFAULT_DUST_RELAY_FEE_RATE, type FeeRate } from './fee-rate.js';

export { MAX_OP_RETURN_RELAY } from '../protocol/policy.js';
export const MAX_STANDARD_TX_WEIGHT = 400_000;
export const MAX_STANDARD_SCRIPTSIG_SIZE = 1650;
export const MIN_STANDARD_TX_NONWITNESS_SIZE = 65;
export const TX_MIN_STANDARD_VERSION = 1;
export const TX_MAX_STANDARD_VERSION = 2;

export interface StandardOptions {
  readonly dustRelayFeeRate?: FeeRate;
  /** Largest OP_RETURN output script; null relays none. */
  readonly maxDatacarrierBytes?: number | null;
  readonly permitBareMultisig?: boolean;
}

/** GetDustThreshold of an output (the shared policy's, protocol/policy.ts). */
export function dustThreshold(out: TxOut, rate: FeeRate = DEFAULT_DUST_RELAY_FEE_RATE): bigint {
  return dustThresholdOf(out.script, rate);
}

export function isDust(out: TxOut, rate: FeeRate = DEFAULT_DUST_RELAY_FEE_RATE): boolean {
  return out.value < dustThreshold(out, rate);
}

/** IsStandardTx plus the tx-size-small check; throws TxRejectError with Core's reason. */
export function checkStandardTx(tx: Tx, opts: StandardOptions = {}): void {
  const dustRate = opts.dustRelayFeeRate ?? DEFAULT_DUST_RELAY_FEE_RATE;
  const maxData = opts.maxDatacarrierBytes === undefined ? MAX_OP_RETURN_RELAY : opts.maxDatacarrierBytes;
  const permitBareMultisig = opts.permitBareMultisig ?? true;

  // Core compares the version as unsigned since v28; signed or not, the outcome is the same.
  if (tx.version < TX_MIN_STANDARD_VERSION || tx.version > TX_MAX_STANDARD_VERSION) {
    throw new TxRejectError('VERSION', `version ${tx.version}`);
  }
  const weight = tx.weight();
  if (weight > MAX_STANDARD_TX_WEIGHT) throw new TxRejectError('TX_SIZE', `weight ${weight}`);
  tx.inputs.forEach((input, i) => {
    if (input.script.length > MAX_STANDARD_SCRIPTSIG_SIZE) {
      throw new TxRejectError('SCRIPTSIG_SIZE', `input ${i}: ${input.script.length} bytes`);
    }
    if (!isPushOnly(input.script)) throw new TxRejectError('SCRIPTSIG_NOT_PUSHONLY', `input ${i}`);
  });
  let dataOutputs = 0;
  tx.outputs.forEach((out, i) => {
    const kind = standardOutputType(out.script, maxData);
    if (kind === null) throw new TxRejectError('SCRIPTPUBKEY', `output ${i}`);
    if (kind === 'nulldata') dataOutputs++;
    else if (kind === 'multisig' && !permitBareMultisig)
      throw new TxRejectError('BARE_MULTISIG', `output ${i}`);
    else if (isDust(out, dustRate)) {
      throw new TxRejectError('DUST', `output ${i}: ${out.value} < ${dustThreshold(out, dustRate)}`);
    }
  });
  if (dataOutputs > 1) throw new TxRejectError('MULTI_OP_RETURN', `${dataOutputs} OP_RETURN outputs`);

  const stripped = tx.strippedSize();
  if (stripped < MIN_STANDARD_TX_NONWITNESS_SIZE) {
    throw new TxRejectError('TX_SIZE_SMALL', `non-witness size ${stripped}`);
  }
}
