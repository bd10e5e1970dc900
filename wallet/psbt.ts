/**
 * Partially Signed Bitcoin Transactions, BIP174 version 0: the format, and the roles this
 * wallet plays for P2WPKH inputs, P2WSH k-of-n multisig inputs (witness script and every key's
 * BIP32 origin; signatures collected per key, finalized in the script's key order), and, with BIP371's taproot fields (internal key, key origins
 * of x-only keys, key-path signature), for key-path P2TR inputs of BIP86 outputs (creator/
 * updater, signer, combiner, finalizer, extractor). Script-path spends are not signed here.
 *
 * A PSBT is the magic `psbt\xff`, a global map, one map per input and one per output; each
 * map is key-value pairs (key = type byte + key data) ended by 0x00. Every pair is kept in
 * order, unknown ones included, so a PSBT passes through unchanged apart from what a role
 * adds (BIP174: "must not remove unknown fields"). Parsing refuses what BIP174 calls invalid:
 * a duplicate key, a missing or signed unsigned tx, map counts that do not match the tx, a
 * known key whose key data or value has the wrong size. All serialization goes through
 * node/protocol's Reader and Writer.
 */
import { equal, toHex } from '../node/protocol/bytes.js';
import { hash160, sha256 } from '../node/protocol/hash.js';
import { Reader } from '../node/protocol/reader.js';
import { TxSignatureChecker } from '../node/protocol/script/checker.js';
import { STANDARD_FLAGS } from '../node/protocol/script/flags.js';
import { PrecomputedTx, type SpentOutput, witnessV0Sighash } from '../node/protocol/script/sighash.js';
import { SIGHASH_DEFAULT } from '../node/protocol/script/sighash-taproot.js';
import { SIGHASH } from '../node/protocol/script/signature.js';
import { classifyOutput, p2wpkh, p2wsh } from '../node/protocol/script/templates.js';
import { p2wpkhScriptCode, verifyScript } from '../node/protocol/script/verify.js';
import { publicKey, signDigest } from '../node/protocol/sign.js';
import { bip86Script, signTaprootKeyPath } from '../node/protocol/sign-taproot.js';
import { Tx, TxIn, TxOut } from '../node/protocol/tx.js';
import { Writer } from '../node/protocol/writer.js';
import { WalletError } from './errors.js';

export const MAGIC = Uint8Array.of(0x70, 0x73, 0x62, 0x74, 0xff);

/** BIP174 key types used here. */
export const GLOBAL = { UNSIGNED_TX: 0x00, XPUB: 0x01, VERSION: 0xfb } as const;
export const IN = {
  NON_WITNESS_UTXO: 0x00,
  WITNESS_UTXO: 0x01,
  PARTIAL_SIG: 0x02,
  SIGHASH_TYPE: 0x03,
  REDEEM_SCRIPT: 0x04,
  WITNESS_SCRIPT: 0x05,
  BIP32_DERIVATION: 0x06,
  FINAL_SCRIPTSIG: 0x07,
  FINAL_SCRIPTWITNESS: 0x08,
  // BIP371
  TAP_KEY_SIG: 0x13,
  TAP_SCRIPT_SIG: 0x14,
  TAP_LEAF_SCRIPT: 0x15,
  TAP_BIP32_DERIVATION: 0x16,
  TAP_INTERNAL_KEY: 0x17,
  TAP_MERKLE_ROOT: 0x18,
} as const;
export const OUT = {
  REDEEM_SCRIPT: 0x00,
  WITNESS_SCRIPT: 0x01,
  BIP32_DERIVATION: 0x02,
  // BIP371
  TAP_INTERNAL_KEY: 0x05,
  TAP_TREE: 0x06,
  TAP_BIP32_DERIVATION: 0x07,
} as const;
/** BIP371's input fields, which a finalizer clears with the others. */
const TAP_INPUT_TYPES: readonly number[] = [0x13, 0x14, 0x15, 0x16, 0x17, 0x18];

export interface Pair {
  key: Uint8Array;
  value: Uint8Array;
}

