/**
 * Write-through caches of what connecting a block reads from LevelDB, so the common case (coins
 * created a few blocks ago, addresses in recent use) costs no database round trip before the
 * scripts can start (in the spirit of Core's CCoinsViewCache, but never holding anything the
 * database does not: entries are added only after the batch that wrote them landed, and a
 * disconnect empties both caches). Bounded; the oldest entries go first.
 *
 * Each reports its entries and an estimate of the heap they hold (`stats`, for /metrics): a
 * fixed per-entry cost (key string, Map slot, the Coin object and its typed array, measured on
 * Node 20 with heap snapshots) plus the variable bytes (scripts, stored totals).
 */
import type { Coin } from '../consensus/tx-inputs.js';
import type { Block } from '../protocol/block.js';
import { forEachCoinChange } from './coins.js';

/** What a bounded cache holds: entries, and its heap in bytes (an estimate, see above). */
export interface CacheStats {
  readonly entries: number;
  readonly bytes: number;
  /** The bound on entries. */
  readonly max: number;
}

/** Heap per coin besides its script: a 70-character key, the Map slot, Coin, bigint, Uint8Array. */
export const COIN_ENTRY_BYTES = 330;
/** Heap per address total besides its stored bytes: a 64-character key, the slot, a Uint8Array. */
export const TOTALS_ENTRY_BYTES = 260;

/** Unspent coins as of the tip, by OutPoint.key(). A miss means "ask the database". */
export class CoinCache {
  private readonly map = new Map<string, Coin>();
  private readonly max: number;
  /** Sum of the cached coins' script lengths. */
  private scriptBytes = 0;

  constructor(max: number) {
    this.max = Math.max(0, max);
  }

  stats(): CacheStats {
    return {
      entries: this.map.size,
      bytes: this.map.size * COIN_ENTRY_BYTES + this.scriptBytes,
      max: this.max,
    };
  }

  get(key: string): Coin | undefined {
    return this.map.get(key);
  }

  /** After `block` was connected at `height`: its spendable outputs in, its spent coins out. */
  connected(block: Block, height: number): void {
    forEachCoinChange(
      block,
      height,
      (prevout) => this.delete(prevout.key()),
      this.max === 0
        ? null
        : (outpoint, coin) => {
            const key = outpoint.key();
            this.delete(key);
            this.map.set(key, coin);
            this.scriptBytes += coin.script.length;
          },
    );
    this.trim();
  }

  clear(): void {
    this.map.clear();
    this.scriptBytes = 0;
  }

  private delete(key: string): void {
    const coin = this.map.get(key);
    if (!coin) return;
    this.scriptBytes -= coin.script.length;
    this.map.delete(key);
  }

  private trim(): void {
    for (const k of this.map.keys()) {
      if (this.map.size <= this.max) return;
      this.delete(k);
    }
  }
}

/** Stored address totals (indexes.ts encoding) by shKey(scripthash); undefined = none stored. */
export class TotalsCache {
  private readonly map = new Map<string, Uint8Array | undefined>();
  private readonly max: number;
  /** Sum of the cached values' lengths. */
  private valueBytes = 0;

  constructor(max: number) {
    this.max = Math.max(0, max);
  }

  stats(): CacheStats {
    return {
      entries: this.map.size,
      bytes: this.map.size * TOTALS_ENTRY_BYTES + this.valueBytes,
      max: this.max,
    };
  }

  has(shHex: string): boolean {
    return this.map.has(shHex);
  }

  get(shHex: string): Uint8Array | undefined {
    return this.map.get(shHex);
  }

  /** After a batch that stored `value` (or deleted the totals) landed. */
  set(shHex: string, value: Uint8Array | undefined): void {
    this.delete(shHex);
    if (this.max === 0) return;
    this.map.set(shHex, value);
    this.valueBytes += value?.length ?? 0;
    for (const k of this.map.keys()) {
      if (this.map.size <= this.max) return;
      this.delete(k);
    }
  }

  clear(): void {
    this.map.clear();
    this.valueBytes = 0;
  }

  private delete(shHex: string): void {
    if (!this.map.has(shHex)) return;
    this.valueBytes -= this.map.get(shHex)?.length ?? 0;
    this.map.delete(shHex);
  }
}
