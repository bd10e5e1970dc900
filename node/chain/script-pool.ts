/**
 * Parallel script verification for connecting blocks (Core's CCheckQueue): a block's
 * transactions are split into contiguous shares of about equal input count, one per worker
 * thread; the first failing input (lowest tx, then input index) is reported. Small blocks are
 * verified inline, where messaging would cost more than it saves.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Coin } from '../consensus/tx-inputs.js';
import type { Block } from '../protocol/block.js';
import { HEADER_SIZE } from '../protocol/header.js';
import { varintSize } from '../protocol/writer.js';

export interface ScriptJob {
  id: number;
  block: Uint8Array;
  flags: number;
  txs: { index: number; offset: number; spent: { value: bigint; script: Uint8Array }[] }[];
}

export type ScriptJobResult =
  | { id: number; ok: true }
  | { id: number; ok: false; txIndex: number; inputIndex: number; scriptError: string };

export interface ScriptFailure {
  txIndex: number;
  inputIndex: number;
  scriptError: string;
}

/** Below this many inputs a block is verified on the calling thread. */
export const PARALLEL_MIN_INPUTS = 64;

const WORKER_URL = new URL('./script-worker.js', import.meta.url);

export class ScriptPool {
  private readonly workers: Worker[];
  private nextId = 1;
  private readonly pending = new Map<number, (r: ScriptJobResult) => void>();

  private constructor(size: number) {
    this.workers = Array.from({ length: size }, () => {
      const w = new Worker(WORKER_URL);
      w.on('message', (r: ScriptJobResult) => {
        this.pending.get(r.id)?.(r);
        this.pending.delete(r.id);
      });
      w.unref();
      return w;
    });
  }

  /** A pool of `size` workers, or null where the compiled worker is absent (TS sources, tests). */
  static create(size = availableParallelism()): ScriptPool | null {
    if (!existsSync(fileURLToPath(WORKER_URL))) return null;
    return new ScriptPool(Math.max(1, size));
  }

  get size(): number {
    return this.workers.length;
  }

  /** Verifies every non-coinbase input; resolves to the first failure or null. */
  async verify(
    block: Block,
    raw: Uint8Array,
    spent: readonly (readonly Coin[])[],
    flags: number,
  ): Promise<ScriptFailure | null> {
    let offset = HEADER_SIZE + varintSize(block.txs.length);
    const all: ScriptJob['txs'] = [];
    let inputs = 0;
    block.txs.forEach((tx, t) => {
      if (t > 0) {
        all.push({
          index: t,
          offset,
          spent: spent[t - 1]!.map((c) => ({ value: c.value, script: c.script })),
        });
        inputs += tx.inputs.length;
      }
      offset += tx.size();
    });
    const shares: ScriptJob['txs'][] = [];
    const per = Math.ceil(inputs / this.workers.length);
    let cur: ScriptJob['txs'] = [];
    let count = 0;
    for (const job of all) {
      cur.push(job);
      count += job.spent.length;
      if (count >= per && shares.length < this.workers.length - 1) {
        shares.push(cur);
        cur = [];
        count = 0;
      }
    }
    if (cur.length > 0) shares.push(cur);
    // Idle workers are unref'd so they never keep the process alive; a busy one must.
    const busy = this.workers.slice(0, shares.length);
    for (const w of busy) w.ref();
    let results: ScriptJobResult[];
    try {
      results = await Promise.all(
        shares.map((txs, i) => {
          const id = this.nextId++;
          return new Promise<ScriptJobResult>((resolve) => {
            this.pending.set(id, resolve);
            busy[i]!.postMessage({ id, block: raw, flags, txs } satisfies ScriptJob);
          });
        }),
      );
    } finally {
      for (const w of busy) w.unref();
    }
    let first: ScriptFailure | null = null;
    for (const r of results) {
      if (r.ok) continue;
      if (r.txIndex < 0) throw new Error(`script worker failed: ${r.scriptError}`);
      if (!first || r.txIndex < first.txIndex)
        first = { txIndex: r.txIndex, inputIndex: r.inputIndex, scriptError: r.scriptError };
    }
    return first;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
