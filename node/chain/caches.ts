/**
 * Write-through caches of what connecting a block reads from LevelDB, so the common case (coins
 * created a few blocks ago, addresses in recent use) costs no database round trip before the
 * scripts can start (in the spirit of Core's CCoinsViewCache, but never holding anything the
 * database does not: entries are added only after the batch that wrote them landed, and a
 * disconnect empties both caches). Bounded; the oldest entries go first.
 */
import { isUnspendable } from '../consensus/block-connect.js';
import type { Coin } from '../consensus/tx-inputs.js';
import type { Block } from '../protocol/block.js';
import { OutPoint } from '../protocol/tx.js';

/** Unspent coins as of the tip, by OutPoint.key(). A miss means "ask the database". */
export class CoinCache {
  private readonly map = new Map<string, Coin>();
  private readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  get(key: string): Coin | undefined {
    return this.map.get(key);
  }

  /** After `block` was connected at `height`: its spendable outputs in, its spent coins out. */
  connected(block: Block, height: number): void {
    block.txs.forEach((tx, t) => {
      if (t > 0) for (const input of tx.inputs) this.map.delete(input.prevout.key());
      const txid = tx.txid();
      tx.outputs.forEach((out, vout) => {
        if (isUnspendable(out.script)) return;
        // A copy: the output's script is a view into the whole block's bytes.
        const coin: Coin = { value: out.value, script: out.script.slice(), height, coinbase: t === 0 };
        this.map.set(new OutPoint(txid, vout).key(), coin);
      });
    });
    this.trim();
  }

  clear(): void {
    this.map.clear();
  }

  private trim(): void {
    for (const k of this.map.keys()) {
      if (this.map.size <= this.max) return;
      this.map.delete(k);
    }
  }
}

/** Stored address totals (indexes.ts encoding) by shKey(scripthash); undefined = none stored. */
export class TotalsCache {
  private readonly map = new Map<string, Uint8Array | undefined>();
  private readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  has(shHex: string): boolean {
    return this.map.has(shHex);
  }

  get(shHex: string): Uint8Array | undefined {
    return this.map.get(shHex);
  }

  /** After a batch that stored `value` (or deleted the totals) landed. */
  set(shHex: string, value: Uint8Array | undefined): void {
    this.map.delete(shHex);
    this.map.set(shHex, value);
    for (const k of this.map.keys()) {
      if (this.map.size <= this.max) return;
      this.map.delete(k);
    }
  }

  clear(): void {
    this.map.clear();
  }
}
