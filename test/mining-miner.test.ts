/**
 * The CPU miner (node/mining/miner-pool.ts, nonce-grind.ts, miner-loop.ts): worker threads find
 * nonces meeting the target with either hash engine, stop on abort or exhaustion, leave the
 * event loop free, close without leaking threads; the Miner loop mines a chain of valid blocks
 * through fake deps. The workers are the compiled miner-worker.js, so build first.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { checkBlock, checkBlockContextual } from '../node/consensus/block-check.js';
import { blockSubsidy } from '../node/consensus/subsidy.js';
import { extraNonceOf } from '../node/mining/coinbase.js';
import { Miner, solveBlock } from '../node/mining/miner-loop.js';
import {
  type HashEngine,
  MinerPool,
  mineHeader,
  NONCE_SPACE,
  targetToBytes,
} from '../node/mining/miner-pool.js';
import { BATCH, grindNonces } from '../node/mining/nonce-grind.js';
import { buildBlockTemplate } from '../node/mining/template.js';
import type { Block } from '../node/protocol/block.js';
import { equal } from '../node/protocol/bytes.js';
import { hash256 } from '../node/protocol/hash.js';
import { regtest } from '../node/protocol/params.js';
import { checkProofOfWork, decodeCompact, hashToBigInt } from '../node/protocol/pow.js';
import { p2wpkh } from '../node/protocol/script/templates.js';

const PAYOUT = p2wpkh(new Uint8Array(20).fill(3));
const GENESIS_TIME = regtest.genesis.header.time;

function regtestTemplate(prev: Block, height: number, bits = regtest.powLimitBits): Block {
  return buildBlockTemplate({
    params: regtest,
    prevHash: prev.hash(),
    height,
    bits,
    time: GENESIS_TIME + height,
    coinbaseScript: PAYOUT,
    candidates: [],
    subsidy: blockSubsidy(height, regtest),
  }).block;
}

function withNonce(header80: Uint8Array, nonce: number): Uint8Array {
  const h = header80.slice();
  new DataView(h.buffer).setUint32(76, nonce, true);
  return h;
}

const pools: MinerPool[] = [];
function pool(workers: number, engine: HashEngine = 'js'): MinerPool {
  const p = new MinerPool({ workers, engine });
  pools.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

describe('mineHeader', () => {
  it('mines a regtest header (bits 0x207fffff) with 2 workers', async () => {
    const block = regtestTemplate(regtest.genesis, 1);
    const header = block.header.toBytes();
    const target = decodeCompact(block.header.bits).target;
    const found = await mineHeader(header, target, { workers: 2 });
    expect(found).not.toBeNull();
    const mined = withNonce(header, found!.nonce);
    expect(equal(hash256(mined), found!.hash)).toBe(true);
    expect(checkProofOfWork(found!.hash, block.header.bits, regtest.powLimit)).toBe(true);
  });

  it.each<HashEngine>(['js', 'node-crypto'])(
    'engine %s finds the first nonce meeting a 1-in-4096 target',
    async (engine) => {
      const header = regtestTemplate(regtest.genesis, 7).header.toBytes();
      const target = 1n << 244n;
      const start = 1_000_000;
      let expected = start;
      while (hashToBigInt(hash256(withNonce(header, expected))) > target) expected++;
      const found = await pool(1, engine).mine(header, target, { startNonce: start });
      expect(found?.nonce).toBe(expected);
      expect(equal(found!.hash, hash256(withNonce(header, expected)))).toBe(true);
    },
  );

  it('compares the hash as a little-endian number, on every byte', async () => {
    // Target equal to a known hash: that nonce (and nothing above it by chance) must be accepted.
    const header = regtestTemplate(regtest.genesis, 9).header.toBytes();
    const h = hash256(withNonce(header, 5));
    const exact = hashToBigInt(h);
    for (const engine of ['js', 'node-crypto'] as const) {
      const p = pool(1, engine);
      expect((await p.mine(header, exact, { startNonce: 5 }))?.nonce).toBe(5);
      // One below the hash: nonce 5 fails and the search goes on to a later nonce.
      const next = await p.mine(header, exact - 1n, { startNonce: 5 });
      expect(next!.nonce).toBeGreaterThan(5);
      expect(hashToBigInt(next!.hash)).toBeLessThan(exact);
    }
    expect(Array.from(targetToBytes(0x0102n).subarray(0, 3))).toEqual([2, 1, 0]);
  });

  it('returns null once the nonce space is exhausted, counting every hash', async () => {
    const p = pool(2);
    const header = regtestTemplate(regtest.genesis, 1).header.toBytes();
    expect(await p.mine(header, 0n, { startNonce: NONCE_SPACE - 300 })).toBeNull();
    expect(p.totalHashes).toBe(300);
  });

  it('aborts: resolves null promptly, the pool stays usable, then closes all threads', async () => {
    const p = pool(2);
    expect(p.liveWorkers).toBe(2);
    const header = regtestTemplate(regtest.genesis, 1).header.toBytes();
    const ac = new AbortController();
    // Aborted once the workers report hashes, not after a fixed time: on a busy machine the
    // threads may not have hashed at all 100 ms in, and then there is nothing to count.
    let abortedAt = 0;
    let progress = 0;
    const onProgress = (n: number) => {
      progress = n;
      if (n > 0 && abortedAt === 0) {
        abortedAt = Date.now();
        ac.abort();
      }
    };
    const r = await p.mine(header, 0n, { signal: ac.signal, onProgress });
    expect(r).toBeNull();
    expect(abortedAt).toBeGreaterThan(0);
    // Promptly: the whole nonce space takes hours; the workers see the abort within a few checks.
    expect(Date.now() - abortedAt).toBeLessThan(5000);
    expect(p.busy).toBe(false);
    expect(p.totalHashes).toBeGreaterThan(0);
    expect(progress).toBeLessThanOrEqual(p.totalHashes);
    // Reused for the next job.
    const found = await p.mine(header, decodeCompact(regtest.powLimitBits).target);
    expect(found).not.toBeNull();
    await p.close();
    expect(p.liveWorkers).toBe(0);
    await expect(p.mine(header, 1n)).rejects.toThrow(/closed/);
  });

  it('mineHeader closes its threads on abort and on an already-aborted signal', async () => {
    const header = regtestTemplate(regtest.genesis, 1).header.toBytes();
    expect(await mineHeader(header, 0n, { signal: AbortSignal.abort(), workers: 2 })).toBeNull();
    expect(await mineHeader(header, 0n, { signal: AbortSignal.timeout(50), workers: 2 })).toBeNull();
  });

  it('never blocks the event loop while grinding', async () => {
    const p = pool(2);
    const header = regtestTemplate(regtest.genesis, 1).header.toBytes();
    const ac = new AbortController();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    setTimeout(() => ac.abort(), 400);
    await p.mine(header, 0n, { signal: ac.signal });
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(20);
  });

  it('refuses a second job while one runs, and bad arguments', async () => {
    const p = pool(1);
    const header = regtestTemplate(regtest.genesis, 1).header.toBytes();
    const ac = new AbortController();
    const first = p.mine(header, 0n, { signal: ac.signal });
    await expect(p.mine(header, 0n)).rejects.toThrow(/busy/);
    ac.abort();
    expect(await first).toBeNull();
    await expect(p.mine(header.subarray(0, 79), 1n)).rejects.toThrow(RangeError);
    await expect(p.mine(header, 1n, { startNonce: NONCE_SPACE })).rejects.toThrow(RangeError);
    expect(() => new MinerPool({ workers: 0 })).toThrow(RangeError);
  });
});

describe("grindNonces (the workers' loop, run here on the calling thread)", () => {
  it.each<HashEngine>(['js', 'node-crypto'])('engine %s agrees with hash256 nonce by nonce', (engine) => {
    const header = regtestTemplate(regtest.genesis, 11).header.toBytes();
    const target = 1n << 248n; // 1 in 256
    let expected = 77;
    while (hashToBigInt(hash256(withNonce(header, expected))) > target) expected++;
    const r = grindNonces(
      { header, target: targetToBytes(target), start: 77, end: 77 + 100_000, engine },
      { stopped: () => false, progress: () => undefined },
    );
    expect(r.nonce).toBe(expected);
    expect(r.hashes).toBe(expected - 77 + 1);
    expect(equal(r.hash!, hash256(withNonce(header, expected)))).toBe(true);
  });

  it('stops between batches when told, counting only the nonces it tried', () => {
    const header = regtestTemplate(regtest.genesis, 1).header.toBytes();
    let checks = 0;
    const reported: number[] = [];
    const r = grindNonces(
      { header, target: new Uint8Array(32), start: 0, end: 10 * BATCH, engine: 'js' },
      { stopped: () => ++checks > 2, progress: (n) => reported.push(n) },
    );
    expect(r).toEqual({ hashes: 2 * BATCH, nonce: null, hash: null });
    expect(reported).toEqual([BATCH, 2 * BATCH]);
  });
});

describe('solveBlock', () => {
  it('rolls the extra nonce when the nonce space runs out', async () => {
    const p = pool(2);
    const block = regtestTemplate(regtest.genesis, 3, 0x1f0fffff); // 1 in 4096 hashes
    const solved = await solveBlock(p, block, { startNonce: NONCE_SPACE - 64 });
    expect(solved).not.toBeNull();
    expect(extraNonceOf(solved!.txs[0]!)).toBe(1);
    expect(solved!.header.nonce).toBeLessThan(NONCE_SPACE - 64);
    expect(checkProofOfWork(solved!.hash(), solved!.header.bits, regtest.powLimit)).toBe(true);
    expect(() => checkBlock(solved!, regtest)).not.toThrow();
  });
});

/** An in-memory chain: the tip, listeners, and the blocks the miner handed in. */
function fakeChain(bits = regtest.powLimitBits) {
  const blocks: Block[] = [regtest.genesis];
  const listeners = new Set<() => void>();
  let templates = 0;
  const deps = {
    buildTemplate: async () => {
      templates++;
      return regtestTemplate(blocks[blocks.length - 1]!, blocks.length, bits);
    },
    submitBlock: async (b: Block) => {
      if (!equal(b.header.prevBlock, blocks[blocks.length - 1]!.hash())) throw new Error('stale block');
      blocks.push(b);
      for (const cb of listeners) cb();
    },
    onTip: (cb: () => void) => {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
  };
  return {
    blocks,
    deps,
    listeners,
    templates: () => templates,
    tip: () => {
      for (const cb of listeners) cb();
    },
  };
}

describe('Miner', () => {
  it('mines a chain of valid regtest blocks, then stops', async () => {
    const chain = fakeChain();
    const found: Block[] = [];
    const miner = new Miner({ workers: 2, onBlock: (b) => found.push(b) }, chain.deps);
    miner.start();
    expect(miner.running).toBe(true);
    await expect.poll(() => chain.blocks.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(6);
    await miner.stop();
    expect(miner.running).toBe(false);
    expect(chain.listeners.size).toBe(0);
    expect(found.length).toBe(chain.blocks.length - 1);
    expect(miner.stats.blocks).toBe(found.length);
    chain.blocks.slice(1).forEach((b, i) => {
      const height = i + 1;
      expect(equal(b.header.prevBlock, chain.blocks[i]!.hash())).toBe(true);
      expect(checkProofOfWork(b.hash(), b.header.bits, regtest.powLimit)).toBe(true);
      expect(() => checkBlock(b, regtest)).not.toThrow();
      expect(() => checkBlockContextual(b, { height, medianTimePast: GENESIS_TIME }, regtest)).not.toThrow();
    });
  });

  it('restarts on a new tip and on the refresh timer; reports errors and goes on', async () => {
    const chain = fakeChain(0x03000001); // target 1: never solved
    const errors: unknown[] = [];
    let fail = true;
    const deps = {
      ...chain.deps,
      buildTemplate: async () => {
        if (fail) {
          fail = false;
          throw new Error('no template yet');
        }
        return chain.deps.buildTemplate();
      },
    };
    const miner = new Miner({ workers: 1, retryMs: 10, refreshMs: 0, onError: (e) => errors.push(e) }, deps);
    miner.start();
    await expect.poll(() => chain.templates()).toBe(1);
    expect(errors).toHaveLength(1);
    chain.tip();
    await expect.poll(() => chain.templates()).toBe(2);
    await miner.stop();

    const refreshing = new Miner({ workers: 1, refreshMs: 50 }, chain.deps);
    refreshing.start();
    await expect.poll(() => chain.templates(), { timeout: 5000 }).toBeGreaterThanOrEqual(5);
    await refreshing.stop();
    expect(refreshing.stats.hashes).toBeGreaterThan(0);
  });
});
