/**
 * The wallet's taproot keys and signer against the published vectors: BIP86's derivation
 * (bip86.json: account xpub, each key's internal key, output key, script and address), BIP341's
 * output keys (bip341_wallet_vectors.json scriptPubKey) and key-path signing (its
 * keyPathSpending: tweaked keys, sighashes, signatures, witnesses). Then a transaction mixing
 * P2WPKH and P2TR inputs as the wallet builds it: it passes our interpreter, its weight is what
 * coin selection planned, and bitcoinjs-lib reads the same txid and witnesses and accepts each
 * Schnorr signature over its own BIP341 sighash.
 */
import { HDKey } from '@scure/bip32';
import * as bitcoin from 'bitcoinjs-lib';
import * as tiny from 'tiny-secp256k1';
import { describe, expect, it } from 'vitest';
import { encodeAddress } from '../node/protocol/address.js';
import { fromHex, toHex } from '../node/protocol/bytes.js';
import { regtest } from '../node/protocol/params.js';
import { nobleSchnorr, wasmSchnorr } from '../node/protocol/schnorr.js';
import { SigVersion } from '../node/protocol/script/sighash.js';
import { taprootSighash } from '../node/protocol/script/sighash-taproot.js';
import { PrecomputedTx } from '../node/protocol/sign.js';
import {
  bip86Script,
  p2trFor,
  signSchnorr,
  signTaprootKeyPath,
  taprootOutputKey,
  taprootTweakPrivateKey,
  xOnly,
} from '../node/protocol/sign-taproot.js';
import { OutPoint, Tx, TxIn, TxOut } from '../node/protocol/tx.js';
import { feeFor } from '../wallet/amount.js';
import { buildSigned, type SpendCoin, verifySigned } from '../wallet/build.js';
import { minChange, selectCoins, sweep } from '../wallet/coinselect.js';
import { changeTypeFor } from '../wallet/commands/send.js';
import { Bip86Account, CHANGE, mnemonicSeed, parseAddressType, RECEIVE } from '../wallet/hd.js';
import { P2TR_INPUT_WEIGHT, txWeight, vsizeOf } from '../wallet/policy.js';
import {
  decodeTapOrigin,
  encodeTapOrigin,
  encodeTxOut,
  extractPsbt,
  finalizePsbt,
  IN,
  Psbt,
  signPsbt,
} from '../wallet/psbt.js';
import { Wallet } from '../wallet/wallet.js';
import { readVector } from './helpers/vectors.js';

bitcoin.initEccLib(tiny);

const BITCOIN = { bech32: 'bc', pubkeyHash: 0, scriptHash: 5, wif: 0x80 };
const ABANDON = `${'abandon '.repeat(11)}about`;

interface Bip86Vectors {
  mnemonic: string;
  passphrase: string;
  account: { path: string; xpub: string };
  addresses: {
    path: string;
    xprv: string;
    internal_key: string;
    output_key: string;
    scriptPubKey: string;
    address: string;
  }[];
}

interface Bip341Vectors {
  scriptPubKey: {
    given: { internalPubkey: string };
    intermediary: { merkleRoot: string | null; tweakedPubkey: string };
    expected: { scriptPubKey: string; bip350Address: string };
  }[];
  keyPathSpending: {
    given: { rawUnsignedTx: string; utxosSpent: { scriptPubKey: string; amountSats: number }[] };
    inputSpending: {
      given: { txinIndex: number; internalPrivkey: string; merkleRoot: string | null; hashType: number };
      intermediary: { internalPubkey: string; tweakedPrivkey: string; sigHash: string };
      expected: { witness: string[] };
    }[];
  }[];
}

const hexOrNull = (h: string | null) => (h === null ? null : fromHex(h));

