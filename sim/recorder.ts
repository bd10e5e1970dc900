/**
 * What the simulator measures, from the outside of unmodified nodes: the virtual time each block
 * connects on each node (the chain's 'connect' event) and each tx enters each mempool (the
 * mempool's 'added' event, or the tx arriving in a connected block first), relative to when the
 * block was mined or the tx created. An item's reach is counted over the nodes online when it was
 * made; a node that joins later and syncs it does not count. Per-node arrays are dropped once an
 * item is done (everyone has it, or it is older than `settleMs`), leaving only its summary, so
 * memory grows with items, not items × nodes.
 */
import { reachTime, round1 } from './stats.js';

export const REACH = [0.5, 0.9, 0.99, 1] as const;

export interface ItemSummary {
  id: string;
  /** Virtual ms since the run started. */
  t: number;
  origin: number;
  size: number;
  population: number;
  reached: number;
  /** ms to reach 50/90/99/100% of the population (null: never did). */
  reach: (number | null)[];
}

export interface BlockSummary extends ItemSummary {
  height: number;
  txs: number;
}

export interface TxSummary extends ItemSummary {
  /** Nodes that saw it only in a block, never in their mempool. */
  viaBlock: number;
}

interface Live {
  id: string;
  t: number;
  origin: number;
  size: number;
  /** Nodes (index) online when made, and when each saw it (ms after t; NaN: not yet). */
  seen: Map<number, number>;
  population: number;
  reached: number;
  viaBlock: number;
  height: number;
  txs: number;
}

export class Recorder {
  readonly blocks: BlockSummary[] = [];
  readonly txs: TxSummary[] = [];
  /** Every (item, node) delay, ms, for the CDFs. */
  readonly blockDelays: number[] = [];
  readonly txDelays: number[] = [];
  orphanBlocks = 0;
  blockArrivals = 0;
  private readonly start: number;
  private readonly settleMs: number;
  private readonly liveBlocks = new Map<string, Live>();
  private readonly liveTxs = new Map<string, Live>();

  constructor(startMs: number, settleMs = 10 * 60_000) {
    this.start = startMs;
    this.settleMs = settleMs;
  }

  blockMade(
    id: string,
    now: number,
    origin: number,
    online: Iterable<number>,
    size: number,
    height: number,
    txs: number,
  ): void {
    this.liveBlocks.set(id, this.live(id, now, origin, online, size, height, txs));
  }

  txMade(id: string, now: number, origin: number, online: Iterable<number>, size: number): void {
    this.liveTxs.set(id, this.live(id, now, origin, online, size, 0, 0));
  }

  blockConnected(node: number, id: string, now: number, txids: readonly string[]): void {
    this.blockArrivals++;
    const b = this.liveBlocks.get(id);
    if (b) this.mark(b, node, now, this.blockDelays);
    for (const txid of txids) {
      const t = this.liveTxs.get(txid);
      if (t && t.seen.get(node) !== undefined && Number.isNaN(t.seen.get(node)!)) {
        t.viaBlock++;
        this.mark(t, node, now, null);
      }
    }
  }

  txAdded(node: number, id: string, now: number): void {
    const t = this.liveTxs.get(id);
    if (t) this.mark(t, node, now, this.txDelays);
  }

  forgetTx(id: string): void {
    this.liveTxs.delete(id);
  }

  blockOrphaned(): void {
    this.orphanBlocks++;
  }

  /** Closes items older than `settleMs` (all of them with `all`). */
  sweep(now: number, all = false): void {
    for (const [id, x] of this.liveBlocks)
      if (all || now - x.t > this.settleMs) {
        this.liveBlocks.delete(id);
        this.blocks.push({ ...this.summary(x), height: x.height, txs: x.txs });
      }
    for (const [id, x] of this.liveTxs)
      if (all || now - x.t > this.settleMs) {
        this.liveTxs.delete(id);
        this.txs.push({ ...this.summary(x), viaBlock: x.viaBlock });
      }
  }

  private live(
    id: string,
    now: number,
    origin: number,
    online: Iterable<number>,
    size: number,
    height: number,
    txs: number,
  ): Live {
    const seen = new Map<number, number>();
    for (const i of online) seen.set(i, Number.NaN);
    return { id, t: now, origin, size, seen, population: seen.size, reached: 0, viaBlock: 0, height, txs };
  }

  private mark(x: Live, node: number, now: number, delays: number[] | null): void {
    const prev = x.seen.get(node);
    if (prev === undefined || !Number.isNaN(prev)) return;
    const d = now - x.t;
    x.seen.set(node, d);
    x.reached++;
    delays?.push(d);
  }

  private summary(x: Live): ItemSummary {
    const d = [...x.seen.values()].filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
    return {
      id: x.id,
      t: round1(x.t - this.start)!,
      origin: x.origin,
      size: x.size,
      population: x.population,
      reached: x.reached,
      reach: REACH.map((r) => round1(reachTime(d, x.population, r))),
    };
  }
}
