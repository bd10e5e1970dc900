/**
 * Transactions in Bitcoin's serialization: legacy and BIP144 (segwit marker 0x00, flag 0x01,
 * witness stacks after the outputs). txid hashes the stripped form, wtxid the full form (BIP141).
 * Parsing mirrors Core's UnserializeTransaction, including the empty-vin/flag ambiguity and the
 * "superfluous witness record" rejection.
 */
import { EncodingError } from './errors.js';
import { hash256, hashToDisplay, sha256, sha256Parts } from './hash.js';
import type { Txid, Wtxid } from './ids.js';
import { Reader } from './reader.js';
import { varintSize, Writer } from './writer.js';

/** Large enough for any tx inside a 4,000,000-weight block; counts are checked before allocation. */
export const MAX_TX_SERIALIZED = 4_000_000;
const MIN_INPUT_SIZE = 41;
const MIN_OUTPUT_SIZE = 9;

/** Scratch for OutPoint.key(); Buffer for its native hex encoder. */
const KEY_SCRATCH = Buffer.alloc(32);

export class OutPoint {
  /** Internal byte order; a txid by definition, whoever built the outpoint. */
  readonly txid: Txid;
  readonly index: number;
  /** key(), made once: views look outpoints up several times per block. */
  #key: string | undefined;
  constructor(txid: Uint8Array, index: number) {
    this.txid = txid as Txid;
    this.index = index;
  }
  isNull(): boolean {
    return this.index === 0xffffffff && this.txid.every((b) => b === 0);
  }
  /** Map key: display txid and index. */
  key(): string {
    if (this.#key === undefined) {
      // hashToDisplay(txid), in one native hex conversion of the reversed bytes.
      for (let i = 0; i < 32; i++) KEY_SCRATCH[i] = this.txid[31 - i]!;
      this.#key = `${KEY_SCRATCH.toString('hex', 0, 32)}:${this.index}`;
    }
    return this.#key;
  }
  static null(): OutPoint {
    return new OutPoint(new Uint8Array(32), 0xffffffff);
  }
}

export class TxIn {
  readonly prevout: OutPoint;
  readonly script: Uint8Array;
  readonly sequence: number;
  readonly witness: readonly Uint8Array[];
  constructor(
    prevout: OutPoint,
    script: Uint8Array,
    sequence = 0xffffffff,
    witness: readonly Uint8Array[] = [],
  ) {
    this.prevout = prevout;
    this.script = script;
    this.sequence = sequence;
    this.witness = witness;
  }
}

export class TxOut {
  readonly value: bigint;
  readonly script: Uint8Array;
  constructor(value: bigint, script: Uint8Array) {
    this.value = value;
    this.script = script;
  }
  size(): number {
    return 8 + varintSize(this.script.length) + this.script.length;
  }
  write(w: Writer): void {
    w.i64(this.value).varBytes(this.script);
  }
}

export interface TxFields {
  version: number;
  inputs: readonly TxIn[];
  outputs: readonly TxOut[];
  locktime: number;
}

export class Tx {
  readonly version: number;
  readonly inputs: readonly TxIn[];
  readonly outputs: readonly TxOut[];
  readonly locktime: number;
  private cache: { txid?: Txid; wtxid?: Wtxid; size?: number; stripped?: number } = {};

  constructor(f: TxFields) {
    this.version = f.version;
    this.inputs = f.inputs;
    this.outputs = f.outputs;
    this.locktime = f.locktime;
  }

  hasWitness(): boolean {
    for (const i of this.inputs) if (i.witness.length > 0) return true;
    return false;
  }

  isCoinbase(): boolean {
    return this.inputs.length === 1 && this.inputs[0]!.prevout.isNull();
  }

  /** txid in internal byte order. */
  txid(): Txid {
    this.cache.txid ??= hash256(this.toBytes(false)) as Txid;
    return this.cache.txid;
  }

  /** Without witness data the wtxid is the txid (BIP141). */
  wtxid(): Wtxid {
    if (!this.hasWitness()) return this.txid() as Uint8Array as Wtxid;
    this.cache.wtxid ??= hash256(this.toBytes(true)) as Wtxid;
    return this.cache.wtxid;
  }

  txidHex(): string {
    return hashToDisplay(this.txid());
  }

  wtxidHex(): string {
    return hashToDisplay(this.wtxid());
  }

  /** Serialized size with witness (what goes on the wire). */
  size(): number {
    this.cache.size ??= this.computeSize(this.hasWitness());
    return this.cache.size;
  }

  strippedSize(): number {
    this.cache.stripped ??= this.computeSize(false);
    return this.cache.stripped;
  }

  weight(): number {
    return this.strippedSize() * 3 + this.size();
  }

