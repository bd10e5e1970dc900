/**
 * Signature and public-key encoding rules of Core's interpreter.cpp (IsValidSignatureEncoding
 * per BIP66, IsLowDERSignature, IsDefinedHashtypeSignature, CheckPubKeyEncoding) and the lax
 * DER parser of pubkey.cpp (ecdsa_signature_parse_der_lax) used for every verification.
 */
export const SIGHASH = {
  ALL: 1,
  NONE: 2,
  SINGLE: 3,
  ANYONECANPAY: 0x80,
} as const;

/** BIP66 strict DER (the signature includes its trailing hash-type byte). */
export function isValidSignatureEncoding(sig: Uint8Array): boolean {
  const size = sig.length;
  if (size < 9 || size > 73) return false;
  if (sig[0] !== 0x30) return false;
  if (sig[1] !== size - 3) return false;
  const lenR = sig[3]!;
  if (5 + lenR >= size) return false;
  const lenS = sig[5 + lenR]!;
  if (lenR + lenS + 7 !== size) return false;
  if (sig[2] !== 0x02) return false;
  if (lenR === 0) return false;
  if (sig[4]! & 0x80) return false;
  if (lenR > 1 && sig[4] === 0x00 && !(sig[5]! & 0x80)) return false;
  if (sig[lenR + 4] !== 0x02) return false;
  if (lenS === 0) return false;
  if (sig[lenR + 6]! & 0x80) return false;
  if (lenS > 1 && sig[lenR + 6] === 0x00 && !(sig[lenR + 7]! & 0x80)) return false;
  return true;
}

export function isDefinedHashtype(sig: Uint8Array): boolean {
  if (sig.length === 0) return false;
  const t = sig[sig.length - 1]! & ~SIGHASH.ANYONECANPAY;
  return t >= SIGHASH.ALL && t <= SIGHASH.SINGLE;
}

/** 33-byte 02/03 or 65-byte 04 keys (STRICTENC). */
export function isCompressedOrUncompressedPubKey(key: Uint8Array): boolean {
  if (key.length < 33) return false;
  if (key[0] === 0x04) return key.length === 65;
  if (key[0] === 0x02 || key[0] === 0x03) return key.length === 33;
  return false;
}

export function isCompressedPubKey(key: Uint8Array): boolean {
  return key.length === 33 && (key[0] === 0x02 || key[0] === 0x03);
}

/** CPubKey::IsValid: the length implied by the prefix (hybrid 06/07 included) matches. */
export function isValidPubKeyLength(key: Uint8Array): boolean {
  if (key.length === 0) return false;
  const p = key[0]!;
  if (p === 2 || p === 3) return key.length === 33;
  if (p === 4 || p === 6 || p === 7) return key.length === 65;
  return false;
}

// secp256k1 group order n, and n/2, as 32-byte big-endian arrays for cheap comparison.
export const CURVE_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const N_BYTES = bigToBytes32(CURVE_N);
const HALF_N_BYTES = bigToBytes32(CURVE_N >> 1n);

export function bigToBytes32(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

function bytesToBig(b: Uint8Array): bigint {
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return n;
}

function cmp32(a: Uint8Array, aOff: number, b: Uint8Array): number {
  for (let i = 0; i < 32; i++) {
    const d = a[aOff + i]! - b[i]!;
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * One INTEGER of the lax parser: tag 0x02, then a length (short or long form, long-form
 * lengths above 2^24 refused); returns where its bytes start and how many there are.
 */
function readLaxInteger(input: Uint8Array, pos: number): { start: number; length: number } | null {
  const len = input.length;
  if (pos === len || input[pos] !== 0x02) return null;
  pos++;
  if (pos === len) return null;
  let lenbyte = input[pos++]!;
  let length: number;
  if (lenbyte & 0x80) {
    lenbyte -= 0x80;
    if (lenbyte > len - pos) return null;
    while (lenbyte > 0 && input[pos] === 0) {
      pos++;
      lenbyte--;
    }
    if (lenbyte >= 4) return null;
    length = 0;
    while (lenbyte > 0) {
      length = length * 256 + input[pos]!;
      pos++;
      lenbyte--;
    }
  } else {
    length = lenbyte;
  }
  if (length > len - pos) return null;
  return { start: pos, length };
}

/**
 * ecdsa_signature_parse_der_lax: returns 64 bytes r||s, or null where Core's parser fails.
 * Values of r or s that overflow 32 bytes or the group order become the all-zero signature,
 * which parses but never verifies (as Core does).
 */
export function parseDerLax(input: Uint8Array): Uint8Array | null {
  const len = input.length;
  let pos = 0;
  if (pos === len || input[pos] !== 0x30) return null;
  pos++;
  if (pos === len) return null;
  let lenbyte = input[pos++]!;
  if (lenbyte & 0x80) {
    lenbyte -= 0x80;
    if (lenbyte > len - pos) return null;
    pos += lenbyte;
  }
  const r = readLaxInteger(input, pos);
  if (r === null) return null;
  let rpos = r.start;
  let rlen = r.length;
  const sv = readLaxInteger(input, r.start + r.length);
  if (sv === null) return null;
  let spos = sv.start;
  let slen = sv.length;
  while (rlen > 0 && input[rpos] === 0) {
    rlen--;
    rpos++;
  }
  while (slen > 0 && input[spos] === 0) {
    slen--;
    spos++;
  }
  const out = new Uint8Array(64);
  if (rlen > 32 || slen > 32) return out;
  out.set(input.subarray(rpos, rpos + rlen), 32 - rlen);
  out.set(input.subarray(spos, spos + slen), 64 - slen);
  if (cmp32(out, 0, N_BYTES) >= 0 || cmp32(out, 32, N_BYTES) >= 0) return new Uint8Array(64);
  return out;
}

export function isHighS(sig64: Uint8Array): boolean {
  return cmp32(sig64, 32, HALF_N_BYTES) > 0;
}

/** secp256k1_ecdsa_signature_normalize: s -> n - s when s is in the upper half (in place). */
export function normalizeS(sig64: Uint8Array): void {
  if (!isHighS(sig64)) return;
  sig64.set(bigToBytes32(CURVE_N - bytesToBig(sig64.subarray(32, 64))), 32);
}

/** Core's IsLowDERSignature minus the DER check: CPubKey::CheckLowS on the lax parse. */
export function isLowS(sigWithoutHashtype: Uint8Array): boolean {
  const rs = parseDerLax(sigWithoutHashtype);
  if (rs === null) return false;
  return !isHighS(rs);
}
