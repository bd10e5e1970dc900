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
 * So once at least `minBlocks` blocks have connected and then none for `quietMs`, one full
 * collection runs: a pause of a few tens of milliseconds, at most once per burst, at a moment
 * when the node is waiting anyway. `--optimize-for-size` (setting `v8-flags`) keeps the heap
 * small all along, but slows the sync itself; this keeps V8's sizing while blocks arrive.
 *
 * The script workers are asked to do the same for their heaps (`collect`, a ScriptPool's
 * `collect()`).
 */
import { type Clock, unref } from './clock.js';
import type { Collect } from './v8-gc.js';

export interface HeapTrimOptions {
  /** Blocks connected since the last collection before a quiet spell triggers one. */
  readonly minBlocks: number;
  /** How long no block may connect before the collection runs, ms. */
  readonly quietMs: number;
}

export const DEFAULT_HEAP_TRIM: HeapTrimOptions = { minBlocks: 100, quietMs: 2000 };

/** What one collection gave back, for the log. */
export interface TrimResult {
  readonly blocks: number;
  readonly ms: number;
  readonly heapBeforeMiB: number;
  readonly heapAfterMiB: number;
}

export interface HeapTrimDeps {
  readonly clock: Clock;
  /** This thread's collection (and a request to the script workers for theirs). */
  readonly collect: Collect;
  /** Bytes of heap in use (v8.getHeapStatistics().used_heap_size). */
  readonly heapUsed: () => number;
  readonly done: (r: TrimResult) => void;
}

export class HeapTrim {
  private readonly deps: HeapTrimDeps;
  private readonly opts: HeapTrimOptions;
  private blocks = 0;
  private timer: unknown = null;

  constructor(deps: HeapTrimDeps, opts: HeapTrimOptions = DEFAULT_HEAP_TRIM) {
    this.deps = deps;
    this.opts = opts;
  }

  /** A block connected: (re)starts the quiet-spell timer once the burst is large enough. */
  blockConnected(): void {
    this.blocks++;
    if (this.blocks < this.opts.minBlocks) return;
    const { clock } = this.deps;
    if (this.timer !== null) clock.clearTimeout(this.timer);
    this.timer = clock.setTimeout(() => this.run(), this.opts.quietMs);
    unref(this.timer);
  }

  stop(): void {
    if (this.timer !== null) this.deps.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private run(): void {
    this.timer = null;
    const blocks = this.blocks;
    this.blocks = 0;
    const before = this.deps.heapUsed();
    const t0 = performance.now();
    this.deps.collect();
    const ms = Number((performance.now() - t0).toFixed(1));
    const mib = (n: number) => Number((n / 2 ** 20).toFixed(1));
    this.deps.done({ blocks, ms, heapBeforeMiB: mib(before), heapAfterMiB: mib(this.deps.heapUsed()) });
  }
}
