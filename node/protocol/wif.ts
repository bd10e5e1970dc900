/**
 * Wallet Import Format for secp256k1 private keys, as Core's EncodeSecret/DecodeSecret:
 * Base58Check of `prefix || key(32) [|| 0x01 if the public key is compressed]`.
 * A key must lie in [1, n-1] (n the secp256k1 group order), as CKey::Check requires.
 * Every decoding failure throws EncodingError('BAD_KEY').
 */
import { base58checkDecode, base58checkEncode } from './address.js';
import { concat } from './bytes.js';
import { EncodingError } from './errors.js';

/** Order of the secp256k1 group. */
export const SECP256K1_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

export interface WifKey {
  key: Uint8Array;
  compressed: boolean;
}

function badKey(message: string): EncodingError {
  return new EncodingError('BAD_KEY', message);
}

function toBigInt(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

/** True when `key` is 32 bytes holding an integer in [1, n-1]. */
export function isValidPrivateKey(key: Uint8Array): boolean {
  if (!(key instanceof Uint8Array) || key.length !== 32) return false;
  const k = toBigInt(key);
  return k > 0n && k < SECP256K1_ORDER;
}

function checkPrefix(prefix: number): void {
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 0xff) {
    throw new RangeError(`WIF prefix must be one byte, got ${prefix}`);
  }
}

/** WIF string of a 32-byte private key; throws EncodingError('BAD_KEY') if the key is out of range. */
export function encodeWif(key: Uint8Array, compressed: boolean, prefix: number): string {
  checkPrefix(prefix);
  if (!(key instanceof Uint8Array) || key.length !== 32) throw badKey('private key must be 32 bytes');
  if (!isValidPrivateKey(key)) throw badKey('private key out of range (must be 1..n-1)');
  const payload = compressed
    ? concat(Uint8Array.of(prefix), key, Uint8Array.of(1))
    : concat(Uint8Array.of(prefix), key);
  return base58checkEncode(payload);
}

/** Key and compression flag of a WIF string for the network whose WIF prefix is `prefix`. */
export function decodeWif(str: string, prefix: number): WifKey {
  checkPrefix(prefix);
  const payload = base58checkDecode(str, 'BAD_KEY', 'WIF key');
  let compressed: boolean;
  if (payload.length === 33) compressed = false;
  else if (payload.length === 34 && payload[33] === 1) compressed = true;
  else if (payload.length === 34)
    throw badKey(`bad WIF compression flag 0x${payload[33]!.toString(16)}, expected 0x01`);
  else throw badKey(`bad WIF length: ${payload.length}-byte payload, expected 33 or 34`);
  if (payload[0] !== prefix) {
    throw badKey(
      `WIF key is for another network: prefix 0x${payload[0]!.toString(16)}, expected 0x${prefix.toString(16)}`,
    );
  }
  const key = payload.slice(1, 33);
  if (!isValidPrivateKey(key)) throw badKey('private key out of range (must be 1..n-1)');
  return { key, compressed };
}