/** One map: its pairs in order; `get`/`set` by type and key data. */
export class PsbtMap {
  readonly pairs: Pair[];
  constructor(pairs: Pair[] = []) {
    this.pairs = pairs;
  }
  get(type: number, keyData: Uint8Array = new Uint8Array(0)): Uint8Array | undefined {
    return this.pairs.find((p) => p.key[0] === type && equal(p.key.subarray(1), keyData))?.value;
  }
  all(type: number): { keyData: Uint8Array; value: Uint8Array }[] {
    return this.pairs
      .filter((p) => p.key[0] === type)
      .map((p) => ({ keyData: p.key.subarray(1), value: p.value }));
  }
  set(type: number, keyData: Uint8Array, value: Uint8Array): void {
    const key = Uint8Array.of(type, ...keyData);
    const i = this.pairs.findIndex((p) => equal(p.key, key));
    if (i >= 0) this.pairs[i] = { key, value };
    else this.pairs.push({ key, value });
  }
  delete(type: number): void {
    for (let i = this.pairs.length - 1; i >= 0; i--)
      if (this.pairs[i]!.key[0] === type) this.pairs.splice(i, 1);
  }
}

/** A key origin: master fingerprint and path (BIP174's BIP32 derivation value). */
export interface KeyOrigin {
  fingerprint: number;
  path: number[];
}

export function encodeOrigin(o: KeyOrigin): Uint8Array {
  const w = new Writer();
  // The fingerprint is the first four bytes of hash160(master pubkey), in that byte order.
  w.u8((o.fingerprint >>> 24) & 0xff)
    .u8((o.fingerprint >>> 16) & 0xff)
    .u8((o.fingerprint >>> 8) & 0xff)
    .u8(o.fingerprint & 0xff);
  for (const i of o.path) w.u32(i >>> 0);
  return w.finish();
}

/**
 * BIP371's taproot key origin: the leaf hashes the key is used in (none for a key-path key),
 * then BIP174's origin.
 */
export function encodeTapOrigin(o: KeyOrigin, leafHashes: readonly Uint8Array[] = []): Uint8Array {
  const w = new Writer();
  w.varint(leafHashes.length);
  for (const h of leafHashes) w.bytes(h);
  w.bytes(encodeOrigin(o));
  return w.finish();
}

export function decodeTapOrigin(v: Uint8Array): { leafHashes: Uint8Array[]; origin: KeyOrigin } {
  try {
    const r = new Reader(v);
    const n = r.count(v.length);
    const leafHashes: Uint8Array[] = [];
    for (let k = 0; k < n; k++) leafHashes.push(r.bytes(32));
    return { leafHashes, origin: decodeOrigin(v.subarray(v.length - r.remaining)) };
  } catch (e) {
    if (e instanceof WalletError) throw e;
    throw new WalletError('BAD_PSBT', 'invalid PSBT: bad taproot BIP32 derivation value');
  }
}

export function decodeOrigin(v: Uint8Array): KeyOrigin {
  if (v.length < 4 || v.length % 4 !== 0)
    throw new WalletError('BAD_PSBT', 'invalid PSBT: bad BIP32 derivation value');
  const fingerprint = ((v[0]! << 24) | (v[1]! << 16) | (v[2]! << 8) | v[3]!) >>> 0;
  const r = new Reader(v, 4);
  const path: number[] = [];
  while (r.remaining > 0) path.push(r.u32());
  return { fingerprint, path };
}

export function formatPath(path: readonly number[]): string {
  return ['m', ...path.map((i) => (i >= 0x80000000 ? `${i - 0x80000000}'` : String(i)))].join('/');
}

function bad(msg: string): WalletError {
  return new WalletError('BAD_PSBT', `invalid PSBT: ${msg}`);
}

function readMap(r: Reader): PsbtMap {
  const pairs: Pair[] = [];
  const seen = new Set<string>();
  for (;;) {
    const key = r.varBytes(r.remaining);
    if (key.length === 0) return new PsbtMap(pairs);
    const value = r.varBytes(r.remaining);
    const k = toHex(key);
    if (seen.has(k)) throw bad(`duplicate key ${k}`);
    seen.add(k);
    pairs.push({ key, value });
  }
}

function writeMap(w: Writer, m: PsbtMap): void {
  for (const p of m.pairs) w.varBytes(p.key).varBytes(p.value);
  w.u8(0);
}

