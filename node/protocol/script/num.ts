/**
 * CScriptNum: little-endian sign-magnitude integers on the script stack. Operands are at most
 * 4 bytes (5 for CLTV/CSV), so JS numbers hold every value and every result exactly.
 */
import { ScriptError } from './errors.js';

export function decodeNum(bytes: Uint8Array, requireMinimal: boolean, maxSize = 4): number {
  const len = bytes.length;
  if (len > maxSize) throw new ScriptError('SCRIPTNUM', 'script number overflow');
  if (len === 0) return 0;
  if (requireMinimal && (bytes[len - 1]! & 0x7f) === 0) {
    // The top byte may only be 0x00/0x80 when the next byte needs its sign bit.
    if (len <= 1 || (bytes[len - 2]! & 0x80) === 0) {
      throw new ScriptError('SCRIPTNUM', 'non-minimally encoded script number');
    }
  }
  let result = 0;
  for (let i = 0; i < len; i++) result += bytes[i]! * 2 ** (8 * i);
  const top = bytes[len - 1]!;
  if (top & 0x80) {
    result -= 0x80 * 2 ** (8 * (len - 1));
    return -result;
  }
  return result;
}

export function encodeNum(value: number): Uint8Array {
  if (value === 0) return new Uint8Array(0);
  const neg = value < 0;
  let abs = Math.abs(value);
  const out: number[] = [];
  while (abs > 0) {
    out.push(abs % 256);
    abs = Math.floor(abs / 256);
  }
  const last = out[out.length - 1]!;
  if (last & 0x80) out.push(neg ? 0x80 : 0);
  else if (neg) out[out.length - 1] = last | 0x80;
  return Uint8Array.from(out);
}

/** The same serialization for any int64 (assembly notation can name numbers past 2^53). */
export function encodeNumBig(value: bigint): Uint8Array {
  if (value === 0n) return new Uint8Array(0);
  const neg = value < 0n;
  let abs = neg ? -value : value;
  const out: number[] = [];
  while (abs > 0n) {
    out.push(Number(abs & 0xffn));
    abs >>= 8n;
  }
  const last = out[out.length - 1]!;
  if (last & 0x80) out.push(neg ? 0x80 : 0);
  else if (neg) out[out.length - 1] = last | 0x80;
  return Uint8Array.from(out);
}

/** CastToBool: any non-zero byte, except a lone sign bit in the last byte (negative zero). */
export function castToBool(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 0) return !(i === bytes.length - 1 && bytes[i] === 0x80);
  }
  return false;
}

/** The number `depth` items from the top of `stack`, as EvalScript's `CScriptNum(stacktop(-depth), ...)`. */
export function stackNum(stack: readonly Uint8Array[], depth: number, minimal: boolean, maxSize = 4): number {
  try {
    return decodeNum(stack[stack.length - depth]!, minimal, maxSize);
  } catch (e) {
    // Core's CScriptNum throws scriptnum_error, which EvalScript reports as SCRIPT_ERR_SCRIPTNUM.
    if (e instanceof ScriptError) throw e;
    throw new ScriptError('SCRIPTNUM');
  }
}

/** CScriptNum::getint(): saturate to the int32 range. */
export function clampInt(n: number): number {
  if (n > 0x7fffffff) return 0x7fffffff;
  if (n < -0x80000000) return -0x80000000;
  return n;
}
