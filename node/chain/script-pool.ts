/**
 * Parallel script verification for connecting blocks (Core's CCheckQueue): `start` cuts a
 * block's transactions into chunks of about CHUNK_INPUTS inputs and hands one shared job to
 * every worker thread; the connecting thread does its own work (index ops, undo, batch) and
 * then joins in with `help()`, as Core's master thread does, until no chunk is left. The first
 * failing input (lowest tx, then input index) is reported. Small blocks are verified inline,
 * where messaging would cost more than it saves. See script-chunks.ts for the shared layout.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Coin } from '../consensus/tx-inputs.js';
import type { Block } from '../protocol/block.js';
import { HEADER_SIZE } from '../protocol/header.js';
import { varintSize } from '../protocol/writer.js';
import { coinSize, encodeUndo } from './coins.js';
import {
  abandonChunks,
  buildShared,
  type Chunk,
  type ChunkLayout,
  drain,
  lowerFailure,
  type ScriptFailure,
  verifyTxs,
} from './script-chunks.js';

export type { ScriptFailure } from './script-chunks.js';

export interface ScriptJob {
  id: number;
  shared: SharedArrayBuffer;
  layout: ChunkLayout;
  flags: number;
}

/** Asks a worker for a full collection of its heap; answered with a ScriptJobResult of the same id. */
export interface CollectRequest {
  readonly id: number;
  readonly collect: true;
}

export interface ScriptJobResult {
  id: number;
  /** This worker's first failure, or null. */
  failure: ScriptFailure | null;
  /** Set when the worker hit an internal error (a bug, not a bad script). */
  error?: string;
}

/** Below this many inputs a block is verified on the calling thread. */
export const PARALLEL_MIN_INPUTS = 64;

/** Inputs per chunk: small enough to balance, large enough that claiming costs nothing. */
const CHUNK_INPUTS = 8;

const WORKER_URL = new URL('./script-worker.js', import.meta.url);

/**
 * Each worker's young generation, MiB (setting `script-young-gen`; 0: V8's own bound, 48 MiB on
 * Node 20, three 16 MiB semi-spaces), which a worker keeps committed while it idles.
 */
export const DEFAULT_WORKER_YOUNG_GEN_MB = 0;

/** One block's script checks in flight. */
export class ScriptCheck {
  private readonly shared: SharedArrayBuffer;
  private readonly chunks: readonly Chunk[];
  private readonly block: Block;
  private readonly spent: readonly (readonly Coin[])[];
  private readonly flags: number;
  private readonly replies: Promise<ScriptJobResult[]>;
  private failure: ScriptFailure | null = null;
  private abandoned = false;

  constructor(
    job: { shared: SharedArrayBuffer; chunks: readonly Chunk[]; flags: number },
    block: Block,
    spent: readonly (readonly Coin[])[],
    replies: Promise<ScriptJobResult[]>,
  ) {
    this.shared = job.shared;
    this.chunks = job.chunks;
    this.flags = job.flags;
    this.block = block;
    this.spent = spent;
    this.replies = replies;
  }

  /** Verifies unclaimed chunks on the calling thread until none is left. */
  help(): void {
    const { block, spent, chunks, flags } = this;
    const found = drain(this.shared, chunks.length, (i) => {
      const c = chunks[i]!;
      const txs = block.txs.slice(c.firstTx, c.firstTx + c.txCount);
      return verifyTxs(txs, c.firstTx, (k) => spent[c.firstTx + k - 1]!, flags);
    });
    this.failure = lowerFailure(this.failure, found);
  }

  /** Stops the check early: the block will not be connected from this check's result. */
  abandon(): void {
    this.abandoned = true;
    abandonChunks(this.shared);
  }

  /**
   * Resolves once every chunk is checked: the first failing input, or null. Chunks no thread
   * has claimed yet are checked here, so the result never depends on a worker showing up; a
   * worker that died holding a chunk makes it throw.
   */
  async result(): Promise<ScriptFailure | null> {
    if (this.abandoned) throw new Error('script check was abandoned');
    this.help();
    const replies = await this.replies;
    if (this.abandoned) throw new Error('script check was abandoned');
    let first = this.failure;
    for (const r of replies) {
      if (r.error !== undefined) throw new Error(`script worker failed: ${r.error}`);
      first = lowerFailure(first, r.failure);
    }
    return first;
  }
}

export class ScriptPool {
  private readonly workers: Worker[];
  /** Workers still running; a dead one gets no more jobs (the connecting thread covers). */
  private readonly alive = new Set<Worker>();
  private nextId = 1;
  private active = 0;
  private readonly pending = new Map<number, { worker: Worker; resolve: (r: ScriptJobResult) => void }>();

  private constructor(size: number, youngGenerationMb: number) {
    this.workers = Array.from({ length: size }, () => {
      const w = new Worker(WORKER_URL, {
        resourceLimits: youngGenerationMb > 0 ? { maxYoungGenerationSizeMb: youngGenerationMb } : {},
      });
      w.on('message', (r: ScriptJobResult) => {
        this.pending.get(r.id)?.resolve(r);
        this.pending.delete(r.id);
      });
      w.on('error', (e) => this.lost(w, e.message));
      w.on('exit', (code) => this.lost(w, `exited with code ${code}`));
      w.unref();
      this.alive.add(w);
      return w;
    });
  }

