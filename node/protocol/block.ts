/**
 * A block: header plus transactions, with the sizes and roots consensus checks read. A block
 * parsed from bytes keeps them (`raw`, a view, not a copy), so storing or relaying it never
 * serializes it again; each tx's hashes were computed from those bytes at parse (tx.ts).
 */

import { BlockHeader, HEADER_SIZE } from './header.js';
import type { BlockHash } from './ids.js';
import { isWitnessCommitmentScript, type MerkleResult, merkleRoot, witnessMerkleRoot } from './merkle.js';
import { Reader } from './reader.js';
import { Tx } from './tx.js';
import { varintSize, Writer } from './writer.js';

/** Serialized blocks never exceed 4,000,000 bytes (weight limit with all-witness data). */
export const MAX_BLOCK_SERIALIZED = 4_000_000;
const MIN_TX_SIZE = 10;

export class Block {
  readonly header: BlockHeader;
  readonly txs: readonly Tx[];
  /** The full (witness) serialization it was parsed from; null for a block built in memory. */
  readonly raw: Uint8Array | null;

  constructor(header: BlockHeader, txs: readonly Tx[], raw: Uint8Array | null = null) {
    this.header = header;
    this.txs = txs;
    this.raw = raw;
  }

  hash(): BlockHash {
    return this.header.hash();
  }

  hashHex(): string {
    return this.header.hashHex();
  }

  size(): number {
    if (this.raw) return this.raw.length;
    let n = HEADER_SIZE + varintSize(this.txs.length);
    for (const tx of this.txs) n += tx.size();
    return n;
  }

  strippedSize(): number {
    let n = HEADER_SIZE + varintSize(this.txs.length);
    for (const tx of this.txs) n += tx.strippedSize();
    return n;
  }

  weight(): number {
    return this.strippedSize() * 3 + this.size();
  }

  merkleRoot(): MerkleResult {
    return merkleRoot(this.txs.map((tx) => tx.txid()));
  }

  witnessMerkleRoot(): MerkleResult {
    return witnessMerkleRoot(this.txs.map((tx) => tx.wtxid()));
  }

  /** Index of the coinbase output holding the witness commitment (the last one, as Core). */
  witnessCommitmentIndex(): number {
    const cb = this.txs[0];
    if (!cb) return -1;
    let idx = -1;
    cb.outputs.forEach((o, i) => {
      if (isWitnessCommitmentScript(o.script)) idx = i;
    });
    return idx;
  }

  write(w: Writer, witness = true): void {
    this.header.write(w);
    w.varint(this.txs.length);
    for (const tx of this.txs) tx.write(w, witness);
  }

  toBytes(witness = true): Uint8Array {
    // A copy: the caller owns what toBytes returns (tests flip its bits), `raw` stays intact.
    if (witness && this.raw) return this.raw.slice();
    const w = new Writer(witness ? this.size() : this.strippedSize());
    this.write(w, witness);
    return w.finish();
  }

  static read(r: Reader): Block {
    const start = r.offset;
    const header = BlockHeader.read(r);
    const n = r.count(MAX_BLOCK_SERIALIZED / MIN_TX_SIZE, MIN_TX_SIZE);
    const txs: Tx[] = new Array(n);
    for (let i = 0; i < n; i++) txs[i] = Tx.read(r);
    return new Block(header, txs, r.data.subarray(start, r.offset));
  }

  static fromBytes(data: Uint8Array): Block {
    const r = new Reader(data);
    const b = Block.read(r);
    r.end();
    return b;
  }
}
