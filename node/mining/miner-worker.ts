/**
 * A mining worker thread: the pool (miner-pool.ts) starts this file with `new Worker(url)`,
 * as Core's generateBlocks loop runs per thread. Each posted job is ground with
 * nonce-grind.ts; the thread answers with `progress` messages (about every 250 ms) and exactly
 * one `done` per job: found (nonce and hash), exhausted (range done) or stopped. Stopping is
 * a shared Int32Array: word 0 holds the id of the job that may run; it is read with
 * Atomics.load between batches of nonces (a few ms), so a stop needs no message and no
 * event-loop turn here.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { WorkerData, WorkerJob, WorkerReply } from './miner-pool.js';
import { grindNonces } from './nonce-grind.js';

const PROGRESS_MS = 250;

const port = parentPort;
if (!port) throw new Error('miner-worker.js runs in a worker thread');
const control = new Int32Array((workerData as WorkerData).control);

port.on('message', (job: WorkerJob) => {
  let lastProgress = Date.now();
  const r = grindNonces(job, {
    stopped: () => Atomics.load(control, 0) !== job.id,
    progress: (hashes) => {
      const now = Date.now();
      if (now - lastProgress < PROGRESS_MS) return;
      lastProgress = now;
      port.postMessage({ type: 'progress', id: job.id, hashes } satisfies WorkerReply);
    },
  });
  port.postMessage({ type: 'done', id: job.id, ...r } satisfies WorkerReply);
});
