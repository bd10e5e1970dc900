/**
 * Coin and undo encodings (Core's Coin / CBlockUndo, without compression): a coin is
 * height u32, flags u8 (bit 0 = coinbase), value u64, script var-bytes; a block's undo is the
 * list of coins its non-coinbase inputs spent, in block and input order.
 */
import { isUnspendable } from '../consensus/block-connect.js';
import type { Coin } from '../consensus/tx-inputs.js';
import type { Block } from '../protocol/block.js';
import { Reader } from '../protocol/reader.js';
import { OutPoint } from '../protocol/tx.js';
import { varintSize, Writer } from '../protocol/writer.js';

export function writeCoin(w: Writer, c: Coin): void {
  w.u32(c.height)
    .u8(c.coinbase ? 1 : 0)
    .u64(c.value)
    .varBytes(c.script);
}

/** Encoded size of one coin (writeCoin). */
export function coinSize(c: Coin): number {
  return 13 + varintSize(c.script.length) + c.script.length;
}

export function readCoin(r: Reader): Coin {
  const height = r.u32();
  const coinbase = (r.u8() & 1) === 1;
  const value = r.u64();
  const script = r.varBytes(10_000_000).slice();
  return { height, coinbase, value, script };
}

/** writeCoin's bytes, written straight into an exact-size array (a Writer costs more here). */
export function encodeCoin(c: Coin): Uint8Array {
  const n = c.script.length;
  const out = new Uint8Array(coinSize(c));
  putU32(out, 0, c.height);
  out[4] = c.coinbase ? 1 : 0;
  putU32(out, 5, Number(c.value & 0xffffffffn));
  putU32(out, 9, Number(c.value >> 32n));
  let at = 13;
  if (n < 0xfd) out[at++] = n;
  else if (n <= 0xffff) {
    out[at] = 0xfd;
    out[at + 1] = n & 0xff;
    out[at + 2] = n >>> 8;
    at += 3;
  } else {
    out[at] = 0xfe;
    putU32(out, at + 1, n);
    at += 5;
  }
  out.set(c.script, at);
  return out;
}

/** Little-endian u32 at `at`. */
export function putU32(out: Uint8Array, at: number, v: number): void {
  out[at] = v & 0xff;
  out[at + 1] = (v >>> 8) & 0xff;
  out[at + 2] = (v >>> 16) & 0xff;
  out[at + 3] = v >>> 24;
}

export function decodeCoin(data: Uint8Array): Coin {
  const r = new Reader(data);
  const c = readCoin(r);
  r.end();
  return c;
}

export function encodeUndo(spent: readonly (readonly Coin[])[]): Uint8Array {
  let size = varintSize(spent.length);
  for (const txCoins of spent) {
    size += varintSize(txCoins.length);
    for (const c of txCoins) size += coinSize(c);
  }
  const w = new Writer(size);
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

/**
 * A connected block's UTXO changes in Core's UpdateCoins order: per transaction, its spends, then
 * its spendable outputs as coins (`add` null: spends only). A coin's script is a copy, since the
 * output's is a view into the whole block's bytes.
 */
export function forEachCoinChange(
  block: Block,
  height: number,
  spend: (prevout: OutPoint) => void,
  add: ((outpoint: OutPoint, coin: Coin) => void) | null,
): void {
  block.txs.forEach((tx, t) => {
    if (t > 0) for (const input of tx.inputs) spend(input.prevout);
    if (!add) return;
    const txid = tx.txid();
    tx.outputs.forEach((out, vout) => {
      if (isUnspendable(out.script)) return;
      add(new OutPoint(txid, vout), {
        value: out.value,
        script: out.script.slice(),
        height,
        coinbase: t === 0,
      });
    });
  });
}
