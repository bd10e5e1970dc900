/**
 * The script interpreter: Bitcoin Core's EvalScript, VerifyScript and VerifyWitnessProgram
 * (interpreter.cpp) for legacy, P2SH (BIP16) and segwit v0 (BIP141/143), line for line in
 * behaviour. Witness v1+ programs are treated as Core treats them without SCRIPT_VERIFY_TAPROOT.
 * Failures throw ScriptError with Core's SCRIPT_ERR_* name.
 */
import { equal } from '../bytes.js';
import { hash160, hash256, ripemd160, sha1, sha256 } from '../hash.js';
import { ScriptError, type ScriptErrorCode } from './errors.js';
import { FLAGS } from './flags.js';
import { castToBool, decodeNum, encodeNum } from './num.js';
import { OP } from './opcodes.js';
import {
  isMinimalPush,
  isPushOnly,
  MAX_SCRIPT_ELEMENT_SIZE,
  MAX_SCRIPT_SIZE,
  newStep,
  pushBytes,
  readOp,
} from './script.js';
import { SigVersion } from './sighash.js';
import {
  isCompressedOrUncompressedPubKey,
  isCompressedPubKey,
  isDefinedHashtype,
  isLowS,
  isValidSignatureEncoding,
} from './signature.js';

export const MAX_OPS_PER_SCRIPT = 201;
export const MAX_PUBKEYS_PER_MULTISIG = 20;
export const MAX_STACK_SIZE = 1000;
const SEQUENCE_LOCKTIME_DISABLE_FLAG = 0x80000000;

const FALSE = new Uint8Array(0);
const TRUE = Uint8Array.of(1);

/** What the interpreter needs from the spending transaction (Core's BaseSignatureChecker). */
export interface SignatureChecker {
  /** `sig` still carries its hash-type byte. */
  checkSig(sig: Uint8Array, pubkey: Uint8Array, scriptCode: Uint8Array, sigversion: SigVersion): boolean;
  checkLockTime(lockTime: number): boolean;
  checkSequence(sequence: number): boolean;
}

/** Fails every signature and lock check: for scripts evaluated without a transaction. */
export const NULL_CHECKER: SignatureChecker = {
  checkSig: () => false,
  checkLockTime: () => false,
  checkSequence: () => false,
};

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
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return { script: out, found };
}

function matchAt(script: Uint8Array, pc: number, needle: Uint8Array): boolean {
  for (let i = 0; i < needle.length; i++) if (script[pc + i] !== needle[i]) return false;
  return true;
}

function num(stack: Uint8Array[], depth: number, minimal: boolean, maxSize = 4): number {
  try {
    return decodeNum(stack[stack.length - depth]!, minimal, maxSize);
  } catch (e) {
    // Core's CScriptNum throws scriptnum_error, which EvalScript reports as UNKNOWN_ERROR.
    if (e instanceof ScriptError) throw e;
    throw new ScriptError('UNKNOWN_ERROR');
  }
}

function clampInt(n: number): number {
  if (n > 0x7fffffff) return 0x7fffffff;
  if (n < -0x80000000) return -0x80000000;
  return n;
}

