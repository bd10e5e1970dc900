/**
 * BIP342's signature opcodes in tapscript: Core's EvalChecksigTapscript (interpreter.cpp), used
 * by OP_CHECKSIG, OP_CHECKSIGVERIFY and OP_CHECKSIGADD. The order of the checks is consensus:
 * the validation-weight charge comes first, then an empty key fails, then a 32-byte key is
 * verified (a non-empty signature must be valid), and any other key size is an upgradable key
 * type that succeeds (discouraged by policy).
 */
import type { SignatureChecker } from './checker.js';
import { ScriptError } from './errors.js';
import { FLAGS } from './flags.js';
import { SigVersion } from './sighash.js';
import type { TaprootExecData } from './sighash-taproot.js';
import { VALIDATION_WEIGHT_PER_SIGOP_PASSED } from './taproot.js';

/** Whether the signature counts as a success (false only for an empty signature). */
export function evalCheckSigTapscript(
  sig: Uint8Array,
  pubkey: Uint8Array,
  flags: number,
  checker: SignatureChecker,
  exec: TaprootExecData,
): boolean {
  const success = sig.length > 0;
  if (success) {
    exec.validationWeightLeft -= VALIDATION_WEIGHT_PER_SIGOP_PASSED;
    if (exec.validationWeightLeft < 0) throw new ScriptError('TAPSCRIPT_VALIDATION_WEIGHT');
  }
  if (pubkey.length === 0) throw new ScriptError('TAPSCRIPT_EMPTY_PUBKEY');
  if (pubkey.length === 32) {
    if (success) checker.checkSchnorrSig(sig, pubkey, SigVersion.TAPSCRIPT, exec);
  } else if (flags & FLAGS.DISCOURAGE_UPGRADABLE_PUBKEYTYPE) {
    throw new ScriptError('DISCOURAGE_UPGRADABLE_PUBKEYTYPE');
  }
  return success;
}
