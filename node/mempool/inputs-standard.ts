/**
 * Standardness of what a transaction spends: Bitcoin Core's AreInputsStandard and
 * IsWitnessStandard (policy/policy.cpp).
 *
 * AreInputsStandard: no input may spend a non-standard or unknown-witness-version output; a
 * P2SH redeem script (the last item the scriptSig leaves on the stack) may have at most 15
 * sigops (MAX_P2SH_SIGOPS). This node does not implement taproot yet (the interpreter treats
 * v1 programs as anyone-can-spend, as Core does without SCRIPT_VERIFY_TAPROOT), so spending a
 * P2TR output is refused here too, as Core refused every v1+ spend before taproot activated.
 *
 * IsWitnessStandard: witness data only on inputs spending a witness program (directly or
 * P2SH-wrapped); a P2WSH witness script of at most 3,600 bytes and at most 100 stack items of
 * at most 80 bytes each besides it.
 */
import { NULL_CHECKER } from '../protocol/script/checker.js';
import { ScriptError } from '../protocol/script/errors.js';
import { FLAGS } from '../protocol/script/flags.js';
import { evalScript } from '../protocol/script/interpreter.js';
import { SigVersion } from '../protocol/script/sighash.js';
import { countSigOps } from '../protocol/script/sigops.js';
import { classifyOutput, isPayToScriptHash, witnessProgramOf } from '../protocol/script/templates.js';
import type { Tx } from '../protocol/tx.js';
import { TxRejectError } from './errors.js';

export const MAX_P2SH_SIGOPS = 15;
export const MAX_STANDARD_P2WSH_SCRIPT_SIZE = 3600;
export const MAX_STANDARD_P2WSH_STACK_ITEMS = 100;
export const MAX_STANDARD_P2WSH_STACK_ITEM_SIZE = 80;

/** EvalScript(scriptSig, SCRIPT_VERIFY_NONE, BaseSignatureChecker): the stack, or null on failure. */
export function scriptSigStack(scriptSig: Uint8Array): Uint8Array[] | null {
  const stack: Uint8Array[] = [];
  try {
    evalScript(stack, scriptSig, FLAGS.NONE, NULL_CHECKER, SigVersion.BASE);
  } catch (e) {
    if (e instanceof ScriptError) return null;
    throw e;
  }
  return stack;
}

/** `spent[i]` is the scriptPubKey input i spends. */
export function checkInputsStandard(tx: Tx, spent: readonly Uint8Array[]): void {
  tx.inputs.forEach((input, i) => {
    const prev = spent[i]!;
    const type = classifyOutput(prev).type;
    if (type === 'nonstandard' || type === 'witness_unknown' || type === 'p2tr') {
      throw new TxRejectError('NONSTANDARD_INPUTS', `input ${i} spends a ${type} output`);
    }
    if (type === 'p2sh') {
      const stack = scriptSigStack(input.script);
      const redeem = stack?.[stack.length - 1];
      if (!redeem) throw new TxRejectError('NONSTANDARD_INPUTS', `input ${i}: no redeem script`);
      const sigops = countSigOps(redeem, true);
      if (sigops > MAX_P2SH_SIGOPS) {
        throw new TxRejectError('NONSTANDARD_INPUTS', `input ${i}: ${sigops} P2SH sigops`);
      }
    }
  });
}

/** SpendsNonAnchorWitnessProg: some input spends a witness program, bare or P2SH-wrapped. */
export function spendsWitnessProgram(tx: Tx, spent: readonly Uint8Array[]): boolean {
  return tx.inputs.some((input, i) => {
    const prev = spent[i]!;
    if (witnessProgramOf(prev)) return true;
    if (!isPayToScriptHash(prev)) return false;
    const stack = scriptSigStack(input.script);
    const redeem = stack?.[stack.length - 1];
    return redeem !== undefined && witnessProgramOf(redeem) !== null;
  });
}

export function checkWitnessStandard(tx: Tx, spent: readonly Uint8Array[]): void {
  tx.inputs.forEach((input, i) => {
    const witness = input.witness;
    if (witness.length === 0) return;
    let prev = spent[i]!;
    if (isPayToScriptHash(prev)) {
      const stack = scriptSigStack(input.script);
      const redeem = stack?.[stack.length - 1];
      if (!redeem) throw new TxRejectError('WITNESS_NONSTANDARD', `input ${i}: no redeem script`);
      prev = redeem;
    }
    const wp = witnessProgramOf(prev);
    if (!wp) throw new TxRejectError('WITNESS_NONSTANDARD', `input ${i}: witness on a non-witness spend`);
    if (wp.version === 0 && wp.program.length === 32) {
      const script = witness[witness.length - 1]!;
      if (script.length > MAX_STANDARD_P2WSH_SCRIPT_SIZE) {
        throw new TxRejectError('WITNESS_NONSTANDARD', `input ${i}: witness script ${script.length} bytes`);
      }
      const items = witness.length - 1;
      if (items > MAX_STANDARD_P2WSH_STACK_ITEMS) {
        throw new TxRejectError('WITNESS_NONSTANDARD', `input ${i}: ${items} witness items`);
      }
      for (let k = 0; k < items; k++) {
        if (witness[k]!.length > MAX_STANDARD_P2WSH_STACK_ITEM_SIZE) {
          throw new TxRejectError('WITNESS_NONSTANDARD', `input ${i}: witness item ${k} too large`);
        }
      }
    }
  });
}