export function evalScript(
  stack: Uint8Array[],
  script: Uint8Array,
  flags: number,
  checker: SignatureChecker,
  sigversion: SigVersion,
): void {
  if (script.length > MAX_SCRIPT_SIZE) fail('SCRIPT_SIZE');
  const altstack: Uint8Array[] = [];
  // vfExec as Core's ConditionStack: a depth and the position of the first false.
  const exec: boolean[] = [];
  let falseCount = 0;
  let opCount = 0;
  let codeHashStart = 0;
  const minimal = (flags & FLAGS.MINIMALDATA) !== 0;
  const step = newStep();
  const end = script.length;
  let pc = 0;

  const need = (n: number) => {
    if (stack.length < n) fail('INVALID_STACK_OPERATION');
  };
  const top = (depth: number) => stack[stack.length - depth]!;

  while (pc < end) {
    const fExec = falseCount === 0;
    if (!readOp(script, pc, step)) fail('BAD_OPCODE');
    pc = step.next;
    const op = step.op;
    const data = step.data;
    if (data !== null && data.length > MAX_SCRIPT_ELEMENT_SIZE) fail('PUSH_SIZE');
    if (op > OP.OP_16 && ++opCount > MAX_OPS_PER_SCRIPT) fail('OP_COUNT');
    switch (op) {
      case OP.OP_CAT:
      case OP.OP_SUBSTR:
      case OP.OP_LEFT:
      case OP.OP_RIGHT:
      case OP.OP_INVERT:
      case OP.OP_AND:
      case OP.OP_OR:
      case OP.OP_XOR:
      case OP.OP_2MUL:
      case OP.OP_2DIV:
      case OP.OP_MUL:
      case OP.OP_DIV:
      case OP.OP_MOD:
      case OP.OP_LSHIFT:
      case OP.OP_RSHIFT:
        fail('DISABLED_OPCODE');
    }
    if (op === OP.OP_CODESEPARATOR && sigversion === SigVersion.BASE && flags & FLAGS.CONST_SCRIPTCODE) {
      fail('OP_CODESEPARATOR');
    }

    if (fExec && op <= OP.OP_PUSHDATA4) {
      if (minimal && !isMinimalPush(data!, op)) fail('MINIMALDATA');
      stack.push(data!);
    } else if (fExec || (op >= OP.OP_IF && op <= OP.OP_ENDIF)) {
      switch (op) {
        case OP.OP_1NEGATE:
        case OP.OP_1:
        case OP.OP_2:
        case OP.OP_3:
        case OP.OP_4:
        case OP.OP_5:
        case OP.OP_6:
        case OP.OP_7:
        case OP.OP_8:
        case OP.OP_9:
        case OP.OP_10:
        case OP.OP_11:
        case OP.OP_12:
        case OP.OP_13:
        case OP.OP_14:
        case OP.OP_15:
        case OP.OP_16:
          stack.push(encodeNum(op - (OP.OP_1 - 1)));
          break;

        case OP.OP_NOP:
          break;

        case OP.OP_CHECKLOCKTIMEVERIFY: {
          if (!(flags & FLAGS.CHECKLOCKTIMEVERIFY)) break;
          need(1);
          const lockTime = num(stack, 1, minimal, 5);
          if (lockTime < 0) fail('NEGATIVE_LOCKTIME');
          if (!checker.checkLockTime(lockTime)) fail('UNSATISFIED_LOCKTIME');
          break;
        }

        case OP.OP_CHECKSEQUENCEVERIFY: {
          if (!(flags & FLAGS.CHECKSEQUENCEVERIFY)) break;
          need(1);
          const sequence = num(stack, 1, minimal, 5);
          if (sequence < 0) fail('NEGATIVE_LOCKTIME');
          // A set disable flag keeps CSV a NOP, for future soft forks.
          if (
            sequence >= SEQUENCE_LOCKTIME_DISABLE_FLAG &&
            Math.floor(sequence / SEQUENCE_LOCKTIME_DISABLE_FLAG) % 2 === 1
          ) {
            break;
          }
          if (!checker.checkSequence(sequence)) fail('UNSATISFIED_LOCKTIME');
          break;
        }

        case OP.OP_NOP1:
        case OP.OP_NOP4:
        case OP.OP_NOP5:
        case OP.OP_NOP6:
        case OP.OP_NOP7:
        case OP.OP_NOP8:
        case OP.OP_NOP9:
        case OP.OP_NOP10:
          if (flags & FLAGS.DISCOURAGE_UPGRADABLE_NOPS) fail('DISCOURAGE_UPGRADABLE_NOPS');
          break;

        case OP.OP_IF:
        case OP.OP_NOTIF: {
          let value = false;
          if (fExec) {
            if (stack.length < 1) fail('UNBALANCED_CONDITIONAL');
            const v = top(1);
            if (sigversion === SigVersion.WITNESS_V0 && flags & FLAGS.MINIMALIF) {
              if (v.length > 1 || (v.length === 1 && v[0] !== 1)) fail('MINIMALIF');
            }
            value = castToBool(v);
            if (op === OP.OP_NOTIF) value = !value;
            stack.pop();
          }
          exec.push(value);
          if (!value) falseCount++;
          break;
        }

        case OP.OP_ELSE: {
          if (exec.length === 0) fail('UNBALANCED_CONDITIONAL');
          const last = exec.length - 1;
          if (exec[last]) falseCount++;
          else falseCount--;
          exec[last] = !exec[last];
          break;
        }

        case OP.OP_ENDIF:
          if (exec.length === 0) fail('UNBALANCED_CONDITIONAL');
          if (!exec.pop()) falseCount--;
          break;

        case OP.OP_VERIFY:
          need(1);
          if (!castToBool(top(1))) fail('VERIFY');
          stack.pop();
          break;

        case OP.OP_RETURN:
          fail('OP_RETURN');
          break;

        case OP.OP_TOALTSTACK:
          need(1);
          altstack.push(stack.pop()!);
          break;

        case OP.OP_FROMALTSTACK:
          if (altstack.length < 1) fail('INVALID_ALTSTACK_OPERATION');
          stack.push(altstack.pop()!);
          break;

        case OP.OP_2DROP:
          need(2);
          stack.length -= 2;
          break;

        case OP.OP_2DUP: {
          need(2);
          const a = top(2);
          const b = top(1);
          stack.push(a, b);
          break;
        }

        case OP.OP_3DUP: {
          need(3);
          const a = top(3);
          const b = top(2);
          const c = top(1);
          stack.push(a, b, c);
          break;
        }

        case OP.OP_2OVER: {
          need(4);
          const a = top(4);
          const b = top(3);
          stack.push(a, b);
          break;
        }

        case OP.OP_2ROT: {
          need(6);
          const moved = stack.splice(stack.length - 6, 2);
          stack.push(moved[0]!, moved[1]!);
          break;
        }

        case OP.OP_2SWAP: {
          need(4);
          const n = stack.length;
          const moved = stack.splice(n - 4, 2);
          stack.push(moved[0]!, moved[1]!);
          break;
        }

        case OP.OP_IFDUP:
          need(1);
          if (castToBool(top(1))) stack.push(top(1));
          break;

        case OP.OP_DEPTH:
          stack.push(encodeNum(stack.length));
          break;

        case OP.OP_DROP:
          need(1);
          stack.pop();
          break;

        case OP.OP_DUP:
          need(1);
          stack.push(top(1));
          break;

        case OP.OP_NIP:
          need(2);
          stack.splice(stack.length - 2, 1);
          break;

        case OP.OP_OVER:
          need(2);
          stack.push(top(2));
          break;

        case OP.OP_PICK:
        case OP.OP_ROLL: {
          need(2);
          const n = clampInt(num(stack, 1, minimal));
          stack.pop();
          if (n < 0 || n >= stack.length) fail('INVALID_STACK_OPERATION');
          const v = top(n + 1);
          if (op === OP.OP_ROLL) stack.splice(stack.length - n - 1, 1);
          stack.push(v);
          break;
        }

        case OP.OP_ROT: {
          need(3);
          const moved = stack.splice(stack.length - 3, 1);
          stack.push(moved[0]!);
          break;
        }

        case OP.OP_SWAP: {
          need(2);
          const n = stack.length;
          const a = stack[n - 2]!;
          stack[n - 2] = stack[n - 1]!;
          stack[n - 1] = a;
          break;
        }

        case OP.OP_TUCK: {
          need(2);
          const v = top(1);
          stack.splice(stack.length - 2, 0, v);
          break;
        }

        case OP.OP_SIZE:
          need(1);
          stack.push(encodeNum(top(1).length));
          break;

        case OP.OP_EQUAL:
        case OP.OP_EQUALVERIFY: {
          need(2);
          const same = equal(top(2), top(1));
          stack.length -= 2;
          stack.push(same ? TRUE : FALSE);
          if (op === OP.OP_EQUALVERIFY) {
            if (!same) fail('EQUALVERIFY');
            stack.pop();
          }
          break;
        }

        case OP.OP_1ADD:
        case OP.OP_1SUB:
        case OP.OP_NEGATE:
        case OP.OP_ABS:
        case OP.OP_NOT:
        case OP.OP_0NOTEQUAL: {
          need(1);
          let bn = num(stack, 1, minimal);
          if (op === OP.OP_1ADD) bn += 1;
          else if (op === OP.OP_1SUB) bn -= 1;
          else if (op === OP.OP_NEGATE) bn = -bn;
          else if (op === OP.OP_ABS) bn = Math.abs(bn);
          else if (op === OP.OP_NOT) bn = bn === 0 ? 1 : 0;
          else bn = bn !== 0 ? 1 : 0;
          stack.pop();
          stack.push(encodeNum(bn));
          break;
        }

        case OP.OP_ADD:
        case OP.OP_SUB:
        case OP.OP_BOOLAND:
        case OP.OP_BOOLOR:
        case OP.OP_NUMEQUAL:
        case OP.OP_NUMEQUALVERIFY:
        case OP.OP_NUMNOTEQUAL:
        case OP.OP_LESSTHAN:
        case OP.OP_GREATERTHAN:
        case OP.OP_LESSTHANOREQUAL:
        case OP.OP_GREATERTHANOREQUAL:
        case OP.OP_MIN:
        case OP.OP_MAX: {
          need(2);
          const a = num(stack, 2, minimal);
          const b = num(stack, 1, minimal);
          let r: number;
          switch (op) {
            case OP.OP_ADD:
              r = a + b;
              break;
            case OP.OP_SUB:
              r = a - b;
              break;
            case OP.OP_BOOLAND:
              r = a !== 0 && b !== 0 ? 1 : 0;
              break;
            case OP.OP_BOOLOR:
              r = a !== 0 || b !== 0 ? 1 : 0;
              break;
            case OP.OP_NUMEQUAL:
            case OP.OP_NUMEQUALVERIFY:
              r = a === b ? 1 : 0;
              break;
            case OP.OP_NUMNOTEQUAL:
              r = a !== b ? 1 : 0;
              break;
            case OP.OP_LESSTHAN:
              r = a < b ? 1 : 0;
              break;
            case OP.OP_GREATERTHAN:
              r = a > b ? 1 : 0;
              break;
            case OP.OP_LESSTHANOREQUAL:
              r = a <= b ? 1 : 0;
              break;
            case OP.OP_GREATERTHANOREQUAL:
              r = a >= b ? 1 : 0;
              break;
            case OP.OP_MIN:
              r = Math.min(a, b);
              break;
            default:
              r = Math.max(a, b);
          }
          stack.length -= 2;
          stack.push(encodeNum(r));
          if (op === OP.OP_NUMEQUALVERIFY) {
            if (!castToBool(top(1))) fail('NUMEQUALVERIFY');
            stack.pop();
          }
          break;
        }

        case OP.OP_WITHIN: {
          need(3);
          const x = num(stack, 3, minimal);
          const lo = num(stack, 2, minimal);
          const hi = num(stack, 1, minimal);
          stack.length -= 3;
          stack.push(lo <= x && x < hi ? TRUE : FALSE);
          break;
        }

        case OP.OP_RIPEMD160:
        case OP.OP_SHA1:
        case OP.OP_SHA256:
        case OP.OP_HASH160:
        case OP.OP_HASH256: {
          need(1);
          const v = stack.pop()!;
          if (op === OP.OP_RIPEMD160) stack.push(ripemd160(v));
          else if (op === OP.OP_SHA1) stack.push(sha1(v));
          else if (op === OP.OP_SHA256) stack.push(sha256(v));
          else if (op === OP.OP_HASH160) stack.push(hash160(v));
          else stack.push(hash256(v));
          break;
        }

        case OP.OP_CODESEPARATOR:
          codeHashStart = pc;
          break;

        case OP.OP_CHECKSIG:
        case OP.OP_CHECKSIGVERIFY: {
          need(2);
          const sig = top(2);
          const pubkey = top(1);
          let scriptCode = script.subarray(codeHashStart);
          if (sigversion === SigVersion.BASE) {
            const r = findAndDelete(scriptCode, sig);
            if (r.found > 0 && flags & FLAGS.CONST_SCRIPTCODE) fail('SIG_FINDANDDELETE');
            scriptCode = r.script;
          }
          checkSignatureEncoding(sig, flags);
          checkPubKeyEncoding(pubkey, flags, sigversion);
          const ok = checker.checkSig(sig, pubkey, scriptCode, sigversion);
          if (!ok && flags & FLAGS.NULLFAIL && sig.length > 0) fail('NULLFAIL');
          stack.length -= 2;
          stack.push(ok ? TRUE : FALSE);
          if (op === OP.OP_CHECKSIGVERIFY) {
            if (!ok) fail('CHECKSIGVERIFY');
            stack.pop();
          }
          break;
        }

        case OP.OP_CHECKMULTISIG:
        case OP.OP_CHECKMULTISIGVERIFY: {
          let i = 1;
          need(i);
          let keys = clampInt(num(stack, i, minimal));
          if (keys < 0 || keys > MAX_PUBKEYS_PER_MULTISIG) fail('PUBKEY_COUNT');
          opCount += keys;
          if (opCount > MAX_OPS_PER_SCRIPT) fail('OP_COUNT');
          let ikey = ++i;
          // The last non-signature item; with NULLFAIL, items above it must be empty on failure.
          let ikey2 = keys + 2;
          i += keys;
          need(i);
          let sigs = clampInt(num(stack, i, minimal));
          if (sigs < 0 || sigs > keys) fail('SIG_COUNT');
          let isig = ++i;
          i += sigs;
          need(i);
          let scriptCode = script.subarray(codeHashStart);
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
          stack.push(success ? TRUE : FALSE);
          if (op === OP.OP_CHECKMULTISIGVERIFY) {
            if (!success) fail('CHECKMULTISIGVERIFY');
            stack.pop();
          }
          break;
        }

        default:
          fail('BAD_OPCODE');
      }
    }
    if (stack.length + altstack.length > MAX_STACK_SIZE) fail('STACK_SIZE');
  }
  if (exec.length !== 0) fail('UNBALANCED_CONDITIONAL');
}

