/**
 * ECDSA signing for transactions: RFC 6979 deterministic nonces and low-S (BIP62/146) through
 * @noble/secp256k1, DER encoding (BIP66 strict), and the P2WPKH witness (BIP143). Signing is
 * the wallet's and tests' job; the node only verifies.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import * as secp from '@noble/secp256k1';
import { concat } from './bytes.js';
import { hash160 } from './hash.js';
import { PrecomputedTx, witnessV0Sighash } from './script/sighash.js';
import { SIGHASH } from './script/signature.js';
import { p2wpkh } from './script/templates.js';
import { p2wpkhScriptCode } from './script/verify.js';

// noble v3 signs synchronously once its HMAC-SHA256 is supplied (RFC 6979 needs it).
secp.hashes.hmacSha256 = (key, msg) => hmac(nobleSha256, key, msg);
secp.hashes.sha256 = nobleSha256;

function derInt(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  let v = b.subarray(i);
  if (v[0]! & 0x80) v = concat(Uint8Array.of(0), v);
  return concat(Uint8Array.of(0x02, v.length), v);
}

/** Strict DER of a 64-byte r||s signature. */
export function derEncode(sig64: Uint8Array): Uint8Array {
  const body = concat(derInt(sig64.subarray(0, 32)), derInt(sig64.subarray(32, 64)));
  return concat(Uint8Array.of(0x30, body.length), body);
}

/** DER signature (low-S, RFC 6979) of a 32-byte digest. */
export function signDigest(digest: Uint8Array, privateKey: Uint8Array): Uint8Array {
  return derEncode(secp.sign(digest, privateKey, { prehash: false, lowS: true }));
}

export function publicKey(privateKey: Uint8Array, compressed = true): Uint8Array {
  return secp.getPublicKey(privateKey, compressed);
}

/** The output script paying to a compressed key's P2WPKH. */
export function p2wpkhFor(pubkey: Uint8Array): Uint8Array {
  return p2wpkh(hash160(pubkey));
}

/** The witness [signature || hashtype, pubkey] for input `index` spending a P2WPKH output. */
export function signP2wpkh(
  pre: PrecomputedTx,
  index: number,
  amount: bigint,
  privateKey: Uint8Array,
  hashType: number = SIGHASH.ALL,
): Uint8Array[] {
  const pub = publicKey(privateKey);
  const digest = witnessV0Sighash(pre, index, p2wpkhScriptCode(hash160(pub)), amount, hashType);
  return [concat(signDigest(digest, privateKey), Uint8Array.of(hashType)), pub];
}

export { PrecomputedTx };
