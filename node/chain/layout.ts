/**
 * The chain database's key layout (one LevelDB per data dir; bcoin's layout.js). Integers in
 * keys are big-endian so iteration follows height/vout order. Every value format is written and
 * read by the codec named beside it.
 *
 *   V                                  -> schema version u32be || genesis hash(32)     (meta)
 *   T                                  -> tip block hash(32)                            (meta)
 *   B                                  -> block hash(32) whose UTXO set the c keys hold: T, or
 *                                         an ancestor of T while coin changes wait in memory
 *                                         (coin-view.ts); absent in data dirs older than it = T
 *   e <hash32>                         -> block index entry (entry.ts)
 *   b <hash32>                         -> raw block bytes
 *   u <hash32>                         -> undo: coins the block spent, block/input order (coins.ts)
 *   H <height u32be>                   -> main-chain block hash(32)
 *   c <txid32><vout u32be>             -> unspent coin (coins.ts)
 *   t <txid32>                         -> tx location: block hash(32), index u32, offset u32, size u32
 *   s <txid32><vout u32be>             -> spender: txid(32), input index u32
 *   a <scripthash32><height u32be><pos u32be> -> txid(32)   address history (confirmed)
 *   o <scripthash32><txid32><vout u32be> -> value u64, height u32                   address utxos
 *   A <scripthash32>                   -> address totals (indexes.ts)
 *   g <commitment32><height u32be><txindex u32be><vout u32be> -> block hash(32), txid(32), time u32
 *                                         anchor commitments, GLA1 outputs (chain/anchors.ts)
 *   p <address ascii> 00 <height u32be> -> (empty)   address search: an output paid the address
 *                                         in the block at that height (only with address-search)
 *   q                                  -> (empty)   address search complete: every main-chain
 *                                         block was connected with address-search on (indexes.ts)
 *
 * Hashes and txids are in internal byte order; a scripthash is SHA-256 of the output script
 * (Esplora's convention).
 *
 * Schema 2 added the anchor index (g): a schema-1 data dir lacks it for the blocks it already
 * holds, so it is refused (store.ts, WRONG_SCHEMA) rather than answering "not anchored".

The address-search keys (p, q) came later without a schema change: they are written only with
the address-search setting, and q says whether they cover the whole chain, so a data dir synced
without them still opens and GET /address-prefix says the index is incomplete (indexes.ts).
 */
export const SCHEMA_VERSION = 2;

export const P = {
  VERSION: 0x56, // V
  TIP: 0x54, // T
  COIN_TIP: 0x42, // B
  ENTRY: 0x65, // e
  BLOCK: 0x62, // b
  UNDO: 0x75, // u
  HEIGHT: 0x48, // H
  COIN: 0x63, // c
  TX: 0x74, // t
  SPENDER: 0x73, // s
  ADDR_HISTORY: 0x61, // a
  ADDR_UTXO: 0x6f, // o
  ADDR_TOTALS: 0x41, // A
  ANCHOR: 0x67, // g
  ADDR_SEARCH: 0x70, // p
  ADDR_SEARCH_COMPLETE: 0x71, // q
} as const;

function key(prefix: number, ...parts: (Uint8Array | number)[]): Uint8Array {
  let len = 1;
  for (const p of parts) len += typeof p === 'number' ? 4 : p.length;
  const out = new Uint8Array(len);
  out[0] = prefix;
  let off = 1;
  for (const p of parts) {
    if (typeof p === 'number') {
      out[off] = p >>> 24;
      out[off + 1] = p >>> 16;
      out[off + 2] = p >>> 8;
      out[off + 3] = p;
      off += 4;
    } else {
      out.set(p, off);
      off += p.length;
    }
  }
  return out;
}

export const keys = {
  version: () => Uint8Array.of(P.VERSION),
  tip: () => Uint8Array.of(P.TIP),
  coinTip: () => Uint8Array.of(P.COIN_TIP),
  entry: (hash: Uint8Array) => key(P.ENTRY, hash),
  block: (hash: Uint8Array) => key(P.BLOCK, hash),
  undo: (hash: Uint8Array) => key(P.UNDO, hash),
  height: (h: number) => key(P.HEIGHT, h),
  coin: (txid: Uint8Array, vout: number) => key(P.COIN, txid, vout),
  tx: (txid: Uint8Array) => key(P.TX, txid),
  spender: (txid: Uint8Array, vout: number) => key(P.SPENDER, txid, vout),
  addrHistory: (sh: Uint8Array, height: number, pos: number) => key(P.ADDR_HISTORY, sh, height, pos),
  addrUtxo: (sh: Uint8Array, txid: Uint8Array, vout: number) => key(P.ADDR_UTXO, sh, txid, vout),
  addrTotals: (sh: Uint8Array) => key(P.ADDR_TOTALS, sh),
  anchor: (commitment: Uint8Array, height: number, txIndex: number, vout: number) =>
    key(P.ANCHOR, commitment, height, txIndex, vout),
  addrSearch: (address: Uint8Array, height: number) => key(P.ADDR_SEARCH, address, Uint8Array.of(0), height),
  addrSearchComplete: () => Uint8Array.of(P.ADDR_SEARCH_COMPLETE),
  /** [gte, lt) bounds of every key starting with prefix || parts. */
  range: (prefix: number, ...parts: (Uint8Array | number)[]) => {
    const gte = key(prefix, ...parts);
    const lt = Uint8Array.from(gte);
    let i = lt.length - 1;
    while (i >= 0 && lt[i] === 0xff) lt[i--] = 0;
    if (i >= 0) lt[i]! += 1;
    return { gte, lt };
  },
};

export function readU32BE(b: Uint8Array, off: number): number {
  return ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
}
