/**
 * Script verification: Bitcoin Core's VerifyScript and VerifyWitnessProgram (interpreter.cpp)
 * for legacy, P2SH (BIP16) and segwit v0 (BIP141/143), line for line in behaviour, on top of
 * `evalScript`. Witness v1+ programs are treated as Core treats them without
 * SCRIPT_VERIFY_TAPROOT. Failures throw ScriptError with Core's SCRIPT_ERR_* name.
 */
import { equal } from '../bytes.js';
import { sha256 } from '../hash.js';
import type { SignatureChecker } from './checker.js';
import { ScriptError, type ScriptErrorCode } from './errors.js';
import { FLAGS } from './flags.js';
import { evalScript } from './interpreter.js';
import { castToBool } from './num.js';
import { isPushOnly, MAX_SCRIPT_ELEMENT_SIZE, pushBytes } from './script.js';
import { SigVersion } from './sighash.js';
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
    return;
  } else if (flags & FLAGS.DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM) {
    fail('DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM');
  } else {
    return;
  }
  for (const item of stack) if (item.length > MAX_SCRIPT_ELEMENT_SIZE) fail('PUSH_SIZE');
  evalScript(stack, script, flags, checker, SigVersion.WITNESS_V0);
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
