/**
 * The database writes that connecting or disconnecting one block implies, beyond the block
 * itself: UTXO set, tx index, spender index and the address (scripthash) indexes with their
 * running totals. Built symmetrically from the block and its undo data, so a disconnect removes
 * exactly what the connect added. Totals are returned as deltas; the caller adds them to the
 * stored totals inside the same batch.
 *
 * The address-search keys (electrs' `--address-search` rows, `a<address>` there): with the
 * setting on, each address an output of the block pays gets a key under its text, so GET
 * /address-prefix is one ordered key range. Off by default, as in electrs: encoding an address
 * costs a hash256 and a base58 conversion per P2PKH/P2SH output, tens of microseconds per
 * output on a loaded machine, which every block connect would pay.
 */

import { isUnspendable } from '../consensus/block-connect.js';
import type { Coin } from '../consensus/tx-inputs.js';
import { type AddressParams, encodeAddress } from '../protocol/address.js';
import type { Block } from '../protocol/block.js';
import { sha256 } from '../protocol/hash.js';
import { HEADER_SIZE } from '../protocol/header.js';
import { varintSize, Writer } from '../protocol/writer.js';
import { encodeCoin, putU32 } from './coins.js';
import { keys } from './layout.js';

export type BatchOp = { type: 'put'; key: Uint8Array; value: Uint8Array } | { type: 'del'; key: Uint8Array };

/** Where ops go, in order (a store batch, store.ts). */
export interface BatchSink {
  put(key: Uint8Array, value: Uint8Array): void;
  del(key: Uint8Array): void;
}

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

/** Signed sum of deltas per scripthash (keyed by shKey). */
export type Deltas = Map<string, ScriptDelta>;

/** A scripthash as a map key: its bytes as a binary string (cheaper than hex). */
export function shKey(sh: Uint8Array): string {
  return String.fromCharCode.apply(null, sh as unknown as number[]);
}

function delta(deltas: Deltas, script: Uint8Array): ScriptDelta {
  const sh = sha256(script);
  const k = shKey(sh);
  let d = deltas.get(k);
  if (!d) {
    d = { sh, totals: emptyTotals() };
    deltas.set(k, d);
  }
  return d;
}

function utxoValue(value: bigint, height: number): Uint8Array {
  const out = new Uint8Array(12);
  putU32(out, 0, Number(value & 0xffffffffn));
  putU32(out, 4, Number(value >> 32n));
  putU32(out, 8, height);
  return out;
}

/**
 * Writes one block's ops to `out` and returns the address-total deltas. `sign` is +1 to
 * connect, -1 to disconnect; `spent[t-1]` are the coins spent by tx t. Ops are ordered so that
 * an output created and spent in the same block ends up deleted (LevelDB applies a batch in
 * order). With `withCoins` false the UTXO set's own keys (c) are left out: a coin view
 * (coin-view.ts) holds those changes and writes them later.
 */
export function blockIndexOps(
  out: BatchSink,
  block: Block,
  height: number,
  spent: readonly (readonly Coin[])[],
  sign: 1 | -1,
  withCoins = true,
): Deltas {
  const deltas: Deltas = new Map();
  const connect = sign === 1;
  const blockHash = block.hash();
  const txs = block.txs;
  const offsets: number[] = new Array(txs.length);
  let offset = HEADER_SIZE + varintSize(txs.length);
  for (let t = 0; t < txs.length; t++) {
    offsets[t] = offset;
    offset += txs[t]!.size();
  }
  const touched = new Set<ScriptDelta>();
  // Disconnect walks the block backwards so restored coins are not deleted by earlier txs.
  for (let n = 0; n < txs.length; n++) {
    const t = connect ? n : txs.length - 1 - n;
    const tx = txs[t]!;
    const txid = tx.txid();
    touched.clear();
    // Outputs.
    for (let vout = 0; vout < tx.outputs.length; vout++) {
      const o = tx.outputs[vout]!;
      const d = delta(deltas, o.script);
      touched.add(d);
      d.totals.fundedCount += sign;
      d.totals.fundedSum += connect ? o.value : -o.value;
      if (isUnspendable(o.script)) continue;
      if (connect) {
        if (withCoins) {
          const coin: Coin = { value: o.value, script: o.script, height, coinbase: t === 0 };
          out.put(keys.coin(txid, vout), encodeCoin(coin));
        }
        out.put(keys.addrUtxo(d.sh, txid, vout), utxoValue(o.value, height));
      } else {
        if (withCoins) out.del(keys.coin(txid, vout));
        out.del(keys.addrUtxo(d.sh, txid, vout));
      }
    }
    // Inputs.
    if (t > 0) {
      const coins = spent[t - 1]!;
      for (let vin = 0; vin < tx.inputs.length; vin++) {
        const coin = coins[vin]!;
        const { txid: ptxid, index } = tx.inputs[vin]!.prevout;
        const d = delta(deltas, coin.script);
        touched.add(d);
        d.totals.spentCount += sign;
        d.totals.spentSum += connect ? coin.value : -coin.value;
        if (connect) {
          if (withCoins) out.del(keys.coin(ptxid, index));
          out.del(keys.addrUtxo(d.sh, ptxid, index));
          const spender = new Uint8Array(36);
          spender.set(txid);
          putU32(spender, 32, vin);
          out.put(keys.spender(ptxid, index), spender);
        } else {
          if (withCoins) out.put(keys.coin(ptxid, index), encodeCoin(coin));
          out.put(keys.addrUtxo(d.sh, ptxid, index), utxoValue(coin.value, coin.height));
          out.del(keys.spender(ptxid, index));
        }
      }
    }
    // Tx index and address history (once per script the tx touches).
    if (connect) {
      const loc = new Uint8Array(44);
      loc.set(blockHash);
      putU32(loc, 32, t);
      putU32(loc, 36, offsets[t]!);
      putU32(loc, 40, tx.size());
      out.put(keys.tx(txid), loc);
    } else {
      out.del(keys.tx(txid));
    }
    for (const d of touched) {
      d.totals.txCount += sign;
      const k = keys.addrHistory(d.sh, height, t);
      if (connect) out.put(k, txid);
      else out.del(k);
    }
  }
  return deltas;
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

const ascii = new TextEncoder();

/**
 * The block's address-search ops (see the file header): with `address` (the network's address
 * parameters; null when the setting is off), one key per address its outputs pay, put on
 * connect and deleted on disconnect; the completeness key is put when block 1 connects with
 * the setting on, and deleted by any block connected or disconnected with it off, so it says
 * whether every main-chain block went through here with the setting on.
 */
export function addressSearchOps(
  out: BatchSink,
  block: Block,
  height: number,
  sign: 1 | -1,
  address: AddressParams | null,
): void {
  if (!address) {
    out.del(keys.addrSearchComplete());
    return;
  }
  if (sign === 1 && height === 1) out.put(keys.addrSearchComplete(), new Uint8Array(0));
  const seen = new Set<string>();
  const done = new Set<string>();
  for (const tx of block.txs) {
    for (const o of tx.outputs) {
      const k = shKey(o.script);
      if (seen.has(k)) continue;
      seen.add(k);
      const text = encodeAddress(o.script, address);
      if (text === null || done.has(text)) continue;
      done.add(text);
      const key = keys.addrSearch(ascii.encode(text), height);
      if (sign === 1) out.put(key, new Uint8Array(0));
      else out.del(key);
    }
  }
}
