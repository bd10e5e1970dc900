/**
 * Signature-operation counting as Core's CScript::GetSigOpCount, GetLegacySigOpCount,
 * GetP2SHSigOpCount and CountWitnessSigOps, combined into the BIP141 sigop cost
 * (legacy and P2SH x4, witness x1) that blocks limit to 80,000.
 */
import type { Tx } from '../tx.js';
import { FLAGS } from './flags.js';
import { decodeSmallInt, OP } from './opcodes.js';
import { isPushOnly, MAX_PUBKEYS_PER_MULTISIG, newStep, readOp } from './script.js';
import { isPayToScriptHash, witnessProgramOf } from './templates.js';

export const WITNESS_SCALE_FACTOR = 4;

export function countSigOps(script: Uint8Array, accurate: boolean): number {
  let n = 0;
  let last = OP.OP_INVALIDOPCODE as number;
  const step = newStep();
  let pc = 0;
  while (pc < script.length) {
    if (!readOp(script, pc, step)) break;
    pc = step.next;
    const op = step.op;
    if (op === OP.OP_CHECKSIG || op === OP.OP_CHECKSIGVERIFY) n++;
    else if (op === OP.OP_CHECKMULTISIG || op === OP.OP_CHECKMULTISIGVERIFY) {
      n += accurate && last >= OP.OP_1 && last <= OP.OP_16 ? decodeSmallInt(last) : MAX_PUBKEYS_PER_MULTISIG;
    }
    last = op;
  }
  return n;
}

/** The last push of a push-only scriptSig (empty for OP_N), or null when not push-only. */
function lastPush(scriptSig: Uint8Array): Uint8Array | null {
  const step = newStep();
  let pc = 0;
  let data: Uint8Array = new Uint8Array(0);
  while (pc < scriptSig.length) {
    if (!readOp(scriptSig, pc, step)) return null;
    if (step.op > OP.OP_16) return null;
    data = step.data ?? new Uint8Array(0);
    pc = step.next;
  }
  return data;
}

/** Sigops of the redeem script a scriptSig reveals for a P2SH output. */
export function p2shSigOps(scriptPubKey: Uint8Array, scriptSig: Uint8Array): number {
  if (!isPayToScriptHash(scriptPubKey)) return countSigOps(scriptPubKey, true);
  const redeem = lastPush(scriptSig);
  return redeem === null ? 0 : countSigOps(redeem, true);
}

function witnessSigOps(version: number, program: Uint8Array, witness: readonly Uint8Array[]): number {
  if (version === 0) {
    if (program.length === 20) return 1;
    if (program.length === 32 && witness.length > 0) return countSigOps(witness[witness.length - 1]!, true);
  }
  return 0;
}

export function countWitnessSigOps(
  scriptSig: Uint8Array,
  scriptPubKey: Uint8Array,
  witness: readonly Uint8Array[],
  flags: number,
): number {
  if (!(flags & FLAGS.WITNESS)) return 0;
  const wp = witnessProgramOf(scriptPubKey);
  if (wp) return witnessSigOps(wp.version, wp.program, witness);
  if (isPayToScriptHash(scriptPubKey) && isPushOnly(scriptSig)) {
    const redeem = lastPush(scriptSig);
    const inner = redeem ? witnessProgramOf(redeem) : null;
    if (inner) return witnessSigOps(inner.version, inner.program, witness);
  }
  return 0;
}

export function legacySigOps(tx: Tx): number {
  let n = 0;
  for (const i of tx.inputs) n += countSigOps(i.script, false);
  for (const o of tx.outputs) n += countSigOps(o.script, false);
  return n;
}

/**
 * GetTransactionSigOpCost. `prevScripts[i]` is the scriptPubKey spent by input i (unused for
 * a coinbase).
 */
export function txSigOpCost(tx: Tx, prevScripts: readonly Uint8Array[], flags: number): number {
  let cost = legacySigOps(tx) * WITNESS_SCALE_FACTOR;
  if (tx.isCoinbase()) return cost;
  if (flags & FLAGS.P2SH) {
    let p2sh = 0;
    tx.inputs.forEach((input, i) => {
      const spk = prevScripts[i]!;
      if (isPayToScriptHash(spk)) p2sh += p2shSigOps(spk, input.script);
    });
    cost += p2sh * WITNESS_SCALE_FACTOR;
  }
  tx.inputs.forEach((input, i) => {
    cost += countWitnessSigOps(input.script, prevScripts[i]!, input.witness, flags);
  });
  return cost;
}
