/**
 * Kademlia's XOR metric (Maymounkov & Mazieres 2002, section 2.1) on 256-bit ids: the distance
 * of two ids is their XOR read as a big-endian number, so comparing distances is comparing the
 * XORs byte by byte, and the bucket of an id is the length of its common prefix with ours.
 */
import { ID_BYTES } from './params.js';

export function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(ID_BYTES);
  for (let i = 0; i < ID_BYTES; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/** Negative when `a` is closer to `target` than `b`, 0 when as close (the same id). */
export function compareDistance(a: Uint8Array, b: Uint8Array, target: Uint8Array): number {
  for (let i = 0; i < ID_BYTES; i++) {
    const d = (a[i]! ^ target[i]!) - (b[i]! ^ target[i]!);
    if (d !== 0) return d;
  }
  return 0;
}

/** Leading bits `a` and `b` share: 256 for the same id. */
export function commonPrefix(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < ID_BYTES; i++) {
    const x = a[i]! ^ b[i]!;
    if (x !== 0) return i * 8 + Math.clz32(x) - 24;
  }
  return ID_BYTES * 8;
}

/** A random id whose common prefix with `self` is exactly `prefix` bits (bucket refresh). */
export function idInBucket(self: Uint8Array, prefix: number, random: Uint8Array): Uint8Array {
  const out = random.slice(0, ID_BYTES);
  const whole = prefix >> 3;
  for (let i = 0; i < whole; i++) out[i] = self[i]!;
  if (whole < ID_BYTES) {
    const bit = prefix & 7;
    const keep = (0xff00 >> bit) & 0xff;
    const flip = 0x80 >> bit;
    out[whole] =
      (self[whole]! & keep) | ((self[whole]! ^ flip) & flip) | (out[whole]! & ~(keep | flip) & 0xff);
  }
  return out;
}
