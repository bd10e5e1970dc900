/**
 * Byte helpers shared by every codec: hex, concatenation, comparison.
 * Display hex of hashes is byte-reversed (Bitcoin's convention); see `hash.ts`.
 */
import { EncodingError } from './errors.js';

const HEX = '0123456789abcdef';

const HEX_CODES = new TextEncoder().encode(HEX);
const ASCII = new TextDecoder();
/** Reused for hashes and other short inputs; larger ones get their own buffer (none is kept). */
const SCRATCH = new Uint8Array(128);

/**
 * Hex digits written as ASCII bytes, then decoded into one flat string: building it by `+=`
 * leaves a chain of intermediate strings (about 1 KB of garbage per 32-byte hash), which a peer
 * announcing thousands of hashes per message turns into tens of MB.
 */
function hexOf(bytes: Uint8Array, reversed: boolean): string {
  const n = bytes.length;
  const out = 2 * n <= SCRATCH.length ? SCRATCH : new Uint8Array(2 * n);
  for (let i = 0; i < n; i++) {
    const b = bytes[reversed ? n - 1 - i : i]!;
    out[2 * i] = HEX_CODES[b >> 4]!;
    out[2 * i + 1] = HEX_CODES[b & 15]!;
  }
  return ASCII.decode(out === SCRATCH ? SCRATCH.subarray(0, 2 * n) : out);
}

export function toHex(bytes: Uint8Array): string {
  return hexOf(bytes, false);
}

/** The hex of the bytes in reverse order (a hash's display form) without copying them first. */
export function toHexReversed(bytes: Uint8Array): string {
  return hexOf(bytes, true);
}

function nibble(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  if (code >= 65 && code <= 70) return code - 55;
  return -1;
}

/** Strict hex decoding: even length, hex digits only. */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0) throw new EncodingError('BAD_HEX', 'hex string has odd length');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = nibble(hex.charCodeAt(2 * i));
    const lo = nibble(hex.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) throw new EncodingError('BAD_HEX', 'invalid hex character');
    out[i] = (hi << 4) | lo;
  }
  return out;
}

export function isHex(s: string, bytes?: number): boolean {
  if (bytes !== undefined && s.length !== bytes * 2) return false;
  return s.length % 2 === 0 && /^[0-9a-fA-F]*$/.test(s);
}

export function reverse(bytes: Uint8Array): Uint8Array {
  return Uint8Array.from(bytes).reverse();
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Lexicographic comparison, as memcmp. */
export function compare(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

export function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}
