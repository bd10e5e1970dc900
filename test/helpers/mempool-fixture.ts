/**
 * A fake chain for mempool tests: an in-memory UTXO set behind the async `getCoin` the
 * mempool expects, a tip (height, median time past 600 s apart per block), a settable clock,
 * and connect/disconnect of blocks that update the coins (with undo), so tests can drive
 * removeForBlock and reAddDisconnected. `invariants` recomputes every entry's aggregates.
 */
import { expect } from 'vitest';
import type { Coin } from '../../node/consensus/tx-inputs.js';
import { TxRejectError } from '../../node/mempool/errors.js';
import { Mempool } from '../../node/mempool/mempool.js';
import type { MempoolDeps, MempoolOptions } from '../../node/mempool/types.js';
import { Block } from '../../node/protocol/block.js';
import { concat } from '../../node/protocol/bytes.js';
import { BlockHeader } from '../../node/protocol/header.js';
import { regtest } from '../../node/protocol/params.js';
import { pushInt } from '../../node/protocol/script/script.js';
import { OutPoint, Tx, TxIn, TxOut } from '../../node/protocol/tx.js';
import { fakeTxid, type SpendInput, type TestKey, testKey } from './keys.js';

export const COIN = 100_000_000n;
export const ALICE = testKey('alice');
export const BOB = testKey('bob');
export const MTP0 = 1_700_000_000;

export class FakeChain {
  readonly coins = new Map<string, Coin>();
  height = 300;
  mtp = MTP0;
  now = MTP0 + 3600;
  getCoinCalls = 0;
  /** Awaited inside every getCoin after the read (to interleave chain updates with an accept). */
  gate: (() => Promise<void>) | null = null;
  private nextId = 1;
  private readonly undo: { block: Block; spent: [string, Coin][] }[] = [];

  /** Median time past of the block at height h, 600 s per block below the tip. */
  mtpAt(h: number): number {
    return this.mtp - (this.height - h) * 600;
  }

  /** A confirmed coin paying `key` (or `script`), as a ready-to-sign input. */
  fund(
    value: bigint,
    opts: { key?: TestKey; height?: number; coinbase?: boolean; script?: Uint8Array } = {},
  ): SpendInput & { key: TestKey } {
    const key = opts.key ?? ALICE;
    const prevout = new OutPoint(fakeTxid(this.nextId++), 0);
    this.coins.set(prevout.key(), {
      value,
      script: opts.script ?? key.p2wpkh,
      height: opts.height ?? this.height - 10,
      coinbase: opts.coinbase ?? false,
    });
    return { prevout, value, key };
  }

  deps(): MempoolDeps {
    return {
      getCoin: async (prevout) => {
        this.getCoinCalls++;
        // Read first, deliver later: a snapshot that may be stale by the time it arrives.
        const coin = this.coins.get(prevout.key());
        if (this.gate) await this.gate();
        return coin;
      },
      tip: () => ({ height: this.height, medianTimePast: this.mtp }),
      medianTimePast: (h) => this.mtpAt(h),
      now: () => this.now,
      random: () => 0.5,
    };
  }

  mempool(opts: Partial<MempoolOptions> = {}): Mempool {
    return new Mempool({ params: regtest, ...opts }, this.deps());
  }

  /** Connects a block of `txs` (after a coinbase): spends their inputs, adds their outputs. */
  connect(txs: readonly Tx[]): Block {
    const height = this.height + 1;
    const coinbase = new Tx({
      version: 2,
      inputs: [new TxIn(OutPoint.null(), concat(pushInt(height), Uint8Array.of(0)))],
      outputs: [new TxOut(50n * COIN, ALICE.p2wpkh)],
      locktime: 0,
    });
    const block = new Block(
      new BlockHeader({
        version: 4,
        prevBlock: new Uint8Array(32),
        merkleRoot: new Uint8Array(32),
        time: this.mtp + 600,
        bits: 0x207fffff,
        nonce: height,
      }),
      [coinbase, ...txs],
    );
    const spent: [string, Coin][] = [];
    for (const tx of block.txs) {
      if (!tx.isCoinbase()) {
        for (const input of tx.inputs) {
          const key = input.prevout.key();
          const coin = this.coins.get(key);
          if (coin) spent.push([key, coin]);
          this.coins.delete(key);
        }
      }
      tx.outputs.forEach((out, i) => {
        this.coins.set(new OutPoint(tx.txid(), i).key(), {
          value: out.value,
          script: out.script,
          height,
          coinbase: tx.isCoinbase(),
        });
      });
    }
    this.undo.push({ block, spent });
    this.height = height;
    this.mtp += 600;
    return block;
  }

  /** Disconnects the tip block; returns it. */
  disconnect(): Block {
    const { block, spent } = this.undo.pop()!;
    for (const tx of block.txs) {
      tx.outputs.forEach((_, i) => {
        this.coins.delete(new OutPoint(tx.txid(), i).key());
      });
    }
    for (const [key, coin] of spent) this.coins.set(key, coin);
    this.height--;
    this.mtp -= 600;
    return block;
  }
}

/** Recomputes every entry's ancestor and descendant aggregates from the links. */
export function invariants(mempool: Mempool): void {
  const all = [...mempool.entries()];
  for (const e of all) {
    const anc = mempool.ancestors(e.tx.txid());
    const desc = mempool.descendants(e.tx.txid());
    expect(e.ancestorCount, `ancestorCount of ${e.txid}`).toBe(anc.length + 1);
    expect(e.ancestorSize).toBe(anc.reduce((s, a) => s + a.vsize, e.vsize));
    expect(e.ancestorFee).toBe(anc.reduce((s, a) => s + a.fee, e.fee));
    expect(e.descendantCount, `descendantCount of ${e.txid}`).toBe(desc.length + 1);
    expect(e.descendantSize).toBe(desc.reduce((s, d) => s + d.vsize, e.vsize));
    expect(e.descendantFee).toBe(desc.reduce((s, d) => s + d.fee, e.fee));
    for (const p of e.parents) expect(p.children.has(e)).toBe(true);
    for (const input of e.tx.inputs) expect(mempool.spender(input.prevout)).toBe(e);
  }
  const info = mempool.info();
  expect(info.count).toBe(all.length);
  expect(info.vsize).toBe(all.reduce((s, e) => s + e.vsize, 0));
}

/** The TxRejectError `promise` rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<TxRejectError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof TxRejectError) return e;
    throw e;
  }
  throw new Error('expected a TxRejectError, but the transaction was accepted');
}
