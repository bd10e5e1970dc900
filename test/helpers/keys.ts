/**
 * Test keys and signed transactions: deterministic secp256k1 keys, their P2WPKH and P2PKH
 * scripts, and spends of P2WPKH coins signed over BIP143 sighashes with @noble/secp256k1
 * (RFC 6979, low-S, DER-encoded here since noble v3 signs compact only). Inputs spending
 * anything else carry the witness or scriptSig the caller gives.
 */

import { hmac } from '@noble/hashes/hmac.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import * as secp from '@noble/secp256k1';
import { concat } from '../../node/protocol/bytes.js';
import { hash160, hash256 } from '../../node/protocol/hash.js';
import { PrecomputedTx, witnessV0Sighash } from '../../node/protocol/script/sighash.js';
import { bigToBytes32, CURVE_N, SIGHASH } from '../../node/protocol/script/signature.js';
import { p2pkh, p2wpkh } from '../../node/protocol/script/templates.js';
import { p2wpkhScriptCode } from '../../node/protocol/script/verify.js';
import { derEncode } from '../../node/protocol/sign.js';
import { OutPoint, Tx, TxIn, TxOut } from '../../node/protocol/tx.js';

// noble v3 needs these for synchronous (RFC 6979) signing.
secp.hashes.hmacSha256 = (key, msg) => hmac(nobleSha256, key, msg);
secp.hashes.sha256 = nobleSha256;

export class TestKey {
  readonly priv: Uint8Array;
  /** Compressed, 33 bytes. */
  readonly pub: Uint8Array;
  readonly pkh: Uint8Array;
  readonly p2wpkh: Uint8Array;
  readonly p2pkh: Uint8Array;

  constructor(priv: Uint8Array) {
    this.priv = priv;
    this.pub = secp.getPublicKey(priv, true);
    this.pkh = hash160(this.pub);
    this.p2wpkh = p2wpkh(this.pkh);
    this.p2pkh = p2pkh(this.pkh);
  }

  /**
   * DER signature of a 32-byte message hash, without the hash-type byte: low-S (BIP62/146,
   * standard) unless `highS`, which gives the equally valid but non-standard n - s.
   */
  signDer(msgHash: Uint8Array, highS = false): Uint8Array {
    const rs = secp.sign(msgHash, this.priv, { prehash: false, lowS: true });
    if (highS) rs.set(bigToBytes32(CURVE_N - bytesToBig(rs.subarray(32))), 32);
    return toDer(rs);
  }
}

/** The same key for the same seed: private key = hash256 of the seed's text. */
export function testKey(seed: number | string): TestKey {
  for (let i = 0; ; i++) {
    const priv = hash256(new TextEncoder().encode(`gossip-ledger test key ${seed} ${i}`));
    if (secp.utils.isValidSecretKey(priv)) return new TestKey(priv);
  }
}

function bytesToBig(b: Uint8Array): bigint {
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return n;
}

/** Compact r||s (64 bytes) to a DER SEQUENCE (the protocol's encoder). */
export const toDer = derEncode;

/** A txid-like 32 bytes made from a number, for coins that exist only in a fake UTXO set. */
export function fakeTxid(n: number): Uint8Array {
  const b = new Uint8Array(32);
  new DataView(b.buffer).setUint32(0, n >>> 0, true);
  b[31] = 0xfe;
  return b;
}

export interface SpendInput {
  readonly prevout: OutPoint;
  /** Amount of the coin spent (BIP143 signs it). */
  readonly value: bigint;
  /** Signs a P2WPKH spend with this key (SIGHASH_ALL unless `hashType`). */
  readonly key?: TestKey;
  readonly hashType?: number;
  /** Sign with the high-S form (valid by consensus, non-standard). */
  readonly highS?: boolean;
  readonly sequence?: number;
  /** For inputs not signed here. */
  readonly witness?: readonly Uint8Array[];
  readonly scriptSig?: Uint8Array;
}

export interface SpendOptions {
  readonly version?: number;
  readonly locktime?: number;
}

/** A transaction with every keyed input signed as a P2WPKH spend over BIP143. */
export function signedSpend(
  inputs: readonly SpendInput[],
  outputs: readonly TxOut[],
  opts: SpendOptions = {},
): Tx {
  const fields = { version: opts.version ?? 2, outputs, locktime: opts.locktime ?? 0 };
  const unsigned = new Tx({
    ...fields,
    inputs: inputs.map(
      (i) => new TxIn(i.prevout, i.scriptSig ?? new Uint8Array(0), i.sequence ?? 0xffffffff),
    ),
  });
  const pre = new PrecomputedTx(unsigned);
  const signed = inputs.map((inp, k) => {
    let witness = inp.witness ?? [];
    if (inp.key) {
      const hashType = inp.hashType ?? SIGHASH.ALL;
      const digest = witnessV0Sighash(pre, k, p2wpkhScriptCode(inp.key.pkh), inp.value, hashType);
      witness = [concat(inp.key.signDer(digest, inp.highS), Uint8Array.of(hashType)), inp.key.pub];
    }
    return new TxIn(inp.prevout, inp.scriptSig ?? new Uint8Array(0), inp.sequence ?? 0xffffffff, witness);
  });
  return new Tx({ ...fields, inputs: signed });
}

/** A P2WPKH output to `key`. */
export function payTo(key: TestKey, value: bigint): TxOut {
  return new TxOut(value, key.p2wpkh);
}

/** Output `index` of `tx` as an outpoint. */
export function outpointOf(tx: Tx, index: number): OutPoint {
  return new OutPoint(tx.txid(), index);
}
