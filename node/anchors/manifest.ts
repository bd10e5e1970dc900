/**
 * File manifests (DESIGN.md section 8, docs/anchors.md): a file cut into chunks of a power-of-two
 * size (the last one shorter), each chunk a leaf SHA-256(0x00 || chunk) of an RFC 6962 tree
 * (tree.ts); the manifest records format version, name, size, chunk size, chunk count and the
 * root. An empty file has no chunk and the root MTH({}) = SHA-256(""); a file of one chunk has
 * that chunk's leaf hash as its root. Encodings and the id are in manifest-codec.ts.
 *
 * Memory: `ManifestBuilder` is fed the file piece by piece by its caller (this module does no
 * I/O) and keeps no file data: a chunk that straddles pieces goes into an incremental SHA-256
 * (copying such chunks into a buffer instead cost ~20% of the throughput with 64 KiB pieces, bench/anchors.ts), plus
 * the O(log n) stack of tree.ts's accumulator, whatever the file size. Finding a bad chunk or
 * serving a chunk's path needs every leaf hash, which a root cannot give back: the builder
 * keeps them on request (`keepChunkHashes`, 32 bytes per chunk, 128 KiB for 1 GiB at the
 * default size), and proofs may carry them (proof.ts), as BitTorrent v2 carries piece layers.
 */
import { equal } from '../protocol/bytes.js';
import { type Sha256Stream, sha256Stream } from '../protocol/hash.js';
import { AnchorError } from './errors.js';
import {
  checkIndex,
  HASH_SIZE,
  leafHash,
  MerkleTree,
  rootFromPath,
  rootOf,
  TreeAccumulator,
} from './tree.js';

export const MANIFEST_VERSION = 1;
export const DEFAULT_CHUNK_SIZE = 256 * 1024;
export const MIN_CHUNK_SIZE = 1024;
export const MAX_CHUNK_SIZE = 64 * 1024 * 1024;
/** UTF-8 bytes of a name: what common file systems allow for one path component. */
export const MAX_NAME_BYTES = 255;
/** Largest file size: sizes are exact JS numbers. */
export const MAX_FILE_SIZE = Number.MAX_SAFE_INTEGER;

export interface Manifest {
  readonly version: typeof MANIFEST_VERSION;
  /** The file's base name: a label, covered by the id but not checked against the file. */
  readonly name: string;
  readonly size: number;
  readonly chunkSize: number;
  /** ceil(size / chunkSize); 0 for an empty file. */
  readonly chunkCount: number;
  /** RFC 6962 root of the chunks' leaf hashes. */
  readonly root: Uint8Array;
}

/** Leaf hashes of a file's chunks in order, 32 bytes each, back to back. */
export type ChunkHashes = Uint8Array;

/** What reading a file yields: everything of its manifest but the name. */
export interface FileDigest {
  readonly size: number;
  readonly chunkSize: number;
  readonly chunkCount: number;
  readonly root: Uint8Array;
  /** Present when the builder was asked to keep them. */
  readonly chunkHashes?: ChunkHashes;
}

export function checkChunkSize(chunkSize: number): void {
  const ok =
    Number.isInteger(chunkSize) &&
    chunkSize >= MIN_CHUNK_SIZE &&
    chunkSize <= MAX_CHUNK_SIZE &&
    (chunkSize & (chunkSize - 1)) === 0;
  if (!ok) {
    throw new AnchorError(
      'BAD_CHUNK_SIZE',
      `chunk size must be a power of two from ${MIN_CHUNK_SIZE} to ${MAX_CHUNK_SIZE} bytes, got ${chunkSize}`,
    );
  }
}

export function chunkCountOf(size: number, chunkSize: number): number {
  return Math.ceil(size / chunkSize);
}

const UTF8 = new TextEncoder();

/**
 * A name is 1..255 bytes of well-formed UTF-8 (no lone surrogate) without '/' or a control
 * character (C0, DEL, C1): one path component that prints safely. Not normalized: the bytes
 * are the name.
 */
