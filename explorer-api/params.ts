/**
 * Path parameters beyond what the route schemas check: heights and indexes within range,
 * addresses of this network, scripthashes. Each failure is a 400 ApiError with its own code.
 */
import { decodeAddress } from '../node/protocol/address.js';
import { fromHex } from '../node/protocol/bytes.js';
import { EncodingError } from '../node/protocol/errors.js';
import { sha256 } from '../node/protocol/hash.js';
import type { NetworkParams } from '../node/protocol/params.js';
import { ApiError } from './errors.js';

const MAX_U31 = 0x7fffffff;

/** A decimal path segment as a number (schemas already limit it to 1..10 digits). */
export function parseUint(s: string, code: 'BAD_HEIGHT' | 'BAD_INDEX', what: string): number {
  const n = Number(s);
  if (!/^[0-9]{1,10}$/.test(s) || !Number.isSafeInteger(n) || n > MAX_U31)
    throw new ApiError(code, `invalid ${what}: ${JSON.stringify(s)}`);
  return n;
}

export function lowerHash(s: string): string {
  return s.toLowerCase();
}

/** The scripthash (SHA-256 of the output script) an address pays to, on this network only. */
export function addressScripthash(address: string, params: NetworkParams): Uint8Array {
  try {
    return sha256(decodeAddress(address, params.address));
  } catch (e) {
    if (e instanceof EncodingError || e instanceof RangeError)
      throw new ApiError('BAD_ADDRESS', `invalid address: ${e.message}`);
    throw e;
  }
}

/** Esplora's scripthash: 64 hex, SHA-256 of the script in its natural (not reversed) order. */
export function parseScripthash(s: string): Uint8Array {
  if (!/^[0-9a-fA-F]{64}$/.test(s)) throw new ApiError('BAD_SCRIPTHASH', 'invalid scripthash');
  return fromHex(s.toLowerCase());
}
