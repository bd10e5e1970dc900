/**
 * Block index entries (Core's CBlockIndex): every header the node has accepted, with its
 * height, cumulative chain work and status, linked to its parent. Persisted under `e`.
 */
import { hashToDisplay } from '../protocol/hash.js';
import { BlockHeader } from '../protocol/header.js';
import { Reader } from '../protocol/reader.js';
import { Writer } from '../protocol/writer.js';

export const STATUS = {
  /** The block's bytes are stored. */
  HAVE_DATA: 1,
  /** The block failed validation, or descends from one that did. */
  FAILED: 2,
} as const;

export class BlockEntry {
  readonly hash: Uint8Array;
  readonly hashHex: string;
  readonly header: BlockHeader;
  readonly height: number;
  readonly chainWork: bigint;
  status: number;
  readonly prev: BlockEntry | null;
  /** When its data arrived in this session (ties in work go to the earliest); 0 if loaded. */
  seq = 0;

  constructor(
    header: BlockHeader,
    height: number,
    chainWork: bigint,
    status: number,
    prev: BlockEntry | null,
  ) {
    this.header = header;
    this.hash = header.hash();
    this.hashHex = hashToDisplay(this.hash);
    this.height = height;
    this.chainWork = chainWork;
    this.status = status;
    this.prev = prev;
  }

  get failed(): boolean {
    return (this.status & STATUS.FAILED) !== 0;
  }

  get haveData(): boolean {
    return (this.status & STATUS.HAVE_DATA) !== 0;
  }

  /** The ancestor at `height` (this entry when equal). */
  ancestor(height: number): BlockEntry | null {
    let e: BlockEntry | null = this;
    while (e && e.height > height) e = e.prev;
    return e && e.height === height ? e : null;
  }

  /** Median of the last 11 block times ending here (Core's GetMedianTimePast). */
  medianTimePast(): number {
    const times: number[] = [];
    let e: BlockEntry | null = this;
    for (let i = 0; i < 11 && e; i++, e = e.prev) times.push(e.header.time);
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)]!;
  }

  encode(): Uint8Array {
    const w = new Writer(80 + 4 + 32 + 1);
    this.header.write(w);
    w.u32(this.height);
    const work = new Uint8Array(32);
    let v = this.chainWork;
    for (let i = 31; i >= 0; i--) {
      work[i] = Number(v & 0xffn);
      v >>= 8n;
    }
    w.bytes(work).u8(this.status);
    return w.finish().slice();
  }
}

export interface StoredEntry {
  header: BlockHeader;
  height: number;
  chainWork: bigint;
  status: number;
}

export function decodeEntry(data: Uint8Array): StoredEntry {
  const r = new Reader(data);
  const header = BlockHeader.read(r);
  const height = r.u32();
  let chainWork = 0n;
  for (const b of r.bytes(32)) chainWork = (chainWork << 8n) | BigInt(b);
  const status = r.u8();
  r.end();
  return { header, height, chainWork, status };
}

/** The last common ancestor of two entries. */
export function findFork(a: BlockEntry, b: BlockEntry): BlockEntry {
  let x: BlockEntry | null = a;
  let y: BlockEntry | null = b;
  while (x && y && x !== y) {
    if (x.height > y.height) x = x.prev;
    else if (y.height > x.height) y = y.prev;
    else {
      x = x.prev;
      y = y.prev;
    }
  }
  if (!x || x !== y) throw new Error('blocks share no ancestor');
  return x;
}
