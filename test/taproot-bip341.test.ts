/**
 * BIP341's wallet test vectors (bip341_wallet_vectors.json): for each output, the leaf hashes,
 * Merkle root, tweak, output key, scriptPubKey, bech32m address and control blocks; for the
 * key-path spending tx, BIP341's hashes of all spent outputs, each input's SigMsg and sighash,
 * the signature (re-made with the tweaked key), and the full witness verified by VerifyScript
 * under the consensus flags, on both signature backends.
 */
import * as noble from '@noble/secp256k1';
import * as tiny from 'tiny-secp256k1';
import { describe, expect, it } from 'vitest';
import { encodeAddress } from '../node/protocol/address.js';
import { fromHex, toHex } from '../node/protocol/bytes.js';
import { type EcdsaBackend, nativeBackend, nobleBackend } from '../node/protocol/ecdsa.js';
import { TxSignatureChecker } from '../node/protocol/script/checker.js';
import { MANDATORY_FLAGS } from '../node/protocol/script/flags.js';
import { PrecomputedTx, SigVersion } from '../node/protocol/script/sighash.js';
import { bip341Hashes, taprootSighash, taprootSigMsg } from '../node/protocol/script/sighash-taproot.js';
import {
  tapBranch,
  tapleafHash,
  tapTweakHash,
  verifyTaprootCommitment,
} from '../node/protocol/script/taproot.js';
import { verifyScript } from '../node/protocol/script/verify.js';
import { Tx } from '../node/protocol/tx.js';
import { readVector } from './helpers/vectors.js';

interface Leaf {
  id: number;
  script: string;
  leafVersion: number;
}
type Tree = Leaf | Tree[];
interface SpkVector {
  given: { internalPubkey: string; scriptTree: Tree | null };
  intermediary: { leafHashes?: string[]; merkleRoot: string | null; tweak: string; tweakedPubkey: string };
  expected: { scriptPubKey: string; bip350Address: string; scriptPathControlBlocks?: string[] };
}
interface KeyPathVector {
  given: { rawUnsignedTx: string; utxosSpent: { scriptPubKey: string; amountSats: number }[] };
  intermediary: Record<string, string>;
  inputSpending: {
    given: { txinIndex: number; internalPrivkey: string; merkleRoot: string | null; hashType: number };
    intermediary: {
      internalPubkey: string;
      tweak: string;
      tweakedPrivkey: string;
      sigMsg: string;
      sigHash: string;
    };
    expected: { witness: string[] };
  }[];
}
const V = readVector<{ scriptPubKey: SpkVector[]; keyPathSpending: KeyPathVector[] }>(
  'taproot',
  'bip341_wallet_vectors.json',
);
const BC = { bech32: 'bc', pubkeyHash: 0, scriptHash: 5, wif: 0x80 };
const backends = [nativeBackend, nobleBackend].filter((b): b is EcdsaBackend => b !== null);

/** Leaf hashes by id, and the tree's root (BIP341's taproot_tree_helper). */
function walk(tree: Tree, leaves: Map<number, Uint8Array>): Uint8Array {
  if (!Array.isArray(tree)) {
    const h = tapleafHash(tree.leafVersion, fromHex(tree.script));
    leaves.set(tree.id, h);
    return h;
  }
  return tapBranch(walk(tree[0]!, leaves), walk(tree[1]!, leaves));
}

describe('BIP341 scriptPubKey vectors', () => {
  it.each(V.scriptPubKey.map((v, i) => [i, v] as const))('output %i', (_i, v) => {
    const internal = fromHex(v.given.internalPubkey);
    const leaves = new Map<number, Uint8Array>();
    const root = v.given.scriptTree ? walk(v.given.scriptTree, leaves) : null;
    expect(root ? toHex(root) : null).toBe(v.intermediary.merkleRoot);
    if (v.intermediary.leafHashes) {
      expect([...leaves.keys()].sort((a, b) => a - b).map((id) => toHex(leaves.get(id)!))).toEqual(
        v.intermediary.leafHashes,
      );
    }
    const tweak = tapTweakHash(internal, root);
    expect(toHex(tweak)).toBe(v.intermediary.tweak);
    // The output key two ways: libsecp256k1's tweak_add and noble's point arithmetic.
    const tweaked = tiny.xOnlyPointAddTweak(internal, tweak)!;
    expect(toHex(tweaked.xOnlyPubkey)).toBe(v.intermediary.tweakedPubkey);
    const q = noble.Point.fromBytes(Uint8Array.of(2, ...internal)).add(
      noble.Point.BASE.multiply(BigInt(`0x${toHex(tweak)}`)),
    );
    expect(toHex(q.toBytes(true).subarray(1))).toBe(v.intermediary.tweakedPubkey);
    const spk = Uint8Array.of(0x51, 0x20, ...tweaked.xOnlyPubkey);
    expect(toHex(spk)).toBe(v.expected.scriptPubKey);
    expect(encodeAddress(spk, BC)).toBe(v.expected.bip350Address);
    // Every control block proves its leaf against the output key, on both backends.
    const ids = [...leaves.keys()].sort((a, b) => a - b);
    (v.expected.scriptPathControlBlocks ?? []).forEach((cb, k) => {
      const control = fromHex(cb);
      expect(control[0]! & 1).toBe(tweaked.parity);
      for (const b of backends) {
        expect(verifyTaprootCommitment(control, tweaked.xOnlyPubkey, leaves.get(ids[k]!)!, b.schnorr)).toBe(
          true,
        );
        const flipped = Uint8Array.from(control);
        flipped[0]! ^= 1;
        expect(verifyTaprootCommitment(flipped, tweaked.xOnlyPubkey, leaves.get(ids[k]!)!, b.schnorr)).toBe(
          false,
        );
      }
    });
  });
});

