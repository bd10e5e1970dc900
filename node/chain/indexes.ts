/**
 * The database writes that connecting or disconnecting one block implies, beyond the block
 * itself: UTXO set, tx index, spender index and the address (scripthash) indexes with their
 * running totals. Built symmetrically from the block and its undo data, so a disconnect removes
 * exactly what the connect added. Totals are returned as deltas; the caller adds them to the
 * stored totals inside the same batch.
 */

import { isUnspendable } from '../consensus/block-connect.js';
import type { Coin } from '../consensus/tx-inputs.js';
import type { Block } from '../protocol/block.js';
import { toHex } from '../protocol/bytes.js';
import { sha256 } from '../protocol/hash.js';
import { HEADER_SIZE } from '../protocol/header.js';
import { varintSize, Writer } from '../protocol/writer.js';
import { encodeCoin } from './coins.js';
import { keys } from './layout.js';

export type BatchOp = { type: 'put'; key: Uint8Array; value: Uint8Array } | { type: 'del'; key: Uint8Array };

export interface AddressTotals {
  fundedCount: number;
  fundedSum: bigint;
  spentCount: number;
  spentSum: bigint;
  txCount: number;
}

export function emptyTotals(): AddressTotals {
  return { fundedCount: 0, fundedSum: 0n, spentCount: 0, spentSum: 0n, txCount: 0 };
}

export function encodeTotals(t: AddressTotals): Uint8Array {
  return new Writer(32)
    .u32(t.fundedCount)
    .u64(t.fundedSum)
    .u32(t.spentCount)
    .u64(t.spentSum)
    .u32(t.txCount)
    .finish()
    .slice();
}

export function decodeTotals(b: Uint8Array): AddressTotals {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return {
    fundedCount: v.getUint32(0, true),
    fundedSum: v.getBigUint64(4, true),
    spentCount: v.getUint32(12, true),
    spentSum: v.getBigUint64(16, true),
    txCount: v.getUint32(24, true),
  };
}

export interface ScriptDelta {
  sh: Uint8Array;
  totals: AddressTotals;
}

/** Signed sum of deltas per scripthash (hex key). */
type Deltas = Map<string, ScriptDelta>;

function delta(deltas: Deltas, script: Uint8Array): ScriptDelta {
  const sh = sha256(script);
  const k = toHex(sh);
  let d = deltas.get(k);
  if (!d) {
    d = { sh, totals: emptyTotals() };
    deltas.set(k, d);
  }
  return d;
}

function u32(n: number): Uint8Array {
  return Uint8Array.of(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24);
}

function utxoValue(value: bigint, height: number): Uint8Array {
  return new Writer(12).u64(value).u32(height).finish().slice();
}

/**
 * Ops for one block. `sign` is +1 to connect, -1 to disconnect; `spent[t-1]` are the coins
 * spent by tx t. Ops are ordered so that an output created and spent in the same block ends
 * up deleted (LevelDB applies a batch in order).
 */
export function blockIndexOps(
  block: Block,
  height: number,
  spent: readonly (readonly Coin[])[],
  sign: 1 | -1,
): { ops: BatchOp[]; deltas: Deltas } {
  const ops: BatchOp[] = [];
  const deltas: Deltas = new Map();
  const connect = sign === 1;
  const blockHash = block.hash();
  let offset = HEADER_SIZE + varintSize(block.txs.length);
  const txs = block.txs;
  // Disconnect walks the block backwards so restored coins are not deleted by earlier txs.
  const order = connect ? txs.map((_, i) => i) : txs.map((_, i) => txs.length - 1 - i);
  const offsets: number[] = [];
  for (const tx of txs) {
    offsets.push(offset);
    offset += tx.size();
  }
  for (const t of order) {
    const tx = txs[t]!;
    const txid = tx.txid();
    const touched = new Map<string, Uint8Array>();
    // Outputs.
    tx.outputs.forEach((out, vout) => {
      const d = delta(deltas, out.script);
      touched.set(toHex(d.sh), d.sh);
      d.totals.fundedCount += sign;
      d.totals.fundedSum += BigInt(sign) * out.value;
      if (isUnspendable(out.script)) return;
      if (connect) {
        const coin: Coin = { value: out.value, script: out.script, height, coinbase: t === 0 };
        ops.push({ type: 'put', key: keys.coin(txid, vout), value: encodeCoin(coin) });
        ops.push({ type: 'put', key: keys.addrUtxo(d.sh, txid, vout), value: utxoValue(out.value, height) });
      } else {
        ops.push({ type: 'del', key: keys.coin(txid, vout) });
        ops.push({ type: 'del', key: keys.addrUtxo(d.sh, txid, vout) });
      }
    });
    // Inputs.
    if (t > 0) {
      const coins = spent[t - 1]!;
      tx.inputs.forEach((input, vin) => {
        const coin = coins[vin]!;
        const { txid: ptxid, index } = input.prevout;
        const d = delta(deltas, coin.script);
        touched.set(toHex(d.sh), d.sh);
        d.totals.spentCount += sign;
        d.totals.spentSum += BigInt(sign) * coin.value;
        if (connect) {
          ops.push({ type: 'del', key: keys.coin(ptxid, index) });
          ops.push({ type: 'del', key: keys.addrUtxo(d.sh, ptxid, index) });
          const spender = new Uint8Array(36);
          spender.set(txid);
          spender.set(u32(vin), 32);
          ops.push({ type: 'put', key: keys.spender(ptxid, index), value: spender });
        } else {
          ops.push({ type: 'put', key: keys.coin(ptxid, index), value: encodeCoin(coin) });
          ops.push({
            type: 'put',
            key: keys.addrUtxo(d.sh, ptxid, index),
            value: utxoValue(coin.value, coin.height),
          });
          ops.push({ type: 'del', key: keys.spender(ptxid, index) });
        }
      });
    }
    // Tx index and address history (once per script the tx touches).
    if (connect) {
      const loc = new Writer(44).bytes(blockHash).u32(t).u32(offsets[t]!).u32(tx.size()).finish().slice();
      ops.push({ type: 'put', key: keys.tx(txid), value: loc });
    } else {
      ops.push({ type: 'del', key: keys.tx(txid) });
    }
    for (const sh of touched.values()) {
      deltas.get(toHex(sh))!.totals.txCount += sign;
      const k = keys.addrHistory(sh, height, t);
      ops.push(connect ? { type: 'put', key: k, value: txid } : { type: 'del', key: k });
    }
  }
  return { ops, deltas };
}

export function addTotals(a: AddressTotals, b: AddressTotals): AddressTotals {
  return {
    fundedCount: a.fundedCount + b.fundedCount,
    fundedSum: a.fundedSum + b.fundedSum,
    spentCount: a.spentCount + b.spentCount,
    spentSum: a.spentSum + b.spentSum,
    txCount: a.txCount + b.txCount,
  };
}
