/**
 * The one hash helper. SHA-256 goes through node:crypto (OpenSSL, SHA-NI where the CPU has
 * it); RIPEMD-160 comes from @noble/hashes because OpenSSL 3 may not load it.
 */
import { createHash } from 'node:crypto';
import { ripemd160 as nobleRipemd160 } from '@noble/hashes/legacy.js';
import { reverse, toHex, fromHex } from './bytes.js';
import { EncodingError } from './errors.js';

export function sha256(data: Uint8Array): Uint8Array {
  return createHash('sha256').update(data).digest();
}

/** SHA-256 over several parts without concatenating them first. */
export function sha256Parts(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

/** Bitcoin's double SHA-256 (txids, block hashes, merkle nodes, checksums). */
export function hash256(data: Uint8Array): Uint8Array {
  return createHash('sha256').update(createHash('sha256').update(data).digest()).digest();
}

export function sha1(data: Uint8Array): Uint8Array {
  return createHash('sha1').update(data).digest();
}

export function ripemd160(data: Uint8Array): Uint8Array {
  return nobleRipemd160(data);
}

/** RIPEMD-160(SHA-256(x)): public-key and script hashes. */
export function hash160(data: Uint8Array): Uint8Array {
  return nobleRipemd160(sha256(data));
}

/** Hashes are kept in internal byte order; people read them reversed. */
export function hashToDisplay(hash: Uint8Array): string {
  return toHex(reverse(hash));
}

export function hashFromDisplay(hex: string): Uint8Array {
  if (hex.length !== 64) throw new EncodingError('BAD_HEX', 'a hash is 64 hex characters');
  return reverse(fromHex(hex));
}