describe('BIP86 derivation (bip86.json)', () => {
  const v = readVector<Bip86Vectors>('taproot', 'bip86.json');
  const account = new Bip86Account(mnemonicSeed(v.mnemonic, v.passphrase), BITCOIN, 0);

  it('account m/86h/0h/0h and its xpub', () => {
    expect(account.accountPath).toBe(v.account.path);
    expect(account.xpub).toBe(v.account.xpub);
    expect(account.purpose).toBe(86);
  });

  it.each(v.addresses)('$path', (a) => {
    const [chain, index] = a.path.split('/').slice(-2).map(Number) as [0 | 1, number];
    const k = account.key(chain, index);
    expect(k.type).toBe('p2tr');
    expect(k.path).toBe(a.path);
    expect(toHex(k.privateKey!)).toBe(toHex(HDKey.fromExtendedKey(a.xprv).privateKey!));
    expect(toHex(xOnly(k.publicKey))).toBe(a.internal_key);
    expect(toHex(taprootOutputKey(xOnly(k.publicKey)).key)).toBe(a.output_key);
    expect(toHex(k.script)).toBe(a.scriptPubKey);
    expect(k.address).toBe(a.address);
    // bitcoinjs-lib's own BIP86 output for the same internal key.
    expect(bitcoin.payments.p2tr({ internalPubkey: xOnly(k.publicKey) }).address).toBe(a.address);
  });

  it('the vectors cover receive and change keys', () => {
    const chains = new Set(v.addresses.map((a) => a.path.split('/').at(-2)));
    expect(chains).toEqual(new Set(['0', '1']));
  });
});

describe('BIP341 output keys (bip341_wallet_vectors.json scriptPubKey)', () => {
  const v = readVector<Bip341Vectors>('taproot', 'bip341_wallet_vectors.json');
  it.each(v.scriptPubKey.map((s, i) => [i, s] as const))('output %i', (_i, s) => {
    const out = taprootOutputKey(fromHex(s.given.internalPubkey), hexOrNull(s.intermediary.merkleRoot));
    expect(toHex(out.key)).toBe(s.intermediary.tweakedPubkey);
    const script = p2trFor(out.key);
    expect(toHex(script)).toBe(s.expected.scriptPubKey);
    expect(encodeAddress(script, BITCOIN)).toBe(s.expected.bip350Address);
  });
});

describe('BIP341 key-path signing (bip341_wallet_vectors.json keyPathSpending)', () => {
  const v = readVector<Bip341Vectors>('taproot', 'bip341_wallet_vectors.json');
  const cases = v.keyPathSpending.flatMap((k) => k.inputSpending.map((s) => ({ k, s })));
  it('has cases', () => expect(cases.length).toBeGreaterThan(3));

  it.each(cases.map((c) => [c.s.given.txinIndex, c.s.given.hashType, c] as const))(
    'input %i, hash type %i',
    (index, hashType, { k, s }) => {
      const tx = Tx.fromBytes(fromHex(k.given.rawUnsignedTx));
      const spent = k.given.utxosSpent.map((u) => ({
        value: BigInt(u.amountSats),
        script: fromHex(u.scriptPubKey),
      }));
      const pre = new PrecomputedTx(tx, spent);
      const priv = fromHex(s.given.internalPrivkey);
      const root = hexOrNull(s.given.merkleRoot);
      const tweaked = taprootTweakPrivateKey(priv, root);
      expect(toHex(tweaked)).toBe(s.intermediary.tweakedPrivkey);
      const exec = { annexHash: null, codeSeparatorPos: 0xffffffff, validationWeightLeft: 0 };
      const digest = taprootSighash(pre, index, hashType, SigVersion.TAPROOT, exec)!;
      expect(toHex(digest)).toBe(s.intermediary.sigHash);
      // The vectors' signatures use all-zero auxiliary randomness.
      const witness = signTaprootKeyPath(pre, index, priv, hashType, new Uint8Array(32), root);
      expect(witness.map(toHex)).toEqual(s.expected.witness);
      // With fresh randomness the signature differs but still verifies against the output key.
      const outputKey = spent[index]!.script.subarray(2);
      const fresh = signTaprootKeyPath(pre, index, priv, hashType, undefined, root)[0]!;
      expect(toHex(fresh)).not.toBe(s.expected.witness[0]);
      for (const backend of [nobleSchnorr, wasmSchnorr!])
        expect(backend.verify(digest, fresh.subarray(0, 64), outputKey)).toBe(true);
    },
  );

  it('a signature does not verify for another message', () => {
    const key = fromHex('6b973d88838f27366ed61c9ad6367663045cb456e28335c109e30717ae0c6baa');
    const msg = new Uint8Array(32).fill(7);
    const sig = signSchnorr(msg, key);
    const pub = xOnly(tiny.pointFromScalar(key, true)!);
    expect(nobleSchnorr.verify(msg, sig, pub)).toBe(true);
    expect(nobleSchnorr.verify(new Uint8Array(32).fill(8), sig, pub)).toBe(false);
  });
});

