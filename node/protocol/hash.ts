/**
 * The one hash helper. SHA-256 and RIPEMD-160 go through node:crypto's one-shot `hash()`
 * (OpenSSL; measured ~1.5x faster than createHash for the short inputs of txids and
 * sighashes). Below SMALL bytes both go through plain-JS versions instead (sha256-small.ts,
 * ripemd160-small.ts), whose cost is the compression alone. RIPEMD-160 falls back to
 * @noble/hashes where OpenSSL 3 does not provide it.
 */
import { createHash, hash as oneShot } from 'node:crypto';
import { ripemd160 as nobleRipemd160 } from '@noble/hashes/legacy.js';
import { fromHex, reverse, toHexReversed } from './bytes.js';
import { EncodingError } from './errors.js';
import { ripemd160Small } from './ripemd160-small.js';
import { sha256Small } from './sha256-small.js';

/** Plain Uint8Array views, so callers never meet Buffer's different slice() semantics. */
function plain(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Below this length the JS implementation beats node:crypto's per-call cost (bench). */
const SMALL = 120;

export function sha256(data: Uint8Array): Uint8Array {
  if (data.length < SMALL) return sha256Small(data);
  return plain(oneShot('sha256', data, 'buffer'));
}

/** Up to this many bytes, sha256Parts copies its parts into one buffer and hashes that once. */
const PARTS_COPY = 1024;

/**
 * SHA-256 over several parts. Short ones are copied together and hashed in one call (a
 * segwit txid's stripped serialization, the caches' keys): an incremental node:crypto hash
 * costs more than the copy. Longer ones are hashed incrementally, never copied.
 */
export function sha256Parts(...parts: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p.length;
  if (size <= PARTS_COPY) {
    const all = new Uint8Array(size);
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    return sha256(all);
  }
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return plain(h.digest());
}

/** Incremental SHA-256, for data that arrives in pieces (file manifests). */
export interface Sha256Stream {
  update(data: Uint8Array): Sha256Stream;
  digest(): Uint8Array;
}

export function sha256Stream(): Sha256Stream {
  const h = createHash('sha256');
  const stream: Sha256Stream = {
    update(data) {
      h.update(data);
      return stream;
    },
    digest: () => plain(h.digest()),
  };
  return stream;
}

/** Bitcoin's double SHA-256 (txids, block hashes, merkle nodes, checksums). */
export function hash256(data: Uint8Array): Uint8Array {
  return sha256Small(sha256(data));
}

export function sha1(data: Uint8Array): Uint8Array {
  return plain(oneShot('sha1', data, 'buffer'));
}

const opensslRipemd = (() => {
  try {
    oneShot('ripemd160', new Uint8Array(0), 'buffer');
    return true;
  } catch {
    return false;
  }
})();

export function ripemd160(data: Uint8Array): Uint8Array {
  if (data.length < SMALL) return ripemd160Small(data);
  return opensslRipemd ? plain(oneShot('ripemd160', data, 'buffer')) : nobleRipemd160(data);
}

/** RIPEMD-160(SHA-256(x)): public-key and script hashes. */
export function hash160(data: Uint8Array): Uint8Array {
  return ripemd160(sha256(data));
}

/** Hashes are kept in internal byte order; people read them reversed. */
export function hashToDisplay(hash: Uint8Array): string {
  return toHexReversed(hash);
}

export function hashFromDisplay(hex: string): Uint8Array {
  if (hex.length !== 64) throw new EncodingError('BAD_HEX', 'a hash is 64 hex characters');
  return reverse(fromHex(hex));
}
