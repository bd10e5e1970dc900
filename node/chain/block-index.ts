/**
 * The block index's header side (Core's AcceptBlockHeader, validation.cpp). Every header is
 * checked before it gets an entry: CheckBlockHeader (proof of work), then
 * ContextualCheckBlockHeader against its parent (the bits the difficulty rule requires, a time
 * above the parent's median time past and at most two hours ahead, the BIP34/65/66 version
 * floor). It is then kept as a header-only entry (BLOCK_VALID_TREE) until its block arrives;
 * the block's own checks (chain.ts) do not repeat these. One map holds every entry, with or
 * without data, and the most-work valid header is tracked for headers-first sync.
 *
 * Header-only entries live in memory only: after a restart peers send them again (one
 * getheaders round trip per 2,000), so the stored index holds only entries whose blocks are
 * stored, and failed ones, and a crash can never leave a stored entry without its parent.
 */
import { nextWorkRequired } from '../consensus/difficulty.js';
import { NOT_CACHED_INVALID, RuleError } from '../consensus/errors.js';
import { checkHeaderContextFree, checkHeaderContextual } from '../consensus/header-check.js';
import type { BlockHeader } from '../protocol/header.js';
import { type BlockHash, type HashKey, hashKey } from '../protocol/ids.js';
import type { NetworkParams } from '../protocol/params.js';
import { workFromBits } from '../protocol/pow.js';
import { BlockEntry, STATUS } from './entry.js';

export type BlockIndexCode = 'NONCONTINUOUS' | 'INDEX_FULL' | 'UNKNOWN_BLOCK' | 'GENESIS';

/**
 * A headers message that is not one connected sequence, more headers than memory allows, or
 * an invalidation of a block the index does not hold (or of genesis).
 */
export class BlockIndexError extends Error {
  readonly code: BlockIndexCode;
  constructor(code: BlockIndexCode, message: string) {
    super(message);
    this.name = 'BlockIndexError';
    this.code = code;
  }
}

/** Header-only entries beyond which new ones are refused (memory bound, ~40 MB). */
export const MAX_HEADER_ONLY = 200_000;

export class BlockIndex {
  private readonly params: NetworkParams;
  private readonly now: () => number;
  private readonly map = new Map<HashKey, BlockEntry>();
  private best: BlockEntry | null = null;
  private headerOnly = 0;

  constructor(params: NetworkParams, now: () => number) {
    this.params = params;
    this.now = now;
  }

  get(hash: BlockHash): BlockEntry | undefined {
    return this.map.get(hashKey(hash));
  }

  values(): IterableIterator<BlockEntry> {
    return this.map.values();
  }

  /** Entries without block data (accepted headers waiting for their blocks, failed headers). */
  get headerOnlyCount(): number {
    return this.headerOnly;
  }

  /** Indexes an entry read from disk or made by the chain. */
  add(e: BlockEntry): void {
    this.map.set(e.key, e);
    if (!e.haveData) this.headerOnly++;
    if (!e.failed && (!this.best || this.best.failed || e.chainWork > this.best.chainWork)) this.best = e;
  }

  /** The most-work valid header, or `tip` when none has more work. */
  bestHeader(tip: BlockEntry): BlockEntry {
    const b = this.best;
    return b && !b.failed && b.chainWork > tip.chainWork ? b : tip;
  }

  /** Records that the block of `e` is stored. */
  setHaveData(e: BlockEntry): void {
    if (e.haveData) return;
    e.status |= STATUS.HAVE_DATA;
    this.headerOnly--;
  }

