/**
 * The mempool.space figures the explorer computes (issue 20), from made-up mempools and tips:
 * projected blocks (4,000,000 weight units each by ancestor fee rate, a parent lifted by its
 * child counted at the package's rate, the last block holding the rest), the recommended fees
 * mempool.space derives from them, and the difficulty adjustment under ASERT and regtest's
 * fixed difficulty.
 */
import { describe, expect, it } from 'vitest';
import { difficultyAdjustment } from '../explorer-api/difficulty-adjustment.js';
import { type ProjectedBlock, projectBlocks } from '../explorer-api/projected.js';
import { recommendedFees } from '../explorer-api/recommended.js';
import type { BlockEntry, MempoolEntry } from '../node/api.js';
import { main, regtest } from '../node/protocol/params.js';
import { fakeTxid } from './helpers/keys.js';

let seq = 0;
/** A mempool entry of `vsize` vbytes paying `fee`, with in-pool `parents`. */
function entry(fee: number, vsize: number, parents: MempoolEntry[] = []): MempoolEntry {
  const id = fakeTxid(++seq);
  const txid = Buffer.from(id).reverse().toString('hex');
  const ancestors = new Set<MempoolEntry>();
  const walk = (p: MempoolEntry) => {
    if (ancestors.has(p)) return;
    ancestors.add(p);
    for (const q of p.parents) walk(q);
  };
  for (const p of parents) walk(p);
  const e = {
    txid,
    tx: { txid: () => id, txidHex: () => txid, hasWitness: () => true },
    fee: BigInt(fee),
    vsize,
    weight: vsize * 4,
    size: vsize,
    sigopCost: 1,
    parents: new Set(parents),
    children: new Set<MempoolEntry>(),
    ancestorFee: BigInt(fee) + [...ancestors].reduce((s, a) => s + a.fee, 0n),
    ancestorSize: vsize + [...ancestors].reduce((s, a) => s + a.vsize, 0),
  } as unknown as MempoolEntry;
  for (const p of parents) (p.children as Set<MempoolEntry>).add(e);
  return e;
}

describe('projected mempool blocks', () => {
  it('fills 4 MWU blocks from the highest ancestor fee rate down; the last holds the rest', () => {
    // 3,000 txs of 1,000 vB at 1..30 sat/vB: 998 fit a block beside the coinbase reserve.
    const pool = Array.from({ length: 3000 }, (_, i) => entry(1000 * (1 + (i % 30)), 1000));
    const { blocks } = projectBlocks(pool, main, 8);
    expect(blocks.map((b) => b.nTx)).toEqual([998, 998, 998, 6]);
    for (const b of blocks) {
      expect(b.blockVSize).toBe(b.nTx * 1000);
      expect(b.feeRange).toHaveLength(7);
      expect([...b.feeRange].sort((x, y) => x - y)).toEqual(b.feeRange);
    }
    for (let i = 1; i < blocks.length; i++)
      expect(blocks[i]!.feeRange.at(-1)).toBeLessThanOrEqual(blocks[i - 1]!.feeRange[0]!);
    expect(blocks[0]!.totalFees).toBe(
      pool
        .map((e) => Number(e.fee))
        .sort((a, b) => b - a)
        .slice(0, 998)
        .reduce((a, b) => a + b, 0),
    );

    const two = projectBlocks(pool, main, 2).blocks;
    expect(two.map((b) => b.nTx)).toEqual([998, 2002]);
  });

  it('counts a parent lifted by its child at the package rate', () => {
    const parent = entry(200, 200); // 1 sat/vB
    const child = entry(39_800, 200, [parent]); // the pair: 40,000 / 400 = 100 sat/vB
    const other = entry(10_000, 200); // 50 sat/vB
    const { blocks, rates } = projectBlocks([parent, child, other], main);
    expect(blocks).toHaveLength(1);
    expect(rates.get(parent.txid)).toBe(100);
    expect(rates.get(child.txid)).toBe(100);
    expect(rates.get(other.txid)).toBe(50);
    expect(blocks[0]).toMatchObject({ nTx: 3, blockVSize: 600, totalFees: 50_000 });
    expect(blocks[0]!.feeRange).toEqual([50, 50, 50, 100, 100, 100, 100]);
    expect(projectBlocks([], main).blocks).toEqual([]);
  });
});

