/**
 * Standardness of what a transaction spends: Bitcoin Core's AreInputsStandard and
 * IsWitnessStandard (policy/policy.cpp).
 *
 * AreInputsStandard: no input may spend a non-standard or unknown-witness-version output (P2TR
 * is a known one); a P2SH redeem script (the last item the scriptSig leaves on the stack) may
 * have at most 15 sigops (MAX_P2SH_SIGOPS).
 *
 * IsWitnessStandard (Core 28): witness data only on inputs spending a witness program (directly
 * or P2SH-wrapped); a P2WSH witness script of at most 3,600 bytes and at most 100 stack items of
 * at most 80 bytes each besides it; a taproot spend has no annex (it has no meaning yet), and a
 * tapscript (leaf 0xc0) spend has stack items of at most 80 bytes besides the script and control
 * block. Upgradable leaf versions, OP_SUCCESSx and key types are refused by the standard script
 * flags (DISCOURAGE_*), not here.
 */
import { NULL_CHECKER } from '../protocol/script/checker.js';
import { ScriptError } from '../protocol/script/errors.js';
import { FLAGS } from '../protocol/script/flags.js';
import { evalScript } from '../protocol/script/interpreter.js';
import { SigVersion } from '../protocol/script/sighash.js';
import { countSigOps } from '../protocol/script/sigops.js';
import { ANNEX_TAG, TAPROOT_LEAF_MASK, TAPROOT_LEAF_TAPSCRIPT } from '../protocol/script/taproot.js';
import { classifyOutput, isPayToScriptHash, witnessProgramOf } from '../protocol/script/templates.js';
import type { Tx } from '../protocol/tx.js';
import { TxRejectError } from './errors.js';

export const MAX_P2SH_SIGOPS = 15;
export const MAX_STANDARD_P2WSH_SCRIPT_SIZE = 3600;
export const MAX_STANDARD_P2WSH_STACK_ITEMS = 100;
export const MAX_STANDARD_P2WSH_STACK_ITEM_SIZE = 80;
export const MAX_STANDARD_TAPSCRIPT_STACK_ITEM_SIZE = 80;

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
    if (type === 'nonstandard' || type === 'witness_unknown') {
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
    const p2shWrapped = isPayToScriptHash(prev);
    if (p2shWrapped) {
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
    if (wp.version === 1 && wp.program.length === 32 && !p2shWrapped) checkTaprootWitness(witness, i);
  });
}

function checkTaprootWitness(witness: readonly Uint8Array[], i: number): void {
  const last = witness[witness.length - 1]!;
  if (witness.length >= 2 && last.length > 0 && last[0] === ANNEX_TAG) {
    throw new TxRejectError('WITNESS_NONSTANDARD', `input ${i}: taproot annex`);
  }
  if (witness.length < 2) return; // a key-path spend: no policy beyond the flags
  const control = last;
  if (control.length === 0) throw new TxRejectError('WITNESS_NONSTANDARD', `input ${i}: empty control block`);
  if ((control[0]! & TAPROOT_LEAF_MASK) !== TAPROOT_LEAF_TAPSCRIPT) return;
  for (let k = 0; k < witness.length - 2; k++) {
    if (witness[k]!.length > MAX_STANDARD_TAPSCRIPT_STACK_ITEM_SIZE) {
      throw new TxRejectError('WITNESS_NONSTANDARD', `input ${i}: tapscript stack item ${k} too large`);
    }
  }
}