  /** A worker died: its jobs in flight fail (it may have held a chunk unchecked). */
  private lost(w: Worker, why: string): void {
    this.alive.delete(w);
    for (const [id, p] of this.pending) {
      if (p.worker !== w) continue;
      p.resolve({ id, failure: null, error: why });
      this.pending.delete(id);
    }
  }

  /**
   * A pool of `size` workers, or null where the compiled worker is absent (TS sources, tests).
   * The default leaves one core to the connecting thread, which verifies too (`help()`).
   * `youngGenerationMb` bounds each worker's young generation (V8's, via resourceLimits; 0:
   * V8's own size).
   */
  static create(
    size = Math.max(1, availableParallelism() - 1),
    youngGenerationMb = DEFAULT_WORKER_YOUNG_GEN_MB,
  ): ScriptPool | null {
    if (!existsSync(fileURLToPath(WORKER_URL))) return null;
    return new ScriptPool(Math.max(1, size), youngGenerationMb);
  }

  get size(): number {
    return this.workers.length;
  }

  /**
   * Each running worker's young generation bound, MiB, as its limits say: the one set, else
   * V8's own once the thread runs (0 before).
   */
  youngGenerationMb(): number[] {
    return [...this.alive].map((w) => Math.max(0, w.resourceLimits?.maxYoungGenerationSizeMb ?? 0));
  }

  /**
   * Starts checking every non-coinbase input of `block` (serialized as `raw`) against `spent`
   * (`spent[t-1]` for tx t), whose undo encoding (coins.ts) `undo` is, if already made; the
   * transactions in `skip` (script-cache hits) are left out.
   */
  start(
    block: Block,
    raw: Uint8Array,
    spent: readonly (readonly Coin[])[],
    flags: number,
    undo: Uint8Array = encodeUndo(spent),
    skip: ReadonlySet<number> = new Set(),
  ): ScriptCheck {
    const chunks = cutChunks(block, raw, spent, undo, skip);
    const { shared, layout } = buildShared(chunks, raw, undo);
    // Idle workers are unref'd so they never keep the process alive; busy ones must.
    if (this.active++ === 0) for (const w of this.workers) w.ref();
    const replies = Promise.all(
      [...this.alive].map((worker) => {
        const id = this.nextId++;
        return new Promise<ScriptJobResult>((resolve) => {
          this.pending.set(id, { worker, resolve });
          worker.postMessage({ id, shared, layout, flags } satisfies ScriptJob);
        });
      }),
    ).finally(() => {
      if (--this.active === 0) for (const w of this.workers) w.unref();
    });
    return new ScriptCheck({ shared, chunks, flags }, block, spent, replies);
  }

  /** Verifies every non-coinbase input; resolves to the first failure or null. */
  verify(
    block: Block,
    raw: Uint8Array,
    spent: readonly (readonly Coin[])[],
    flags: number,
  ): Promise<ScriptFailure | null> {
    return this.start(block, raw, spent, flags).result();
  }

  /**
   * Has each idle worker run a full collection of its heap (heap-trim.ts: a worker's heap grows
   * with a sync like the main thread's). Resolves once every live worker has answered.
   */
  collect(): Promise<void> {
    if (this.active++ === 0) for (const w of this.workers) w.ref();
    return Promise.all(
      [...this.alive].map((worker) => {
        const id = this.nextId++;
        return new Promise<ScriptJobResult>((resolve) => {
          this.pending.set(id, { worker, resolve });
          worker.postMessage({ id, collect: true } satisfies CollectRequest);
        });
      }),
    )
      .then(() => undefined)
      .finally(() => {
        if (--this.active === 0) for (const w of this.workers) w.unref();
      });
  }

  async close(): Promise<void> {
    const all = [...this.alive];
    this.alive.clear();
    await Promise.all(all.map((w) => w.terminate()));
  }
}

/**
 * Contiguous runs of transactions of about CHUNK_INPUTS inputs, with their byte ranges; a
 * transaction in `skip` ends the run before it and joins none.
 */
function cutChunks(
  block: Block,
  raw: Uint8Array,
  spent: readonly (readonly Coin[])[],
  undo: Uint8Array,
  skip: ReadonlySet<number>,
): Chunk[] {
  const txs = block.txs;
  if (spent.length !== txs.length - 1) throw new Error('spent coins do not match the block');
  let txAt = HEADER_SIZE + varintSize(txs.length) + (txs[0]?.size() ?? 0);
  let undoAt = varintSize(spent.length);
  const chunks: Chunk[] = [];
  let cur: Chunk | null = null;
  let inputs = 0;
  for (let t = 1; t < txs.length; t++) {
    const coins = spent[t - 1]!;
    let undoSize = varintSize(coins.length);
    for (const c of coins) undoSize += coinSize(c);
    if (skip.has(t)) {
      txAt += txs[t]!.size();
      undoAt += undoSize;
      if (cur) chunks.push(cur);
      cur = null;
      inputs = 0;
      continue;
    }
    cur ??= { firstTx: t, txCount: 0, txBegin: txAt, txEnd: txAt, undoBegin: undoAt, undoEnd: undoAt };
    txAt += txs[t]!.size();
    undoAt += undoSize;
    cur.txCount++;
    cur.txEnd = txAt;
    cur.undoEnd = undoAt;
    inputs += coins.length;
    if (inputs >= CHUNK_INPUTS) {
      chunks.push(cur);
      cur = null;
      inputs = 0;
    }
  }
  if (cur) chunks.push(cur);
  if (txAt !== raw.length || undoAt !== undo.length)
    throw new Error('raw block or undo does not match the block');
  return chunks;
}
