/**
 * Gives the heap back after a burst of block connects (issue 22: RSS after a sync).
 *
 * V8 sizes its old generation for the allocation rate it sees. An initial sync allocates fast,
 * so the limit of the next full collection climbs well above what is live, and once the burst
 * ends nothing allocates enough to reach it: after a 2,302-block regtest sync (bench
 * accept-rss) the old space held 122 MiB, of which a heap snapshot found 35 MiB live, and RSS
 * stayed near 298 MiB for a minute. V8's memory reducer, which would collect it, waits for
 * idle notifications that a node with timers and sockets seldom gives it.
 *
 * So when no block has connected for `quietMs` and the old space V8 holds has grown by
 * `minGrowthBytes` since the last collection, one compacting full collection runs (v8-gc.ts):
 * ~100 ms at a moment when the node is waiting anyway. What V8 holds decides, not what is in
 * use nor a count of blocks: V8 may have collected by itself without giving the pages back,
 * and a sync that stalls for a moment near its end must still be collected at its end. `--optimize-for-size`
 * (setting `v8-flags`) keeps the heap small all along, but slows the sync itself; this keeps
 * V8's sizing while blocks arrive.
 *
 * The script workers are asked to do the same for their heaps (`collect`, a ScriptPool's
 * `collect()`). Nodes sharing a process (tests) share what was held after the last collection
 * (`PROCESS_HELD`), so one node's collection serves them all rather than each running its own.
 */
import { type Clock, unref } from './clock.js';
import type { Collect } from './v8-gc.js';

export interface HeapTrimOptions {
  /** Growth of the old space V8 holds since the last collection (or the start) worth one, bytes. */
  readonly minGrowthBytes: number;
  /**
   * How long no block may connect before the collection runs, ms. Past 5 s, V8's measure of
   * the allocation rate (over its last 5 s) is low enough that the collection also shrinks the
   * young generation back from 32 MiB to 1 (measured: RSS 167 MiB against 213 at 2 s).
   */
  readonly quietMs: number;
}

export const DEFAULT_HEAP_TRIM: HeapTrimOptions = { minGrowthBytes: 32 * 2 ** 20, quietMs: 6000 };

/** What one collection gave back, for the log. */
export interface TrimResult {
  /** Blocks connected since the last collection. */
  readonly blocks: number;
  readonly ms: number;
  /** Old space V8 held before and after, MiB. */
  readonly oldBeforeMiB: number;
  readonly oldAfterMiB: number;
}

/** The old space held after the last collection; shared by every HeapTrim of one process. */
export interface HeldAfter {
  bytes: number | null;
}

/** This process's: the heap is the process's, so one node's collection counts for all. */
export const PROCESS_HELD: HeldAfter = { bytes: null };

export interface HeapTrimDeps {
  readonly clock: Clock;
  /** This thread's collection (and a request to the script workers for theirs). */
  readonly collect: Collect;
  /** Bytes of old space V8 holds (committed; v8.getHeapSpaceStatistics()). */
  readonly oldSpace: () => number;
  readonly done: (r: TrimResult) => void;
  /** Where the held size after a collection is kept (default: this HeapTrim's own). */
  readonly heldAfter?: HeldAfter;
}

export class HeapTrim {
  private readonly deps: HeapTrimDeps;
  private readonly opts: HeapTrimOptions;
  private blocks = 0;
  private timer: unknown = null;
  /** The old space held after the last collection, or at the start. */
  private readonly held: HeldAfter;

  constructor(deps: HeapTrimDeps, opts: Partial<HeapTrimOptions> = {}) {
    this.deps = deps;
    this.opts = { ...DEFAULT_HEAP_TRIM, ...opts };
    this.held = deps.heldAfter ?? { bytes: null };
    this.held.bytes ??= deps.oldSpace();
  }

  /** A block connected: the quiet spell starts again. */
  blockConnected(): void {
    this.blocks++;
    const { clock } = this.deps;
    if (this.timer !== null) clock.clearTimeout(this.timer);
    this.timer = clock.setTimeout(() => this.quiet(), this.opts.quietMs);
    unref(this.timer);
  }

  stop(): void {
    if (this.timer !== null) this.deps.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private quiet(): void {
    this.timer = null;
    const before = this.deps.oldSpace();
    if (before - (this.held.bytes ?? 0) < this.opts.minGrowthBytes) return;
    const blocks = this.blocks;
    this.blocks = 0;
    const t0 = performance.now();
    this.deps.collect();
    const ms = Number((performance.now() - t0).toFixed(1));
    const after = this.deps.oldSpace();
    this.held.bytes = after;
    const mib = (n: number) => Number((n / 2 ** 20).toFixed(1));
    this.deps.done({ blocks, ms, oldBeforeMiB: mib(before), oldAfterMiB: mib(after) });
  }
}
