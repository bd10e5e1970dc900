/**
 * Signed messages in Bitcoin's "signmessage" format with BIP137's header byte, which is what
 * Bitcoin Core (P2PKH), Electrum and Trezor exchange:
 *
 *   hash = SHA256d(varstr("Bitcoin Signed Message:\n") || varstr(message))
 *   signature = base64(header || r || s), header = base + recovery id (0..3)
 *   base: 27 uncompressed P2PKH, 31 compressed P2PKH, 35 P2SH-P2WPKH, 39 P2WPKH (BIP137)
 *
 * We sign with 39 (P2WPKH, the wallet's only key type). Verification recovers the key from the
 * signature and accepts it when the key's P2PKH, P2SH-P2WPKH or P2WPKH script (as the header's
 * compression flag allows) is the address's script, whatever segwit header was used, because
 * Electrum signs segwit addresses with the 31..34 headers. The prefix is Bitcoin's on both
 * networks (as Bitcoin's own test networks keep it). BIP322 "simple" signatures are not
 * supported.
 */
import * as secp from '@noble/secp256k1';
import { decodeAddress } from '../node/protocol/address.js';
import { concat, equal, utf8 } from '../node/protocol/bytes.js';
import { hash160, hash256 } from '../node/protocol/hash.js';
import type { NetworkParams } from '../node/protocol/params.js';
import { p2pkh, p2sh, p2wpkh } from '../node/protocol/script/templates.js';
import { Writer } from '../node/protocol/writer.js';
// sign.ts configures noble's hashes for RFC 6979; importing it guarantees that setup.
import '../node/protocol/sign.js';
import { WalletError } from './errors.js';

export const MESSAGE_MAGIC = 'Bitcoin Signed Message:\n';
export const HEADER_P2WPKH = 39;

export function messageHash(message: string): Uint8Array {
  const m = utf8(MESSAGE_MAGIC);
  const body = utf8(message);
  const w = new Writer(m.length + body.length + 18);
  w.varBytes(m).varBytes(body);
  return hash256(w.finish());
}

/** BIP137 signature (base64) of `message` by a P2WPKH key. */
export function signMessage(message: string, privateKey: Uint8Array): string {
  const rec = secp.sign(messageHash(message), privateKey, {
    prehash: false,
    lowS: true,
    format: 'recovered',
  });
  return Buffer.from(concat(Uint8Array.of(HEADER_P2WPKH + rec[0]!), rec.subarray(1))).toString('base64');
}

/** True when `signature` is `address`'s key signing `message`; bad encodings throw BAD_SIGNATURE. */
export function verifyMessage(
  address: string,
  message: string,
  signature: string,
  net: NetworkParams,
): boolean {
  let script: Uint8Array;
  try {
    script = decodeAddress(address, net.address);
  } catch (e) {
    throw new WalletError('BAD_ADDRESS', `invalid address: ${(e as Error).message}`);
  }
  const sig = decodeSignature(signature);
  const header = sig[0]!;
  const recovery = (header - 27) & 3;
  const compressed = header >= 31;
  let pub: Uint8Array;
  try {
    const rec = concat(Uint8Array.of(recovery), sig.subarray(1));
    pub = secp.recoverPublicKey(rec, messageHash(message), { prehash: false });
  } catch {
    return false;
  }
  if (!compressed) {
    const full = secp.Point.fromBytes(pub).toBytes(false);
    return equal(script, p2pkh(hash160(full)));
  }
  const pkh = hash160(pub);
  return [p2pkh(pkh), p2wpkh(pkh), p2sh(hash160(p2wpkh(pkh)))].some((s) => equal(s, script));
}

function decodeSignature(text: string): Uint8Array {
  const t = text.trim();
  // 65 bytes are 87 base64 characters and one '=' of padding.
  if (!/^[A-Za-z0-9+/]{87}=?$/.test(t)) {
    throw new WalletError('BAD_SIGNATURE', 'invalid signature: expected 65 bytes in base64');
  }
  const sig = new Uint8Array(Buffer.from(t, 'base64'));
  if (sig.length !== 65)
    throw new WalletError('BAD_SIGNATURE', 'invalid signature: expected 65 bytes in base64');
  if (sig[0]! < 27 || sig[0]! > 42) {
    throw new WalletError('BAD_SIGNATURE', `invalid signature header byte ${sig[0]} (BIP137: 27..42)`);
  }
  return sig;
}
