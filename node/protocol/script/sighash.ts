/**
 * Signature hashes. Legacy: Core's CTransactionSignatureSerializer with its quirks kept
 * (OP_CODESEPARATOR stripped from the script code, SIGHASH_SINGLE past the outputs signs the
 * number 1, NONE/SINGLE zero other inputs' sequences). Segwit v0: BIP143, with hashPrevouts,
 * hashSequence and hashOutputs computed once per transaction so hashing stays linear.
 */
import { equal } from '../bytes.js';
import { hash256, sha256 } from '../hash.js';
import type { Tx } from '../tx.js';
import { Writer } from '../writer.js';
import { OP } from './opcodes.js';
import { newStep, readOp } from './script.js';
import { SIGHASH } from './signature.js';

/** Core's SigVersion: which rules a script runs under and which sighash it signs. */
export const SigVersion = { BASE: 0, WITNESS_V0: 1, TAPROOT: 2, TAPSCRIPT: 3 } as const;
export type SigVersion = (typeof SigVersion)[keyof typeof SigVersion];

/** uint256 one, little-endian: what Core signs for SINGLE without a matching output. */
const ONE = (() => {
  const b = new Uint8Array(32);
  b[0] = 1;
  return b;
})();

/** Writes the script code with every OP_CODESEPARATOR removed, as Core's SerializeScriptCode. */
function writeScriptCode(w: Writer, script: Uint8Array): void {
  const step = newStep();
  let separators = 0;
  let pc = 0;
  while (readOp(script, pc, step)) {
    if (step.op === OP.OP_CODESEPARATOR) separators++;
    pc = step.next;
  }
  w.varint(script.length - separators);
  if (separators === 0) {
    // Core's iterator stops where a malformed push left it, not at the end of the script.
    w.bytes(script.subarray(0, step.next));
    return;
  }
  let begin = 0;
  pc = 0;
  while (readOp(script, pc, step)) {
    pc = step.next;
    if (step.op === OP.OP_CODESEPARATOR) {
      w.bytes(script.subarray(begin, pc - 1));
      begin = pc;
    }
  }
  pc = step.next;
  if (begin !== script.length) w.bytes(script.subarray(begin, pc));
}

export function legacySighash(
  tx: Tx,
  index: number,
  scriptCode: Uint8Array,
  hashType: number,
  scratch?: Writer,
): Uint8Array {
  if (index >= tx.inputs.length) return ONE;
  const base = hashType & 0x1f;
  const anyoneCanPay = (hashType & SIGHASH.ANYONECANPAY) !== 0;
  const single = base === SIGHASH.SINGLE;
  const none = base === SIGHASH.NONE;
  if (single && index >= tx.outputs.length) return ONE;

  const w = scratch ? scratch.reset() : new Writer(tx.strippedSize() + scriptCode.length + 16);
  w.i32(tx.version);
  const nInputs = anyoneCanPay ? 1 : tx.inputs.length;
  w.varint(nInputs);
  for (let k = 0; k < nInputs; k++) {
    const i = anyoneCanPay ? index : k;
    const input = tx.inputs[i]!;
    w.bytes(input.prevout.txid).u32(input.prevout.index);
    if (i !== index) w.u8(0);
    else writeScriptCode(w, scriptCode);
    w.u32(i !== index && (single || none) ? 0 : input.sequence);
  }
  const nOutputs = none ? 0 : single ? index + 1 : tx.outputs.length;
  w.varint(nOutputs);
  for (let o = 0; o < nOutputs; o++) {
    if (single && o !== index) w.i64(-1n).u8(0);
    else tx.outputs[o]!.write(w);
  }
  w.u32(tx.locktime);
  w.i32(hashType);
  return hash256(w.finish());
}

/** What an input spends: the previous output's value and script. */
export interface SpentOutput {
  readonly value: bigint;
  readonly script: Uint8Array;
}

/** BIP341's single-SHA256 hashes over all inputs and outputs (sighash-taproot.ts fills it). */
export interface Bip341Hashes {
  prevouts: Uint8Array;
  amounts: Uint8Array;
  scripts: Uint8Array;
  sequences: Uint8Array;
  outputs: Uint8Array;
}

/**
 * Core's PrecomputedTransactionData: BIP143's per-transaction hashes, computed on first use and
 * reused for every input, and, when the spent outputs are given (all of them, in input order),
 * what BIP341 signs of them. Without them a taproot signature check fails, as Core's does.
 */