/** The unsigned tx's bytes: legacy serialization (BIP174 requires no witness). */
function unsignedBytes(tx: Tx): Uint8Array {
  return tx.toBytes(false);
}

export class Psbt {
  readonly global: PsbtMap;
  readonly inputs: PsbtMap[];
  readonly outputs: PsbtMap[];
  /** The unsigned transaction (empty scriptSigs and witnesses). */
  readonly tx: Tx;

  constructor(tx: Tx, global?: PsbtMap, inputs?: PsbtMap[], outputs?: PsbtMap[]) {
    this.tx = tx;
    this.global =
      global ?? new PsbtMap([{ key: Uint8Array.of(GLOBAL.UNSIGNED_TX), value: unsignedBytes(tx) }]);
    this.inputs = inputs ?? tx.inputs.map(() => new PsbtMap());
    this.outputs = outputs ?? tx.outputs.map(() => new PsbtMap());
  }

  static fromBytes(data: Uint8Array): Psbt {
    if (data.length < 5 || !equal(data.subarray(0, 5), MAGIC)) throw bad('not a PSBT (no psbt\\xff magic)');
    const r = new Reader(data, 5);
    const global = readMap(r);
    const txBytes = global.get(GLOBAL.UNSIGNED_TX);
    if (!txBytes) throw bad('no unsigned transaction');
    const ver = global.get(GLOBAL.VERSION);
    if (ver !== undefined && (ver.length !== 4 || new Reader(ver).u32() !== 0))
      throw bad('PSBT version other than 0 (BIP370 v2 is not supported)');
    let tx: Tx;
    const tr = new Reader(txBytes);
    try {
      tx = Tx.read(tr);
      tr.end();
    } catch (e) {
      throw bad(`unsigned transaction does not parse: ${(e as Error).message}`);
    }
    if (tx.inputs.some((i) => i.script.length > 0 || i.witness.length > 0))
      throw bad('the unsigned transaction has scriptSigs or witnesses');
    for (const p of global.pairs) {
      if (p.key[0] === GLOBAL.UNSIGNED_TX && p.key.length !== 1) throw bad('unsigned tx key with key data');
    }
    const inputs = tx.inputs.map(() => readMap(r));
    const outputs = tx.outputs.map(() => readMap(r));
    r.end();
    const psbt = new Psbt(tx, global, inputs, outputs);
    psbt.checkFields();
    return psbt;
  }

  /** BIP174's size rules for the known fields this wallet reads. */
  private checkFields(): void {
    this.inputs.forEach((m, i) => {
      for (const p of m.pairs) {
        const t = p.key[0]!;
        const kd = p.key.length - 1;
        const single = [
          IN.NON_WITNESS_UTXO,
          IN.WITNESS_UTXO,
          IN.SIGHASH_TYPE,
          IN.REDEEM_SCRIPT,
          IN.WITNESS_SCRIPT,
          IN.FINAL_SCRIPTSIG,
          IN.FINAL_SCRIPTWITNESS,
        ] as number[];
        if (single.includes(t) && kd !== 0) throw bad(`input ${i}: key type ${t} takes no key data`);
        if ((t === IN.PARTIAL_SIG || t === IN.BIP32_DERIVATION) && kd !== 33 && kd !== 65)
          throw bad(`input ${i}: key type ${t} needs a public key`);
        if (t === IN.SIGHASH_TYPE && p.value.length !== 4) throw bad(`input ${i}: sighash type is 4 bytes`);
        if ((t === IN.TAP_KEY_SIG || t === IN.TAP_INTERNAL_KEY || t === IN.TAP_MERKLE_ROOT) && kd !== 0)
          throw bad(`input ${i}: key type ${t} takes no key data`);
        if (t === IN.TAP_KEY_SIG && p.value.length !== 64 && p.value.length !== 65)
          throw bad(`input ${i}: taproot key signature is 64 or 65 bytes`);
        if ((t === IN.TAP_INTERNAL_KEY || t === IN.TAP_MERKLE_ROOT) && p.value.length !== 32)
          throw bad(`input ${i}: key type ${t} is 32 bytes`);
        if (t === IN.TAP_BIP32_DERIVATION) {
          if (kd !== 32) throw bad(`input ${i}: taproot BIP32 derivation needs an x-only key`);
          decodeTapOrigin(p.value);
        }
      }
      const nw = m.get(IN.NON_WITNESS_UTXO);
      if (nw) {
        const prev = Tx.fromBytes(nw);
        const op = this.tx.inputs[i]!.prevout;
        if (!equal(prev.txid(), op.txid))
          throw bad(`input ${i}: non-witness UTXO is not the spent transaction`);
      }
      const wu = m.get(IN.WITNESS_UTXO);
      if (wu) decodeTxOut(wu, i);
    });
  }

