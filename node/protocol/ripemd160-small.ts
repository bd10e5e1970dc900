/**
 * RIPEMD-160 (Dobbertin, Bosselaers, Preneel, 1996) in plain JS for short messages. Every
 * OP_HASH160 of a P2PKH or P2WPKH spend hashes a 32-byte SHA-256 digest, where node:crypto's
 * per-call cost (~1 us, a Buffer per result) is most of the work; this allocates only the
 * 20-byte result. hash.ts picks it by length, as it does sha256-small.ts; tests check it
 * against node:crypto (or @noble/hashes where OpenSSL 3 lacks it) for every length up to
 * several blocks.
 */

// Message-word order and rotation amounts of the left and right lines, rounds 0..79; the
// five rounds' functions and constants are written out in compress().
const RL = Uint8Array.from([
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 7, 4, 13, 1, 10, 6, 15, 3, 12, 0, 9, 5, 2, 14, 11, 8,
  3, 10, 14, 4, 9, 15, 8, 1, 2, 7, 0, 6, 13, 11, 5, 12, 1, 9, 11, 10, 0, 8, 12, 4, 13, 3, 7, 15, 14, 5, 6, 2,
  4, 0, 5, 9, 7, 12, 2, 10, 14, 1, 3, 8, 11, 6, 15, 13,
]);
const RR = Uint8Array.from([
  5, 14, 7, 0, 9, 2, 11, 4, 13, 6, 15, 8, 1, 10, 3, 12, 6, 11, 3, 7, 0, 13, 5, 10, 14, 15, 8, 12, 4, 9, 1, 2,
  15, 5, 1, 3, 7, 14, 6, 9, 11, 8, 12, 2, 10, 0, 4, 13, 8, 6, 4, 1, 3, 11, 15, 0, 5, 12, 2, 13, 9, 7, 10, 14,
  12, 15, 10, 4, 1, 5, 8, 7, 6, 2, 13, 14, 0, 3, 9, 11,
]);
const SL = Uint8Array.from([
  11, 14, 15, 12, 5, 8, 7, 9, 11, 13, 14, 15, 6, 7, 9, 8, 7, 6, 8, 13, 11, 9, 7, 15, 7, 12, 15, 9, 11, 7, 13,
  12, 11, 13, 6, 7, 14, 9, 13, 15, 14, 8, 13, 6, 5, 12, 7, 5, 11, 12, 14, 15, 14, 15, 9, 8, 9, 14, 5, 6, 8, 6,
  5, 12, 9, 15, 5, 11, 6, 8, 13, 12, 5, 12, 13, 14, 11, 8, 5, 6,
]);
const SR = Uint8Array.from([
  8, 9, 9, 11, 13, 15, 15, 5, 7, 7, 8, 11, 14, 14, 12, 6, 9, 13, 15, 7, 12, 8, 9, 11, 7, 7, 12, 7, 6, 15, 13,
  11, 9, 7, 15, 11, 8, 6, 6, 14, 12, 13, 5, 14, 13, 13, 7, 5, 15, 5, 8, 11, 14, 14, 6, 14, 6, 9, 12, 9, 12, 5,
  15, 8, 8, 5, 12, 9, 12, 5, 14, 6, 8, 13, 6, 5, 15, 13, 11, 11,
]);

// Scratch state: the function is synchronous and non-reentrant, so sharing it is safe.
const X = new Int32Array(16);
const H = new Int32Array(5);
const TAIL = new Uint8Array(128);

