/**
 * Script verification: Bitcoin Core's VerifyScript, VerifyWitnessProgram and
 * ExecuteWitnessScript (interpreter.cpp) for legacy, P2SH (BIP16), segwit v0 (BIP141/143) and
 * taproot (BIP341 key and script paths, BIP342 tapscript under SCRIPT_VERIFY_TAPROOT), line for
 * line in behaviour, on top of `evalScript`. Failures throw ScriptError with Core's SCRIPT_ERR_*
 * name.
 */
import { equal } from '../bytes.js';
import { sha256 } from '../hash.js';
import { Writer } from '../writer.js';
import type { SignatureChecker } from './checker.js';
import { ScriptError, type ScriptErrorCode } from './errors.js';
import { FLAGS } from './flags.js';
import { evalScript } from './interpreter.js';
import { castToBool } from './num.js';
import { isPushOnly, MAX_SCRIPT_ELEMENT_SIZE, MAX_STACK_SIZE, newStep, pushBytes, readOp } from './script.js';
import { SigVersion } from './sighash.js';
import type { TaprootExecData } from './sighash-taproot.js';
import {
  ANNEX_TAG,
  isOpSuccess,
  isValidControlSize,
  TAPROOT_LEAF_MASK,
  TAPROOT_LEAF_TAPSCRIPT,
  tapleafHash,
  VALIDATION_WEIGHT_OFFSET,
  verifyTaprootCommitment,
} from './taproot.js';
import { isPayToScriptHash, p2pkh, witnessProgramOf } from './templates.js';

function fail(code: ScriptErrorCode): never {
  throw new ScriptError(code);
}

function verifyWitnessProgram(
  witness: readonly Uint8Array[],
  version: number,
  program: Uint8Array,
  flags: number,
  checker: SignatureChecker,
  isP2sh: boolean,
): void {
  let stack: Uint8Array[];
  let script: Uint8Array;
  if (version === 0) {
    if (program.length === 32) {
      if (witness.length === 0) fail('WITNESS_PROGRAM_WITNESS_EMPTY');
      script = witness[witness.length - 1]!;
      stack = witness.slice(0, -1);
      if (!equal(sha256(script), program)) fail('WITNESS_PROGRAM_MISMATCH');
    } else if (program.length === 20) {
      if (witness.length !== 2) fail('WITNESS_PROGRAM_MISMATCH');
      script = p2wpkhScriptCode(program);
      stack = witness.slice();
    } else {
      fail('WITNESS_PROGRAM_WRONG_LENGTH');
    }
  } else if (version === 1 && program.length === 32 && !isP2sh) {
    // Taproot without SCRIPT_VERIFY_TAPROOT: anyone can spend, and not discouraged (Core).
    if (!(flags & FLAGS.TAPROOT)) return;
    verifyTaproot(witness, program, flags, checker);
    return;
  } else if (flags & FLAGS.DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM) {
    fail('DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM');
  } else {
    return;
  }
  executeWitnessScript(stack, script, flags, checker, SigVersion.WITNESS_V0);
}

/** BIP341: a key-path spend (one item left after the annex) or a script-path spend. */
function verifyTaproot(
  witness: readonly Uint8Array[],
  program: Uint8Array,
  flags: number,
  checker: SignatureChecker,
): void {
  const stack = witness.slice();
  if (stack.length === 0) fail('WITNESS_PROGRAM_WITNESS_EMPTY');
  const exec: TaprootExecData = { annexHash: null, codeSeparatorPos: 0xffffffff, validationWeightLeft: 0 };
  const last = stack[stack.length - 1]!;
  if (stack.length >= 2 && last.length > 0 && last[0] === ANNEX_TAG) {
    // The annex is signed but otherwise unused (and non-standard: IsWitnessStandard).
    exec.annexHash = sha256(new Writer(last.length + 9).varBytes(last).finish());
    stack.pop();
  }
  if (stack.length === 1) {
    checker.checkSchnorrSig(stack[0]!, program, SigVersion.TAPROOT, exec);
    return;
  }
  const control = stack.pop()!;
  const script = stack.pop()!;
  if (!isValidControlSize(control.length)) fail('TAPROOT_WRONG_CONTROL_SIZE');
  const leafVersion = control[0]! & TAPROOT_LEAF_MASK;
  const leafHash = tapleafHash(leafVersion, script);
  if (!verifyTaprootCommitment(control, program, leafHash, checker.schnorr)) fail('WITNESS_PROGRAM_MISMATCH');
  if (leafVersion === TAPROOT_LEAF_TAPSCRIPT) {
    exec.tapleafHash = leafHash;
    exec.validationWeightLeft = witnessSerializedSize(witness) + VALIDATION_WEIGHT_OFFSET;
    executeWitnessScript(stack, script, flags, checker, SigVersion.TAPSCRIPT, exec);
    return;
  }
  if (flags & FLAGS.DISCOURAGE_UPGRADABLE_TAPROOT_VERSION) fail('DISCOURAGE_UPGRADABLE_TAPROOT_VERSION');
}

