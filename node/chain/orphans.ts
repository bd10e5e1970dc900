/**
 * Blocks whose parent is unknown wait here (Core's mapBlocksUnlinked / btcd's orphan pool),
 * bounded in count and expiring with age; the oldest goes first when full.
 */

import type { Block } from '../protocol/block.js';
import { type BlockHash, type HashKey, hashKey } from '../protocol/ids.js';

interface Orphan {
  block: Block;
  added: number;
}

export class OrphanBlocks {
  private readonly byHash = new Map<HashKey, Orphan>();
  private readonly byParent = new Map<HashKey, Set<HashKey>>();
  private readonly max: number;
  private readonly ttl: number;

  constructor(opts: { max?: number; ttlSeconds?: number } = {}) {
    this.max = opts.max ?? 100;
    this.ttl = opts.ttlSeconds ?? 3600;
  }

  get size(): number {
    return this.byHash.size;
  }

  has(hash: BlockHash): boolean {
    return this.byHash.has(hashKey(hash));
  }

  add(block: Block, now: number): void {
    const hash = hashKey(block.hash());
    if (this.byHash.has(hash)) return;
    this.expire(now);
    while (this.byHash.size >= this.max) {
      const oldest = this.byHash.keys().next().value as HashKey;
      this.remove(oldest);
    }
    this.byHash.set(hash, { block, added: now });
    const parent = hashKey(block.header.prevBlock);
    const set = this.byParent.get(parent) ?? new Set<HashKey>();
    this.byParent.set(parent, set);
    set.add(hash);
  }

  /** Removes and returns the orphans whose parent is `parentHash`. */
  takeChildren(parentHash: BlockHash): Block[] {
    const parentKey = hashKey(parentHash);
    const set = this.byParent.get(parentKey);
    if (!set) return [];
    const out: Block[] = [];
    for (const h of set) {
      const o = this.byHash.get(h);
      if (o) out.push(o.block);
      this.byHash.delete(h);
    }
    this.byParent.delete(parentKey);
    return out;
  }

  /** The root of the chain of orphans `hash` belongs to (what to ask peers for). */
  root(hash: BlockHash): BlockHash | null {
    let cur = this.byHash.get(hashKey(hash));
    if (!cur) return null;
    for (;;) {
      const parent = cur.block.header.prevBlock;
      const next = this.byHash.get(hashKey(parent));
      if (!next) return parent;
      cur = next;
    }
  }

  private remove(key: HashKey): void {
    const o = this.byHash.get(key);
    if (!o) return;
    this.byHash.delete(key);
    const parent = hashKey(o.block.header.prevBlock);
    const set = this.byParent.get(parent);
    set?.delete(key);
    if (set && set.size === 0) this.byParent.delete(parent);
  }

  private expire(now: number): void {
    for (const [h, o] of this.byHash) {
      if (now - o.added <= this.ttl) break;
      this.remove(h);
    }
  }
}