describe('BIP341 key-path spending vectors', () => {
  const k = V.keyPathSpending[0]!;
  const tx = Tx.fromBytes(fromHex(k.given.rawUnsignedTx));
  const spent = k.given.utxosSpent.map((u) => ({
    value: BigInt(u.amountSats),
    script: fromHex(u.scriptPubKey),
  }));

  it('hashes every spent output as BIP341 says', () => {
    const h = bip341Hashes(new PrecomputedTx(tx, spent));
    expect(toHex(h.amounts)).toBe(k.intermediary.hashAmounts);
    expect(toHex(h.outputs)).toBe(k.intermediary.hashOutputs);
    expect(toHex(h.prevouts)).toBe(k.intermediary.hashPrevouts);
    expect(toHex(h.scripts)).toBe(k.intermediary.hashScriptPubkeys);
    expect(toHex(h.sequences)).toBe(k.intermediary.hashSequences);
  });

  it.each(k.inputSpending.map((s) => [s.given.txinIndex, s] as const))('input %i', (index, s) => {
    expect(k.inputSpending.length).toBe(7);
    const pre = new PrecomputedTx(tx, spent);
    const exec = { annexHash: null, codeSeparatorPos: 0xffffffff, validationWeightLeft: 0 };
    expect(toHex(taprootSigMsg(pre, index, s.given.hashType, SigVersion.TAPROOT, exec)!)).toBe(
      s.intermediary.sigMsg,
    );
    const hash = taprootSighash(pre, index, s.given.hashType, SigVersion.TAPROOT, exec)!;
    expect(toHex(hash)).toBe(s.intermediary.sigHash);
    const internal = fromHex(s.given.internalPrivkey);
    expect(toHex(tiny.xOnlyPointFromScalar(internal))).toBe(s.intermediary.internalPubkey);
    const tweak = tapTweakHash(
      fromHex(s.intermediary.internalPubkey),
      s.given.merkleRoot ? fromHex(s.given.merkleRoot) : null,
    );
    expect(toHex(tweak)).toBe(s.intermediary.tweak);
    // BIP341's signing: negate the key if its point has odd y, then add the tweak.
    const d = tiny.pointFromScalar(internal, true)![0] === 3 ? tiny.privateNegate(internal) : internal;
    const tweakedPriv = tiny.privateAdd(d, tweak)!;
    expect(toHex(tweakedPriv)).toBe(s.intermediary.tweakedPrivkey);
    const sig = tiny.signSchnorr(hash, tweakedPriv, new Uint8Array(32));
    expect(toHex(sig)).toBe(s.expected.witness[0]!.slice(0, 128));
    for (const b of backends) {
      const input = tx.inputs[index]!;
      const witness = s.expected.witness.map(fromHex);
      const check = () =>
        verifyScript(
          input.script,
          spent[index]!.script,
          witness,
          MANDATORY_FLAGS,
          new TxSignatureChecker(pre, index, spent[index]!.value, b),
        );
      expect(check).not.toThrow();
      // One flipped bit of the signature must fail with Core's code.
      const bad = witness.map((w) => Uint8Array.from(w));
      bad[0]![10]! ^= 1;
      expect(() =>
        verifyScript(
          input.script,
          spent[index]!.script,
          bad,
          MANDATORY_FLAGS,
          new TxSignatureChecker(pre, index, spent[index]!.value, b),
        ),
      ).toThrow('SCRIPT_ERR_SCHNORR_SIG');
    }
  });
});
