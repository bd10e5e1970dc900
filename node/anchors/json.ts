/**
 * Strict reading of parsed JSON for the anchoring formats: objects with exactly the documented
 * keys (an unknown key is an error, a new field needs a new format version), typed fields,
 * safe non-negative integers. Every failure is an AnchorError with the caller's code.
 */
import { AnchorError, type AnchorErrorCode } from './errors.js';

export type JsonObject = Record<string, unknown>;

export function strictObject(
  v: unknown,
  required: readonly string[],
  optional: readonly string[],
  code: AnchorErrorCode,
  what: string,
): JsonObject {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new AnchorError(code, `${what} must be a JSON object`);
  }
  const o = v as JsonObject;
  for (const k of Object.keys(o)) {
    if (!required.includes(k) && !optional.includes(k)) {
      throw new AnchorError(code, `${what} has an unknown field '${k}'`);
    }
  }
  for (const k of required) {
    if (!Object.hasOwn(o, k)) throw new AnchorError(code, `${what} lacks '${k}'`);
  }
  return o;
}

export function field<T>(
  o: JsonObject,
  key: string,
  is: (x: unknown) => x is T,
  code: AnchorErrorCode,
  what: string,
): T {
  const x = o[key];
  if (!is(x)) throw new AnchorError(code, `${what}.${key} has the wrong type or range`);
  return x;
}

export function isSafeCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

export function isString(x: unknown): x is string {
  return typeof x === 'string';
}

const HEX = /^(?:[0-9a-f]{2})*$/;

/** Lowercase hex of even length (any number of bytes). */
export function isLowerHex(x: unknown): x is string {
  return typeof x === 'string' && HEX.test(x);
}
