/**
 * CPU mining in worker threads: a pool of workers (miner-worker.ts), started once and reused,
 * that split a header's 32-bit nonce space and grind it (nonce-grind.ts). The main thread
 * only posts jobs and collects answers, so its event loop never blocks.
 *
 * `MinerPool.mine` resolves with the first nonce whose double-SHA-256 meets the target, or
 * null when the range is exhausted (the caller then rolls the extra nonce or the time, as
 * Core's generateBlocks does) or the signal aborts. It resolves only once every worker has
 * acknowledged the end of the job (within one batch, a few ms), so hash counts are exact and
 * the next job starts on idle workers. Workers are unref'd while idle, so a pool never keeps
 * the process alive by itself; `close()` terminates them all. `mineHeader` is the one-shot
 * form: its own pool, closed (threads terminated) when it returns, aborts included.
 *
 * Worker threads load JavaScript, so the worker is the compiled miner-worker.js: next to this
 * file when it runs from dist/, and the build's copy in dist/ when it runs from the TypeScript
 * sources (vitest), which is why the tests build first (as the script pool's do).
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { GrindJob, GrindResult, HashEngine } from './nonce-grind.js';

export type { HashEngine } from './nonce-grind.js';

/** A job as posted to a worker: the nonce range plus the id the stop word is compared with. */
export interface WorkerJob extends GrindJob {
  readonly id: number;
}

export type WorkerReply =
  | { readonly type: 'progress'; readonly id: number; readonly hashes: number }
  | ({ readonly type: 'done'; readonly id: number } & GrindResult);

export interface WorkerData {
  /** Int32Array over it; word 0 = id of the job allowed to run. */
  readonly control: SharedArrayBuffer;
}

/** The compiled worker, or null when neither copy exists (sources never built). */
function findWorker(): URL | null {
  const candidates = [
    new URL('./miner-worker.js', import.meta.url),
    new URL('../../dist/node/mining/miner-worker.js', import.meta.url),
  ];
  return candidates.find((u) => existsSync(fileURLToPath(u))) ?? null;
}

let workerUrl: URL | null | undefined;

export const NONCE_SPACE = 2 ** 32;

export interface MineResult {
  readonly nonce: number;
  /** Double-SHA-256 of the header with that nonce, internal byte order. */
  readonly hash: Uint8Array;
}

export interface MineOptions {
  readonly signal?: AbortSignal;
  /** First nonce to try (default 0); the pool covers [startNonce, 2^32). */
  readonly startNonce?: number;
  /** Called (at most ~4 times a second) with the hashes done so far in this job. */
  readonly onProgress?: (hashes: number) => void;
}

export interface MinerPoolOptions {
  /** Worker threads; default os.availableParallelism(). */
  readonly workers?: number;
  /** Hash implementation in the workers; default 'js' (midstate), see nonce-grind.ts. */
  readonly engine?: HashEngine;
}

interface Job {
  readonly id: number;
  pending: number;
  /** Final counts per worker, from `done`. */
  hashes: number;
  /** Latest progress per worker. */
  readonly progress: number[];
  result: MineResult | null;
  aborted: boolean;
  readonly onProgress: ((hashes: number) => void) | undefined;
  readonly finish: (r: MineResult | null) => void;
  readonly fail: (e: Error) => void;
}

export class MinerPool {
  readonly size: number;
  readonly engine: HashEngine;
  private readonly workers: Worker[] = [];
  private readonly control = new Int32Array(new SharedArrayBuffer(4));
  private jobSeq = 0;
  private job: Job | null = null;
  private closed = false;
  private broken: Error | null = null;
  private live = 0;
  private hashesTotal = 0;

  constructor(opts: MinerPoolOptions = {}) {
    const n = opts.workers ?? availableParallelism();
    if (!Number.isInteger(n) || n < 1 || n > 1024) throw new RangeError(`bad worker count ${n}`);
    this.size = n;
    this.engine = opts.engine ?? 'js';
    workerUrl ??= findWorker();
    if (!workerUrl)
      throw new Error('miner worker not built (dist/node/mining/miner-worker.js): run npm run build');
    const workerData: WorkerData = { control: this.control.buffer as SharedArrayBuffer };
    for (let k = 0; k < n; k++) {
      const w = new Worker(workerUrl, { workerData, name: `miner-${k}` });
      this.live++;
      w.on('message', (m: WorkerReply) => this.onMessage(k, m));
      w.on('error', (e) => this.onFailure(e));
      w.on('exit', (code) => {
        this.live--;
        if (!this.closed) this.onFailure(new Error(`miner worker ${k} exited with code ${code}`));
      });
      w.unref();
      this.workers.push(w);
    }
  }

  /** Hashes done by this pool since it started; the running job counts as last reported. */
  get totalHashes(): number {
    const live = this.job ? this.job.progress.reduce((a, b) => a + b, 0) : 0;
    return this.hashesTotal + live;
  }

