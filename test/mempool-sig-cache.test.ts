/**
 * The signature cache (Core's CSignatureCache, node/chain/sig-cache.ts): the mempool's second
 * script run of a tx (under the next block's flags) finds every signature the first run (the
 * standard flags) verified, so the curve arithmetic runs once per signature; a cache of size 0
 * runs it twice. An entry is the exact (message, signature, key) triple that verified: another
 * sighash, key or signature misses and is verified (and fails), invalid signatures are never
 * stored, a lookup that does not store uses its hit up, and the bound holds. Verifications
 * are counted through the injected backend.
 */
import { describe, expect, it } from 'vitest';
import { ScriptCache } from '../node/chain/script-cache.js';
import { SignatureCache } from '../node/chain/sig-cache.js';
import { defaultBackend, type EcdsaBackend } from '../node/protocol/ecdsa.js';
import { hash256 } from '../node/protocol/hash.js';
import { parseDerLax } from '../node/protocol/script/signature.js';
import { signSchnorr, xOnly } from '../node/protocol/sign-taproot.js';
import { Tx, TxIn } from '../node/protocol/tx.js';
import { payTo, signedSpend, testKey } from './helpers/keys.js';
import { ALICE, BOB, COIN, FakeChain, rejection } from './helpers/mempool-fixture.js';

interface Counting extends EcdsaBackend {
  ecdsa: number;
  schnorrCalls: number;
}

function counting(): Counting {
  const inner = defaultBackend;
  const b: Counting = {
    name: inner.name,
    ecdsa: 0,
    schnorrCalls: 0,
    verify(msg, sig, pub) {
      b.ecdsa++;
      return inner.verify(msg, sig, pub);
    },
    schnorr: {
      name: inner.schnorr.name,
      verify(msg, sig, key) {
        b.schnorrCalls++;
        return inner.schnorr.verify(msg, sig, key);
      },
      tweakAddCheck: (p, t, q, parity) => inner.schnorr.tweakAddCheck(p, t, q, parity),
    },
  };
  return b;
}

const msg = (n: number) => hash256(Uint8Array.of(n));
/** A compact (r||s, low-S) ECDSA signature of `m` by `key`, as ecdsa.ts hands it to a backend. */
const sig64 = (key: ReturnType<typeof testKey>, m: Uint8Array) => parseDerLax(key.signDer(m))!;

describe('mempool: the two script runs share the signature cache', () => {
  it('verifies a P2WPKH signature once; the consensus-flag run hits the cache', async () => {
    const chain = new FakeChain();
    const backend = counting();
    const sigCache = new SignatureCache();
    const scriptCache = new ScriptCache();
    const mp = chain.mempool({ backend, sigCache, scriptCache });
    const tx = signedSpend([chain.fund(COIN)], [payTo(BOB, COIN - 1000n)]);
    expect((await mp.accept(tx)).status).toBe('accepted');
    // Both runs happened (the second recorded the pass for the chain), one verification.
    expect(scriptCache.size).toBe(1);
    expect(backend.ecdsa).toBe(1);
    expect(sigCache.size).toBe(1);
  });

  it('without the cache (size 0) the second run verifies every signature again', async () => {
    const chain = new FakeChain();
    const backend = counting();
    const sigCache = new SignatureCache({ max: 0 });
    const mp = chain.mempool({ backend, sigCache, scriptCache: new ScriptCache() });
    const tx = signedSpend([chain.fund(COIN), chain.fund(COIN)], [payTo(BOB, 2n * COIN - 1000n)]);
    expect((await mp.accept(tx)).status).toBe('accepted');
    expect(backend.ecdsa).toBe(4);
    expect(sigCache.stats()).toEqual({ entries: 0, bytes: 0, max: 0 });
  });

  it("a cached signature does not pass for another tx's sighash (copied witness)", async () => {
    const chain = new FakeChain();
    const backend = counting();
    const sigCache = new SignatureCache();
    const mp = chain.mempool({ backend, sigCache, scriptCache: new ScriptCache() });
    const good = signedSpend([chain.fund(COIN)], [payTo(BOB, COIN - 1000n)]);
    expect((await mp.accept(good)).status).toBe('accepted');
    expect(backend.ecdsa).toBe(1);
    // Same key, same signature bytes, another coin: another sighash, so a miss and a failure.
    const other = chain.fund(COIN);
    const copied = new Tx({
      version: good.version,
      locktime: good.locktime,
      outputs: good.outputs,
      inputs: [new TxIn(other.prevout, new Uint8Array(0), 0xffffffff, good.inputs[0]!.witness)],
    });
    const e = await rejection(mp.accept(copied));
    expect(e.reason).toBe('mandatory-script-verify-flag-failed');
    // Verified (and failed) under the standard flags and again under the mandatory ones.
    expect(backend.ecdsa).toBe(3);
    expect(sigCache.size).toBe(1);
    expect(mp.has(copied.txid())).toBe(false);
  });
});

