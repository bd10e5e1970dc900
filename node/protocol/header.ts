/** The 80-byte block header and its hash (double SHA-256, shown reversed). */
import { hash256, hashToDisplay } from './hash.js';
import type { BlockHash } from './ids.js';
import { Reader } from './reader.js';
import { Writer } from './writer.js';

export const HEADER_SIZE = 80;

export interface HeaderFields {
  version: number;
  prevBlock: Uint8Array;
  merkleRoot: Uint8Array;
  time: number;
  bits: number;
  nonce: number;
}

export class BlockHeader implements HeaderFields {
  readonly version: number;
  /** The parent's hash: a block hash by definition, whoever built the fields. */
  readonly prevBlock: BlockHash;
  readonly merkleRoot: Uint8Array;
  readonly time: number;
  readonly bits: number;
  readonly nonce: number;
  private cachedHash?: BlockHash;

  constructor(f: HeaderFields) {
    this.version = f.version;
    this.prevBlock = f.prevBlock as BlockHash;
    this.merkleRoot = f.merkleRoot;
    this.time = f.time;
    this.bits = f.bits;
    this.nonce = f.nonce;
  }

  hash(): BlockHash {
    this.cachedHash ??= hash256(this.toBytes()) as BlockHash;
    return this.cachedHash;
  }

  hashHex(): string {
    return hashToDisplay(this.hash());
  }

  write(w: Writer): void {
    w.i32(this.version)
      .bytes(this.prevBlock)
      .bytes(this.merkleRoot)
      .u32(this.time)
      .u32(this.bits)
      .u32(this.nonce);
  }

  toBytes(): Uint8Array {
    const w = new Writer(HEADER_SIZE);
    this.write(w);
    return w.finish();
  }

  static read(r: Reader): BlockHeader {
    const start = r.offset;
    const h = new BlockHeader({
      version: r.i32(),
      prevBlock: r.hash(),
      merkleRoot: r.hash(),
      time: r.u32(),
      bits: r.u32(),
      nonce: r.u32(),
    });
    h.cachedHash = hash256(r.data.subarray(start, start + HEADER_SIZE)) as BlockHash;
    return h;
  }

  static fromBytes(data: Uint8Array): BlockHeader {
    const r = new Reader(data);
    const h = BlockHeader.read(r);
    r.end();
    return h;
  }
}