/** GetSerializeSize(witness stack): the count and each item with its compact-size length. */
function witnessSerializedSize(witness: readonly Uint8Array[]): number {
  const size = (n: number) => (n < 0xfd ? 1 : n <= 0xffff ? 3 : n <= 0xffffffff ? 5 : 9);
  let total = size(witness.length);
  for (const item of witness) total += size(item.length) + item.length;
  return total;
}

/** ExecuteWitnessScript: OP_SUCCESSx first (tapscript), then the item limits, then the script. */
function executeWitnessScript(
  stack: Uint8Array[],
  script: Uint8Array,
  flags: number,
  checker: SignatureChecker,
  sigversion: SigVersion,
  exec?: TaprootExecData,
): void {
  if (sigversion === SigVersion.TAPSCRIPT) {
    // An OP_SUCCESSx anywhere overrides everything, even a later undecodable push.
    const step = newStep();
    let pc = 0;
    while (pc < script.length) {
      if (!readOp(script, pc, step)) fail('BAD_OPCODE');
      pc = step.next;
      if (isOpSuccess(step.op)) {
        if (flags & FLAGS.DISCOURAGE_OP_SUCCESS) fail('DISCOURAGE_OP_SUCCESS');
        return;
      }
    }
    if (stack.length > MAX_STACK_SIZE) fail('STACK_SIZE');
  }
  for (const item of stack) if (item.length > MAX_SCRIPT_ELEMENT_SIZE) fail('PUSH_SIZE');
  evalScript(stack, script, flags, checker, sigversion, exec);
  // Witness scripts imply a clean stack (Core reports CLEANSTACK here, flag or not).
  if (stack.length !== 1) fail('CLEANSTACK');
  if (!castToBool(stack[0]!)) fail('EVAL_FALSE');
}

/** The script a P2WPKH program is executed as (BIP143): DUP HASH160 <20> EQUALVERIFY CHECKSIG. */
export function p2wpkhScriptCode(hash20: Uint8Array): Uint8Array {
  return p2pkh(hash20);
}

/** VerifyScript: throws ScriptError unless scriptSig + witness satisfy scriptPubKey. */
export function verifyScript(
  scriptSig: Uint8Array,
  scriptPubKey: Uint8Array,
  witness: readonly Uint8Array[],
  flags: number,
  checker: SignatureChecker,
): void {
  if (flags & FLAGS.SIGPUSHONLY && !isPushOnly(scriptSig)) fail('SIG_PUSHONLY');
  let stack: Uint8Array[] = [];
  evalScript(stack, scriptSig, flags, checker, SigVersion.BASE);
  const stackCopy = flags & FLAGS.P2SH ? stack.slice() : [];
  evalScript(stack, scriptPubKey, flags, checker, SigVersion.BASE);
  if (stack.length === 0 || !castToBool(stack[stack.length - 1]!)) fail('EVAL_FALSE');

  let hadWitness = false;
  if (flags & FLAGS.WITNESS) {
    const wp = witnessProgramOf(scriptPubKey);
    if (wp) {
      hadWitness = true;
      if (scriptSig.length !== 0) fail('WITNESS_MALLEATED');
      verifyWitnessProgram(witness, wp.version, wp.program, flags, checker, false);
      stack.length = 1;
    }
  }

  if (flags & FLAGS.P2SH && isPayToScriptHash(scriptPubKey)) {
    if (!isPushOnly(scriptSig)) fail('SIG_PUSHONLY');
    stack = stackCopy;
    const redeem = stack.pop()!;
    evalScript(stack, redeem, flags, checker, SigVersion.BASE);
    if (stack.length === 0 || !castToBool(stack[stack.length - 1]!)) fail('EVAL_FALSE');
    if (flags & FLAGS.WITNESS) {
      const wp = witnessProgramOf(redeem);
      if (wp) {
        hadWitness = true;
        if (!equal(scriptSig, pushBytes(redeem))) fail('WITNESS_MALLEATED_P2SH');
        verifyWitnessProgram(witness, wp.version, wp.program, flags, checker, true);
        stack.length = 1;
      }
    }
  }

  if (flags & FLAGS.CLEANSTACK && stack.length !== 1) fail('CLEANSTACK');
  if (flags & FLAGS.WITNESS && !hadWitness && witness.length > 0) fail('WITNESS_UNEXPECTED');
}