describe('recommended fees (mempool.space fee-api.ts)', () => {
  const full = (medianFee: number): ProjectedBlock => ({
    blockSize: 1_000_000,
    blockVSize: 999_000,
    nTx: 1000,
    totalFees: 0,
    medianFee,
    feeRange: [],
  });

  it('an empty or thin mempool recommends the minimum', () => {
    expect(recommendedFees([], 1)).toEqual({
      fastestFee: 1,
      halfHourFee: 1,
      hourFee: 1,
      economyFee: 1,
      minimumFee: 1,
    });
    expect(recommendedFees([{ ...full(30), blockVSize: 400_000 }], 1).fastestFee).toBe(1);
    // 750,000 vB and nothing after: the median scaled by (750,000 - 500,000) / 500,000.
    expect(recommendedFees([{ ...full(30), blockVSize: 750_000 }], 1).fastestFee).toBe(15);
    expect(recommendedFees([], 3.2)).toMatchObject({ fastestFee: 4, economyFee: 4, minimumFee: 4 });
  });

  it('averages each median with the previous recommendation and keeps the order', () => {
    expect(recommendedFees([full(10), full(8), full(5), full(2)], 1)).toEqual({
      fastestFee: 10,
      halfHourFee: 9,
      hourFee: 7,
      economyFee: 2,
      minimumFee: 1,
    });
    // A higher minimum lifts everything below it.
    expect(recommendedFees([full(10), full(8), full(5), full(2)], 8)).toEqual({
      fastestFee: 10,
      halfHourFee: 9,
      hourFee: 8,
      economyFee: 8,
      minimumFee: 8,
    });
  });
});

describe('difficulty adjustment', () => {
  /** A main-chain tip at `height` whose blocks are all `spacing` apart from genesis. */
  function chainTo(params: typeof main, height: number, lastGap: number): BlockEntry {
    let prev: BlockEntry | null = null;
    const all: BlockEntry[] = [];
    let time = params.genesis.header.time;
    for (let h = 0; h <= height; h++) {
      if (h > 0) time += h === height ? lastGap : params.targetSpacing;
      const e = {
        height: h,
        header: { bits: params.genesis.header.bits, time },
        prev,
        ancestor: (x: number) => all[x] ?? null,
      } as unknown as BlockEntry;
      all.push(e);
      prev = e;
    }
    return prev!;
  }

  it('ASERT (main): the next block retargets; an hour ahead of schedule doubles the difficulty', () => {
    const onTime = chainTo(main, 10, main.targetSpacing);
    const now = (onTime.header.time + 15) * 1000;
    const a = difficultyAdjustment(main, onTime, now);
    expect(a).toMatchObject({
      retargetRule: 'asert',
      remainingBlocks: 1,
      nextRetargetHeight: 11,
      previousTime: onTime.header.time,
      timeAvg: 60_000,
      remainingTime: 45_000,
      estimatedRetargetDate: now + 45_000,
      progressPercent: 25,
    });
    expect(a.difficultyChange).toBeCloseTo(0, 6);
    // The tip came one half-life (3,600 s) early: the next target halves, the difficulty doubles.
    const early = chainTo(main, 10, main.targetSpacing - 3600);
    const b = difficultyAdjustment(main, early, (early.header.time + 1) * 1000);
    expect(b.difficultyChange).toBeCloseTo(100, 1);
    expect(b.previousRetarget).toBeCloseTo(0, 6);
    // Late at the proof-of-work limit (genesis's bits): the target cannot rise further.
    const late = chainTo(main, 10, main.targetSpacing + 3600);
    expect(difficultyAdjustment(main, late, (late.header.time + 1) * 1000).difficultyChange).toBe(0);
  });

  it('regtest never retargets', () => {
    const tip = chainTo(regtest, 5, 3);
    const a = difficultyAdjustment(regtest, tip, (tip.header.time + 1000) * 1000);
    expect(a).toMatchObject({
      retargetRule: 'none',
      difficultyChange: 0,
      previousRetarget: 0,
      progressPercent: 100,
    });
    expect(a.remainingTime).toBe(0);
  });
});
