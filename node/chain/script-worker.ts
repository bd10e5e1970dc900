/**
 * Worker-thread body of the script-check pool: claims chunks of a block from the shared job
 * (script-chunks.ts), parses each chunk's transactions and the coins they spend from private
 * copies of their bytes, and verifies every input. Asked, it runs a full collection of its heap.
 */
import { parentPort } from 'node:worker_threads';
import type { Coin } from '../consensus/tx-inputs.js';
import { Reader } from '../protocol/reader.js';
import { Tx } from '../protocol/tx.js';
import { fullCollection } from '../v8-gc.js';
import { readCoin } from './coins.js';
import { chunkAt, drain, type ScriptFailure, verifyTxs } from './script-chunks.js';
import type { CollectRequest, ScriptJob, ScriptJobResult } from './script-pool.js';

function verifyChunk(job: ScriptJob, i: number): ScriptFailure | null {
  const c = chunkAt(job.shared, i);
  const { rawAt, undoAt } = job.layout;
  // Copies: the parsed txs and coins must not alias memory other threads can see.
  const r = new Reader(new Uint8Array(job.shared, rawAt + c.txBegin, c.txEnd - c.txBegin).slice());
  const u = new Reader(new Uint8Array(job.shared, undoAt + c.undoBegin, c.undoEnd - c.undoBegin).slice());
  const txs: Tx[] = [];
  const coins: Coin[][] = [];
  for (let k = 0; k < c.txCount; k++) {
    // Unhashed: the connecting thread hashed it at parse, and scripts never read its own txid.
    const tx = Tx.read(r, false);
    const n = u.count(tx.inputs.length, 14);
    if (n !== tx.inputs.length)
      throw new Error(`tx ${c.firstTx + k}: ${n} coins for ${tx.inputs.length} inputs`);
    const row: Coin[] = [];
    for (let m = 0; m < n; m++) row.push(readCoin(u));
    txs.push(tx);
    coins.push(row);
  }
  r.end();
  u.end();
  return verifyTxs(txs, c.firstTx, (k) => coins[k]!, job.flags);
}

parentPort?.on('message', (job: ScriptJob | CollectRequest) => {
  if ('collect' in job) {
    fullCollection()();
    parentPort?.postMessage({ id: job.id, failure: null } satisfies ScriptJobResult);
    return;
  }
  let result: ScriptJobResult;
  try {
    result = { id: job.id, failure: drain(job.shared, job.layout.chunks, (i) => verifyChunk(job, i)) };
  } catch (e) {
    result = { id: job.id, failure: null, error: `internal: ${(e as Error).message}` };
  }
  parentPort?.postMessage(result);
});