function compress(block: Uint8Array, off: number): void {
  for (let i = 0; i < 16; i++) {
    const j = off + 4 * i;
    X[i] = block[j]! | (block[j + 1]! << 8) | (block[j + 2]! << 16) | (block[j + 3]! << 24);
  }
  let a: number;
  let b: number;
  let c: number;
  let d: number;
  let e: number;
  let t: number;
  let s: number;
  // The two lines are independent until the end: the left one first, then the right one.
  a = H[0]!;
  b = H[1]!;
  c = H[2]!;
  d = H[3]!;
  e = H[4]!;
  for (let j = 0; j < 16; j++) {
    t = (a + (b ^ c ^ d) + X[RL[j]!]!) | 0;
    s = SL[j]!;
    t = (((t << s) | (t >>> (32 - s))) + e) | 0;
    a = e;
    e = d;
    d = (c << 10) | (c >>> 22);
    c = b;
    b = t;
  }
  for (let j = 16; j < 32; j++) {
    t = (a + ((b & c) | (~b & d)) + X[RL[j]!]! + 0x5a827999) | 0;
    s = SL[j]!;
    t = (((t << s) | (t >>> (32 - s))) + e) | 0;
    a = e;
    e = d;
    d = (c << 10) | (c >>> 22);
    c = b;
    b = t;
  }
  for (let j = 32; j < 48; j++) {
    t = (a + ((b | ~c) ^ d) + X[RL[j]!]! + 0x6ed9eba1) | 0;
    s = SL[j]!;
    t = (((t << s) | (t >>> (32 - s))) + e) | 0;
    a = e;
    e = d;
    d = (c << 10) | (c >>> 22);
    c = b;
    b = t;
  }
  for (let j = 48; j < 64; j++) {
    t = (a + ((b & d) | (c & ~d)) + X[RL[j]!]! + 0x8f1bbcdc) | 0;
    s = SL[j]!;
    t = (((t << s) | (t >>> (32 - s))) + e) | 0;
    a = e;
    e = d;
    d = (c << 10) | (c >>> 22);
    c = b;
    b = t;
  }
  for (let j = 64; j < 80; j++) {
    t = (a + (b ^ (c | ~d)) + X[RL[j]!]! + 0xa953fd4e) | 0;
    s = SL[j]!;
    t = (((t << s) | (t >>> (32 - s))) + e) | 0;
    a = e;
    e = d;
    d = (c << 10) | (c >>> 22);
    c = b;
    b = t;
  }
  const al = a;
  const bl = b;
  const cl = c;
  const dl = d;
  const el = e;
  a = H[0]!;
  b = H[1]!;
  c = H[2]!;
  d = H[3]!;
  e = H[4]!;
  for (let j = 0; j < 16; j++) {
    t = (a + (b ^ (c | ~d)) + X[RR[j]!]! + 0x50a28be6) | 0;
    s = SR[j]!;
    t = (((t << s) | (t >>> (32 - s))) + e) | 0;
    a = e;
    e = d;
    d = (c << 10) | (c >>> 22);
    c = b;
    b = t;
  }
  for (let j = 16; j < 32; j++) {
    t = (a + ((b & d) | (c & ~d)) + X[RR[j]!]! + 0x5c4dd124) | 0;
    s = SR[j]!;
    t = (((t << s) | (t >>> (32 - s))) + e) | 0;
    a = e;
    e = d;
    d = (c << 10) | (c >>> 22);
    c = b;
    b = t;
  }
  for (let j = 32; j < 48; j++) {
    t = (a + ((b | ~c) ^ d) + X[RR[j]!]! + 0x6d703ef3) | 0;
    s = SR[j]!;
    t = (((t << s) | (t >>> (32 - s))) + e) | 0;
    a = e;
    e = d;
    d = (c << 10) | (c >>> 22);
    c = b;
    b = t;
  }
  for (let j = 48; j < 64; j++) {
    t = (a + ((b & c) | (~b & d)) + X[RR[j]!]! + 0x7a6d76e9) | 0;
    s = SR[j]!;
    t = (((t << s) | (t >>> (32 - s))) + e) | 0;
    a = e;
    e = d;
    d = (c << 10) | (c >>> 22);
    c = b;
    b = t;
  }
  for (let j = 64; j < 80; j++) {
    t = (a + (b ^ c ^ d) + X[RR[j]!]!) | 0;
    s = SR[j]!;
    t = (((t << s) | (t >>> (32 - s))) + e) | 0;
    a = e;
    e = d;
    d = (c << 10) | (c >>> 22);
    c = b;
    b = t;
  }
  t = (H[1]! + cl + d) | 0;
  H[1] = (H[2]! + dl + e) | 0;
  H[2] = (H[3]! + el + a) | 0;
  H[3] = (H[4]! + al + b) | 0;
  H[4] = (H[0]! + bl + c) | 0;
  H[0] = t;
}

export function ripemd160Small(data: Uint8Array): Uint8Array {
  H[0] = 0x67452301;
  H[1] = 0xefcdab89 | 0;
  H[2] = 0x98badcfe | 0;
  H[3] = 0x10325476;
  H[4] = 0xc3d2e1f0 | 0;
  const n = data.length;
  let off = 0;
  for (; off + 64 <= n; off += 64) compress(data, off);
  const rem = n - off;
  TAIL.fill(0);
  TAIL.set(data.subarray(off), 0);
  TAIL[rem] = 0x80;
  const end = rem + 9 <= 64 ? 64 : 128;
  // The length in bits, little-endian, in the last 8 bytes.
  const bits = n * 8;
  TAIL[end - 8] = bits;
  TAIL[end - 7] = bits >>> 8;
  TAIL[end - 6] = bits >>> 16;
  TAIL[end - 5] = bits >>> 24;
  TAIL[end - 4] = Math.floor(bits / 2 ** 32) & 0xff;
  compress(TAIL, 0);
  if (end === 128) compress(TAIL, 64);
  const out = new Uint8Array(20);
  for (let i = 0; i < 5; i++) {
    const v = H[i]!;
    out[4 * i] = v;
    out[4 * i + 1] = v >>> 8;
    out[4 * i + 2] = v >>> 16;
    out[4 * i + 3] = v >>> 24;
  }
  return out;
}
