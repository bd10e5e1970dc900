/**
 * SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012), as Bitcoin
 * Core's crypto/siphash.cpp uses it for BIP152 short transaction ids: a 128-bit key given as
 * two little-endian 64-bit words (k0, k1), a 64-bit result.
 *
 * The 64-bit lanes are kept as pairs of 32-bit halves, so hashing the thousands of mempool
 * wtxids a compact block is matched against allocates nothing (BigInt would, per operation).
 */

/** State: v0..v3 as (hi, lo) pairs; a reused scratch array, the module is single-threaded. */
const v = new Uint32Array(8);

function add(a: number, b: number): void {
  // v[a] += v[b], 64-bit with carry.
  const lo = (v[a + 1]! + v[b + 1]!) >>> 0;
  v[a] = (v[a]! + v[b]! + (lo < v[a + 1]! ? 1 : 0)) >>> 0;
  v[a + 1] = lo;
}

function rotl(a: number, n: number): void {
  const hi = v[a]!;
  const lo = v[a + 1]!;
  if (n === 32) {
    v[a] = lo;
    v[a + 1] = hi;
  } else if (n < 32) {
    v[a] = ((hi << n) | (lo >>> (32 - n))) >>> 0;
    v[a + 1] = ((lo << n) | (hi >>> (32 - n))) >>> 0;
  } else {
    const m = n - 32;
    v[a] = ((lo << m) | (hi >>> (32 - m))) >>> 0;
    v[a + 1] = ((hi << m) | (lo >>> (32 - m))) >>> 0;
  }
}

function xor(a: number, b: number): void {
  v[a] = (v[a]! ^ v[b]!) >>> 0;
  v[a + 1] = (v[a + 1]! ^ v[b + 1]!) >>> 0;
}

// Lane offsets in `v`.
const V0 = 0;
const V1 = 2;
const V2 = 4;
const V3 = 6;

function round(): void {
  add(V0, V1);
  rotl(V1, 13);
  xor(V1, V0);
  rotl(V0, 32);
  add(V2, V3);
  rotl(V3, 16);
  xor(V3, V2);
  add(V0, V3);
  rotl(V3, 21);
  xor(V3, V0);
  add(V2, V1);
  rotl(V1, 17);
  xor(V1, V2);
  rotl(V2, 32);
}

function absorb(hi: number, lo: number): void {
  v[V3] = (v[V3]! ^ hi) >>> 0;
  v[V3 + 1] = (v[V3 + 1]! ^ lo) >>> 0;
  round();
  round();
  v[V0] = (v[V0]! ^ hi) >>> 0;
  v[V0 + 1] = (v[V0 + 1]! ^ lo) >>> 0;
}

/** A key as Core holds it: k0 and k1, each split into its high and low 32 bits. */
export interface SipKey {
  k0hi: number;
  k0lo: number;
  k1hi: number;
  k1lo: number;
}

/** The key from 16 bytes: k0 = bytes 0..7, k1 = bytes 8..15, little-endian. */
export function sipKey(bytes: Uint8Array): SipKey {
  if (bytes.length < 16) throw new RangeError('a SipHash key is 16 bytes');
  const d = new DataView(bytes.buffer, bytes.byteOffset, 16);
  return {
    k0lo: d.getUint32(0, true),
    k0hi: d.getUint32(4, true),
    k1lo: d.getUint32(8, true),
    k1hi: d.getUint32(12, true),
  };
}

/** SipHash-2-4 of `data` under `key`, as [hi, lo] 32-bit halves of the 64-bit result. */
export function siphash24(key: SipKey, data: Uint8Array): [number, number] {
  // "somepseudorandomlygeneratedbytes"
  v[V0] = (key.k0hi ^ 0x736f6d65) >>> 0;
  v[V0 + 1] = (key.k0lo ^ 0x70736575) >>> 0;
  v[V1] = (key.k1hi ^ 0x646f7261) >>> 0;
  v[V1 + 1] = (key.k1lo ^ 0x6e646f6d) >>> 0;
  v[V2] = (key.k0hi ^ 0x6c796765) >>> 0;
  v[V2 + 1] = (key.k0lo ^ 0x6e657261) >>> 0;
  v[V3] = (key.k1hi ^ 0x74656462) >>> 0;
  v[V3 + 1] = (key.k1lo ^ 0x79746573) >>> 0;
  const n = data.length;
  const whole = n - (n % 8);
  const d = new DataView(data.buffer, data.byteOffset, n);
  for (let i = 0; i < whole; i += 8) absorb(d.getUint32(i + 4, true), d.getUint32(i, true));
  // The last word: the remaining bytes, and the length's low byte in the top byte.
  let lo = 0;
  let hi = (n & 0xff) << 24;
  for (let i = whole; i < n; i++) {
    const k = i - whole;
    if (k < 4) lo |= data[i]! << (8 * k);
    else hi |= data[i]! << (8 * (k - 4));
  }
  absorb(hi >>> 0, lo >>> 0);
  v[V2 + 1] = (v[V2 + 1]! ^ 0xff) >>> 0;
  round();
  round();
  round();
  round();
  return [
    (v[V0]! ^ v[V1]! ^ v[V2]! ^ v[V3]!) >>> 0,
    (v[V0 + 1]! ^ v[V1 + 1]! ^ v[V2 + 1]! ^ v[V3 + 1]!) >>> 0,
  ];
}
