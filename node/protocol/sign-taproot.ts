/**
 * Taproot key-path signing (BIP340 Schnorr, BIP341 key tweak and signature hash, BIP86 outputs
 * without a script tree) through @noble/secp256k1. As with sign.ts, signing is the wallet's and
 * tests' job; the node only verifies (schnorr.ts).
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import * as secp from '@noble/secp256k1';
import { concat } from './bytes.js';
import type { PrecomputedTx } from './script/sighash.js';
import { SigVersion } from './script/sighash.js';
import { SIGHASH_DEFAULT, taprootSighash } from './script/sighash-taproot.js';
import { tapTweakHash } from './script/taproot.js';

secp.hashes.sha256 ??= nobleSha256;

const N = secp.Point.CURVE().n;

function toBig(b: Uint8Array): bigint {
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return n;
}

function to32(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--, n >>= 8n) out[i] = Number(n & 0xffn);
  return out;
}

/** The x-only (BIP340) public key of a compressed key. */
export function xOnly(pubkey33: Uint8Array): Uint8Array {
  if (pubkey33.length !== 33)
    throw new RangeError(`compressed public key expected, got ${pubkey33.length} bytes`);
  return pubkey33.slice(1);
}

/**
 * BIP341's taproot_tweak_pubkey: Q = lift_x(P) + int(hashTapTweak(P || root))·G; the x-only Q
 * and its y parity (the control block's low bit for script-path spends).
 */
export function taprootOutputKey(
  internal32: Uint8Array,
  merkleRoot: Uint8Array | null = null,
): { key: Uint8Array; parity: number } {
  const t = toBig(tapTweakHash(internal32, merkleRoot));
  // BIP341: a tweak at or above the group order makes the output key invalid (chance ~2^-128).
  if (t >= N) throw new RangeError('taproot tweak is not below the group order');
  const q = secp.Point.fromBytes(concat(Uint8Array.of(0x02), internal32)).add(secp.Point.BASE.multiply(t));
  const enc = q.toBytes(true);
  return { key: enc.slice(1), parity: enc[0]! & 1 };
}

/**
 * BIP341's taproot_tweak_seckey: the secret negated when its point has odd y (BIP340 keys are
 * the even-y lift), plus the tweak of its x-only key, mod n.
 */
export function taprootTweakPrivateKey(
  privateKey: Uint8Array,
  merkleRoot: Uint8Array | null = null,
): Uint8Array {
  const d0 = toBig(privateKey);
  if (d0 <= 0n || d0 >= N) throw new RangeError('private key out of range');
  const p = secp.getPublicKey(privateKey, true);
  const d = p[0] === 0x03 ? N - d0 : d0;
  const t = toBig(tapTweakHash(p.subarray(1), merkleRoot));
  if (t >= N) throw new RangeError('taproot tweak is not below the group order');
  const k = (d + t) % N;
  if (k === 0n) throw new RangeError('tweaked private key is zero');
  return to32(k);
}

/** The P2TR output script (OP_1 <32-byte output key>). */
export function p2trFor(outputKey32: Uint8Array): Uint8Array {
  if (outputKey32.length !== 32) throw new RangeError('x-only output key expected');
  return concat(Uint8Array.of(0x51, 0x20), outputKey32);
}

/** BIP86's output script of an internal key: the key tweaked with no script tree. */
export function bip86Script(pubkey33: Uint8Array): Uint8Array {
  return p2trFor(taprootOutputKey(xOnly(pubkey33)).key);
}

/** BIP340 Sign(sk, m) with the auxiliary randomness given (32 fresh random bytes by default). */
export function signSchnorr(msg32: Uint8Array, privateKey: Uint8Array, aux?: Uint8Array): Uint8Array {
  return secp.schnorr.sign(msg32, privateKey, aux ?? secp.etc.randomBytes(32));
}

/**
 * The key-path witness [signature] for input `index` spending a BIP86 output of `privateKey`
 * (the untweaked internal key's secret). `pre` must carry every spent output (BIP341 signs all
 * amounts and scripts). SIGHASH_DEFAULT gives a 64-byte signature, any other type appends it.
 */
export function signTaprootKeyPath(
  pre: PrecomputedTx,
  index: number,
  privateKey: Uint8Array,
  hashType: number = SIGHASH_DEFAULT,
  aux?: Uint8Array,
  merkleRoot: Uint8Array | null = null,
): Uint8Array[] {
  const digest = taprootSighash(pre, index, hashType, SigVersion.TAPROOT, {
    annexHash: null,
    codeSeparatorPos: 0xffffffff,
    validationWeightLeft: 0,
  });
  if (digest === null)
    throw new RangeError(`no taproot sighash for input ${index} (hash type or spent outputs)`);
  const sig = signSchnorr(digest, taprootTweakPrivateKey(privateKey, merkleRoot), aux);
  return [hashType === SIGHASH_DEFAULT ? sig : concat(sig, Uint8Array.of(hashType))];
}
