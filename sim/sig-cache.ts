/**
 * The process-wide signature cache that stands for validation cost in the simulator: the
 * first node to check a (sighash, signature, key) triple pays libsecp256k1's verify, every other
 * node gets the remembered answer, as Core's per-process signature cache (CSignatureCache,
 * script/sigcache.cpp) spares one node a second check. So 1,000 nodes validating one block
 * verify it once; what each node still pays is everything else (parsing, UTXO lookups, the
 * LevelDB batch). ECDSA is deterministic, so sharing the answer changes no outcome.
 * Bounded: the oldest entries go first (Map insertion order).
 */
import { defaultBackend, type EcdsaBackend } from '../node/protocol/ecdsa.js';

export class SharedSigCache implements EcdsaBackend {
  readonly name: EcdsaBackend['name'];
  hits = 0;
  misses = 0;
  private readonly inner: EcdsaBackend;
  private readonly max: number;
  private readonly seen = new Map<string, boolean>();

  constructor(inner: EcdsaBackend = defaultBackend, max = 500_000) {
    this.inner = inner;
    this.name = inner.name;
    this.max = max;
  }

  verify(msg32: Uint8Array, sig64: Uint8Array, pubkey: Uint8Array): boolean {
    const k = Buffer.concat([msg32, sig64, pubkey]).toString('latin1');
    const known = this.seen.get(k);
    if (known !== undefined) {
      this.hits++;
      return known;
    }
    this.misses++;
    const ok = this.inner.verify(msg32, sig64, pubkey);
    if (this.seen.size >= this.max) this.seen.delete(this.seen.keys().next().value as string);
    this.seen.set(k, ok);
    return ok;
  }
}
