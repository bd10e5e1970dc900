/**
 * Compact targets ("bits") as Core's arith_uint256 SetCompact/GetCompact, and chain work
 * (2^256 / (target + 1)) as GetBlockProof.
 */
export interface CompactTarget {
  target: bigint;
  negative: boolean;
  overflow: boolean;
}

export function decodeCompact(bits: number): CompactTarget {
  const size = bits >>> 24;
  let word = BigInt(bits & 0x007fffff);
  let target: bigint;
  if (size <= 3) {
    word >>= BigInt(8 * (3 - size));
    target = word;
  } else {
    target = word << BigInt(8 * (size - 3));
  }
  const negative = word !== 0n && (bits & 0x00800000) !== 0;
  const overflow = word !== 0n && (size > 34 || (word > 0xffn && size > 33) || (word > 0xffffn && size > 32));
  return { target, negative, overflow };
}

export function encodeCompact(target: bigint): number {
  if (target < 0n) throw new RangeError('negative target');
  let size = byteLength(target);
  let compact: bigint;
  if (size <= 3) {
    compact = target << BigInt(8 * (3 - size));
  } else {
    compact = target >> BigInt(8 * (size - 3));
  }
  // The sign bit would make it negative: shift one more byte.
  if (compact & 0x00800000n) {
    compact >>= 8n;
    size++;
  }
  return (Number(compact) | (size << 24)) >>> 0;
}

function byteLength(n: bigint): number {
  let len = 0;
  while (n > 0n) {
    n >>= 8n;
    len++;
  }
  return len;
}

/** Target for `bits`, or null where Core's CheckProofOfWork would reject the encoding. */
export function targetFromBits(bits: number, powLimit: bigint): bigint | null {
  const { target, negative, overflow } = decodeCompact(bits);
  if (negative || overflow || target === 0n || target > powLimit) return null;
  return target;
}

const TWO_256 = 1n << 256n;

export function workFromBits(bits: number): bigint {
  const { target, negative, overflow } = decodeCompact(bits);
  if (negative || overflow || target === 0n) return 0n;
  return TWO_256 / (target + 1n);
}

/** Hash (internal byte order, i.e. little-endian number) as an integer. */
export function hashToBigInt(hash: Uint8Array): bigint {
  let n = 0n;
  for (let i = hash.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(hash[i]!);
  return n;
}

export function checkProofOfWork(hash: Uint8Array, bits: number, powLimit: bigint): boolean {
  const target = targetFromBits(bits, powLimit);
  return target !== null && hashToBigInt(hash) <= target;
}

/** Core's GetDifficulty: how many times harder than the 0x1d00ffff target (a float, for display). */
export function difficultyFromBits(bits: number): number {
  let shift = (bits >>> 24) & 0xff;
  let diff = 0x0000ffff / (bits & 0x00ffffff);
  while (shift < 29) {
    diff *= 256;
    shift++;
  }
  while (shift > 29) {
    diff /= 256;
    shift--;
  }
  return diff;
}
