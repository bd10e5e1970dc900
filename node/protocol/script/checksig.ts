/**
 * The signature opcodes of Bitcoin Core's EvalScript (interpreter.cpp), before tapscript:
 * OP_CHECKSIG(VERIFY) as EvalChecksigPreTapscript, the OP_CHECKMULTISIG(VERIFY) case, the
 * encoding rules they apply (CheckSignatureEncoding, CheckPubKeyEncoding) and FindAndDelete,
 * which strips the signatures from a legacy scriptCode. `evalScript` pushes the result and
 * applies the VERIFY variants. Failures throw ScriptError with Core's SCRIPT_ERR_* name.
 */
import { concat } from '../bytes.js';
import type { SignatureChecker } from './checker.js';
import { ScriptError, type ScriptErrorCode } from './errors.js';
import { FLAGS } from './flags.js';
import { clampInt, stackNum } from './num.js';
import { MAX_OPS_PER_SCRIPT, MAX_PUBKEYS_PER_MULTISIG, newStep, pushBytes, readOp } from './script.js';
import { SigVersion } from './sighash.js';
import {
  isCompressedOrUncompressedPubKey,
  isCompressedPubKey,
  isDefinedHashtype,
  isLowS,
  isValidSignatureEncoding,
} from './signature.js';

function fail(code: ScriptErrorCode): never {
  throw new ScriptError(code);
}

function checkSignatureEncoding(sig: Uint8Array, flags: number): void {
  if (sig.length === 0) return;
  if (flags & (FLAGS.DERSIG | FLAGS.LOW_S | FLAGS.STRICTENC) && !isValidSignatureEncoding(sig))
    fail('SIG_DER');
  if (flags & FLAGS.LOW_S && !isLowS(sig.subarray(0, sig.length - 1))) fail('SIG_HIGH_S');
  if (flags & FLAGS.STRICTENC && !isDefinedHashtype(sig)) fail('SIG_HASHTYPE');
}

function checkPubKeyEncoding(key: Uint8Array, flags: number, sigversion: SigVersion): void {
  if (flags & FLAGS.STRICTENC && !isCompressedOrUncompressedPubKey(key)) fail('PUBKEYTYPE');
  if (flags & FLAGS.WITNESS_PUBKEYTYPE && sigversion === SigVersion.WITNESS_V0 && !isCompressedPubKey(key)) {
    fail('WITNESS_PUBKEYTYPE');
  }
}

/** Core's FindAndDelete of the push of `sig` from `script`; returns the script and the count. */
export function findAndDelete(script: Uint8Array, sig: Uint8Array): { script: Uint8Array; found: number } {
  const needle = pushBytes(sig);
  let found = 0;
  const parts: Uint8Array[] = [];
  const step = newStep();
  let pc = 0;
  let pc2 = 0;
  const end = script.length;
  let more = true;
  while (more) {
    if (pc > pc2) parts.push(script.subarray(pc2, pc));
    while (end - pc >= needle.length && matchAt(script, pc, needle)) {
      pc += needle.length;
      found++;
    }
    pc2 = pc;
    more = readOp(script, pc, step);
    pc = step.next;
  }
  if (found === 0) return { script, found };
  parts.push(script.subarray(pc2, end));
  return { script: concat(...parts), found };
}

function matchAt(script: Uint8Array, pc: number, needle: Uint8Array): boolean {
  for (let i = 0; i < needle.length; i++) if (script[pc + i] !== needle[i]) return false;
  return true;
}

/**
 * OP_CHECKSIG on `sig` and `pubkey` (the caller has checked both are on the stack);
 * `scriptCode` runs from the last OP_CODESEPARATOR. Whether the signature verified.
 */
export function evalCheckSig(
  sig: Uint8Array,
  pubkey: Uint8Array,
  scriptCode: Uint8Array,
  flags: number,
  checker: SignatureChecker,
  sigversion: SigVersion,
): boolean {
  if (sigversion === SigVersion.BASE) {
    const r = findAndDelete(scriptCode, sig);
    if (r.found > 0 && flags & FLAGS.CONST_SCRIPTCODE) fail('SIG_FINDANDDELETE');
    scriptCode = r.script;
  }
  checkSignatureEncoding(sig, flags);
  checkPubKeyEncoding(pubkey, flags, sigversion);
  const ok = checker.checkSig(sig, pubkey, scriptCode, sigversion);
  if (!ok && flags & FLAGS.NULLFAIL && sig.length > 0) fail('NULLFAIL');
  return ok;
}

/**
 * OP_CHECKMULTISIG: pops the key count, keys, signature count, signatures and the dummy from
 * `stack`, and counts the keys against the script's op count (`opCount` before, returned after).
 */
export function evalCheckMultisig(
  stack: Uint8Array[],
  scriptCode: Uint8Array,
  flags: number,
  checker: SignatureChecker,
  sigversion: SigVersion,
  opCount: number,
): { success: boolean; opCount: number } {
  const minimal = (flags & FLAGS.MINIMALDATA) !== 0;
  const need = (n: number) => {
    if (stack.length < n) fail('INVALID_STACK_OPERATION');
  };
  const top = (depth: number) => stack[stack.length - depth]!;

  let i = 1;
  need(i);
  let keys = clampInt(stackNum(stack, i, minimal));
  if (keys < 0 || keys > MAX_PUBKEYS_PER_MULTISIG) fail('PUBKEY_COUNT');
  opCount += keys;
  if (opCount > MAX_OPS_PER_SCRIPT) fail('OP_COUNT');
  let ikey = ++i;
  // The last non-signature item; with NULLFAIL, items above it must be empty on failure.
  let ikey2 = keys + 2;
  i += keys;
  need(i);
  let sigs = clampInt(stackNum(stack, i, minimal));
  if (sigs < 0 || sigs > keys) fail('SIG_COUNT');
  let isig = ++i;
  i += sigs;
  need(i);
  if (sigversion === SigVersion.BASE) {
    for (let k = 0; k < sigs; k++) {
      const r = findAndDelete(scriptCode, top(isig + k));
      if (r.found > 0 && flags & FLAGS.CONST_SCRIPTCODE) fail('SIG_FINDANDDELETE');
      scriptCode = r.script;
    }
  }
  let success = true;
  while (success && sigs > 0) {
    const sig = top(isig);
    const pubkey = top(ikey);
    checkSignatureEncoding(sig, flags);
    checkPubKeyEncoding(pubkey, flags, sigversion);
    if (checker.checkSig(sig, pubkey, scriptCode, sigversion)) {
      isig++;
      sigs--;
    }
    ikey++;
    keys--;
    // More signatures left than keys: too many failed, stop early as Core does.
    if (sigs > keys) success = false;
  }
  while (i-- > 1) {
    if (!success && flags & FLAGS.NULLFAIL && ikey2 === 0 && top(1).length > 0) fail('NULLFAIL');
    if (ikey2 > 0) ikey2--;
    stack.pop();
  }
  // The extra item CHECKMULTISIG consumes (the "dummy"); NULLDUMMY (BIP147) wants it empty.
  if (stack.length < 1) fail('INVALID_STACK_OPERATION');
  if (flags & FLAGS.NULLDUMMY && top(1).length > 0) fail('SIG_NULLDUMMY');
  stack.pop();
  return { success, opCount };
}