  toBytes(): Uint8Array {
    const w = new Writer();
    w.bytes(MAGIC);
    writeMap(w, this.global);
    for (const m of this.inputs) writeMap(w, m);
    for (const m of this.outputs) writeMap(w, m);
    return w.finish();
  }

  toBase64(): string {
    return Buffer.from(this.toBytes()).toString('base64');
  }

  static fromText(text: string): Psbt {
    const t = text.trim();
    const bytes =
      /^[0-9a-fA-F]+$/.test(t) && t.length % 2 === 0 ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
    if (
      !/^[0-9a-fA-F]+$/.test(t) &&
      Buffer.from(bytes).toString('base64').replace(/=+$/, '') !== t.replace(/=+$/, '')
    )
      throw bad('neither base64 nor hex');
    return Psbt.fromBytes(new Uint8Array(bytes));
  }

  /** The output an input spends: witness UTXO, else the non-witness UTXO's output. */
  spent(i: number): TxOut | undefined {
    const m = this.inputs[i]!;
    const wu = m.get(IN.WITNESS_UTXO);
    if (wu) return decodeTxOut(wu, i);
    const nw = m.get(IN.NON_WITNESS_UTXO);
    if (nw) return Tx.fromBytes(nw).outputs[this.tx.inputs[i]!.prevout.index];
    return undefined;
  }

  isFinal(i: number): boolean {
    const m = this.inputs[i]!;
    return m.get(IN.FINAL_SCRIPTWITNESS) !== undefined || m.get(IN.FINAL_SCRIPTSIG) !== undefined;
  }

  /** Fee, when every input's spent output is known. */
  fee(): bigint | null {
    let sum = 0n;
    for (let i = 0; i < this.inputs.length; i++) {
      const o = this.spent(i);
      if (!o) return null;
      sum += o.value;
    }
    return sum - this.tx.outputs.reduce((s, o) => s + o.value, 0n);
  }
}

export function encodeTxOut(o: TxOut): Uint8Array {
  const w = new Writer();
  w.u64(o.value).varBytes(o.script);
  return w.finish();
}

function decodeTxOut(v: Uint8Array, i: number): TxOut {
  const r = new Reader(v);
  const value = r.u64();
  const script = r.varBytes(10_000);
  if (r.remaining !== 0) throw bad(`input ${i}: witness UTXO has trailing bytes`);
  return new TxOut(value, script);
}

export function encodeWitness(stack: readonly Uint8Array[]): Uint8Array {
  const w = new Writer();
  w.varint(stack.length);
  for (const item of stack) w.varBytes(item);
  return w.finish();
}

export function decodeWitness(v: Uint8Array): Uint8Array[] {
  const r = new Reader(v);
  const n = r.count(10_000);
  const out: Uint8Array[] = [];
  for (let k = 0; k < n; k++) out.push(r.varBytes(10_000));
  r.end();
  return out;
}

/** The sighash type an input asks for; only SIGHASH_ALL is signed here. */
function sighashOf(m: PsbtMap, i: number): number {
  const v = m.get(IN.SIGHASH_TYPE);
  if (!v) return SIGHASH.ALL;
  const t = new Reader(v).u32();
  if (t !== SIGHASH.ALL)
    throw new WalletError(
      'BAD_INPUT',
      `input ${i} asks for sighash type ${t}; this wallet signs SIGHASH_ALL only`,
    );
  return t;
}

function isP2wpkhScript(s: Uint8Array): boolean {
  return s.length === 22 && s[0] === 0x00 && s[1] === 0x14;
}

function isP2trScript(s: Uint8Array): boolean {
  return s.length === 34 && s[0] === 0x51 && s[1] === 0x20;
}

