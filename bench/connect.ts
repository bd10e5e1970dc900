/**
 * Connect rate: 1,000 regtest blocks of 100 P2WPKH spends into a fresh chain on LevelDB, with
 * script checks in the worker pool (cores - 1 workers, the connecting thread joining in as
 * Core's master thread does) and, for comparison, inline on one thread; next to the
 * single-thread script-verify rate over the same inputs (no storage). cpuMsPerBlock is the
 * process's CPU time (every thread: workers, LevelDB, GC) per block connected. The worker-pool
 * runs alternate the coin view on (the default dbcache) and off (each block writing its own
 * coins), BENCH_CONNECT_REPS times each (default 2); the time includes the closing flush.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chain, DEFAULT_COIN_VIEW } from '../node/chain/chain.js';
import { ScriptPool } from '../node/chain/script-pool.js';
import { verifyInput } from '../node/consensus/scripts.js';
import type { Block } from '../node/protocol/block.js';
import { regtest } from '../node/protocol/params.js';
import { FLAGS } from '../node/protocol/script/flags.js';
import { PrecomputedTx } from '../node/protocol/script/sighash.js';
import { loadOrGenerate, SPEND_BLOCKS } from './connect-data.js';
import { emit } from './lib.js';

async function connectAll(
  blocks: Block[],
  pool: ScriptPool | null,
  coinViewBytes = DEFAULT_COIN_VIEW,
): Promise<{ ms: number; inputs: number; cpuMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'gl-bench-connect-'));
  const chain = await Chain.open(
    { params: regtest, path: dir, scriptPool: pool, coinViewBytes },
    { now: () => 4_000_000_000 },
  );
  let closed = false;
  try {
    const setup = blocks.length - SPEND_BLOCKS;
    for (const b of blocks.slice(0, setup)) await chain.addBlock(b);
    let inputs = 0;
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    for (const b of blocks.slice(setup)) {
      await chain.addBlock(b);
      inputs += b.txs.length - 1;
    }
    if (chain.height !== blocks.length) throw new Error(`connected only to ${chain.height}`);
    await chain.close();
    closed = true;
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const used = process.cpuUsage(cpu);
    return { ms, inputs, cpuMs: (used.user + used.system) / 1000 };
  } finally {
    if (!closed) await chain.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Script verification alone, one thread, over the same spends (the coins are the previous outputs). */
function verifyOnly(blocks: Block[]): number {
  const setup = blocks.length - SPEND_BLOCKS;
  const prevOut = new Map<string, { value: bigint; script: Uint8Array }>();
  for (const b of blocks) {
    for (const tx of b.txs) {
      tx.outputs.forEach((o, i) => {
        prevOut.set(`${tx.txidHex()}:${i}`, o);
      });
    }
  }
  const flags =
    FLAGS.P2SH |
    FLAGS.DERSIG |
    FLAGS.CHECKLOCKTIMEVERIFY |
    FLAGS.CHECKSEQUENCEVERIFY |
    FLAGS.WITNESS |
    FLAGS.NULLDUMMY;
  let inputs = 0;
  const start = process.hrtime.bigint();
  for (const b of blocks.slice(setup)) {
    for (const tx of b.txs.slice(1)) {
      const pre = new PrecomputedTx(tx);
      tx.inputs.forEach((input, i) => {
        verifyInput(pre, i, prevOut.get(input.prevout.key())!, flags);
        inputs++;
      });
    }
  }
  return (inputs * 1e9) / Number(process.hrtime.bigint() - start);
}

export async function run(): Promise<void> {
  const blocks = loadOrGenerate((m) => process.stderr.write(`${m}\n`));
  const verifyRate = verifyOnly(blocks);
  const reps = Number(process.env.BENCH_CONNECT_REPS ?? 2);
  const pool = ScriptPool.create();
  const runs: { view: boolean; r: Awaited<ReturnType<typeof connectAll>> }[] = [];
  for (let i = 0; i < reps; i++) {
    for (const view of [true, false])
      runs.push({ view, r: await connectAll(blocks, pool, view ? DEFAULT_COIN_VIEW : 0) });
  }
  await pool?.close();
  const inline = await connectAll(blocks, null);
  const rate = (r: { ms: number; inputs: number }) => Math.round((r.inputs * 1000) / r.ms);
  const cpuPerBlock = (r: { cpuMs: number }) => Number((r.cpuMs / SPEND_BLOCKS).toFixed(1));
  for (const { view, r } of runs)
    emit('connect', {
      mode: 'worker-pool',
      dbcacheMiB: view ? DEFAULT_COIN_VIEW / 1024 / 1024 : 0,
      workers: pool?.size ?? 0,
      blocks: SPEND_BLOCKS,
      ms: Math.round(r.ms),
      blocksPerSec: Math.round((SPEND_BLOCKS * 1000) / r.ms),
      inputsPerSec: rate(r),
      cpuMsPerBlock: cpuPerBlock(r),
    });
  emit('connect', {
    mode: 'inline',
    dbcacheMiB: DEFAULT_COIN_VIEW / 1024 / 1024,
    blocks: SPEND_BLOCKS,
    ms: Math.round(inline.ms),
    blocksPerSec: Math.round((SPEND_BLOCKS * 1000) / inline.ms),
    inputsPerSec: rate(inline),
    cpuMsPerBlock: cpuPerBlock(inline),
  });
  const best = runs.filter((x) => x.view).reduce((a, b) => (b.r.ms < a.r.ms ? b : a)).r;
  emit('connect-vs-verify', {
    singleThreadVerifyInputsPerSec: Math.round(verifyRate),
    poolConnectInputsPerSec: rate(best),
    ratio: Number((rate(best) / verifyRate).toFixed(2)),
    goalRatio: 1.4,
  });
}
