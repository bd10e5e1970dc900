/**
 * The signature cache (Bitcoin Core's CSignatureCache, script/sigcache.cpp): signatures found
 * valid once are not verified again. The mempool checks a transaction's scripts twice, under
 * the standard flags and then under the next block's (Core's PolicyScriptChecks and
 * ConsensusScriptChecks); the first run stores every valid signature, so the second costs no
 * curve arithmetic.
 *
 * It sits where Core's CachingTransactionSignatureChecker does: below the sighash, at the
 * backend's verify(message, signature, key). An entry is SHA-256(salt || kind || message
 * length || signature length || message || signature || key), so a hit stands for exactly the triple that
 * verified: another sighash, key or signature is another key and a miss. Only valid
 * signatures are stored (Core's `if (store) Set(entry)` after a pass); a failure is always
 * verified again. The backend receives what ecdsa.ts hands it (compact low-S signatures,
 * parsed 33/65-byte keys), so lax-DER variants of one signature share an entry, which is
 * sound: the answer is a function of exactly those bytes. A lookup that does not store
 * (Core's block validation) removes the entry it finds, as Core's Get(entry, erase) does.
 *
 * Bounded at `max` entries (default 200,000; 0: none), oldest first out. A key is a
 * 32-character one-byte string: ~75 B of heap with the Set's slot (as script-cache.ts
 * measured), ~15 MB full. The random salt keeps keys unpredictable to peers.
 */
import { randomBytes } from 'node:crypto';
import type { EcdsaBackend } from '../protocol/ecdsa.js';
import { sha256 } from '../protocol/hash.js';

export const DEFAULT_SIG_CACHE_ENTRIES = 200_000;
/** Heap per entry: the key string and the Set's slot (as the script cache's). */
export const SIG_CACHE_ENTRY_BYTES = 75;

const ECDSA = 0x45;
const SCHNORR = 0x53;

export class SignatureCache {
  private readonly keys = new Set<string>();
  private readonly salt: Uint8Array;
  private readonly max: number;
  /** The wrappers made so far, by inner backend: [storing, using up]. */
  private readonly wrappers = new WeakMap<EcdsaBackend, [EcdsaBackend, EcdsaBackend]>();
  /** Preimage scratch: keys are hashed synchronously, one at a time. */
  private scratch = new Uint8Array(256);

  constructor(opts: { max?: number; salt?: Uint8Array } = {}) {
    this.max = Math.max(0, opts.max ?? DEFAULT_SIG_CACHE_ENTRIES);
    this.salt = opts.salt ?? new Uint8Array(randomBytes(32));
  }

  get size(): number {
    return this.keys.size;
  }

  /** Entries and their heap (SIG_CACHE_ENTRY_BYTES each), for /metrics. */
  stats(): { entries: number; bytes: number; max: number } {
    return { entries: this.keys.size, bytes: this.keys.size * SIG_CACHE_ENTRY_BYTES, max: this.max };
  }

  clear(): void {
    this.keys.clear();
  }

  /**
   * `inner` answering through the cache. With `store`, valid signatures are recorded (the
   * mempool's runs); without, a hit is used up (a block's). The BIP341 tweak check is not a
   * signature and goes straight through.
   */
  backend(inner: EcdsaBackend, store: boolean): EcdsaBackend {
    if (this.max === 0) return inner;
    let pair = this.wrappers.get(inner);
    if (!pair) {
      pair = [this.wrap(inner, true), this.wrap(inner, false)];
      this.wrappers.set(inner, pair);
    }
    return store ? pair[0] : pair[1];
  }

  private wrap(inner: EcdsaBackend, store: boolean): EcdsaBackend {
    const s = inner.schnorr;
    return {
      name: inner.name,
      verify: (msg32, sig64, pubkey) =>
        this.check(ECDSA, msg32, sig64, pubkey, store, () => inner.verify(msg32, sig64, pubkey)),
      schnorr: {
        name: s.name,
        verify: (msg, sig64, key) =>
          this.check(SCHNORR, msg, sig64, key, store, () => s.verify(msg, sig64, key)),
        tweakAddCheck: (p, t, q, parity) => s.tweakAddCheck(p, t, q, parity),
      },
    };
  }

  private check(
    kind: number,
    msg: Uint8Array,
    sig: Uint8Array,
    key: Uint8Array,
    store: boolean,
    verify: () => boolean,
  ): boolean {
    const k = this.key(kind, msg, sig, key);
    if (store ? this.keys.has(k) : this.keys.delete(k)) return true;
    if (!verify()) return false;
    if (store) {
      this.keys.add(k);
      if (this.keys.size > this.max) this.keys.delete(this.keys.values().next().value as string);
    }
    return true;
  }

  private key(kind: number, msg: Uint8Array, sig: Uint8Array, key: Uint8Array): string {
    const size = 41 + msg.length + sig.length + key.length;
    if (this.scratch.length < size) this.scratch = new Uint8Array(size * 2);
    const b = this.scratch;
    b.set(this.salt, 0);
    b[32] = kind;
    // The lengths keep the fields apart: BIP340 messages may be of any length.
    const view = new DataView(b.buffer);
    view.setUint32(33, msg.length, true);
    view.setUint32(37, sig.length, true);
    b.set(msg, 41);
    b.set(sig, 41 + msg.length);
    b.set(key, 41 + msg.length + sig.length);
    const h = sha256(b.subarray(0, size));
    return Buffer.from(h.buffer, h.byteOffset, h.byteLength).toString('latin1');
  }
}