describe('a wallet transaction with P2WPKH and P2TR inputs', () => {
  const wallet = new Wallet(regtest, { mnemonic: ABANDON, account: 0, imported: [], createdAt: '' });
  const wpkh = wallet.key(RECEIVE, 0);
  const tr0 = wallet.key(RECEIVE, 0, 'p2tr');
  const tr1 = wallet.key(CHANGE, 3, 'p2tr');
  const txid = (n: number) => n.toString(16).padStart(64, '0');
  const coins: SpendCoin[] = [
    { txid: txid(1), vout: 0, value: 50_000n, key: tr0 },
    { txid: txid(2), vout: 1, value: 70_000n, key: wpkh },
    { txid: txid(3), vout: 2, value: 90_000n, key: tr1 },
  ];
  const outputs = [new TxOut(100_000n, tr1.script), new TxOut(99_000n, wpkh.script)];

  it('derives bcrt1p addresses on m/86h/1h/0h, registered for lookup', () => {
    expect(tr0.address).toMatch(/^bcrt1p[02-9ac-hj-np-z]{58}$/);
    expect(tr0.path).toBe("m/86'/1'/0'/0/0");
    expect(tr1.path).toBe("m/86'/1'/0'/1/3");
    expect(toHex(tr0.script)).toBe(toHex(bip86Script(tr0.publicKey)));
    expect(wallet.keyFor(toHex(tr1.script))).toBe(tr1);
    expect(wallet.taproot!.fingerprint).toBe(wallet.account!.fingerprint);
    expect(() => parseAddressType('p2sh')).toThrow(/p2wpkh, p2tr or p2wsh/);
  });

  it('signs each input by its type; our interpreter accepts it; the weight is as planned', () => {
    const tx = buildSigned(coins, outputs, 200);
    verifySigned(tx, coins);
    expect(tx.inputs[0]!.witness).toHaveLength(1);
    expect(tx.inputs[0]!.witness[0]).toHaveLength(64);
    expect(tx.inputs[1]!.witness).toHaveLength(2);
    const planned = txWeight(
      coins.map((c) => c.key.type),
      outputs.map((o) => o.script),
    );
    // A P2TR key-path witness is exact; only the P2WPKH DER signature may be a byte shorter.
    expect(planned - tx.weight()).toBeGreaterThanOrEqual(0);
    expect(planned - tx.weight()).toBeLessThanOrEqual(1);
    // Every taproot signature commits to all amounts: one wrong amount, even of the P2WPKH input.
    const lied = coins.map((c, i) => (i === 1 ? { ...c, value: c.value + 1n } : c));
    expect(() => verifySigned(tx, lied)).toThrow(/input 0 fails/);
  });

  it('bitcoinjs-lib reads the same txid and witnesses and accepts the Schnorr signatures', () => {
    const tx = buildSigned(coins, outputs, 200);
    const theirs = bitcoin.Transaction.fromHex(toHex(tx.toBytes()));
    expect(theirs.getId()).toBe(tx.txidHex());
    expect(toHex(theirs.getHash(true))).toBe(toHex(tx.wtxid()));
    theirs.ins.forEach((input, i) => {
      expect(input.witness.map((w) => toHex(w))).toEqual(tx.inputs[i]!.witness.map(toHex));
    });
    const scripts = coins.map((c) => c.key.script);
    const values = coins.map((c) => c.value);
    for (const i of [0, 2]) {
      const hash = theirs.hashForWitnessV1(i, scripts, values, bitcoin.Transaction.SIGHASH_DEFAULT);
      const outputKey = coins[i]!.key.script.subarray(2);
      expect(tiny.verifySchnorr(hash, outputKey, tx.inputs[i]!.witness[0]!)).toBe(true);
    }
  });

  it('a one-in one-out P2TR spend weighs 111 vB: 57.5 vB input, 43 vB output', () => {
    expect(P2TR_INPUT_WEIGHT).toBe(230);
    const w = txWeight(['p2tr'], [tr0.script]);
    expect(w).toBe(444);
    expect(vsizeOf(w)).toBe(111);
    const tx = buildSigned([coins[0]!], [new TxOut(49_000n, tr0.script)], 0);
    expect(tx.weight()).toBe(w);
    // Each more P2TR input adds 230 WU, 57.5 vB; each P2TR output 172 WU, 43 vB.
    expect(txWeight(['p2tr', 'p2tr'], [tr0.script]) - w).toBe(230);
    expect(txWeight(['p2tr'], [tr0.script, tr1.script]) - w).toBe(172);
  });

  it('coin selection prices each coin by its own type', () => {
    const rate = 10_000n;
    const tr = [{ value: 100_000n, key: { type: 'p2tr' as const } }];
    const wp = [{ value: 100_000n, key: { type: 'p2wpkh' as const } }];
    const p = {
      feeRate: rate,
      recipients: [{ script: tr0.script, value: 50_000n }],
      changeScript: tr1.script,
    };
    const a = selectCoins(tr, p);
    const b = selectCoins(wp, p);
    expect(a.weight).toBe(txWeight(['p2tr'], [tr0.script, tr1.script]));
    expect(a.fee).toBe(feeFor(vsizeOf(a.weight), rate));
    expect(b.fee - a.fee).toBe(feeFor(vsizeOf(b.weight), rate) - feeFor(vsizeOf(a.weight), rate));
    expect(b.fee).toBeGreaterThan(a.fee);
    const s = sweep([...tr, ...wp], tr0.script, rate);
    expect(s.weight).toBe(txWeight(['p2tr', 'p2wpkh'], [tr0.script]));
    // Change worth creating: 58 vB to spend a P2TR change at 10 sat/vB, 68 vB for P2WPKH.
    expect(minChange(tr1.script)).toBe(580n);
    expect(minChange(wpkh.script)).toBe(680n);
  });

  it('change follows a taproot recipient, else P2WPKH, unless asked', () => {
    expect(changeTypeFor([wpkh.script, tr0.script])).toBe('p2tr');
    expect(changeTypeFor([wpkh.script])).toBe('p2wpkh');
    expect(changeTypeFor([tr0.script], 'p2wpkh')).toBe('p2wpkh');
  });
});

