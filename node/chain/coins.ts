/**
 * Coin and undo encodings (Core's Coin / CBlockUndo, without compression): a coin is
 * height u32, flags u8 (bit 0 = coinbase), value u64, script var-bytes; a block's undo is the
 * list of coins its non-coinbase inputs spent, in block and input order.
 */
import type { Coin } from '../consensus/tx-inputs.js';
import { Reader } from '../protocol/reader.js';
import { Writer } from '../protocol/writer.js';

export function writeCoin(w: Writer, c: Coin): void {
  w.u32(c.height)
    .u8(c.coinbase ? 1 : 0)
    .u64(c.value)
    .varBytes(c.script);
}

export function readCoin(r: Reader): Coin {
  const height = r.u32();
  const coinbase = (r.u8() & 1) === 1;
  const value = r.u64();
  const script = r.varBytes(10_000_000).slice();
  return { height, coinbase, value, script };
}

export function encodeCoin(c: Coin): Uint8Array {
  const w = new Writer(14 + c.script.length);
  writeCoin(w, c);
  return w.finish().slice();
}

export function decodeCoin(data: Uint8Array): Coin {
  const r = new Reader(data);
  const c = readCoin(r);
  r.end();
  return c;
}

export function encodeUndo(spent: readonly (readonly Coin[])[]): Uint8Array {
  const w = new Writer(1024);
  w.varint(spent.length);
  for (const txCoins of spent) {
    w.varint(txCoins.length);
    for (const c of txCoins) writeCoin(w, c);
  }
  return w.finish().slice();
}

export function decodeUndo(data: Uint8Array): Coin[][] {
  const r = new Reader(data);
  const n = r.count(1_000_000, 1);
  const out: Coin[][] = [];
  for (let i = 0; i < n; i++) {
    const m = r.count(1_000_000, 14);
    const row: Coin[] = [];
    for (let k = 0; k < m; k++) row.push(readCoin(r));
    out.push(row);
  }
  r.end();
  return out;
}