export class PrecomputedTx {
  readonly tx: Tx;
  readonly spent: readonly SpentOutput[] | null;
  /** BIP341's hashes, set on the first taproot sighash. */
  bip341?: Bip341Hashes;
  private prevouts?: Uint8Array;
  private sequences?: Uint8Array;
  private outputs?: Uint8Array;
  /** Each input's last BIP143 sighash and what it was of (witnessV0SighashOf). */
  private v0Last?: (V0Sighash | undefined)[];
  /** Reused preimage buffer: sighashes are hashed synchronously, so one per tx suffices. */
  readonly scratch: Writer;

  constructor(tx: Tx, spent?: readonly SpentOutput[]) {
    this.tx = tx;
    this.spent = spent && spent.length === tx.inputs.length ? spent : null;
    this.scratch = new Writer(256);
  }

  /** The per-input memo of witnessV0SighashOf. */
  v0Memo(): (V0Sighash | undefined)[] {
    if (!this.v0Last) this.v0Last = new Array(this.tx.inputs.length);
    return this.v0Last;
  }

  hashPrevouts(): Uint8Array {
    if (!this.prevouts) {
      const w = new Writer(36 * this.tx.inputs.length);
      for (const i of this.tx.inputs) w.bytes(i.prevout.txid).u32(i.prevout.index);
      this.prevouts = hash256(w.finish());
    }
    return this.prevouts;
  }

  hashSequence(): Uint8Array {
    if (!this.sequences) {
      const w = new Writer(4 * this.tx.inputs.length);
      for (const i of this.tx.inputs) w.u32(i.sequence);
      this.sequences = hash256(w.finish());
    }
    return this.sequences;
  }

  hashOutputs(): Uint8Array {
    if (!this.outputs) {
      let size = 0;
      for (const o of this.tx.outputs) size += o.size();
      const w = new Writer(size);
      for (const o of this.tx.outputs) o.write(w);
      this.outputs = hash256(w.finish());
    }
    return this.outputs;
  }
}

interface V0Sighash {
  readonly scriptCode: Uint8Array;
  readonly amount: bigint;
  readonly hashType: number;
  readonly hash: Uint8Array;
}

/**
 * witnessV0Sighash through `pre`'s memo: the same input, script code, amount and hash type
 * give the hash computed last time. The mempool runs a tx's scripts twice (standard, then the
 * next block's flags) on one PrecomputedTx, so the second run hashes nothing again. The memo
 * holds a copy of the script code, so a caller's later change to its bytes cannot match.
 */
export function witnessV0SighashOf(
  pre: PrecomputedTx,
  index: number,
  scriptCode: Uint8Array,
  amount: bigint,
  hashType: number,
): Uint8Array {
  const last = pre.v0Memo()[index];
  if (last && last.hashType === hashType && equal(last.scriptCode, scriptCode) && last.amount === amount)
    return last.hash;
  const hash = witnessV0Sighash(pre, index, scriptCode, amount, hashType);
  pre.v0Memo()[index] = { scriptCode: scriptCode.slice(), amount, hashType, hash };
  return hash;
}

const ZERO32 = new Uint8Array(32);

export function witnessV0Sighash(
  pre: PrecomputedTx,
  index: number,
  scriptCode: Uint8Array,
  amount: bigint,
  hashType: number,
): Uint8Array {
  const tx = pre.tx;
  const input = tx.inputs[index]!;
  const base = hashType & 0x1f;
  const anyoneCanPay = (hashType & SIGHASH.ANYONECANPAY) !== 0;
  const hashPrevouts: Uint8Array = anyoneCanPay ? ZERO32 : pre.hashPrevouts();
  const hashSequence: Uint8Array =
    anyoneCanPay || base === SIGHASH.SINGLE || base === SIGHASH.NONE ? ZERO32 : pre.hashSequence();
  let hashOutputs: Uint8Array = ZERO32;
  if (base !== SIGHASH.SINGLE && base !== SIGHASH.NONE) {
    hashOutputs = pre.hashOutputs();
  } else if (base === SIGHASH.SINGLE && index < tx.outputs.length) {
    const w = pre.scratch.reset();
    tx.outputs[index]!.write(w);
    hashOutputs = hash256(w.finish());
  }
  const w = pre.scratch.reset();
  w.i32(tx.version).bytes(hashPrevouts).bytes(hashSequence);
  w.bytes(input.prevout.txid).u32(input.prevout.index);
  w.varBytes(scriptCode);
  w.i64(amount).u32(input.sequence).bytes(hashOutputs).u32(tx.locktime).i32(hashType);
  return sha256(sha256(w.finish()));
}
