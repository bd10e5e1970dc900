/**
 * Signature verification behind one interface with two backends: libsecp256k1 (what Bitcoin
 * Core uses; the default: ECDSA through the `secp256k1` addon, BIP340 Schnorr through its
 * WebAssembly build, schnorr.ts) and @noble/secp256k1 (pure JS, for both).
 * Callers hand over Core's inputs (lax DER, any key Core's CPubKey accepts); this module
 * parses, normalizes S and checks hybrid keys exactly as CPubKey::Verify, so both backends
 * receive only compact low-S signatures and 33/65-byte keys.
 */
import { createRequire } from 'node:module';
import * as noble from '@noble/secp256k1';
import { defaultSchnorr, nobleSchnorr, type SchnorrBackend } from './schnorr.js';
import { isValidPubKeyLength, normalizeS, parseDerLax } from './script/signature.js';

export interface EcdsaBackend {
  readonly name: 'libsecp256k1' | 'noble';
  /** sig64 is r||s with s low; pubkey is 33 or 65 bytes (02/03/04). */
  verify(msg32: Uint8Array, sig64: Uint8Array, pubkey: Uint8Array): boolean;
  /** BIP340 Schnorr and the BIP341 tweak check, from the same family of implementations. */
  readonly schnorr: SchnorrBackend;
}

interface NativeBinding {
  ecdsaVerify(sig: Uint8Array, msg32: Uint8Array, pubkey: Uint8Array): boolean;
}

export const nobleBackend: EcdsaBackend = {
  name: 'noble',
  schnorr: nobleSchnorr,
  verify(msg32, sig64, pubkey) {
    try {
      return noble.verify(sig64, msg32, pubkey, { prehash: false, lowS: false });
    } catch {
      return false;
    }
  },
};

function loadNative(): EcdsaBackend | null {
  try {
    // The addon's own index silently falls back to elliptic.js; load the binding directly so a
    // missing addon is visible and we fall back to noble instead.
    const binding = createRequire(import.meta.url)('secp256k1/bindings') as NativeBinding;
    return {
      name: 'libsecp256k1',
      schnorr: defaultSchnorr,
      verify(msg32, sig64, pubkey) {
        try {
          return binding.ecdsaVerify(sig64, msg32, pubkey);
        } catch {
          return false;
        }
      },
    };
  } catch {
    return null;
  }
}

export const nativeBackend: EcdsaBackend | null = loadNative();

/** libsecp256k1 when the addon loads, else noble. */
export const defaultBackend: EcdsaBackend = nativeBackend ?? nobleBackend;

/** CPubKey::Verify: Core's acceptance of a (DER signature, key, hash) triple. */
export function verifyEcdsa(
  backend: EcdsaBackend,
  msg32: Uint8Array,
  derSig: Uint8Array,
  pubkey: Uint8Array,
): boolean {
  if (!isValidPubKeyLength(pubkey)) return false;
  let key = pubkey;
  const prefix = pubkey[0]!;
  if (prefix === 0x06 || prefix === 0x07) {
    // Hybrid keys: libsecp256k1's parser accepts them when the prefix matches y's parity.
    if ((pubkey[64]! & 1) !== (prefix & 1)) return false;
    key = Uint8Array.from(pubkey);
    key[0] = 0x04;
  }
  const sig = parseDerLax(derSig);
  if (sig === null) return false;
  normalizeS(sig);
  return backend.verify(msg32, sig, key);
}
