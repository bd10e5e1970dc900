/**
 * Worker-thread body of the script-check pool: parses its share of a block's transactions
 * from the raw block bytes and verifies every input against the coins it spends.
 */
import { parentPort } from 'node:worker_threads';
import { verifyInput } from '../consensus/scripts.js';
import { Reader } from '../protocol/reader.js';
import { ScriptError } from '../protocol/script/errors.js';
import { PrecomputedTx } from '../protocol/script/sighash.js';
import { Tx } from '../protocol/tx.js';
import type { ScriptJob, ScriptJobResult } from './script-pool.js';

parentPort?.on('message', (job: ScriptJob) => {
  let result: ScriptJobResult = { id: job.id, ok: true };
  try {
    outer: for (let k = 0; k < job.txs.length; k++) {
      const { index, offset, spent } = job.txs[k]!;
      const tx = Tx.read(new Reader(job.block, offset));
      const pre = new PrecomputedTx(tx);
      for (let i = 0; i < tx.inputs.length; i++) {
        try {
          verifyInput(pre, i, spent[i]!, job.flags);
        } catch (e) {
          if (!(e instanceof ScriptError)) throw e;
          result = { id: job.id, ok: false, txIndex: index, inputIndex: i, scriptError: e.code };
          break outer;
        }
      }
    }
  } catch (e) {
    result = {
      id: job.id,
      ok: false,
      txIndex: -1,
      inputIndex: -1,
      scriptError: `internal: ${(e as Error).message}`,
    };
  }
  parentPort?.postMessage(result);
});