/** The sighash type a taproot input asks for; only SIGHASH_DEFAULT is signed here. */
function taprootSighashOf(m: PsbtMap, i: number): number {
  const v = m.get(IN.SIGHASH_TYPE);
  const t = v ? new Reader(v).u32() : SIGHASH_DEFAULT;
  if (t !== SIGHASH_DEFAULT)
    throw new WalletError(
      'BAD_INPUT',
      `input ${i} asks for sighash type ${t}; this wallet signs taproot inputs with SIGHASH_DEFAULT only`,
    );
  return t;
}

/**
 * A private key for a public key, if this signer holds it: a 33-byte key of a P2WPKH input, or
 * the 32-byte x-only internal key of a P2TR input (BIP371), with its origin when the PSBT gives one.
 */
export type KeyLookup = (pubkey: Uint8Array, origin: KeyOrigin | null) => Uint8Array | undefined;

/** Every input's spent output, or null when one is unknown (BIP341 signs them all). */
function allSpent(psbt: Psbt): SpentOutput[] | null {
  const out: SpentOutput[] = [];
  for (let i = 0; i < psbt.inputs.length; i++) {
    const o = psbt.spent(i);
    if (!o) return null;
    out.push({ value: o.value, script: o.script });
  }
  return out;
}

/**
 * Key-path signature of a P2TR input whose internal key `lookup` finds (by its BIP371 origins),
 * when the output is that key's BIP86 output (no script tree; a Merkle root means a script
 * tree this wallet does not sign for). Returns whether it signed.
 */
function signTaprootInput(
  psbt: Psbt,
  i: number,
  pre: PrecomputedTx | null,
  spent: TxOut,
  lookup: KeyLookup,
): boolean {
  const m = psbt.inputs[i]!;
  if (!pre || m.get(IN.TAP_MERKLE_ROOT) || m.get(IN.TAP_KEY_SIG)) return false;
  const internal = m.get(IN.TAP_INTERNAL_KEY);
  for (const d of m.all(IN.TAP_BIP32_DERIVATION)) {
    if (internal && !equal(d.keyData, internal)) continue;
    const { leafHashes, origin } = decodeTapOrigin(d.value);
    if (leafHashes.length > 0) continue;
    const priv = lookup(d.keyData, origin);
    if (!priv) continue;
    if (!equal(bip86Script(publicKey(priv)), spent.script)) continue;
    const [sig] = signTaprootKeyPath(pre, i, priv, taprootSighashOf(m, i));
    m.set(IN.TAP_KEY_SIG, new Uint8Array(0), sig!);
    return true;
  }
  return false;
}

function isP2wshScript(s: Uint8Array): boolean {
  return s.length === 34 && s[0] === 0x00 && s[1] === 0x20;
}

/** A P2WSH input's witness script when it is a k-of-n CHECKMULTISIG matching the output. */
function multisigOf(
  m: PsbtMap,
  spent: TxOut,
  i: number,
): { ws: Uint8Array; k: number; keys: Uint8Array[] } | null {
  const ws = m.get(IN.WITNESS_SCRIPT);
  if (!ws) return null;
  if (!equal(p2wsh(sha256(ws)), spent.script))
    throw new WalletError(
      'BAD_PSBT',
      `invalid PSBT: input ${i}'s witness script does not hash to its output`,
    );
  const c = classifyOutput(ws);
  return c.type === 'multisig' ? { ws, k: c.m, keys: c.pubkeys } : null;
}

/**
 * A P2WSH multisig input: a signature (BIP143, over the witness script) for every key of the
 * script whose BIP32 derivation `lookup` resolves and that has not signed yet. An input that
 * already has its k signatures is not signed again: it goes to `redundant` when this signer
 * holds one of its keys.
 */
