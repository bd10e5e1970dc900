/**
 * BIP152 compact block messages (Core's blockencodings.h): `cmpctblock`
 * (CBlockHeaderAndShortTxIDs), `getblocktxn` (BlockTransactionsRequest) and `blocktxn`
 * (BlockTransactions), and the short transaction ids they carry.
 *
 * - Short ids: SipHash-2-4 of the transaction's hash (wtxid for version 2, txid for version 1),
 *   keyed by the first 16 bytes of SHA256(header || nonce), truncated to 6 bytes, sent
 *   little-endian. They fit a JS number exactly (48 bits), which is how they are held here.
 * - Indexes of prefilled transactions and of requested ones are sent differentially (each as
 *   the gap from the previous plus one) as CompactSize; they are held here as absolute
 *   indexes, which makes every encoding canonical, so a decoded message re-encodes byte for
 *   byte. Like Core, an absolute index past 65,535 does not decode.
 */
import { EncodingError } from './errors.js';
import { sha256Parts } from './hash.js';
import { BlockHeader } from './header.js';
import type { Reader } from './reader.js';
import { type SipKey, siphash24, sipKey } from './siphash.js';
import { Tx } from './tx.js';
import { Writer } from './writer.js';

export const SHORT_ID_BYTES = 6;
/** Indexes are 16-bit in Core (blocks cannot hold more transactions than that). */
const MAX_INDEX = 0xffff;
/** A transaction takes at least 10 bytes (the smallest that Core's MIN_SERIALIZABLE_TRANSACTION_WEIGHT allows). */
const MIN_TX_BYTES = 10;

export interface PrefilledTx {
  /** Absolute position in the block. */
  index: number;
  tx: Tx;
}

export interface CompactBlock {
  header: BlockHeader;
  nonce: bigint;
  /** 48-bit short ids, in block order of the transactions not prefilled. */
  shortIds: number[];
  prefilled: PrefilledTx[];
}

export interface GetBlockTxn {
  blockHash: Uint8Array;
  /** Absolute, strictly increasing. */
  indexes: number[];
}

export interface BlockTxn {
  blockHash: Uint8Array;
  txs: Tx[];
}

/** The SipHash key of a compact block: SHA256(header || nonce), its first 16 bytes. */
export function shortIdKey(header: BlockHeader, nonce: bigint): SipKey {
  const n = new Writer(8).u64(nonce).finish();
  return sipKey(sha256Parts(header.toBytes(), n));
}

/** The 48-bit short id of a 32-byte hash (wtxid or txid, internal byte order). */
export function shortId(key: SipKey, hash: Uint8Array): number {
  const [hi, lo] = siphash24(key, hash);
  return (hi & 0xffff) * 0x1_0000_0000 + lo;
}

/** Builds a compact block: prefilled `prefill` (absolute, ascending; the coinbase is 0), short ids of the rest. */
export function compactBlockOf(
  header: BlockHeader,
  txs: readonly Tx[],
  nonce: bigint,
  prefill: readonly number[],
  useWtxid = true,
): CompactBlock {
  const key = shortIdKey(header, nonce);
  const pre = new Set(prefill);
  const shortIds: number[] = [];
  const prefilled: PrefilledTx[] = [];
  for (let i = 0; i < txs.length; i++) {
    const tx = txs[i]!;
    if (pre.has(i)) prefilled.push({ index: i, tx });
    else shortIds.push(shortId(key, useWtxid ? tx.wtxid() : tx.txid()));
  }
  return { header, nonce, shortIds, prefilled };
}

/** Reads differential indexes into absolute ones (Core: "indexes overflowed 16 bits"). */
function readIndexes<T>(r: Reader, n: number, each: (index: number) => T): T[] {
  const out: T[] = new Array(n);
  let last = -1;
  for (let i = 0; i < n; i++) {
    const index = last + 1 + r.varint();
    if (index > MAX_INDEX) throw new EncodingError('TOO_LARGE', 'compact block index over 16 bits');
    out[i] = each(index);
    last = index;
  }
  return out;
}

function writeIndex(w: Writer, index: number, last: number): void {
  if (index <= last || index > MAX_INDEX) throw new RangeError(`index ${index} after ${last}`);
  w.varint(index - last - 1);
}

export function readCompactBlock(r: Reader): CompactBlock {
  const header = BlockHeader.read(r);
  const nonce = r.u64();
  const n = r.count(MAX_INDEX + 1, SHORT_ID_BYTES);
  const shortIds: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const lo = r.u32();
    shortIds[i] = r.u16() * 0x1_0000_0000 + lo;
  }
  const p = r.count(MAX_INDEX + 1, 1 + MIN_TX_BYTES);
  const prefilled = readIndexes(r, p, (index) => ({ index, tx: Tx.read(r) }));
  return { header, nonce, shortIds, prefilled };
}

export function writeCompactBlock(w: Writer, b: CompactBlock): void {
  b.header.write(w);
  w.u64(b.nonce).varint(b.shortIds.length);
  for (const id of b.shortIds) {
    w.u32(id % 0x1_0000_0000);
    w.u16(Math.floor(id / 0x1_0000_0000));
  }
  w.varint(b.prefilled.length);
  let last = -1;
  for (const p of b.prefilled) {
    writeIndex(w, p.index, last);
    p.tx.write(w, true);
    last = p.index;
  }
}

export function readGetBlockTxn(r: Reader): GetBlockTxn {
  const blockHash = r.hash();
  const n = r.count(MAX_INDEX + 1, 1);
  return { blockHash, indexes: readIndexes(r, n, (i) => i) };
}

export function writeGetBlockTxn(w: Writer, m: GetBlockTxn): void {
  w.bytes(m.blockHash).varint(m.indexes.length);
  let last = -1;
  for (const i of m.indexes) {
    writeIndex(w, i, last);
    last = i;
  }
}

export function readBlockTxn(r: Reader): BlockTxn {
  const blockHash = r.hash();
  const n = r.count(MAX_INDEX + 1, MIN_TX_BYTES);
  const txs: Tx[] = new Array(n);
  for (let i = 0; i < n; i++) txs[i] = Tx.read(r);
  return { blockHash, txs };
}

export function writeBlockTxn(w: Writer, m: BlockTxn): void {
  w.bytes(m.blockHash).varint(m.txs.length);
  for (const tx of m.txs) tx.write(w, true);
}
