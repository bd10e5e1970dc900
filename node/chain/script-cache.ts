/**
 * The script-execution cache (Bitcoin Core's m_script_execution_cache, validation.cpp): a
 * transaction whose every input script passed under some flags need not run its scripts
 * again under the same flags. The mempool adds an entry once a transaction's scripts pass
 * under the flags of the next block (Core's CheckInputsFromMempoolAndCache); connecting a
 * block takes (removes) the entry of each transaction it holds, and verifies only the others.
 *
 * The key is SHA-256(salt || wtxid || flags as u32 LE), as Core's. The wtxid commits to the
 * whole transaction, witness included, and through the outpoints to the coins it spends, so a
 * hit stands for exactly the checks it replaces; the flags make an entry made before a
 * soft fork activates miss after it. The random salt keeps keys unpredictable to peers.
 *
 * Bounded at `max` entries (default 200,000), oldest first out. A key is a 32-character
 * one-byte string: about 75 B of heap per entry with the Set's slot (measured on Node 20),
 * so ~15 MB at the default bound (Core gives its CuckooCache of 32-byte keys 16 MiB).
 */
import { randomBytes } from 'node:crypto';
import { sha256 } from '../protocol/hash.js';

export const DEFAULT_SCRIPT_CACHE_ENTRIES = 200_000;
/** Heap per entry: the key string and the Set's slot (see above). */
export const SCRIPT_CACHE_ENTRY_BYTES = 75;

export class ScriptCache {
  private readonly keys = new Set<string>();
  private readonly salt: Uint8Array;
  private readonly max: number;
  /** salt || wtxid || flags: hashed in one call, not through an incremental node:crypto hash. */
  private readonly preimage: Uint8Array;

  constructor(opts: { max?: number; salt?: Uint8Array } = {}) {
    this.max = Math.max(1, opts.max ?? DEFAULT_SCRIPT_CACHE_ENTRIES);
    this.salt = opts.salt ?? new Uint8Array(randomBytes(32));
    this.preimage = new Uint8Array(this.salt.length + 36);
    this.preimage.set(this.salt);
  }

  get size(): number {
    return this.keys.size;
  }

  /** Entries and their heap (SCRIPT_CACHE_ENTRY_BYTES each), for /metrics. */
  stats(): { entries: number; bytes: number; max: number } {
    return { entries: this.keys.size, bytes: this.keys.size * SCRIPT_CACHE_ENTRY_BYTES, max: this.max };
  }

  /** Records that every input script of the tx with this wtxid (internal byte order) passed. */
  add(wtxid: Uint8Array, flags: number): void {
    const k = this.key(wtxid, flags);
    this.keys.delete(k);
    this.keys.add(k);
    if (this.keys.size > this.max) this.keys.delete(this.keys.values().next().value as string);
  }

  has(wtxid: Uint8Array, flags: number): boolean {
    return this.keys.has(this.key(wtxid, flags));
  }

  /** Whether the entry was there; removes it (Core erases an entry a block connect used). */
  take(wtxid: Uint8Array, flags: number): boolean {
    return this.keys.delete(this.key(wtxid, flags));
  }

  clear(): void {
    this.keys.clear();
  }

  private key(wtxid: Uint8Array, flags: number): string {
    const p = this.preimage;
    const at = this.salt.length;
    p.set(wtxid, at);
    new DataView(p.buffer).setUint32(at + 32, flags >>> 0, true);
    const h = sha256(p);
    return Buffer.from(h.buffer, h.byteOffset, h.byteLength).toString('latin1');
  }
}
