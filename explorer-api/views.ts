/**
 * Esplora's JSON shapes (Blockstream electrs, src/rest.rs: BlockValue, TransactionValue,
 * TxInValue, TxOutValue, TransactionStatus, SpendingValue, UtxoValue), built from our protocol
 * objects. Amounts are satoshis as JSON numbers; hashes are display hex; scripts are hex with
 * their asm in rust-bitcoin's format (asm.ts).
 */
import type { BlockEntry } from '../node/api.js';
import { encodeAddress } from '../node/protocol/address.js';
import { toHex } from '../node/protocol/bytes.js';
import { hashToDisplay } from '../node/protocol/hash.js';
import type { NetworkParams } from '../node/protocol/params.js';
import { difficultyFromBits } from '../node/protocol/pow.js';
import { newStep, readOp } from '../node/protocol/script/script.js';
import { classifyOutput, isPayToScriptHash } from '../node/protocol/script/templates.js';
import type { Tx, TxIn, TxOut } from '../node/protocol/tx.js';
import { esploraAsm } from './asm.js';

export interface TxStatus {
  confirmed: boolean;
  block_height?: number;
  block_hash?: string;
  block_time?: number;
}

export const UNCONFIRMED: TxStatus = Object.freeze({ confirmed: false });

export function statusOf(block: BlockEntry | undefined): TxStatus {
  if (!block) return UNCONFIRMED;
  return {
    confirmed: true,
    block_height: block.height,
    block_hash: block.hashHex,
    block_time: block.header.time,
  };
}

export interface BlockSizes {
  txCount: number;
  size: number;
  weight: number;
}

export function blockJson(e: BlockEntry, sizes: BlockSizes) {
  const h = e.header;
  return {
    id: e.hashHex,
    height: e.height,
    version: h.version >>> 0,
    timestamp: h.time,
    tx_count: sizes.txCount,
    size: sizes.size,
    weight: sizes.weight,
    merkle_root: hashToDisplay(h.merkleRoot),
    previousblockhash: e.prev ? e.prev.hashHex : null,
    mediantime: e.medianTimePast(),
    nonce: h.nonce,
    bits: h.bits >>> 0,
    difficulty: difficultyFromBits(h.bits),
  };
}

/** electrs' TxOutValue type names, tested in its order. */
export function scriptType(script: Uint8Array): string {
  if (script.length === 0) return 'empty';
  if (script[0] === 0x6a) return 'op_return';
  if (
    (script.length === 35 && script[0] === 33 && script[34] === 0xac) ||
    (script.length === 67 && script[0] === 65 && script[66] === 0xac)
  )
    return 'p2pk';
  switch (classifyOutput(script).type) {
    case 'p2pkh':
      return 'p2pkh';
    case 'p2sh':
      return 'p2sh';
    case 'p2wpkh':
      return 'v0_p2wpkh';
    case 'p2wsh':
      return 'v0_p2wsh';
    case 'p2tr':
      return 'v1_p2tr';
    default:
      return 'unknown';
  }
}

export interface VoutJson {
  scriptpubkey: string;
  scriptpubkey_asm: string;
  scriptpubkey_type: string;
  scriptpubkey_address?: string;
  value: number;
}

export function voutJson(o: TxOut, params: NetworkParams): VoutJson {
  const address = encodeAddress(o.script, params.address);
  const out: VoutJson = {
    scriptpubkey: toHex(o.script),
    scriptpubkey_asm: esploraAsm(o.script),
    scriptpubkey_type: scriptType(o.script),
    value: Number(o.value),
  };
  if (address) out.scriptpubkey_address = address;
  return out;
}

/** The last push of a scriptSig (a P2SH redeem script), as electrs' get_innerscripts. */
function lastPush(script: Uint8Array): Uint8Array | null {
  const step = newStep();
  let pc = 0;
  let last: Uint8Array | null = null;
  while (pc < script.length) {
    if (!readOp(script, pc, step)) return null;
    last = step.data;
    pc = step.next;
  }
  return last;
}

function vinJson(i: TxIn, coinbase: boolean, prevout: TxOut | undefined, params: NetworkParams) {
  const out: Record<string, unknown> = {
    txid: hashToDisplay(i.prevout.txid),
    vout: i.prevout.index,
    prevout: prevout ? voutJson(prevout, params) : null,
    scriptsig: toHex(i.script),
    scriptsig_asm: esploraAsm(i.script),
  };
  if (i.witness.length > 0) out.witness = i.witness.map(toHex);
  out.is_coinbase = coinbase;
  out.sequence = i.sequence >>> 0;
  if (prevout) {
    const redeem = isPayToScriptHash(prevout.script) ? lastPush(i.script) : null;
    if (redeem) out.inner_redeemscript_asm = esploraAsm(redeem);
    const p2wsh = (s: Uint8Array | null) => s !== null && classifyOutput(s).type === 'p2wsh';
    if ((p2wsh(prevout.script) || p2wsh(redeem)) && i.witness.length > 0)
      out.inner_witnessscript_asm = esploraAsm(i.witness[i.witness.length - 1]!);
  }
  return out;
}

/** Fee in satoshis: inputs minus outputs, 0 for a coinbase or when a prevout is unknown. */
export function feeOf(tx: Tx, prevouts: readonly ({ value: bigint } | undefined)[]): bigint {
  if (tx.isCoinbase()) return 0n;
  let fee = 0n;
  for (let k = 0; k < tx.inputs.length; k++) {
    const p = prevouts[k];
    if (!p) return 0n;
    fee += p.value;
  }
  for (const o of tx.outputs) fee -= o.value;
  return fee;
}

export function txJson(
  tx: Tx,
  prevouts: readonly (TxOut | undefined)[],
  status: TxStatus,
  params: NetworkParams,
) {
  const coinbase = tx.isCoinbase();
  return {
    txid: tx.txidHex(),
    version: tx.version >>> 0,
    locktime: tx.locktime >>> 0,
    vin: tx.inputs.map((i, k) => vinJson(i, coinbase, coinbase ? undefined : prevouts[k], params)),
    vout: tx.outputs.map((o) => voutJson(o, params)),
    size: tx.size(),
    weight: tx.weight(),
    fee: Number(feeOf(tx, prevouts)),
    status,
  };
}

export type TxJson = ReturnType<typeof txJson>;