describe('SignatureCache', () => {
  const key = ALICE;
  const other = testKey('sig-cache other');

  it('answers a stored ECDSA triple from the cache and misses on any other sighash, key or signature', () => {
    const inner = counting();
    const cache = new SignatureCache();
    const b = cache.backend(inner, true);
    const m = msg(1);
    const s = sig64(key, m);
    expect(b.verify(m, s, key.pub)).toBe(true);
    expect(b.verify(m, s, key.pub)).toBe(true);
    expect(inner.ecdsa).toBe(1);

    // Each differs from the cached triple in one part: a miss, verified, and false.
    expect(b.verify(msg(2), s, key.pub)).toBe(false);
    expect(b.verify(m, s, other.pub)).toBe(false);
    const flipped = Uint8Array.from(s);
    flipped[40]! ^= 1;
    expect(b.verify(m, flipped, key.pub)).toBe(false);
    expect(inner.ecdsa).toBe(4);
    expect(cache.size).toBe(1);
  });

  it('never stores an invalid signature', () => {
    const inner = counting();
    const cache = new SignatureCache();
    const b = cache.backend(inner, true);
    const m = msg(3);
    const wrongKey = sig64(other, m);
    expect(b.verify(m, wrongKey, key.pub)).toBe(false);
    expect(b.verify(m, wrongKey, key.pub)).toBe(false);
    expect(inner.ecdsa).toBe(2);
    expect(cache.size).toBe(0);
  });

  it('caches BIP340 signatures apart from ECDSA ones, by message length too', () => {
    const inner = counting();
    const cache = new SignatureCache();
    const b = cache.backend(inner, true);
    const m = msg(4);
    const xonly = xOnly(key.pub);
    const sig = signSchnorr(m, key.priv, new Uint8Array(32));
    expect(b.schnorr.verify(m, sig, xonly)).toBe(true);
    expect(b.schnorr.verify(m, sig, xonly)).toBe(true);
    expect(inner.schnorrCalls).toBe(1);
    expect(b.schnorr.verify(msg(5), sig, xonly)).toBe(false);
    expect(b.schnorr.verify(m.subarray(0, 31), sig, xonly)).toBe(false);
    expect(b.schnorr.verify(m, sig, xOnly(other.pub))).toBe(false);
    expect(inner.schnorrCalls).toBe(4);
    // The same bytes asked of ECDSA are not the cached BIP340 entry.
    expect(b.verify(m, sig, key.pub)).toBe(false);
    expect(inner.ecdsa).toBe(1);
  });

  it('a lookup without store uses its hit up (Core erases entries a block used)', () => {
    const inner = counting();
    const cache = new SignatureCache();
    const m = msg(6);
    const s = sig64(key, m);
    expect(cache.backend(inner, true).verify(m, s, key.pub)).toBe(true);
    const reader = cache.backend(inner, false);
    expect(reader.verify(m, s, key.pub)).toBe(true);
    expect(inner.ecdsa).toBe(1);
    expect(cache.size).toBe(0);
    expect(reader.verify(m, s, key.pub)).toBe(true);
    expect(inner.ecdsa).toBe(2);
    expect(cache.size).toBe(0);
  });

  it('holds at most `max` entries, the oldest out first', () => {
    const inner = counting();
    const cache = new SignatureCache({ max: 2 });
    const b = cache.backend(inner, true);
    const triples = [7, 8, 9].map((n) => ({ m: msg(n), s: sig64(key, msg(n)) }));
    for (const t of triples) expect(b.verify(t.m, t.s, key.pub)).toBe(true);
    expect(cache.stats()).toEqual({ entries: 2, bytes: 150, max: 2 });
    expect(inner.ecdsa).toBe(3);
    // The newest two hit; the first was evicted and is verified again.
    expect(b.verify(triples[2]!.m, triples[2]!.s, key.pub)).toBe(true);
    expect(b.verify(triples[1]!.m, triples[1]!.s, key.pub)).toBe(true);
    expect(inner.ecdsa).toBe(3);
    expect(b.verify(triples[0]!.m, triples[0]!.s, key.pub)).toBe(true);
    expect(inner.ecdsa).toBe(4);
  });
});