  vsize(): number {
    return Math.ceil(this.weight() / 4);
  }

  private computeSize(witness: boolean): number {
    let n = 8 + varintSize(this.inputs.length) + varintSize(this.outputs.length);
    for (const i of this.inputs) n += 40 + varintSize(i.script.length) + i.script.length;
    for (const o of this.outputs) n += o.size();
    if (witness) {
      n += 2;
      for (const i of this.inputs) {
        n += varintSize(i.witness.length);
        for (const item of i.witness) n += varintSize(item.length) + item.length;
      }
    }
    return n;
  }

  write(w: Writer, witness = true): void {
    const segwit = witness && this.hasWitness();
    w.i32(this.version);
    if (segwit) w.u8(0).u8(1);
    w.varint(this.inputs.length);
    for (const i of this.inputs) {
      w.bytes(i.prevout.txid).u32(i.prevout.index).varBytes(i.script).u32(i.sequence);
    }
    w.varint(this.outputs.length);
    for (const o of this.outputs) o.write(w);
    if (segwit) {
      for (const i of this.inputs) {
        w.varint(i.witness.length);
        for (const item of i.witness) w.varBytes(item);
      }
    }
    w.u32(this.locktime);
  }

  toBytes(witness = true): Uint8Array {
    const w = new Writer(witness ? this.size() : this.strippedSize());
    this.write(w, witness);
    return w.finish();
  }

  /**
   * Reads one transaction; hashes are computed from the input bytes without re-serializing.
   * `hashes` false skips them, for a reader that never asks (the script workers check a tx
   * whose txid the connecting thread computed already); txid() would then serialize to hash.
   */
  static read(r: Reader, hashes = true): Tx {
    const start = r.offset;
    const version = r.i32();
    let inputs = readInputs(r);
    let outputs: TxOut[] = [];
    let flags = 0;
    let bodyStart = start + 4;
    if (inputs.length === 0) {
      flags = r.u8();
      if (flags !== 0) {
        bodyStart = r.offset;
        inputs = readInputs(r);
        outputs = readOutputs(r);
      }
    } else {
      outputs = readOutputs(r);
    }
    const bodyEnd = r.offset;
    let witnessed = false;
    if (flags & 1) {
      flags ^= 1;
      const withWitness: TxIn[] = [];
      for (const input of inputs) {
        const n = r.count(MAX_TX_SERIALIZED, 1);
        const stack: Uint8Array[] = new Array(n);
        for (let k = 0; k < n; k++) stack[k] = r.varBytes(MAX_TX_SERIALIZED);
        if (n > 0) witnessed = true;
        withWitness.push(n > 0 ? new TxIn(input.prevout, input.script, input.sequence, stack) : input);
      }
      if (!witnessed) throw new EncodingError('SUPERFLUOUS_WITNESS', 'superfluous witness record');
      inputs = withWitness;
    }
    if (flags) throw new EncodingError('BAD_WITNESS_FLAG', 'unknown transaction optional data');
    const locktimeAt = r.offset;
    const locktime = r.u32();
    const tx = new Tx({ version, inputs, outputs, locktime });
    if (!hashes) return tx;
    const raw = r.data;
    const full = raw.subarray(start, r.offset);
    if (witnessed) {
      tx.cache.size = full.length;
      tx.cache.wtxid = hash256(full) as Wtxid;
      const stripped = sha256Parts(
        raw.subarray(start, start + 4),
        raw.subarray(bodyStart, bodyEnd),
        raw.subarray(locktimeAt, r.offset),
      );
      tx.cache.txid = sha256(stripped) as Txid;
      tx.cache.stripped = 4 + (bodyEnd - bodyStart) + 4;
    } else {
      tx.cache.size = tx.cache.stripped = full.length;
      tx.cache.txid = hash256(full) as Txid;
    }
    return tx;
  }

  static fromBytes(data: Uint8Array): Tx {
    const r = new Reader(data);
    const tx = Tx.read(r);
    r.end();
    return tx;
  }
}

function readInputs(r: Reader): TxIn[] {
  const n = r.count(MAX_TX_SERIALIZED, MIN_INPUT_SIZE);
  const out: TxIn[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const txid = r.hash();
    const index = r.u32();
    const script = r.varBytes(MAX_TX_SERIALIZED);
    const sequence = r.u32();
    out[i] = new TxIn(new OutPoint(txid, index), script, sequence);
  }
  return out;
}

function readOutputs(r: Reader): TxOut[] {
  const n = r.count(MAX_TX_SERIALIZED, MIN_OUTPUT_SIZE);
  const out: TxOut[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const value = r.i64();
    out[i] = new TxOut(value, r.varBytes(MAX_TX_SERIALIZED));
  }
  return out;
}
