/**
 * Coin changes of connected blocks held in memory and written to LevelDB in large batches
 * (Bitcoin Core's CCoinsViewCache under -dbcache, flushed by FlushStateToDisk): a block's batch
 * carries its undo data, indexes and the new tip, but not its UTXO changes, which wait here
 * until the view holds `maxBytes` or its oldest change is `maxAgeSec` old. A coin created and
 * spent between two flushes never reaches the database (Core's FRESH flag).
 *
 * Crash safety rests on one key, `B` (layout.ts): the block whose UTXO set the `c` keys hold.
 * A flush writes every change with `B` = the tip, atomically; a disconnect first flushes and
 * then writes its coin restorations with `B` = the new tip. So `B` is always an ancestor of the
 * tip (`T`), and a node killed at any moment restarts by replaying the coin changes of the
 * stored blocks above `B` (coin-replay.ts; Core's ReplayBlocks).
 */
import type { Coin } from '../consensus/tx-inputs.js';
import type { Block } from '../protocol/block.js';
import type { OutPoint } from '../protocol/tx.js';
import { type CacheStats, COIN_ENTRY_BYTES } from './caches.js';
import { encodeCoin, forEachCoinChange } from './coins.js';
import type { BatchOp } from './indexes.js';
import { keys } from './layout.js';

/** A coin's state in the view: unspent (`coin`) or spent (null, to delete at the flush). */
interface ViewEntry {
  readonly outpoint: OutPoint;
  coin: Coin | null;
  /** Not in the database: spending it just forgets the entry (Core's FRESH). */
  fresh: boolean;
}

/** Heap per entry besides the script: COIN_ENTRY_BYTES plus the entry object and OutPoint. */
const VIEW_ENTRY_BYTES = COIN_ENTRY_BYTES + 120;

export class CoinView {
  private readonly map = new Map<string, ViewEntry>();
  private scriptBytes = 0;
  /** Seconds (the chain's clock) when the oldest unflushed change was made; 0 when clean. */
  private dirtySince = 0;

  /**
   * `fresh` false makes every spend a delete, which makes applying a block twice harmless:
   * replay uses it, since the database may already hold some of what it replays.
   */
  readonly maxBytes: number;
  readonly maxAgeSec: number;
  private readonly useFresh: boolean;

  constructor(maxBytes: number, maxAgeSec: number, useFresh = true) {
    this.maxBytes = maxBytes;
    this.maxAgeSec = maxAgeSec;
    this.useFresh = useFresh;
  }

  get size(): number {
    return this.map.size;
  }

  get bytes(): number {
    return this.map.size * VIEW_ENTRY_BYTES + this.scriptBytes;
  }

  stats(): CacheStats {
    return { entries: this.map.size, bytes: this.bytes, max: this.maxBytes };
  }

  /** The coin at `key` (OutPoint.key()): a Coin, null if spent here, undefined if the view has no say. */
  get(key: string): Coin | null | undefined {
    return this.map.get(key)?.coin;
  }

  /** Whether a flush is due: the bytes bound reached, or the oldest change too old. */
  wantsFlush(now: number): boolean {
    if (this.map.size === 0) return false;
    return this.bytes >= this.maxBytes || now - this.dirtySince >= this.maxAgeSec;
  }

  /** `block`, connected at `height`: per transaction, its spends, then its spendable outputs. */
  connected(block: Block, height: number, now: number): void {
    if (this.map.size === 0) this.dirtySince = now;
    forEachCoinChange(
      block,
      height,
      (prevout) => this.spend(prevout),
      (outpoint, coin) => this.add(outpoint, coin),
    );
  }

  /** The flush's ops: every change, then `B` = `tip`. The view is unchanged until `flushed`. */
  flushOps(tip: Uint8Array): BatchOp[] {
    const ops: BatchOp[] = [];
    for (const { outpoint, coin } of this.map.values()) {
      const key = keys.coin(outpoint.txid, outpoint.index);
      if (coin) ops.push({ type: 'put', key, value: encodeCoin(coin) });
      else ops.push({ type: 'del', key });
    }
    ops.push({ type: 'put', key: keys.coinTip(), value: tip });
    return ops;
  }

  /** After the flush's batch landed: the database holds everything, the view nothing. */
  flushed(): void {
    this.map.clear();
    this.scriptBytes = 0;
    this.dirtySince = 0;
  }

  private spend(op: OutPoint): void {
    const k = op.key();
    const e = this.map.get(k);
    if (e?.coin) this.scriptBytes -= e.coin.script.length;
    if (e?.fresh) this.map.delete(k);
    else if (e) e.coin = null;
    else this.map.set(k, { outpoint: op, coin: null, fresh: false });
  }

  private add(op: OutPoint, coin: Coin): void {
    const k = op.key();
    const e = this.map.get(k);
    if (e) {
      // Only a spent coin of the same outpoint can be here (BIP30): the database may hold it.
      if (e.coin) this.scriptBytes -= e.coin.script.length;
      e.coin = coin;
    } else this.map.set(k, { outpoint: op, coin, fresh: this.useFresh });
    this.scriptBytes += coin.script.length;
  }
}
