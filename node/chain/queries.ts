/**
 * Read-only queries over the chain's indexes (layout.ts): spender of an outpoint, where a tx
 * sits, a block's undo coins, the UTXO set's digest, and a scripthash's totals, history (newest first, paged by
 * position: a reverse range read bounded by `limit`, so a page costs the same however long the
 * history is) and unspent outputs (in key order, (txid, vout), paged after a key the same way).
 */
import type { Coin } from '../consensus/tx-inputs.js';
import { concat, toHex } from '../protocol/bytes.js';
import { sha256Stream } from '../protocol/hash.js';
import { type BlockHash, blockHashOf, type Txid, txidOf } from '../protocol/ids.js';
import type { OutPoint } from '../protocol/tx.js';
import { decodeCoin, decodeUndo } from './coins.js';
import { type AddressTotals, decodeTotals, emptyTotals } from './indexes.js';
import { keys, P, readU32BE } from './layout.js';
import type { ChainStore } from './store.js';

const ZERO = Uint8Array.of(0);

export interface HistoryOptions {
  limit?: number;
  /** Only entries strictly before this (height, position in block). */
  before?: { height: number; pos: number };
}

export function readLE32(b: Uint8Array, off: number): number {
  return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
}

export async function spender(
  store: ChainStore,
  txid: Txid,
  vout: number,
): Promise<{ txid: Txid; vin: number } | undefined> {
  const v = await store.get(keys.spender(txid, vout));
  return v ? { txid: txidOf(v.slice(0, 32)), vin: readLE32(v, 32) } : undefined;
}

/** Block hash (internal order) and position of a confirmed tx, from the tx index alone. */
/** The unspent coin at an outpoint, or undefined, from the database (chain.getCoin asks the cache first). */
export async function coin(store: ChainStore, prevout: OutPoint): Promise<Coin | undefined> {
  const v = await store.get(keys.coin(prevout.txid, prevout.index));
  return v ? decodeCoin(v) : undefined;
}

/** Where the tx index puts a confirmed tx: its block, position, and byte range in the block. */
export interface TxLocation {
  blockHash: BlockHash;
  index: number;
  offset: number;
  size: number;
}

export async function txLocation(store: ChainStore, txid: Txid): Promise<TxLocation | undefined> {
  const loc = await store.get(keys.tx(txid));
  if (!loc) return undefined;
  return {
    blockHash: blockHashOf(loc.subarray(0, 32)),
    index: readLE32(loc, 32),
    offset: readLE32(loc, 36),
    size: readLE32(loc, 40),
  };
}

/** Count and SHA-256 of every coin record, in key order (gettxoutsetinfo's figures). */
export async function utxoSetDigest(store: ChainStore): Promise<{ count: number; hash: string }> {
  const h = sha256Stream();
  let count = 0;
  for await (const [k, v] of store.iterate(keys.range(P.COIN))) {
    h.update(k);
    h.update(v);
    count++;
  }
  return { count, hash: toHex(h.digest()) };
}

/** Coins spent by a connected block, per non-coinbase tx in block order (undefined if none). */
export async function blockUndo(store: ChainStore, hash: Uint8Array): Promise<Coin[][] | undefined> {
  const v = await store.get(keys.undo(hash));
  return v ? decodeUndo(v) : undefined;
}

export async function addressTotals(store: ChainStore, scripthash: Uint8Array): Promise<AddressTotals> {
  const v = await store.get(keys.addrTotals(scripthash));
  return v ? decodeTotals(v) : emptyTotals();
}

export async function addressHistory(
  store: ChainStore,
  scripthash: Uint8Array,
  opts: HistoryOptions = {},
): Promise<{ height: number; pos: number; txid: Uint8Array }[]> {
  const full = keys.range(P.ADDR_HISTORY, scripthash);
  const bounds = opts.before
    ? { gte: full.gte, lt: keys.addrHistory(scripthash, opts.before.height, opts.before.pos) }
    : full;
  const rows = await store.range(bounds, { reverse: true, limit: opts.limit ?? 50 });
  return rows.map(([k, v]) => ({ height: readU32BE(k, 33), pos: readU32BE(k, 37), txid: txidOf(v) }));
}

export async function addressUtxos(
  store: ChainStore,
  scripthash: Uint8Array,
  limit = 1000,
  after?: { txid: Uint8Array; vout: number },
): Promise<{ txid: Txid; vout: number; value: bigint; height: number }[]> {
  const full = keys.range(P.ADDR_UTXO, scripthash);
  // Strictly after a key: the key followed by one zero byte is the smallest longer key.
  const bounds = after
    ? { gte: concat(keys.addrUtxo(scripthash, after.txid, after.vout), ZERO), lt: full.lt }
    : full;
  const rows = await store.range(bounds, { limit });
  return rows.map(([k, v]) => {
    const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
    return {
      txid: txidOf(k.slice(33, 65)),
      vout: readU32BE(k, 65),
      value: dv.getBigUint64(0, true),
      height: dv.getUint32(8, true),
    };
  });
}

/**
 * Addresses starting with `prefix` (case-sensitive, as stored), in byte order, at most `limit`;
 * null if the address-search index is incomplete. An address has one key per block that paid
 * it, so after each one the scan restarts past all of its keys: `limit` short range reads.
 */
export async function addressesWithPrefix(
  store: ChainStore,
  prefix: string,
  limit: number,
): Promise<string[] | null> {
  if (!(await store.get(keys.addrSearchComplete()))) return null;
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const { lt } = keys.range(P.ADDR_SEARCH, enc.encode(prefix));
  let gte = keys.range(P.ADDR_SEARCH, enc.encode(prefix)).gte;
  const out: string[] = [];
  while (out.length < limit) {
    const [row] = await store.range({ gte, lt }, { limit: 1 });
    if (!row) break;
    const k = row[0];
    // <p><address><00><height u32be>
    const text = k.subarray(1, k.length - 5);
    out.push(dec.decode(text));
    gte = concat(Uint8Array.of(P.ADDR_SEARCH), text, Uint8Array.of(1));
  }
  return out;
}