function signMultisigInput(
  psbt: Psbt,
  i: number,
  pre: PrecomputedTx,
  spent: TxOut,
  lookup: KeyLookup,
  redundant: number[],
): boolean {
  const m = psbt.inputs[i]!;
  const ms = multisigOf(m, spent, i);
  if (!ms) return false;
  const inScript = (pub: Uint8Array) => ms.keys.some((k) => equal(k, pub));
  const have = m.all(IN.PARTIAL_SIG).filter((s) => inScript(s.keyData)).length;
  const mine = m
    .all(IN.BIP32_DERIVATION)
    .filter((d) => inScript(d.keyData))
    .map((d) => ({ pub: d.keyData, priv: lookup(d.keyData, decodeOrigin(d.value)) }))
    .filter((x): x is { pub: Uint8Array; priv: Uint8Array } => x.priv !== undefined);
  if (mine.length === 0) return false;
  if (have >= ms.k) {
    redundant.push(i);
    return false;
  }
  const type = sighashOf(m, i);
  const digest = witnessV0Sighash(pre, i, ms.ws, spent.value, type);
  let signed = false;
  for (const { pub, priv } of mine) {
    if (m.get(IN.PARTIAL_SIG, pub)) continue;
    if (!equal(publicKey(priv), pub))
      throw new Error(`internal: key for input ${i} does not match its origin`);
    m.set(IN.PARTIAL_SIG, pub, Uint8Array.of(...signDigest(digest, priv), type));
    signed = true;
  }
  return signed;
}

/**
 * Signer: adds a partial signature to every unfinalized P2WPKH input whose key `lookup` finds
 * (by the input's BIP32 derivations, else by the witness UTXO's key hash), and a taproot key
 * signature to every key-path P2TR input whose internal key it finds (by its BIP371 origins;
 * only when every input's spent output is known, as BIP341 signs them all). Returns the inputs
 * signed; an input whose spent output is unknown is skipped.
 */
export function signPsbt(
  psbt: Psbt,
  lookup: KeyLookup,
  byHash: (hash20: Uint8Array) => Uint8Array | undefined,
  redundant: number[] = [],
): number[] {
  const everySpent = allSpent(psbt);
  const pre = new PrecomputedTx(psbt.tx, everySpent ?? undefined);
  const signed: number[] = [];
  psbt.inputs.forEach((m, i) => {
    if (psbt.isFinal(i)) return;
    const spent = psbt.spent(i);
    if (spent && isP2trScript(spent.script)) {
      if (signTaprootInput(psbt, i, everySpent ? pre : null, spent, lookup)) signed.push(i);
      return;
    }
    if (spent && isP2wshScript(spent.script)) {
      if (signMultisigInput(psbt, i, pre, spent, lookup, redundant)) signed.push(i);
      return;
    }
    if (!spent || !isP2wpkhScript(spent.script)) return;
    const hash = spent.script.subarray(2);
    let priv: Uint8Array | undefined;
    let pub: Uint8Array | undefined;
    for (const d of m.all(IN.BIP32_DERIVATION)) {
      if (!equal(hash160(d.keyData), hash)) continue;
      priv = lookup(d.keyData, decodeOrigin(d.value));
      if (priv) pub = d.keyData;
    }
    if (!priv) {
      priv = byHash(hash);
      if (priv) pub = undefined;
    }
    if (!priv) return;
    const type = sighashOf(m, i);
    const digest = witnessV0Sighash(pre, i, p2wpkhScriptCode(hash), spent.value, type);
    const sig = Uint8Array.of(...signDigest(digest, priv), type);
    pub ??= publicKey(priv);
    if (!equal(hash160(pub), hash)) throw new Error(`internal: key for input ${i} does not match its script`);
    m.set(IN.PARTIAL_SIG, pub, sig);
    signed.push(i);
  });
  return signed;
}

/** Combiner: the union of PSBTs of the same unsigned transaction. */
export function combinePsbts(list: readonly Psbt[]): Psbt {
  const [first, ...rest] = list;
  if (!first) throw new WalletError('BAD_INPUT', 'nothing to combine');
  const txid = first.tx.txidHex();
  const out = Psbt.fromBytes(first.toBytes());
  for (const p of rest) {
    if (p.tx.txidHex() !== txid)
      throw new WalletError(
        'BAD_INPUT',
        `PSBTs of different transactions (${txid}, ${p.tx.txidHex()}) cannot be combined`,
      );
    const merge = (dst: PsbtMap, src: PsbtMap) => {
      for (const pair of src.pairs) if (!dst.pairs.some((q) => equal(q.key, pair.key))) dst.pairs.push(pair);
    };
    merge(out.global, p.global);
    p.inputs.forEach((m, i) => {
      merge(out.inputs[i]!, m);
    });
    p.outputs.forEach((m, i) => {
      merge(out.outputs[i]!, m);
    });
  }
  return out;
}

