/**
 * BIP32 CKDpriv for the last, non-hardened level (chain -> address index), which wallet scans
 * run thousands of times: I = HMAC-SHA512(c_par, serP(K_par) || ser32(i)), k_i = IL + k_par mod n,
 * K_i = k_i * G. Through libsecp256k1 (the `secp256k1` addon the node already uses) this is
 * ~20x faster than pure JS; without the addon, or in the (2^-127) case BIP32 calls invalid,
 * it falls back to @scure/bip32's deriveChild, which the tests check it against.
 */
import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import type { HDKey } from '@scure/bip32';

interface Secp256k1Lib {
  privateKeyTweakAdd(seckey: Uint8Array, tweak: Uint8Array): Uint8Array;
  publicKeyCreate(seckey: Uint8Array, compressed?: boolean): Uint8Array;
}

function loadNative(): Secp256k1Lib | null {
  try {
    return createRequire(import.meta.url)('secp256k1/bindings') as Secp256k1Lib;
  } catch {
    return null;
  }
}

const native = loadNative();

export interface ChildKey {
  privateKey: Uint8Array;
  /** Compressed, 33 bytes. */
  publicKey: Uint8Array;
}

export type ChildDeriver = (index: number) => ChildKey;

/** Derives non-hardened children of `parent` (which must hold its private key). */
export function childDeriver(parent: HDKey, useNative = true): ChildDeriver {
  const viaScure: ChildDeriver = (index) => {
    const c = parent.deriveChild(index);
    return { privateKey: c.privateKey!, publicKey: c.publicKey! };
  };
  const lib = useNative ? native : null;
  if (!lib) return viaScure;
  const chainCode = parent.chainCode!;
  const parentKey = parent.privateKey!;
  const data = Buffer.alloc(37);
  data.set(parent.publicKey!, 0);
  return (index) => {
    if (!Number.isInteger(index) || index < 0 || index >= 0x80000000) {
      throw new RangeError(`non-hardened index expected, got ${index}`);
    }
    data.writeUInt32BE(index, 33);
    const I = createHmac('sha512', chainCode).update(data).digest();
    const k = Uint8Array.from(parentKey);
    try {
      lib.privateKeyTweakAdd(k, I.subarray(0, 32));
    } catch {
      return viaScure(index);
    }
    return { privateKey: k, publicKey: lib.publicKeyCreate(k, true) };
  };
}

export const hasNativeDerivation = native !== null;
