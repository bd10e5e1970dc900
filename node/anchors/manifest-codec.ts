/**
 * A manifest's canonical bytes, its id and its JSON form (docs/anchors.md).
 *
 * Canonical bytes, version 1 (integers little-endian, as Bitcoin's):
 *
 *   offset size  field
 *   0      4     magic "GLMF" (47 4c 4d 46)
 *   4      1     format version = 1
 *   5      4     chunk size, u32 (a power of two, 2^10 .. 2^26)
 *   9      8     file size in bytes, u64 (at most 2^53 - 1)
 *   17     8     chunk count, u64 (= ceil(size / chunk size))
 *   25     32    Merkle root (RFC 6962, tree.ts)
 *   57     1|3   name length, CompactSize (1 .. 255)
 *   58|60  n     name, UTF-8
 *
 * id = SHA-256(canonical bytes). Exactly one byte string decodes to a given manifest (every
 * field is checked, nothing may follow the name), so equal manifests have equal ids. The magic
 * also separates ids from the tree's hashes: a leaf's preimage starts with 0x00 and a node's
 * with 0x01, a manifest's with 'G', so an id can stand as a leaf of the commitment tree as it
 * is (commitment.ts).
 *
 * JSON (for people, and inside proofs): {"version":1,"name":…,"size":…,"chunkSize":…,
 * "chunkCount":…,"root":"<64 hex>"}, hashes as lowercase hex in SHA-256 output order; an
 * optional "id" is checked when present.
 */
import { equal } from '../protocol/bytes.js';
import { EncodingError } from '../protocol/errors.js';
import { sha256 } from '../protocol/hash.js';
import { Reader } from '../protocol/reader.js';
import { Writer } from '../protocol/writer.js';
import { AnchorError } from './errors.js';
import { field, isSafeCount, type JsonObject, strictObject } from './json.js';
import { checkName, MANIFEST_VERSION, MAX_NAME_BYTES, type Manifest, makeManifest } from './manifest.js';
import { HASH_SIZE, hashFromHex, hashToHex } from './tree.js';

export const MANIFEST_MAGIC = Uint8Array.of(0x47, 0x4c, 0x4d, 0x46); // "GLMF"

export function encodeManifest(m: Manifest): Uint8Array {
  const name = checkName(m.name);
  return new Writer(60 + name.length)
    .bytes(MANIFEST_MAGIC)
    .u8(m.version)
    .u32(m.chunkSize)
    .u64(BigInt(m.size))
    .u64(BigInt(m.chunkCount))
    .bytes(m.root)
    .varBytes(name)
    .finish()
    .slice();
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Strict inverse of encodeManifest; throws AnchorError MALFORMED_MANIFEST / UNSUPPORTED_VERSION. */
export function decodeManifest(bytes: Uint8Array): Manifest {
  try {
    const r = new Reader(bytes);
    if (!equal(r.bytes(4), MANIFEST_MAGIC)) throw bad('not a manifest (magic)');
    const version = r.u8();
    if (version !== MANIFEST_VERSION) {
      throw new AnchorError('UNSUPPORTED_VERSION', `manifest format ${version} (this code knows 1)`);
    }
    const chunkSize = r.u32();
    const size = r.u64();
    const chunkCount = r.u64();
    const root = r.hash().slice();
    const nameBytes = r.varBytes(MAX_NAME_BYTES);
    r.end();
    if (size > BigInt(Number.MAX_SAFE_INTEGER) || chunkCount > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw bad('size out of range');
    }
    let name: string;
    try {
      name = UTF8.decode(nameBytes);
    } catch {
      throw bad('name is not UTF-8');
    }
    const m = validated(name, Number(size), chunkSize, Number(chunkCount), root);
    if (!equal(encodeManifest(m), bytes)) throw bad('not canonical');
    return m;
  } catch (e) {
    if (e instanceof EncodingError) throw bad(e.message);
    throw e;
  }
}

/** The manifest's id: SHA-256 of its canonical bytes. */
export function manifestId(m: Manifest): Uint8Array {
  return sha256(encodeManifest(m));
}

export interface ManifestJson {
  version: number;
  name: string;
  size: number;
  chunkSize: number;
  chunkCount: number;
  root: string;
  id?: string;
}

export function manifestToJson(m: Manifest, opts: { withId?: boolean } = {}): ManifestJson {
  const out: ManifestJson = {
    version: m.version,
    name: m.name,
    size: m.size,
    chunkSize: m.chunkSize,
    chunkCount: m.chunkCount,
    root: hashToHex(m.root),
  };
  if (opts.withId) out.id = hashToHex(manifestId(m));
  return out;
}

const KEYS = ['version', 'name', 'size', 'chunkSize', 'chunkCount', 'root'] as const;

/** Parses the JSON form (an object already parsed); throws AnchorError MALFORMED_MANIFEST. */
export function manifestFromJson(v: unknown): Manifest {
  const o: JsonObject = strictObject(v, KEYS, ['id'], 'MALFORMED_MANIFEST', 'manifest');
  const version = field(o, 'version', isSafeCount, 'MALFORMED_MANIFEST', 'manifest');
  if (version !== MANIFEST_VERSION) {
    throw new AnchorError('UNSUPPORTED_VERSION', `manifest format ${version} (this code knows 1)`);
  }
  const name = field(o, 'name', (x): x is string => typeof x === 'string', 'MALFORMED_MANIFEST', 'manifest');
  const size = field(o, 'size', isSafeCount, 'MALFORMED_MANIFEST', 'manifest');
  const chunkSize = field(o, 'chunkSize', isSafeCount, 'MALFORMED_MANIFEST', 'manifest');
  const chunkCount = field(o, 'chunkCount', isSafeCount, 'MALFORMED_MANIFEST', 'manifest');
  const root = hashFromHex(o.root);
  if (!root) throw bad('manifest.root must be 64 lowercase hex digits');
  const m = validated(name, size, chunkSize, chunkCount, root);
  if (o.id !== undefined) {
    const id = hashFromHex(o.id);
    if (!id || !equal(id, manifestId(m))) throw bad('manifest.id is not the id of this manifest');
  }
  return m;
}

function validated(name: string, size: number, chunkSize: number, chunkCount: number, root: Uint8Array) {
  try {
    if (root.length !== HASH_SIZE) throw bad('root must be 32 bytes');
    return makeManifest(name, { size, chunkSize, chunkCount, root });
  } catch (e) {
    // A bad name or chunk size keeps its own code; anything else is a malformed manifest.
    if (e instanceof AnchorError && (e.code === 'BAD_NAME' || e.code === 'BAD_CHUNK_SIZE')) throw e;
    if (e instanceof AnchorError) throw bad(e.message);
    throw e;
  }
}

function bad(message: string): AnchorError {
  return new AnchorError('MALFORMED_MANIFEST', message);
}