/**
 * Finalizer for P2WPKH inputs: the witness [signature, pubkey] from the partial signature of
 * the key the output pays to; for P2TR inputs the witness [key-path signature] (BIP371). Then,
 * as BIP174 says, every field but the UTXOs and the final ones is cleared (BIP371's with them).
 * Returns the inputs still not final.
 */
export function finalizePsbt(psbt: Psbt): number[] {
  const missing: number[] = [];
  psbt.inputs.forEach((m, i) => {
    if (psbt.isFinal(i)) return;
    const spent = psbt.spent(i);
    if (!spent) {
      missing.push(i);
      return;
    }
    let witness: Uint8Array[] | null = null;
    if (isP2trScript(spent.script)) {
      const keySig = m.get(IN.TAP_KEY_SIG);
      if (keySig) witness = [keySig];
    } else if (isP2wpkhScript(spent.script)) {
      const sig = m.all(IN.PARTIAL_SIG).find((s) => equal(p2wpkh(hash160(s.keyData)), spent.script));
      if (sig) witness = [sig.value, sig.keyData];
    } else if (isP2wshScript(spent.script)) {
      // CHECKMULTISIG: an empty item for its extra pop, k signatures in the keys' script order.
      const ms = multisigOf(m, spent, i);
      if (ms) {
        const sigs = ms.keys
          .map((k) => m.get(IN.PARTIAL_SIG, k))
          .filter((s): s is Uint8Array => s !== undefined);
        if (sigs.length >= ms.k) witness = [new Uint8Array(0), ...sigs.slice(0, ms.k), ms.ws];
      }
    }
    if (!witness) {
      missing.push(i);
      return;
    }
    const kept = m.pairs.filter(
      (p) =>
        p.key[0] === IN.NON_WITNESS_UTXO ||
        p.key[0] === IN.WITNESS_UTXO ||
        (p.key[0]! > IN.FINAL_SCRIPTWITNESS && !TAP_INPUT_TYPES.includes(p.key[0]!)),
    );
    m.pairs.splice(0, m.pairs.length, ...kept);
    m.set(IN.FINAL_SCRIPTWITNESS, new Uint8Array(0), encodeWitness(witness));
  });
  return missing;
}

/**
 * Extractor: the signed transaction of a finalized PSBT, every input run through the script
 * interpreter (standard flags) against its spent output before it is handed out.
 */
export function extractPsbt(psbt: Psbt): Tx {
  const notFinal = psbt.inputs.map((_, i) => i).filter((i) => !psbt.isFinal(i));
  if (notFinal.length > 0)
    throw new WalletError('BAD_INPUT', `input(s) ${notFinal.join(', ')} not finalized`);
  const inputs = psbt.tx.inputs.map((input, i) => {
    const m = psbt.inputs[i]!;
    const sig = m.get(IN.FINAL_SCRIPTSIG) ?? new Uint8Array(0);
    const wit = m.get(IN.FINAL_SCRIPTWITNESS);
    return new TxIn(input.prevout, sig, input.sequence, wit ? decodeWitness(wit) : []);
  });
  const tx = new Tx({
    version: psbt.tx.version,
    inputs,
    outputs: psbt.tx.outputs,
    locktime: psbt.tx.locktime,
  });
  const spentAll = tx.inputs.map((_, i) => {
    const spent = psbt.spent(i);
    if (!spent) throw new WalletError('BAD_INPUT', `input ${i}: spent output unknown (no UTXO field)`);
    return spent;
  });
  // Every spent output, which a taproot input's signature check needs (BIP341).
  const pre = new PrecomputedTx(tx, spentAll);
  tx.inputs.forEach((input, i) => {
    const spent = spentAll[i]!;
    try {
      verifyScript(
        input.script,
        spent.script,
        input.witness,
        STANDARD_FLAGS,
        new TxSignatureChecker(pre, i, spent.value),
      );
    } catch (e) {
      throw new WalletError('VERIFY_FAILED', `input ${i} does not verify: ${(e as Error).message}`);
    }
  });
  return tx;
}
