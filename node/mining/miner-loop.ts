/**
 * Continuous mining, as Core's generateBlocks loop with getblocktemplate's refresh: take a
 * template, grind it in the worker pool, submit the solved block, repeat. The work restarts
 * when the tip changes (the template is stale), and every `refreshMs` to pick up new mempool
 * transactions; an exhausted nonce space rolls the coinbase extra nonce (IncrementExtraNonce).
 *
 * Dependency-injected (STYLE.md point 1): `buildTemplate`, `submitBlock` and `onTip` are the
 * node's; tests pass fakes. Template and submission errors go to `onError` and the loop goes
 * on after `retryMs`, so a rejected block or a transient failure never stops the miner.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Block } from '../protocol/block.js';
import { BlockHeader } from '../protocol/header.js';
import { decodeCompact } from '../protocol/pow.js';
import { extraNonceOf, MAX_EXTRA_NONCE, withExtraNonce } from './coinbase.js';
import { type HashEngine, MinerPool } from './miner-pool.js';

export interface MinerDeps {
  /** A fresh template on the current tip, header nonce 0 (template.ts buildBlockTemplate). */
  buildTemplate(): Promise<Block>;
  /** Hands a solved block to the chain. */
  submitBlock(block: Block): Promise<void>;
  /** Subscribes to tip changes; may return an unsubscribe function. */
  onTip(cb: () => void): (() => void) | undefined;
}

export interface MinerOptions {
  /** Worker threads; default os.availableParallelism(). */
  readonly workers?: number;
  readonly engine?: HashEngine;
  /** Rebuild the template this often (ms) even without a new tip; 0 disables. Default 5,000. */
  readonly refreshMs?: number;
  /** Pause after a failed buildTemplate/submitBlock (ms). Default 1,000. */
  readonly retryMs?: number;
  /** Called after each block the chain accepted from us. */
  readonly onBlock?: (block: Block) => void;
  readonly onError?: (err: unknown) => void;
}

export interface SolveOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (hashes: number) => void;
  /** First nonce of the first round (default 0); later rounds, after an extra-nonce roll, start at 0. */
  readonly startNonce?: number;
}

/**
 * Grinds `block` until its header meets its own bits, rolling the extra nonce whenever the
 * nonce space runs out. Null if aborted. The header's time is left as the template set it.
 */
export async function solveBlock(
  pool: MinerPool,
  block: Block,
  opts: SolveOptions = {},
): Promise<Block | null> {
  const { target, negative, overflow } = decodeCompact(block.header.bits);
  if (negative || overflow || target === 0n)
    throw new RangeError(`bad bits 0x${block.header.bits.toString(16)}`);
  let work = block;
  let startNonce = opts.startNonce ?? 0;
  for (;;) {
    const found = await pool.mine(work.header.toBytes(), target, { ...opts, startNonce });
    startNonce = 0;
    if (found) {
      const h = work.header;
      const header = new BlockHeader({
        version: h.version,
        prevBlock: h.prevBlock,
        merkleRoot: h.merkleRoot,
        time: h.time,
        bits: h.bits,
        nonce: found.nonce,
      });
      return new Block(header, work.txs);
    }
    if (opts.signal?.aborted) return null;
    const coinbase = work.txs[0];
    if (!coinbase) throw new RangeError('block has no coinbase');
    const next = extraNonceOf(coinbase) + 1;
    if (next > MAX_EXTRA_NONCE) throw new RangeError('extra nonce space exhausted');
    work = withExtraNonce(work, next);
  }
}

export class Miner {
  private readonly opts: MinerOptions;
  private readonly deps: MinerDeps;
  private pool: MinerPool | null = null;
  private loop: Promise<void> | null = null;
  private abort: AbortController | null = null;
  private unsubscribe: (() => void) | undefined;
  private stopping: AbortController | null = null;
  private tipGeneration = 0;
  private blocks = 0;
  private hashesBefore = 0;

  constructor(opts: MinerOptions, deps: MinerDeps) {
    this.opts = opts;
    this.deps = deps;
  }

  get running(): boolean {
    return this.loop !== null;
  }

  /** Blocks found and accepted, and hashes done, since construction. */
  get stats(): { blocks: number; hashes: number } {
    return { blocks: this.blocks, hashes: this.hashesBefore + (this.pool?.totalHashes ?? 0) };
  }

  start(): void {
    if (this.loop) return;
    this.pool = this.newPool();
    this.stopping = new AbortController();
    this.unsubscribe = this.deps.onTip(() => {
      this.tipGeneration++;
      this.abort?.abort();
    });
    this.loop = this.run(this.stopping.signal);
  }

  /** Stops mining, waits for the loop to end and terminates the worker threads. */
  async stop(): Promise<void> {
    if (!this.loop) return;
    this.stopping?.abort();
    this.abort?.abort();
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.loop;
    const pool = this.pool;
    this.hashesBefore += pool?.totalHashes ?? 0;
    this.pool = null;
    this.loop = null;
    await pool?.close();
  }

  private newPool(): MinerPool {
    return new MinerPool({ workers: this.opts.workers, engine: this.opts.engine });
  }

  private async run(stopping: AbortSignal): Promise<void> {
    const refreshMs = this.opts.refreshMs ?? 5000;
    while (!stopping.aborted) {
      // A worker thread died (the error went to onError): carry on with fresh threads.
      if (this.pool?.failure) {
        this.hashesBefore += this.pool.totalHashes;
        this.pool = this.newPool();
      }
      const pool = this.pool!;
      const generation = this.tipGeneration;
      const ac = new AbortController();
      this.abort = ac;
      let timer: NodeJS.Timeout | undefined;
      try {
        const template = await this.deps.buildTemplate();
        if (stopping.aborted) break;
        if (generation !== this.tipGeneration) continue;
        if (refreshMs > 0) timer = setTimeout(() => ac.abort(), refreshMs);
        const solved = await solveBlock(pool, template, { signal: ac.signal });
        if (!solved || stopping.aborted) continue;
        await this.deps.submitBlock(solved);
        this.blocks++;
        this.opts.onBlock?.(solved);
      } catch (e) {
        if (stopping.aborted) break;
        this.opts.onError?.(e);
        await sleep(this.opts.retryMs ?? 1000, undefined, { signal: stopping }).catch(() => undefined);
      } finally {
        clearTimeout(timer);
        this.abort = null;
      }
    }
  }
}