  /**
   * Checks and indexes a peer's headers (in order, each building on the one before); a known
   * header is not checked again. Returns the last one, or null when the first connects to
   * nothing known. Throws RuleError for a header breaking a rule, BlockIndexError for a
   * broken sequence or a full index.
   */
  acceptHeaders(headers: readonly BlockHeader[]): BlockEntry | null {
    let last: BlockEntry | null = null;
    for (const [i, h] of headers.entries()) {
      const key = hashKey(h.hash());
      const known = this.map.get(key);
      if (known) {
        if (known.failed) throw new RuleError('DUPLICATE_INVALID', key);
        last = known;
        continue;
      }
      const prevKey = hashKey(h.prevBlock);
      if (last && last.key !== prevKey)
        throw new BlockIndexError('NONCONTINUOUS', 'non-continuous headers sequence');
      const parent = last ?? this.map.get(prevKey);
      if (!parent) {
        if (i === 0) return null;
        throw new BlockIndexError('NONCONTINUOUS', 'non-continuous headers sequence');
      }
      last = this.acceptHeader(h, parent, true);
    }
    return last;
  }

  /**
   * Checks one new header against its parent and indexes it. A header breaking a rule that
   * stays broken is indexed as FAILED (Core's BLOCK_FAILED_VALID), so it is refused at once
   * next time. `bounded`: refuse it when the index holds MAX_HEADER_ONLY header-only entries
   * (a block that arrives is always indexed).
   */
  acceptHeader(h: BlockHeader, parent: BlockEntry, bounded: boolean): BlockEntry {
    if (parent.failed) throw new RuleError('BAD_PREVBLK', `parent ${parent.hashHex} is invalid`);
    if (bounded && this.headerOnly >= MAX_HEADER_ONLY)
      throw new BlockIndexError('INDEX_FULL', 'header index full');
    const height = parent.height + 1;
    const e = new BlockEntry(h, height, parent.chainWork + workFromBits(h.bits), STATUS.VALID_TREE, parent);
    try {
      checkHeaderContextFree(h, this.params);
      checkHeaderContextual(
        h,
        {
          height,
          expectedBits: nextWorkRequired(this.params, {
            height: parent.height,
            bits: parent.header.bits,
            time: parent.header.time,
          }),
          medianTimePast: parent.medianTimePast(),
          now: this.now(),
        },
        this.params,
      );
    } catch (err) {
      if (err instanceof RuleError && !NOT_CACHED_INVALID.has(err.code)) {
        e.status = STATUS.FAILED;
        this.add(e);
      }
      throw err;
    }
    this.add(e);
    return e;
  }

  /** Indexes a header as failed without checking it (its parent failed). */
  addFailed(h: BlockHeader, parent: BlockEntry): BlockEntry {
    const e = new BlockEntry(
      h,
      parent.height + 1,
      parent.chainWork + workFromBits(h.bits),
      STATUS.FAILED,
      parent,
    );
    this.add(e);
    return e;
  }

  /** Marks `e` and every entry descending from it failed; returns them, `e` first. */
  /**
   * Core's ResetBlockFailureFlags: clears the failed mark of `e`, of every entry built on it and
   * of its ancestors; returns the entries that changed.
   */
  reconsider(e: BlockEntry): BlockEntry[] {
    const out: BlockEntry[] = [];
    for (const x of this.map.values()) {
      if (!x.failed) continue;
      const related = x.height >= e.height ? x.ancestor(e.height) === e : e.ancestor(x.height) === x;
      if (!related) continue;
      x.status &= ~STATUS.FAILED;
      out.push(x);
      if (!this.best || this.best.failed || x.chainWork > this.best.chainWork) this.best = x;
    }
    return out;
  }

  fail(e: BlockEntry): BlockEntry[] {
    e.status |= STATUS.FAILED;
    const out = [e];
    for (const x of this.map.values()) {
      if (x.failed || x.height <= e.height || x.ancestor(e.height) !== e) continue;
      x.status |= STATUS.FAILED;
      out.push(x);
    }
    if (this.best?.failed) {
      this.best = null;
      for (const x of this.map.values())
        if (!x.failed && (!this.best || x.chainWork > this.best.chainWork)) this.best = x;
    }
    return out;
  }
}
