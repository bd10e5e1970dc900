/**
 * The process-wide signature cache that stands for validation cost in the simulator: the
 * first node to check a (sighash, signature, key) triple pays libsecp256k1's verify, every other
 * node gets the remembered answer, as Core's per-process signature cache (CSignatureCache,
 * script/sigcache.cpp) spares one node a second check. So 1,000 nodes validating one block
 * verify it once; what each node still pays is everything else (parsing, UTXO lookups, the
 * LevelDB batch). Verification is a pure function of its inputs, so sharing the answer changes
 * no outcome. BIP340 Schnorr checks share a table of their own (the same triple could not be
 * both, but the keys differ in kind).
 * Bounded: the oldest entries go first (Map insertion order).
 */
import { defaultBackend, type EcdsaBackend } from '../node/protocol/ecdsa.js';
import type { SchnorrBackend } from '../node/protocol/schnorr.js';

export class SharedSigCache implements EcdsaBackend {
  readonly name: EcdsaBackend['name'];
  readonly schnorr: SchnorrBackend;
  hits = 0;
  misses = 0;
  private readonly inner: EcdsaBackend;
  private readonly max: number;
  private readonly seen = new Map<string, boolean>();

  constructor(inner: EcdsaBackend = defaultBackend, max = 500_000) {
    this.inner = inner;
    this.name = inner.name;
    this.max = max;
    const schnorrSeen = new Map<string, boolean>();
    const innerSchnorr = inner.schnorr;
    this.schnorr = {
      name: innerSchnorr.name,
      verify: (msg, sig64, xonly32) =>
        this.remember(schnorrSeen, [msg, sig64, xonly32], () => innerSchnorr.verify(msg, sig64, xonly32)),
      tweakAddCheck: (p32, tweak32, q32, parity) => innerSchnorr.tweakAddCheck(p32, tweak32, q32, parity),
    };
  }

  private remember(table: Map<string, boolean>, parts: Uint8Array[], check: () => boolean): boolean {
    const k = Buffer.concat(parts).toString('latin1');
    const known = table.get(k);
    if (known !== undefined) {
      this.hits++;
      return known;
    }
    this.misses++;
    const ok = check();
    if (table.size >= this.max) table.delete(table.keys().next().value as string);
    table.set(k, ok);
    return ok;
  }

  verify(msg32: Uint8Array, sig64: Uint8Array, pubkey: Uint8Array): boolean {
    return this.remember(this.seen, [msg32, sig64, pubkey], () => this.inner.verify(msg32, sig64, pubkey));
  }
}