  /** Worker threads still running; 0 once close() has resolved. */
  get liveWorkers(): number {
    return this.live;
  }

  /** Why the pool stopped working (a worker crashed or exited), else null. */
  get failure(): Error | null {
    return this.broken;
  }

  get busy(): boolean {
    return this.job !== null;
  }

  mine(header80: Uint8Array, target: bigint, opts: MineOptions = {}): Promise<MineResult | null> {
    const start = opts.startNonce ?? 0;
    const bad = this.checkJob(header80, target, start);
    if (bad) return Promise.reject(bad);
    const { signal } = opts;
    if (signal?.aborted) return Promise.resolve(null);

    const targetBytes = targetToBytes(target);
    const id = this.nextId();
    Atomics.store(this.control, 0, id);
    return new Promise<MineResult | null>((resolve, reject) => {
      const onAbort = (): void => this.stop(true);
      const settle = (): void => {
        signal?.removeEventListener('abort', onAbort);
        this.job = null;
        for (const w of this.workers) w.unref();
      };
      this.job = {
        id,
        pending: this.size,
        hashes: 0,
        progress: new Array(this.size).fill(0),
        result: null,
        aborted: false,
        onProgress: opts.onProgress,
        finish: (r) => {
          settle();
          resolve(r);
        },
        fail: (e) => {
          settle();
          reject(e);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const span = NONCE_SPACE - start;
      this.workers.forEach((w, k) => {
        w.ref();
        const job: WorkerJob = {
          id,
          header: header80,
          target: targetBytes,
          start: start + Math.floor((span * k) / this.size),
          end: start + Math.floor((span * (k + 1)) / this.size),
          engine: this.engine,
        };
        w.postMessage(job);
      });
    });
  }

  /** Stops the workers and terminates them; a job in progress resolves null. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.control, 0, 0);
    const job = this.job;
    if (job) {
      this.hashesTotal += job.progress.reduce((a, b) => a + b, 0);
      job.aborted = true;
      job.finish(null);
    }
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private checkJob(header80: Uint8Array, target: bigint, start: number): Error | null {
    if (this.broken) return this.broken;
    if (this.closed) return new Error('miner pool is closed');
    if (this.job) return new Error('miner pool is busy');
    if (header80.length !== 80) return new RangeError('a block header is 80 bytes');
    if (target < 0n) return new RangeError('negative target');
    if (!Number.isInteger(start) || start < 0 || start >= NONCE_SPACE) {
      return new RangeError(`startNonce must be in [0, 2^32), got ${start}`);
    }
    return null;
  }

  private nextId(): number {
    this.jobSeq = this.jobSeq >= 0x7fffffff ? 1 : this.jobSeq + 1;
    return this.jobSeq;
  }

  /** Tell every worker to drop the current job (id 0 matches no job). */
  private stop(aborted: boolean): void {
    if (this.job && aborted) this.job.aborted = true;
    Atomics.store(this.control, 0, 0);
  }

  private onMessage(k: number, m: WorkerReply): void {
    const job = this.job;
    if (!job || m.id !== job.id) return;
    if (m.type === 'progress') {
      job.progress[k] = m.hashes;
      job.onProgress?.(job.hashes + job.progress.reduce((a, b) => a + b, 0));
      return;
    }
    job.pending--;
    job.hashes += m.hashes;
    job.progress[k] = 0;
    this.hashesTotal += m.hashes;
    if (m.nonce !== null && m.hash !== null && job.result === null) {
      job.result = { nonce: m.nonce, hash: m.hash };
      this.stop(false);
    }
    if (job.pending === 0) job.finish(job.aborted ? null : job.result);
  }

  private onFailure(e: Error): void {
    if (this.closed) return;
    this.broken = e;
    this.job?.fail(e);
    void this.close();
  }
}

/**
 * Grinds `header80` (80 bytes; its nonce field is ignored, the caller's bytes untouched) for
 * a hash <= target. A pool of `workers` threads lives for this call only. Null when
 * [startNonce, 2^32) holds no solution or the signal aborted.
 */
export async function mineHeader(
  header80: Uint8Array,
  target: bigint,
  opts: MineOptions & MinerPoolOptions = {},
): Promise<MineResult | null> {
  if (opts.signal?.aborted) return null;
  const pool = new MinerPool(opts);
  try {
    return await pool.mine(header80, target, opts);
  } finally {
    await pool.close();
  }
}

/** The target as 32 little-endian bytes (the hash's byte order); above 2^256 - 1 saturates. */
export function targetToBytes(target: bigint): Uint8Array {
  const out = new Uint8Array(32);
  if (target >= 1n << 256n) return out.fill(0xff);
  let t = target;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(t & 0xffn);
    t >>= 8n;
  }
  return out;
}
