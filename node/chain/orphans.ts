/**
 * Blocks whose parent is unknown wait here (Core's mapBlocksUnlinked / btcd's orphan pool),
 * bounded in count and expiring with age; the oldest goes first when full.
 */

import type { Block } from '../protocol/block.js';
import { hashToDisplay } from '../protocol/hash.js';

interface Orphan {
  block: Block;
  added: number;
}

export class OrphanBlocks {
  private readonly byHash = new Map<string, Orphan>();
  private readonly byParent = new Map<string, Set<string>>();
  private readonly max: number;
  private readonly ttl: number;

  constructor(opts: { max?: number; ttlSeconds?: number } = {}) {
    this.max = opts.max ?? 100;
    this.ttl = opts.ttlSeconds ?? 3600;
  }

  get size(): number {
    return this.byHash.size;
  }

  has(hashHex: string): boolean {
    return this.byHash.has(hashHex);
  }

  add(block: Block, now: number): void {
    const hash = block.hashHex();
    if (this.byHash.has(hash)) return;
    this.expire(now);
    while (this.byHash.size >= this.max) {
      const oldest = this.byHash.keys().next().value as string;
      this.remove(oldest);
    }
    this.byHash.set(hash, { block, added: now });
    const parent = hashToDisplay(block.header.prevBlock);
    const set = this.byParent.get(parent) ?? new Set<string>();
    this.byParent.set(parent, set);
    set.add(hash);
  }

  /** Removes and returns the orphans whose parent is `parentHex`. */
  takeChildren(parentHex: string): Block[] {
    const set = this.byParent.get(parentHex);
    if (!set) return [];
    const out: Block[] = [];
    for (const h of set) {
      const o = this.byHash.get(h);
      if (o) out.push(o.block);
      this.byHash.delete(h);
    }
    this.byParent.delete(parentHex);
    return out;
  }

  /** The root of the chain of orphans `hashHex` belongs to (what to ask peers for). */
  root(hashHex: string): string | null {
    let cur = this.byHash.get(hashHex);
    if (!cur) return null;
    for (;;) {
      const parent = hashToDisplay(cur.block.header.prevBlock);
      const next = this.byHash.get(parent);
      if (!next) return parent;
      cur = next;
    }
  }

  private remove(hashHex: string): void {
    const o = this.byHash.get(hashHex);
    if (!o) return;
    this.byHash.delete(hashHex);
    const parent = hashToDisplay(o.block.header.prevBlock);
    const set = this.byParent.get(parent);
    set?.delete(hashHex);
    if (set && set.size === 0) this.byParent.delete(parent);
  }

  private expire(now: number): void {
    for (const [h, o] of this.byHash) {
      if (now - o.added <= this.ttl) break;
      this.remove(h);
    }
  }
}