describe('PSBT taproot fields (BIP371)', () => {
  const wallet = new Wallet(regtest, { mnemonic: ABANDON, account: 0, imported: [], createdAt: '' });
  const tr = wallet.key(RECEIVE, 2, 'p2tr');
  const wp = wallet.key(RECEIVE, 2);
  const origin = {
    fingerprint: wallet.taproot!.fingerprint,
    path: [0x80000056, 0x80000001, 0x80000000, 0, 2],
  };

  function unsigned(withTrUtxo = true): Psbt {
    const inputs = [1, 2].map(
      (n) => new TxIn(new OutPoint(new Uint8Array(32).fill(n), 0), new Uint8Array(0), 0),
    );
    const psbt = new Psbt(
      new Tx({ version: 2, inputs, outputs: [new TxOut(90_000n, wp.script)], locktime: 0 }),
    );
    if (withTrUtxo)
      psbt.inputs[0]!.set(IN.WITNESS_UTXO, new Uint8Array(0), encodeTxOut(new TxOut(60_000n, tr.script)));
    psbt.inputs[0]!.set(IN.TAP_INTERNAL_KEY, new Uint8Array(0), xOnly(tr.publicKey));
    psbt.inputs[0]!.set(IN.TAP_BIP32_DERIVATION, xOnly(tr.publicKey), encodeTapOrigin(origin));
    psbt.inputs[1]!.set(IN.WITNESS_UTXO, new Uint8Array(0), encodeTxOut(new TxOut(40_000n, wp.script)));
    return psbt;
  }
  const lookup = (pub: Uint8Array) => (toHex(pub) === toHex(xOnly(tr.publicKey)) ? tr.privateKey : undefined);
  const byHash = (h: Uint8Array) => (toHex(h) === toHex(wp.script.subarray(2)) ? wp.privateKey : undefined);

  it('round-trips the origin with its leaf hashes', () => {
    const leaf = new Uint8Array(32).fill(9);
    const d = decodeTapOrigin(encodeTapOrigin(origin, [leaf]));
    expect(d.origin).toEqual(origin);
    expect(d.leafHashes.map(toHex)).toEqual([toHex(leaf)]);
  });

  it('signs the key path, finalizes to [signature] and extracts a transaction that verifies', () => {
    const psbt = Psbt.fromBytes(unsigned().toBytes());
    expect(signPsbt(psbt, lookup, byHash).sort()).toEqual([0, 1]);
    expect(psbt.inputs[0]!.get(IN.TAP_KEY_SIG)).toHaveLength(64);
    expect(finalizePsbt(psbt)).toEqual([]);
    // The finalizer clears BIP371's fields with BIP174's.
    expect(psbt.inputs[0]!.get(IN.TAP_INTERNAL_KEY)).toBeUndefined();
    const tx = extractPsbt(psbt);
    expect(tx.inputs[0]!.witness).toHaveLength(1);
    expect(tx.inputs[1]!.witness).toHaveLength(2);
  });

  it("does not sign a P2TR input while another input's spent output is unknown", () => {
    const psbt = unsigned();
    psbt.inputs[1]!.delete(IN.WITNESS_UTXO);
    expect(signPsbt(psbt, lookup, byHash)).toEqual([]);
    const noUtxo = unsigned(false);
    expect(signPsbt(noUtxo, lookup, byHash)).toEqual([1]);
  });

  it('refuses malformed BIP371 fields and a changed signature', () => {
    const bad = unsigned();
    bad.inputs[0]!.set(IN.TAP_INTERNAL_KEY, new Uint8Array(0), new Uint8Array(33));
    expect(() => Psbt.fromBytes(bad.toBytes())).toThrow(/32 bytes/);
    const badSig = unsigned();
    badSig.inputs[0]!.set(IN.TAP_KEY_SIG, new Uint8Array(0), new Uint8Array(63));
    expect(() => Psbt.fromBytes(badSig.toBytes())).toThrow(/64 or 65/);
    const forged = unsigned();
    signPsbt(forged, lookup, byHash);
    const sig = forged.inputs[0]!.get(IN.TAP_KEY_SIG)!.slice();
    sig[10]! ^= 1;
    forged.inputs[0]!.set(IN.TAP_KEY_SIG, new Uint8Array(0), sig);
    finalizePsbt(forged);
    expect(() => extractPsbt(forged)).toThrow(/input 0 does not verify/);
  });
});