export function checkName(name: string): Uint8Array {
  if (typeof name !== 'string' || name.length === 0) throw new AnchorError('BAD_NAME', 'empty file name');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it rejects
  if (/[\u0000-\u001f\u007f-\u009f/]/.test(name)) {
    throw new AnchorError('BAD_NAME', `file name ${JSON.stringify(name)} holds '/' or a control character`);
  }
  if (/\p{Surrogate}/u.test(name)) throw new AnchorError('BAD_NAME', 'file name is not valid Unicode');
  const bytes = UTF8.encode(name);
  if (bytes.length > MAX_NAME_BYTES) {
    throw new AnchorError(
      'BAD_NAME',
      `file name is ${bytes.length} bytes of UTF-8, at most ${MAX_NAME_BYTES}`,
    );
  }
  return bytes;
}

/** A manifest for `digest` under `name`; throws AnchorError on a bad name or digest. */
export function makeManifest(name: string, digest: FileDigest): Manifest {
  checkName(name);
  checkChunkSize(digest.chunkSize);
  if (!Number.isSafeInteger(digest.size) || digest.size < 0) {
    throw new AnchorError('TOO_LARGE', `file size ${digest.size} is not a size this format carries`);
  }
  if (digest.chunkCount !== chunkCountOf(digest.size, digest.chunkSize)) {
    throw new AnchorError('MALFORMED_MANIFEST', 'chunk count does not match size and chunk size');
  }
  if (!(digest.root instanceof Uint8Array) || digest.root.length !== HASH_SIZE) {
    throw new AnchorError('MALFORMED_MANIFEST', 'root must be 32 bytes');
  }
  return {
    version: MANIFEST_VERSION,
    name,
    size: digest.size,
    chunkSize: digest.chunkSize,
    chunkCount: digest.chunkCount,
    root: digest.root,
  };
}

/** tree.ts's leaf prefix, for leaves hashed piece by piece. */
const LEAF_PREFIX = Uint8Array.of(0x00);

export interface ManifestBuilderOptions {
  chunkSize?: number;
  /** Keep every chunk's leaf hash (32 bytes per chunk) for paths and bad-chunk reports. */
  keepChunkHashes?: boolean;
}

/** Streams a file into its digest: `update` with each piece read, in order, then `digest`. */
export class ManifestBuilder {
  readonly chunkSize: number;
  private readonly tree = new TreeAccumulator();
  /** The leaf hash of a chunk a piece ended inside, and how many of its bytes it has had. */
  private partial: Sha256Stream | null = null;
  private fill = 0;
  private bytes = 0;
  private hashes: Uint8Array | null;
  private done = false;

  constructor(opts: ManifestBuilderOptions = {}) {
    this.chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
    checkChunkSize(this.chunkSize);
    this.hashes = opts.keepChunkHashes ? new Uint8Array(64 * HASH_SIZE) : null;
  }

  /** Bytes fed so far (for progress). */
  get size(): number {
    return this.bytes;
  }

  update(data: Uint8Array): this {
    if (this.done) throw new Error('ManifestBuilder: update after digest');
    if (this.bytes + data.length > MAX_FILE_SIZE) throw new AnchorError('TOO_LARGE', 'file too large');
    this.bytes += data.length;
    const cs = this.chunkSize;
    let off = 0;
    if (this.partial) {
      off = Math.min(cs - this.fill, data.length);
      this.partial.update(data.subarray(0, off));
      this.fill += off;
      if (this.fill < cs) return this;
      this.add(this.partial.digest());
      this.partial = null;
      this.fill = 0;
    }
    for (; data.length - off >= cs; off += cs) this.add(leafHash(data.subarray(off, off + cs)));
    if (off < data.length) {
      this.partial = sha256Stream().update(LEAF_PREFIX).update(data.subarray(off));
      this.fill = data.length - off;
    }
    return this;
  }

