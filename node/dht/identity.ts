/**
 * The DHT identity (issue 17): a secp256k1 key kept in the data directory; the node id is
 * SHA-256 of its compressed public key, so an id cannot be claimed without the key, and every
 * record and answer carrying an id is signed by it (compact low-S ECDSA over a tagged SHA-256,
 * checked with libsecp256k1 when its addon loads, as Core checks signatures). The key is a
 * secret: it comes from the system's CSPRNG, never from the injected Random.
 */
import { randomBytes } from 'node:crypto';
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import * as secp from '@noble/secp256k1';
import { defaultBackend } from '../protocol/ecdsa.js';
import { sha256 } from '../protocol/hash.js';

// noble v3 signs synchronously once its HMAC-SHA256 is supplied (RFC 6979 needs it).
secp.hashes.hmacSha256 = (key, msg) => hmac(nobleSha256, key, msg);
secp.hashes.sha256 = nobleSha256;

export const PUBKEY_BYTES = 33;
export const SIG_BYTES = 64;

export class DhtIdentity {
  readonly pubkey: Uint8Array;
  readonly id: Uint8Array;
  private readonly secret: Uint8Array;

  constructor(secret: Uint8Array) {
    if (!secp.utils.isValidSecretKey(secret)) throw new RangeError('not a secp256k1 secret key');
    this.secret = secret;
    this.pubkey = secp.getPublicKey(secret, true);
    this.id = sha256(this.pubkey);
  }

  static generate(): DhtIdentity {
    for (;;) {
      const k = new Uint8Array(randomBytes(32));
      if (secp.utils.isValidSecretKey(k)) return new DhtIdentity(k);
    }
  }

  sign(digest: Uint8Array): Uint8Array {
    return secp.sign(digest, this.secret, { prehash: false, lowS: true });
  }
}

export function nodeIdOf(pubkey: Uint8Array): Uint8Array {
  return sha256(pubkey);
}

export function verifySig(digest: Uint8Array, sig: Uint8Array, pubkey: Uint8Array): boolean {
  return (
    sig.length === SIG_BYTES && pubkey.length === PUBKEY_BYTES && defaultBackend.verify(digest, sig, pubkey)
  );
}

/** Reads `path` (32 raw bytes), or creates it (mode 0600, written whole then renamed). */
export async function loadOrCreateIdentity(path: string): Promise<DhtIdentity> {
  try {
    return new DhtIdentity(new Uint8Array(await readFile(path)));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const id = DhtIdentity.generate();
  const tmp = `${path}.tmp`;
  await writeFile(tmp, id['secret'], { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
  return id;
}
