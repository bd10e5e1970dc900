/**
 * Branded ids: a txid, a wtxid (BIP141) and a block hash are each 32 bytes in internal byte
 * order, but three different types, so passing one where another is wanted, or passing the
 * display hex an RPC caller typed, fails at compile time (btcd's chainhash.Hash, Core's
 * Txid/Wtxid/uint256 split, STYLE.md 9).
 *
 * Who makes them: the hashers (Tx.txid(), Tx.wtxid(), BlockHeader.hash()), the wire decoders
 * (a hash read from a message, through `txidOf` / `wtxidOf` / `blockHashOf`), and, at the
 * edges (RPC, explorer, CLIs), the checked parse from display hex (`txidFromDisplay`, ...).
 * Inside chain/, mempool/ and p2p/ ids stay bytes; a Map keyed by an id uses `hashKey`, whose
 * branded string no display hex from an edge can be mistaken for.
 */
import { isHex } from './bytes.js';
import { EncodingError } from './errors.js';
import { hashFromDisplay, hashToDisplay } from './hash.js';

export type Txid = Uint8Array & { readonly __brand: 'Txid' };
export type Wtxid = Uint8Array & { readonly __brand: 'Wtxid' };
export type BlockHash = Uint8Array & { readonly __brand: 'BlockHash' };
export type AnyHash = Txid | Wtxid | BlockHash;

/** A Map key for an id: its display hex, made only by `hashKey`. */
export type HashKey = string & { readonly __brand: 'HashKey' };

function checked32(h: Uint8Array): void {
  if (h.length !== 32) throw new EncodingError('BAD_VALUE', `a hash is 32 bytes, not ${h.length}`);
}

/** For hashers and decoders: 32 bytes that are a txid (a hash256 of a stripped tx, or read as one). */
export function txidOf(h: Uint8Array): Txid {
  checked32(h);
  return h as Txid;
}

export function wtxidOf(h: Uint8Array): Wtxid {
  checked32(h);
  return h as Wtxid;
}

export function blockHashOf(h: Uint8Array): BlockHash {
  checked32(h);
  return h as BlockHash;
}

/** The one way to key a Map by an id. The key is the display hex (what logs and events show). */
export function hashKey(h: AnyHash): HashKey {
  return hashToDisplay(h) as HashKey;
}

/** The display hex of an id, for the edges (RPC, explorer, CLI, logs). */
export function toDisplay(h: AnyHash): string {
  return hashToDisplay(h);
}

/** Display hex as people and RPC callers write it: exactly 64 hex characters, or BAD_HEX. */
function parseDisplay(hex: string, what: string): Uint8Array {
  if (typeof hex !== 'string' || !isHex(hex, 32)) {
    throw new EncodingError('BAD_HEX', `${what} must be 64 hex characters`);
  }
  return hashFromDisplay(hex);
}

export const txidFromDisplay = (hex: string): Txid => parseDisplay(hex, 'a txid') as Txid;
export const wtxidFromDisplay = (hex: string): Wtxid => parseDisplay(hex, 'a wtxid') as Wtxid;
export const blockHashFromDisplay = (hex: string): BlockHash =>
  parseDisplay(hex, 'a block hash') as BlockHash;
