/**
 * The shared-memory side of the script-check pool (Core's CCheckQueue, where the master thread
 * joins the workers once it has queued everything): a block's non-coinbase transactions are
 * cut into chunks of contiguous transactions, and every participant (each worker and the
 * connecting thread) claims the next chunk from one Atomics counter until none is left, so the
 * load balances itself however busy each thread is. A participant that finds a bad input
 * records its chunk as failed; chunks after the lowest failed one are skipped, and the
 * lowest failing (tx, input) wins, as in a sequential check.
 *
 * SharedArrayBuffer layout: ctl Int32[4] (next chunk, lowest failed chunk), then per chunk
 * Uint32[6] (first tx, tx count, tx bytes [begin, end) in the raw block, spent-coin bytes
 * [begin, end) in the undo encoding), then the raw block, then the undo bytes (coins.ts).
 */
import { verifyInput } from '../consensus/scripts.js';
import type { Coin } from '../consensus/tx-inputs.js';
import { ScriptError } from '../protocol/script/errors.js';
import { PrecomputedTx } from '../protocol/script/sighash.js';
import type { Tx } from '../protocol/tx.js';

export interface ScriptFailure {
  txIndex: number;
  inputIndex: number;
  scriptError: string;
}

const CTL_NEXT = 0;
const CTL_FAILED = 1;
const CTL_BYTES = 16;
export const CHUNK_WORDS = 6;
const NONE = 0x7fffffff;

export interface ChunkLayout {
  chunks: number;
  rawAt: number;
  rawLength: number;
  undoAt: number;
  undoLength: number;
}

/** One chunk: transactions [firstTx, firstTx + txCount) of the block. */
export interface Chunk {
  firstTx: number;
  txCount: number;
  txBegin: number;
  txEnd: number;
  undoBegin: number;
  undoEnd: number;
}

/** Copies the chunk table, raw block and undo bytes into one SharedArrayBuffer. */
export function buildShared(
  chunks: readonly Chunk[],
  raw: Uint8Array,
  undo: Uint8Array,
): { shared: SharedArrayBuffer; layout: ChunkLayout } {
  const rawAt = CTL_BYTES + chunks.length * CHUNK_WORDS * 4;
  const undoAt = rawAt + raw.length;
  const shared = new SharedArrayBuffer(undoAt + undo.length);
  const ctl = new Int32Array(shared, 0, CTL_BYTES / 4);
  ctl[CTL_NEXT] = 0;
  ctl[CTL_FAILED] = NONE;
  const table = new Uint32Array(shared, CTL_BYTES, chunks.length * CHUNK_WORDS);
  chunks.forEach((c, i) => {
    table.set([c.firstTx, c.txCount, c.txBegin, c.txEnd, c.undoBegin, c.undoEnd], i * CHUNK_WORDS);
  });
  new Uint8Array(shared, rawAt, raw.length).set(raw);
  new Uint8Array(shared, undoAt, undo.length).set(undo);
  return {
    shared,
    layout: { chunks: chunks.length, rawAt, rawLength: raw.length, undoAt, undoLength: undo.length },
  };
}

/** Reads chunk `i`'s table row. */
export function chunkAt(shared: SharedArrayBuffer, i: number): Chunk {
  const t = new Uint32Array(shared, CTL_BYTES + i * CHUNK_WORDS * 4, CHUNK_WORDS);
  return { firstTx: t[0]!, txCount: t[1]!, txBegin: t[2]!, txEnd: t[3]!, undoBegin: t[4]!, undoEnd: t[5]! };
}

/**
 * Claims and verifies chunks until none is left (or only chunks after a failed one remain);
 * returns this participant's first failure. `verify(i)` checks chunk i.
 */
export function drain(
  shared: SharedArrayBuffer,
  chunks: number,
  verify: (i: number) => ScriptFailure | null,
): ScriptFailure | null {
  const ctl = new Int32Array(shared, 0, CTL_BYTES / 4);
  for (;;) {
    const i = Atomics.add(ctl, CTL_NEXT, 1);
    if (i >= chunks || i > Atomics.load(ctl, CTL_FAILED)) return null;
    const failure = verify(i);
    if (failure) {
      // Lower the shared "lowest failed chunk" to i; chunks are claimed in increasing order,
      // so every later chunk this participant could claim is higher: stop here.
      let cur = Atomics.load(ctl, CTL_FAILED);
      while (i < cur) {
        const seen = Atomics.compareExchange(ctl, CTL_FAILED, cur, i);
        if (seen === cur) break;
        cur = seen;
      }
      return failure;
    }
  }
}

/** Stops every participant from claiming more chunks (the block is being dropped). */
export function abandonChunks(shared: SharedArrayBuffer): void {
  Atomics.store(new Int32Array(shared, 0, CTL_BYTES / 4), CTL_FAILED, -1);
}

/** Verifies every input of consecutive transactions; the first bad one, or null. */
export function verifyTxs(
  txs: readonly Tx[],
  firstIndex: number,
  coins: (k: number) => readonly Pick<Coin, 'value' | 'script'>[],
  flags: number,
): ScriptFailure | null {
  for (let k = 0; k < txs.length; k++) {
    const tx = txs[k]!;
    const spent = coins(k);
    const pre = new PrecomputedTx(tx, spent);
    for (let i = 0; i < tx.inputs.length; i++) {
      try {
        verifyInput(pre, i, spent[i]!, flags);
      } catch (e) {
        if (!(e instanceof ScriptError)) throw e;
        return { txIndex: firstIndex + k, inputIndex: i, scriptError: e.code };
      }
    }
  }
  return null;
}

/** The lower of two failures by transaction index (one failure per chunk, chunks disjoint). */
export function lowerFailure(a: ScriptFailure | null, b: ScriptFailure | null): ScriptFailure | null {
  if (!a) return b;
  if (!b) return a;
  return b.txIndex < a.txIndex || (b.txIndex === a.txIndex && b.inputIndex < a.inputIndex) ? b : a;
}
