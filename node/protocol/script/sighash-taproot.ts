/**
 * BIP341's signature hash (Core's SignatureHashSchnorr, interpreter.cpp) for key-path spends
 * and, with BIP342's extension (leaf hash, key version, last OP_CODESEPARATOR position), for
 * tapscript. It commits to the amounts and scripts of every spent output, so it needs them all
 * (PrecomputedTx's `spent`). Returns null where Core returns false: an undefined hash type, or
 * SIGHASH_SINGLE without an output at the input's index.
 */
import { sha256 } from '../hash.js';
import { Writer } from '../writer.js';
import type { Bip341Hashes, PrecomputedTx } from './sighash.js';
import { SigVersion } from './sighash.js';
import { taggedHash } from './taproot.js';

export const SIGHASH_DEFAULT = 0;

/** What BIP341/342 signs besides the transaction (Core's ScriptExecutionData). */
export interface TaprootExecData {
  /** SHA256 of the annex with its compact-size length, when the witness carries one. */
  annexHash: Uint8Array | null;
  /** Tapscript only: the leaf hash, and the opcode position of the last OP_CODESEPARATOR. */
  tapleafHash?: Uint8Array;
  codeSeparatorPos: number;
  /** Tapscript only: the remaining validation-weight budget (BIP342). */
  validationWeightLeft: number;
}

export function bip341Hashes(pre: PrecomputedTx): Bip341Hashes {
  if (pre.bip341) return pre.bip341;
  const tx = pre.tx;
  const spent = pre.spent!;
  const p = new Writer(36 * tx.inputs.length);
  const q = new Writer(4 * tx.inputs.length);
  const a = new Writer(8 * tx.inputs.length);
  const s = new Writer(64);
  for (const i of tx.inputs) {
    p.bytes(i.prevout.txid).u32(i.prevout.index);
    q.u32(i.sequence);
  }
  for (const o of spent) {
    a.i64(o.value);
    s.varBytes(o.script);
  }
  const out = new Writer(64);
  for (const o of tx.outputs) o.write(out);
  pre.bip341 = {
    prevouts: sha256(p.finish()),
    amounts: sha256(a.finish()),
    scripts: sha256(s.finish()),
    sequences: sha256(q.finish()),
    outputs: sha256(out.finish()),
  };
  return pre.bip341;
}

/** True for hash types BIP341 defines: 0x00-0x03 and 0x81-0x83. */
export function isValidTaprootHashType(hashType: number): boolean {
  return hashType <= 0x03 || (hashType >= 0x81 && hashType <= 0x83);
}

/** The signature hash: TapSighash of the message below. */
export function taprootSighash(
  pre: PrecomputedTx,
  index: number,
  hashType: number,
  sigversion: SigVersion,
  exec: TaprootExecData,
): Uint8Array | null {
  const msg = taprootSigMsg(pre, index, hashType, sigversion, exec);
  return msg === null ? null : taggedHash('TapSighash', msg);
}

/** The epoch byte 0x00, then BIP341's SigMsg (with BIP342's extension for tapscript). */
export function taprootSigMsg(
  pre: PrecomputedTx,
  index: number,
  hashType: number,
  sigversion: SigVersion,
  exec: TaprootExecData,
): Uint8Array | null {
  const tx = pre.tx;
  if (pre.spent === null || index >= tx.inputs.length) return null;
  if (!isValidTaprootHashType(hashType)) return null;
  const outputType = hashType === SIGHASH_DEFAULT ? 1 : hashType & 3;
  const anyoneCanPay = (hashType & 0x80) !== 0;
  const w = new Writer(256);
  w.u8(0).u8(hashType);
  w.i32(tx.version).u32(tx.locktime);
  if (!anyoneCanPay) {
    const h = bip341Hashes(pre);
    w.bytes(h.prevouts).bytes(h.amounts).bytes(h.scripts).bytes(h.sequences);
  }
  if (outputType === 1) w.bytes(bip341Hashes(pre).outputs);
  const extFlag = sigversion === SigVersion.TAPSCRIPT ? 1 : 0;
  w.u8((extFlag << 1) + (exec.annexHash ? 1 : 0));
  const input = tx.inputs[index]!;
  if (anyoneCanPay) {
    const prev = pre.spent[index]!;
    w.bytes(input.prevout.txid).u32(input.prevout.index);
    w.i64(prev.value).varBytes(prev.script);
    w.u32(input.sequence);
  } else {
    w.u32(index);
  }
  if (exec.annexHash) w.bytes(exec.annexHash);
  if (outputType === 3) {
    if (index >= tx.outputs.length) return null;
    const o = new Writer(64);
    tx.outputs[index]!.write(o);
    w.bytes(sha256(o.finish()));
  }
  if (sigversion === SigVersion.TAPSCRIPT) {
    w.bytes(exec.tapleafHash!)
      .u8(0)
      .u32(exec.codeSeparatorPos >>> 0);
  }
  return w.finish();
}
