/**
 * BIP340 Schnorr verification and BIP341's x-only tweak check, with two implementations:
 * libsecp256k1 compiled to WebAssembly (tiny-secp256k1, the fast one; the `secp256k1` addon
 * has no Schnorr module) and @noble/secp256k1 (pure JS, the independent cross-check). Both
 * answer false, never throw, for any malformed input, as secp256k1_schnorrsig_verify and
 * secp256k1_xonly_pubkey_tweak_add_check do. The ECDSA backends in ecdsa.ts embed one of these.
 */
import { createRequire } from 'node:module';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import * as noble from '@noble/secp256k1';

export interface SchnorrBackend {
  readonly name: 'libsecp256k1-wasm' | 'noble';
  /** BIP340 Verify(pk, m, sig): pk 32 bytes x-only, sig 64 bytes; m any length (BIP340 allows). */
  verify(msg: Uint8Array, sig64: Uint8Array, xonly32: Uint8Array): boolean;
  /** Whether q == lift_x(p) + t*G with q's y parity `parity` (BIP341's taproot_tweak check). */
  tweakAddCheck(p32: Uint8Array, tweak32: Uint8Array, q32: Uint8Array, parity: number): boolean;
}

// noble needs a hash backend for its tagged hashes; the same one sign.ts installs.
noble.hashes.sha256 ??= nobleSha256;

const N = noble.Point.CURVE().n;

function bytesToBig(b: Uint8Array): bigint {
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return n;
}

export const nobleSchnorr: SchnorrBackend = {
  name: 'noble',
  verify(msg, sig64, xonly32) {
    if (sig64.length !== 64 || xonly32.length !== 32) return false;
    try {
      return noble.schnorr.verify(sig64, msg, xonly32);
    } catch {
      return false;
    }
  },
  tweakAddCheck(p32, tweak32, q32, parity) {
    if (p32.length !== 32 || tweak32.length !== 32 || q32.length !== 32) return false;
    try {
      const t = bytesToBig(tweak32);
      if (t >= N) return false;
      const p = noble.Point.fromBytes(Uint8Array.of(0x02, ...p32));
      const q = t === 0n ? p : p.add(noble.Point.BASE.multiply(t));
      if (q.is0()) return false;
      const enc = q.toBytes(true);
      if ((enc[0]! & 1) !== (parity & 1)) return false;
      for (let i = 0; i < 32; i++) if (enc[i + 1] !== q32[i]) return false;
      return true;
    } catch {
      return false;
    }
  },
};

interface TinySecp {
  verifySchnorr(h: Uint8Array, q: Uint8Array, sig: Uint8Array): boolean;
  xOnlyPointAddTweakCheck(p: Uint8Array, tweak: Uint8Array, q: Uint8Array, parity?: 0 | 1): boolean;
}

function loadWasm(): SchnorrBackend | null {
  let lib: TinySecp;
  try {
    lib = createRequire(import.meta.url)('tiny-secp256k1') as TinySecp;
  } catch {
    return null;
  }
  return {
    name: 'libsecp256k1-wasm',
    verify(msg, sig64, xonly32) {
      // Its API takes 32-byte messages only; BIP340 allows any length (the BIP's rows 15-18).
      if (msg.length !== 32) return nobleSchnorr.verify(msg, sig64, xonly32);
      try {
        return lib.verifySchnorr(msg, xonly32, sig64);
      } catch {
        // It throws on an x not on the curve, r >= p or s >= n: all invalid signatures.
        return false;
      }
    },
    tweakAddCheck(p32, tweak32, q32, parity) {
      try {
        return lib.xOnlyPointAddTweakCheck(p32, tweak32, q32, (parity & 1) as 0 | 1);
      } catch {
        return false;
      }
    },
  };
}

export const wasmSchnorr: SchnorrBackend | null = loadWasm();

/** libsecp256k1 (WebAssembly) when it loads, else noble. */
export const defaultSchnorr: SchnorrBackend = wasmSchnorr ?? nobleSchnorr;
