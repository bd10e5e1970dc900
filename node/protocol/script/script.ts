/**
 * Script bytes <-> operations, as Core's GetScriptOp: a push opcode is followed by its data;
 * a truncated push is malformed. Scripts stay as raw bytes everywhere; this module walks them.
 */
import { concat } from '../bytes.js';
import { EncodingError } from '../errors.js';
import { encodeNum } from './num.js';
import { decodeSmallInt, OP, OP_NAMES } from './opcodes.js';

// Script limits, as Core's script.h.
export const MAX_SCRIPT_SIZE = 10_000;
export const MAX_SCRIPT_ELEMENT_SIZE = 520;
export const MAX_OPS_PER_SCRIPT = 201;
export const MAX_PUBKEYS_PER_MULTISIG = 20;
export const MAX_STACK_SIZE = 1000;

/**
 * One step of the walk. On failure `ok` is false and `next` is where Core's iterator stops,
 * which legacy sighash serialization and FindAndDelete depend on.
 */
export interface OpStep {
  ok: boolean;
  op: number;
  /** Push data for push opcodes; null otherwise. */
  data: Uint8Array | null;
  next: number;
}

export function readOp(script: Uint8Array, pc: number, out: OpStep): boolean {
  out.data = null;
  out.op = OP.OP_INVALIDOPCODE;
  const end = script.length;
  if (pc >= end) {
    out.ok = false;
    out.next = pc;
    return false;
  }
  const op = script[pc++]!;
  if (op <= OP.OP_PUSHDATA4) {
    let size: number;
    if (op < OP.OP_PUSHDATA1) {
      size = op;
    } else if (op === OP.OP_PUSHDATA1) {
      if (end - pc < 1) return fail(out, pc);
      size = script[pc]!;
      pc += 1;
    } else if (op === OP.OP_PUSHDATA2) {
      if (end - pc < 2) return fail(out, pc);
      size = script[pc]! | (script[pc + 1]! << 8);
      pc += 2;
    } else {
      if (end - pc < 4) return fail(out, pc);
      size = (script[pc]! | (script[pc + 1]! << 8) | (script[pc + 2]! << 16)) + script[pc + 3]! * 0x1000000;
      pc += 4;
    }
    if (end - pc < size) return fail(out, pc);
    out.data = script.subarray(pc, pc + size);
    pc += size;
  }
  out.op = op;
  out.ok = true;
  out.next = pc;
  return true;
}

function fail(out: OpStep, pc: number): boolean {
  out.ok = false;
  out.next = pc;
  return false;
}

export function newStep(): OpStep {
  return { ok: false, op: 0, data: null, next: 0 };
}

export interface ScriptOp {
  op: number;
  data?: Uint8Array;
}

/** All operations; throws EncodingError on a truncated push. */
export function decodeScript(script: Uint8Array): ScriptOp[] {
  const ops: ScriptOp[] = [];
  const step = newStep();
  let pc = 0;
  while (pc < script.length) {
    if (!readOp(script, pc, step)) throw new EncodingError('BAD_VALUE', `truncated push at byte ${pc}`);
    ops.push(step.data ? { op: step.op, data: step.data } : { op: step.op });
    pc = step.next;
  }
  return ops;
}

/** The push opcode(s) for `data` that CScript << vector emits (smallest PUSHDATA form). */
export function pushBytes(data: Uint8Array): Uint8Array {
  const n = data.length;
  let prefix: Uint8Array;
  if (n < OP.OP_PUSHDATA1) prefix = Uint8Array.of(n);
  else if (n <= 0xff) prefix = Uint8Array.of(OP.OP_PUSHDATA1, n);
  else if (n <= 0xffff) prefix = Uint8Array.of(OP.OP_PUSHDATA2, n & 0xff, n >> 8);
  else prefix = Uint8Array.of(OP.OP_PUSHDATA4, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24);
  return concat(prefix, data);
}

/** CScript << int64: OP_0, OP_1NEGATE, OP_1..OP_16, else a minimal number push. */
export function pushInt(n: number): Uint8Array {
  if (n === 0) return Uint8Array.of(OP.OP_0);
  if (n === -1) return Uint8Array.of(OP.OP_1NEGATE);
  if (n >= 1 && n <= 16) return Uint8Array.of(OP.OP_1 + n - 1);
  return pushBytes(encodeNum(n));
}

export function encodeScript(ops: readonly ScriptOp[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const o of ops) {
    if (o.data !== undefined && o.op <= OP.OP_PUSHDATA4) {
      const n = o.data.length;
      if (o.op < OP.OP_PUSHDATA1) parts.push(Uint8Array.of(o.op));
      else if (o.op === OP.OP_PUSHDATA1) parts.push(Uint8Array.of(o.op, n));
      else if (o.op === OP.OP_PUSHDATA2) parts.push(Uint8Array.of(o.op, n & 0xff, n >> 8));
      else parts.push(Uint8Array.of(o.op, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24));
      parts.push(o.data);
    } else {
      parts.push(Uint8Array.of(o.op));
    }
  }
  return concat(...parts);
}

/** Core's IsPushOnly: every op is a push or OP_1NEGATE..OP_16 (OP_RESERVED counts as push). */
export function isPushOnly(script: Uint8Array): boolean {
  const step = newStep();
  let pc = 0;
  while (pc < script.length) {
    if (!readOp(script, pc, step)) return false;
    if (step.op > OP.OP_16) return false;
    pc = step.next;
  }
  return true;
}

/** Core's CheckMinimalPush. */
export function isMinimalPush(data: Uint8Array, op: number): boolean {
  const n = data.length;
  if (n === 0) return op === OP.OP_0;
  if (n === 1 && data[0]! >= 1 && data[0]! <= 16) return false;
  if (n === 1 && data[0] === 0x81) return false;
  if (n <= 75) return op === n;
  if (n <= 255) return op === OP.OP_PUSHDATA1;
  if (n <= 65535) return op === OP.OP_PUSHDATA2;
  return true;
}

export function isSmallInt(op: number): boolean {
  return op === OP.OP_0 || (op >= OP.OP_1 && op <= OP.OP_16);
}

export { decodeSmallInt };

/** Human-readable assembly in the style of Core's ScriptToAsmStr (no sighash decoding). */
export function toAsm(script: Uint8Array): string {
  const parts: string[] = [];
  const step = newStep();
  let pc = 0;
  while (pc < script.length) {
    if (!readOp(script, pc, step)) {
      parts.push('[error]');
      break;
    }
    if (step.data !== null) {
      parts.push(step.data.length <= 4 ? String(decodeAsmNum(step.data)) : hexOf(step.data));
    } else {
      parts.push(OP_NAMES[step.op] ?? 'OP_UNKNOWN');
    }
    pc = step.next;
  }
  return parts.join(' ');
}

function decodeAsmNum(data: Uint8Array): number {
  if (data.length === 0) return 0;
  let v = 0;
  for (let i = 0; i < data.length; i++) v += data[i]! * 2 ** (8 * i);
  const top = data[data.length - 1]!;
  if (top & 0x80) return -(v - 0x80 * 2 ** (8 * (data.length - 1)));
  return v;
}

function hexOf(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}