  /** Ends the file. The builder cannot be fed again. */
  digest(): FileDigest {
    if (this.done) throw new Error('ManifestBuilder: digest called twice');
    if (this.partial) this.add(this.partial.digest());
    this.done = true;
    this.partial = null;
    const count = this.tree.size;
    return {
      size: this.bytes,
      chunkSize: this.chunkSize,
      chunkCount: count,
      root: this.tree.root(),
      ...(this.hashes ? { chunkHashes: this.hashes.slice(0, count * HASH_SIZE) } : {}),
    };
  }

  /** digest() and makeManifest() in one. */
  finish(name: string): { manifest: Manifest; chunkHashes?: ChunkHashes } {
    const d = this.digest();
    return { manifest: makeManifest(name, d), ...(d.chunkHashes ? { chunkHashes: d.chunkHashes } : {}) };
  }

  private add(h: Uint8Array): void {
    if (this.hashes) {
      const at = this.tree.size * HASH_SIZE;
      if (at + HASH_SIZE > this.hashes.length) {
        const grown = new Uint8Array(this.hashes.length * 2);
        grown.set(this.hashes);
        this.hashes = grown;
      }
      this.hashes.set(h, at);
    }
    this.tree.add(h);
  }
}

/** The digest of bytes already in memory (tests, small files). */
export function digestBytes(data: Uint8Array, opts: ManifestBuilderOptions = {}): FileDigest {
  return new ManifestBuilder(opts).update(data).digest();
}

/** Views of each hash in a ChunkHashes list; throws MALFORMED_PATH if not whole hashes. */
export function splitChunkHashes(hashes: ChunkHashes): Uint8Array[] {
  if (hashes.length % HASH_SIZE !== 0) {
    throw new AnchorError('MALFORMED_PATH', 'chunk hashes must be whole 32-byte hashes');
  }
  const out: Uint8Array[] = new Array(hashes.length / HASH_SIZE);
  for (let i = 0; i < out.length; i++) out[i] = hashes.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE);
  return out;
}

/** Whether `hashes` are exactly the leaf hashes of `manifest` (count and root). */
export function chunkHashesMatch(manifest: Manifest, hashes: ChunkHashes): boolean {
  if (hashes.length !== manifest.chunkCount * HASH_SIZE) return false;
  return equal(rootOf(splitChunkHashes(hashes)), manifest.root);
}

/** The path proving chunk `index` (all chunk hashes needed); for many, build one MerkleTree. */
export function chunkPath(hashes: ChunkHashes, index: number): Uint8Array[] {
  return new MerkleTree(splitChunkHashes(hashes)).path(index);
}

/** Bytes chunk `index` of the manifest's file must have. */
export function chunkLength(manifest: Manifest, index: number): number {
  checkIndex(index, manifest.chunkCount);
  return Math.min(manifest.chunkSize, manifest.size - index * manifest.chunkSize);
}

export type ChunkCheck = 'OK' | 'BAD_INDEX' | 'WRONG_LENGTH' | 'ROOT_MISMATCH';

/** Checks chunk `index` received from an untrusted peer against the manifest's root. */
export function verifyChunk(
  manifest: Manifest,
  index: number,
  chunk: Uint8Array,
  path: readonly Uint8Array[],
): ChunkCheck {
  if (!Number.isSafeInteger(index) || index < 0 || index >= manifest.chunkCount) return 'BAD_INDEX';
  if (chunk.length !== chunkLength(manifest, index)) return 'WRONG_LENGTH';
  const root = rootFromPath(leafHash(chunk), index, manifest.chunkCount, path);
  return root && equal(root, manifest.root) ? 'OK' : 'ROOT_MISMATCH';
}

/**
 * First chunk where a file's hashes (`actual`) differ from the anchored ones (`expected`): the
 * first differing hash, else the first chunk one list has and the other lacks; null if equal.
 */
export function firstBadChunk(expected: ChunkHashes, actual: ChunkHashes): number | null {
  const n = Math.min(expected.length, actual.length) / HASH_SIZE;
  for (let i = 0; i < n; i++) {
    const off = i * HASH_SIZE;
    for (let k = 0; k < HASH_SIZE; k++) if (expected[off + k] !== actual[off + k]) return i;
  }
  return expected.length === actual.length ? null : n;
}
