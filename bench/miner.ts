/**
 * Miner benchmark (issue 3): hashes/s per worker thread of the pool, per hash engine, against a
 * raw single-thread loop of node:crypto double-SHA-256 over an 80-byte header in the same run.
 * The goal is a per-worker rate >= 80% of the raw loop (`ratio` >= 0.8).
 */
import { hash as oneShot } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { type HashEngine, MinerPool } from '../node/mining/miner-pool.js';
import { regtest } from '../node/protocol/params.js';
import { emit, rate } from './lib.js';

const RUN_MS = 3000;

/** The baseline: node:crypto's one-shot SHA-256 twice per nonce, on the main thread. */
function rawLoop(header: Uint8Array): number {
  const buf = Buffer.from(header);
  let nonce = 0;
  return rate(() => {
    for (let i = 0; i < 10_000; i++) {
      buf.writeUInt32LE(nonce++ >>> 0, 76);
      oneShot('sha256', oneShot('sha256', buf, 'buffer'), 'buffer');
    }
    return 10_000;
  }, RUN_MS).opsPerSec;
}

/** Hashes/s of the whole pool over `ms`, on a target no hash meets (0). */
async function poolRate(pool: MinerPool, header: Uint8Array, ms: number): Promise<number> {
  const before = pool.totalHashes;
  const start = process.hrtime.bigint();
  await pool.mine(header, 0n, { signal: AbortSignal.timeout(ms) });
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  return (pool.totalHashes - before) / secs;
}

export async function run(): Promise<void> {
  const header = regtest.genesis.header.toBytes();
  const cores = availableParallelism();
  const raw = rawLoop(header);
  emit('miner-raw', { impl: 'node:crypto hash() x2, one thread', hashesPerSec: raw });

  for (const engine of ['js', 'node-crypto'] as HashEngine[]) {
    for (const workers of [...new Set([1, cores])]) {
      const pool = new MinerPool({ workers, engine });
      try {
        await poolRate(pool, header, 300); // warm-up: thread start and JIT
        const total = await poolRate(pool, header, RUN_MS);
        const perWorker = Math.round(total / workers);
        emit('miner', {
          engine,
          workers,
          hashesPerSec: Math.round(total),
          hashesPerSecPerWorker: perWorker,
          rawSingleThread: raw,
          ratio: Math.round((perWorker / raw) * 100) / 100,
        });
      } finally {
        await pool.close();
      }
    }
  }
}
