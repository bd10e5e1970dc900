/**
 * Block index entries (Core's CBlockIndex): every header the node has accepted, with its
 * height, cumulative chain work and status, linked to its parent and, as Core's pskip, to one
 * farther ancestor so `ancestor(h)` takes O(log n) steps on a long header chain. Entries with
 * stored block data are persisted under `e`; header-only ones live in memory (block-index.ts).
 */
import { MEDIAN_TIME_SPAN, medianTimePast } from '../consensus/time.js';
import { BlockHeader } from '../protocol/header.js';
import { type BlockHash, type HashKey, hashKey } from '../protocol/ids.js';
import { Reader } from '../protocol/reader.js';
import { Writer } from '../protocol/writer.js';

/**
 * Status flags, after Core's BlockStatus. HAVE_DATA and FAILED keep the values stored before
 * the other flags existed, so an older database reads the same.
 */
export const STATUS = {
  /** The block's bytes are stored (BLOCK_HAVE_DATA). */
  HAVE_DATA: 1,
  /** The block failed validation, or descends from one that did (BLOCK_FAILED_MASK). */
  FAILED: 2,
  /** The header passed every header rule against its parent (BLOCK_VALID_TREE). */
  VALID_TREE: 4,
  /** The block was connected: inputs and scripts checked (BLOCK_VALID_SCRIPTS); not persisted. */
  VALID_SCRIPTS: 8,
} as const;

/** Core's GetSkipHeight: the height pskip points to, chosen so any ancestor is O(log n) away. */
function skipHeight(height: number): number {
  if (height < 2) return 0;
  const invertLowestOne = (n: number) => n & (n - 1);
  return height & 1 ? invertLowestOne(invertLowestOne(height - 1)) + 1 : invertLowestOne(height);
}

export class BlockEntry {
  readonly hash: BlockHash;
  /** The index's map key; also the display hex, for logs and the edges. */
  readonly key: HashKey;
  readonly hashHex: string;
  readonly header: BlockHeader;
  readonly height: number;
  readonly chainWork: bigint;
  status: number;
  readonly prev: BlockEntry | null;
  /** A farther ancestor (Core's pskip), for `ancestor`. */
  private readonly skip: BlockEntry | null;
  /** When its data arrived in this session (ties in work go to the earliest); 0 if loaded. */
  seq = 0;
  #mtp: number | undefined;

  constructor(
    header: BlockHeader,
    height: number,
    chainWork: bigint,
    status: number,
    prev: BlockEntry | null,
  ) {
    this.header = header;
    this.hash = header.hash();
    this.key = hashKey(this.hash);
    this.hashHex = this.key;
    this.height = height;
    this.chainWork = chainWork;
    this.status = status;
    this.prev = prev;
    this.skip = prev ? prev.ancestor(skipHeight(height)) : null;
  }

  get failed(): boolean {
    return (this.status & STATUS.FAILED) !== 0;
  }

  get haveData(): boolean {
    return (this.status & STATUS.HAVE_DATA) !== 0;
  }

  /** The ancestor at `height` (this entry when equal), or null: Core's GetAncestor. */
  ancestor(height: number): BlockEntry | null {
    if (height > this.height || height < 0) return null;
    let e: BlockEntry = this;
    let h = this.height;
    while (h > height) {
      const hs = skipHeight(h);
      const hsPrev = skipHeight(h - 1);
      // Take the skip unless it overshoots, or the parent's skip would land closer.
      if (e.skip && (hs === height || (hs > height && !(hsPrev < hs - 2 && hsPrev >= height)))) {
        e = e.skip;
        h = hs;
      } else {
        e = e.prev!;
        h--;
      }
    }
    return e;
  }

  /** Median of the last 11 block times ending here (Core's GetMedianTimePast); computed once. */
  medianTimePast(): number {
    if (this.#mtp === undefined) {
      const times: number[] = [];
      for (let e: BlockEntry | null = this; e && times.length < MEDIAN_TIME_SPAN; e = e.prev)
        times.push(e.header.time);
      this.#mtp = medianTimePast(times);
    }
    return this.#mtp;
  }

  /** The stored form; `status` lets a caller write a status before it holds in memory. */
  encode(status = this.status): Uint8Array {
    const w = new Writer(80 + 4 + 32 + 1);
    this.header.write(w);
    w.u32(this.height);
    const work = new Uint8Array(32);
    let v = this.chainWork;
    for (let i = 31; i >= 0; i--) {
      work[i] = Number(v & 0xffn);
      v >>= 8n;
    }
    // VALID_SCRIPTS is derived on load (the main chain), not stored: connect batches stay as they are.
    w.bytes(work).u8(status & ~STATUS.VALID_SCRIPTS);
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

/** The last common ancestor of two entries (Core's LastCommonAncestor). */
export function findFork(a: BlockEntry, b: BlockEntry): BlockEntry {
  let x: BlockEntry | null = a.height > b.height ? a.ancestor(b.height) : a;
  let y: BlockEntry | null = b.height > a.height ? b.ancestor(a.height) : b;
  while (x && y && x !== y) {
    x = x.prev;
    y = y.prev;
  }
  if (!x || x !== y) throw new Error('blocks share no ancestor');
  return x;
}