/** A witness program: version 0..16 and a 2..40 byte program (BIP141). */
export function witnessProgram(script: Uint8Array): { version: number; program: Uint8Array } | null {
  const n = script.length;
  if (n < 4 || n > 42) return null;
  const v = script[0]!;
  if (v !== OP.OP_0 && (v < OP.OP_1 || v > OP.OP_16)) return null;
  if (script[1]! + 2 !== n) return null;
  return { version: v === OP.OP_0 ? 0 : v - (OP.OP_1 - 1), program: script.subarray(2) };
}

export function isP2SH(script: Uint8Array): boolean {
  return (
    script.length === 23 && script[0] === OP.OP_HASH160 && script[1] === 0x14 && script[22] === OP.OP_EQUAL
  );
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

/** The script a P2WPKH program is executed as: DUP HASH160 <20> EQUALVERIFY CHECKSIG. */
export function p2wpkhScriptCode(hash20: Uint8Array): Uint8Array {
  const s = new Uint8Array(25);
  s[0] = OP.OP_DUP;
  s[1] = OP.OP_HASH160;
  s[2] = 20;
  s.set(hash20, 3);
  s[23] = OP.OP_EQUALVERIFY;
  s[24] = OP.OP_CHECKSIG;
  return s;
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
    const wp = witnessProgram(scriptPubKey);
    if (wp) {
      hadWitness = true;
      if (scriptSig.length !== 0) fail('WITNESS_MALLEATED');
      verifyWitnessProgram(witness, wp.version, wp.program, flags, checker, false);
      stack.length = 1;
    }
  }

  if (flags & FLAGS.P2SH && isP2SH(scriptPubKey)) {
    if (!isPushOnly(scriptSig)) fail('SIG_PUSHONLY');
    stack = stackCopy;
    const redeem = stack.pop()!;
    evalScript(stack, redeem, flags, checker, SigVersion.BASE);
    if (stack.length === 0 || !castToBool(stack[stack.length - 1]!)) fail('EVAL_FALSE');
    if (flags & FLAGS.WITNESS) {
      const wp = witnessProgram(redeem);
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
