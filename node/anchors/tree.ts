/**
 * Merkle trees of RFC 6962 section 2.1 (restated in RFC 9162 section 2.1): SHA-256 with a
 * 0x00 prefix for leaves and 0x01 for inner nodes, so a leaf can never pass for a node (no
 * second preimage by moving up or down the tree), and the shape that splits n > 1 items at k,
 * the largest power of two below n: MTH(D[n]) = H(0x01 || MTH(D[0:k]) || MTH(D[k:n])). Nothing
 * is duplicated (unlike Bitcoin's tx tree, node/protocol/merkle.ts), so different item lists
 * never share a root. MTH({}) = SHA-256("").
 *
 * Three ways in, one tree:
 * - `TreeAccumulator`: streaming root in O(log n) memory, a stack of perfect-subtree roots
 *   (the "compact range" of Certificate Transparency), for manifests of any size;
 * - `MerkleTree`: every level kept, for audit paths of many leaves at once (a level of odd
 *   length lifts its last node unchanged, which builds exactly the RFC shape);
 * - `rootFromPath`: RFC 9162 2.1.3.2, the verifier, which also checks the path's length.
 * Indexes and sizes are plain numbers up to 2^53 (never 32-bit bit operations).
 */
import { fromHex, toHex } from '../protocol/bytes.js';
import { sha256, sha256Parts } from '../protocol/hash.js';
import { AnchorError } from './errors.js';

export const HASH_SIZE = 32;
/** Longest path any tree here can have (2^64 leaves); longer input is rejected before use. */
export const MAX_PATH_LENGTH = 64;

const LEAF_PREFIX = Uint8Array.of(0x00);

/** MTH({}): the root of an empty tree. */
export const EMPTY_ROOT: Uint8Array = sha256(new Uint8Array(0));

/** SHA-256(0x00 || data). */
export function leafHash(data: Uint8Array): Uint8Array {
  return sha256Parts(LEAF_PREFIX, data);
}

/** SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  const buf = new Uint8Array(1 + 2 * HASH_SIZE);
  buf[0] = 0x01;
  buf.set(left, 1);
  buf.set(right, 1 + HASH_SIZE);
  return sha256(buf);
}

/** Root of a tree fed leaf hashes one at a time; memory O(log n). */
export class TreeAccumulator {
  /** Roots of perfect subtrees, left to right, sizes strictly decreasing powers of two. */
  private readonly stack: Uint8Array[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(hash: Uint8Array): void {
    this.stack.push(hash);
    this.count++;
    // Two subtrees of equal size merge: as many times as `count` has trailing zero bits.
    for (let n = this.count; n % 2 === 0; n /= 2) {
      const right = this.stack.pop()!;
      const left = this.stack.pop()!;
      this.stack.push(nodeHash(left, right));
    }
  }

  /** MTH of the leaves so far: the subtrees folded right to left (the RFC's split points). */
  root(): Uint8Array {
    const s = this.stack;
    if (s.length === 0) return EMPTY_ROOT;
    let r = s[s.length - 1]!;
    for (let i = s.length - 2; i >= 0; i--) r = nodeHash(s[i]!, r);
    return r;
  }
}

/** Root of a list of leaf hashes (already leaf-hashed, or pre-hashed items such as ids). */
export function rootOf(hashes: readonly Uint8Array[]): Uint8Array {
  const acc = new TreeAccumulator();
  for (const h of hashes) acc.add(h);
  return acc.root();
}

/** A whole tree in memory: 2x the leaf hashes; audit paths in O(log n) each. */
export class MerkleTree {
  private readonly levels: Uint8Array[][];

  constructor(hashes: readonly Uint8Array[]) {
    const levels: Uint8Array[][] = [hashes.slice()];
    for (let level = levels[0]!; level.length > 1; ) {
      const next: Uint8Array[] = [];
      for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHash(level[i]!, level[i + 1]!));
      if (level.length % 2 === 1) next.push(level[level.length - 1]!);
      levels.push(next);
      level = next;
    }
    this.levels = levels;
  }

  get size(): number {
    return this.levels[0]!.length;
  }

  root(): Uint8Array {
    return this.size === 0 ? EMPTY_ROOT : this.levels[this.levels.length - 1]![0]!;
  }

  /** RFC 6962 PATH(index, D[n]): sibling hashes from the leaf up. */
  path(index: number): Uint8Array[] {
    checkIndex(index, this.size);
    const out: Uint8Array[] = [];
    let i = index;
    for (let l = 0; l < this.levels.length - 1; l++) {
      const level = this.levels[l]!;
      const sibling = i % 2 === 1 ? i - 1 : i + 1;
      // The last node of an odd level has no sibling: it is lifted as it is.
      if (sibling < level.length) out.push(level[sibling]!);
      i = Math.floor(i / 2);
    }
    return out;
  }
}

/**
 * RFC 9162 2.1.3.2: the root that `leaf` at `index` of a `size`-leaf tree proves with `path`,
 * or null if the path cannot belong to such a tree (too short or too long).
 */
export function rootFromPath(
  leaf: Uint8Array,
  index: number,
  size: number,
  path: readonly Uint8Array[],
): Uint8Array | null {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return null;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2;
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

export function checkIndex(index: number, size: number): void {
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
    throw new AnchorError('BAD_INDEX', `index ${index} is outside a tree of ${size} leaves`);
  }
}

const HASH_HEX = /^[0-9a-f]{64}$/;

/** A 32-byte hash as lowercase hex, the byte order SHA-256 outputs (as sha256sum prints). */
export function hashToHex(h: Uint8Array): string {
  return toHex(h);
}

/** Strict inverse of hashToHex: exactly 64 lowercase hex digits, else null. */
export function hashFromHex(s: unknown): Uint8Array | null {
  if (typeof s !== 'string' || !HASH_HEX.test(s)) return null;
  return fromHex(s);
}

/** A path as JSON: hex hashes, leaf first. */
export function pathToHex(path: readonly Uint8Array[]): string[] {
  return path.map(hashToHex);
}

/** Parses a path from JSON (an array of hex hashes); throws AnchorError MALFORMED_PATH. */
export function pathFromHex(v: unknown): Uint8Array[] {
  if (!Array.isArray(v)) throw new AnchorError('MALFORMED_PATH', 'a path is an array of hex hashes');
  if (v.length > MAX_PATH_LENGTH) {
    throw new AnchorError('MALFORMED_PATH', `a path has at most ${MAX_PATH_LENGTH} hashes, got ${v.length}`);
  }
  return v.map((s, i) => {
    const h = hashFromHex(s);
    if (!h) throw new AnchorError('MALFORMED_PATH', `path[${i}] is not 64 lowercase hex digits`);
    return h;
  });
}
