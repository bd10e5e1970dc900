/**
 * The script interpreter: Bitcoin Core's EvalScript (interpreter.cpp) for legacy, segwit v0
 * (BIP141/143) and tapscript (BIP342: no script-size or op-count limit, MINIMALIF as consensus,
 * OP_CHECKSIGADD, OP_CHECKMULTISIG disabled, the OP_CODESEPARATOR position signed), line for
 * line in behaviour. The signature opcodes live in `checksig.ts` and `checksig-tapscript.ts`;
 * VerifyScript and VerifyWitnessProgram in `verify.ts`. Failures throw ScriptError with Core's
 * SCRIPT_ERR_* name.
 */
import { equal } from '../bytes.js';
import { hash160, hash256, ripemd160, sha1, sha256 } from '../hash.js';
import { SEQUENCE_LOCKTIME_DISABLE_FLAG, type SignatureChecker } from './checker.js';
import { evalCheckMultisig, evalCheckSig } from './checksig.js';
import { evalCheckSigTapscript } from './checksig-tapscript.js';
import { ScriptError, type ScriptErrorCode } from './errors.js';
import { FLAGS } from './flags.js';
import { castToBool, clampInt, encodeNum, stackNum } from './num.js';
import { OP } from './opcodes.js';
import {
  isMinimalPush,
  MAX_OPS_PER_SCRIPT,
  MAX_SCRIPT_ELEMENT_SIZE,
  MAX_SCRIPT_SIZE,
  MAX_STACK_SIZE,
  newStep,
  readOp,
} from './script.js';
import { SigVersion } from './sighash.js';
import type { TaprootExecData } from './sighash-taproot.js';

const FALSE = new Uint8Array(0);
const TRUE = Uint8Array.of(1);

function fail(code: ScriptErrorCode): never {
  throw new ScriptError(code);
}

/**
 * EvalScript: runs `script` on `stack` (in place); throws ScriptError on failure. `exec` is
 * required for tapscript (its budget, leaf hash and annex are what it signs and spends).
 */
export function evalScript(
  stack: Uint8Array[],
  script: Uint8Array,
  flags: number,
  checker: SignatureChecker,
  sigversion: SigVersion,
  execdata?: TaprootExecData,
): void {
  const legacyLimits = sigversion === SigVersion.BASE || sigversion === SigVersion.WITNESS_V0;
  const tapscript = sigversion === SigVersion.TAPSCRIPT;
  if (tapscript && !execdata) throw new Error('tapscript evaluation without its execution data');
  if (legacyLimits && script.length > MAX_SCRIPT_SIZE) fail('SCRIPT_SIZE');
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
  // Position of the opcode being run, counted in opcodes: what BIP342 signs for OP_CODESEPARATOR.
  let opcodePos = -1;

  const need = (n: number) => {
    if (stack.length < n) fail('INVALID_STACK_OPERATION');
  };
  const top = (depth: number) => stack[stack.length - depth]!;

  while (pc < end) {
    const fExec = falseCount === 0;
    if (!readOp(script, pc, step)) fail('BAD_OPCODE');
    pc = step.next;
    opcodePos++;
    const op = step.op;
    const data = step.data;
    if (data !== null && data.length > MAX_SCRIPT_ELEMENT_SIZE) fail('PUSH_SIZE');
    if (legacyLimits && op > OP.OP_16 && ++opCount > MAX_OPS_PER_SCRIPT) fail('OP_COUNT');
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
          const lockTime = stackNum(stack, 1, minimal, 5);
          if (lockTime < 0) fail('NEGATIVE_LOCKTIME');
          if (!checker.checkLockTime(lockTime)) fail('UNSATISFIED_LOCKTIME');
          break;
        }

        case OP.OP_CHECKSEQUENCEVERIFY: {
          if (!(flags & FLAGS.CHECKSEQUENCEVERIFY)) break;
          need(1);
          const sequence = stackNum(stack, 1, minimal, 5);
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
            // Core reported UNBALANCED_CONDITIONAL here until 2025; the case is an empty stack.
            if (stack.length < 1) fail('INVALID_STACK_OPERATION');
            const v = top(1);
            // BIP342 makes the argument's minimality consensus in tapscript.
            if (tapscript && (v.length > 1 || (v.length === 1 && v[0] !== 1))) fail('TAPSCRIPT_MINIMALIF');
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
          const n = clampInt(stackNum(stack, 1, minimal));
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
          let bn = stackNum(stack, 1, minimal);
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
          const a = stackNum(stack, 2, minimal);
          const b = stackNum(stack, 1, minimal);
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
          const x = stackNum(stack, 3, minimal);
          const lo = stackNum(stack, 2, minimal);
          const hi = stackNum(stack, 1, minimal);
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
          if (execdata) execdata.codeSeparatorPos = opcodePos;
          break;

        case OP.OP_CHECKSIG:
        case OP.OP_CHECKSIGVERIFY: {
          need(2);
          const ok = tapscript
            ? evalCheckSigTapscript(top(2), top(1), flags, checker, execdata!)
            : evalCheckSig(top(2), top(1), script.subarray(codeHashStart), flags, checker, sigversion);
          stack.length -= 2;
          stack.push(ok ? TRUE : FALSE);
          if (op === OP.OP_CHECKSIGVERIFY) {
            if (!ok) fail('CHECKSIGVERIFY');
            stack.pop();
          }
          break;
        }

        case OP.OP_CHECKSIGADD: {
          // BIP342 only; before tapscript 0xba is an unknown opcode.
          if (!tapscript) fail('BAD_OPCODE');
          need(3);
          const sig = top(3);
          const num = stackNum(stack, 2, minimal);
          const ok = evalCheckSigTapscript(sig, top(1), flags, checker, execdata!);
          stack.length -= 3;
          stack.push(encodeNum(num + (ok ? 1 : 0)));
          break;
        }

        case OP.OP_CHECKMULTISIG:
        case OP.OP_CHECKMULTISIGVERIFY: {
          if (tapscript) fail('TAPSCRIPT_CHECKMULTISIG');
          const scriptCode = script.subarray(codeHashStart);
          const r = evalCheckMultisig(stack, scriptCode, flags, checker, sigversion, opCount);
          opCount = r.opCount;
          const success = r.success;
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
