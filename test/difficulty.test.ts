/**
 * Difficulty (aserti3-2d for main, fixed for regtest), block subsidy and median time past.
 *
 * The ASERT vectors are the published aserti3-2d test vectors, generated from Bitcoin Cash
 * Node's C++ CalculateASERT (src/pow.cpp) by its gen_asert_test_vectors program:
 *   https://gitlab.com/bitcoin-cash-node/bchn-sw/qa-assets/-/tree/master/test_vectors/aserti3-2d
 * (linked from the spec, https://github.com/bitcoincashorg/bitcoincash.org/blob/master/spec/2020-11-15-asert.md;
 * second mirror https://download.bitcoincashnode.org/misc/data/asert/test_vectors).
 * Transcribed from the verbatim copy of run01..run10 in the GitHub repository
 * AIBlockOfficial/Network, path src/test_data/asert/ (whose README cites the qa-assets URL above).
 * Each run fixes an anchor (height, its parent's time, its nBits); each line gives
 * `iteration height time nBits`: the tip's height and time, and the nBits required for the
 * block after it. All use 600 s spacing, a 2-day half-life and Bitcoin's powLimit 0x1d00ffff.
 * Runs 1-5 and 8-10 are complete; runs 6 and 7 (1,000 lines each) are sampled: lines 1-10 and
 * every 5th line after (plus line 751 of run 7, where the exponent byte changes), copied unchanged
 * (run 10's description line only lost a trailing space).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { calculateAsert, nextWorkRequired } from '../node/consensus/difficulty.js';
import { blockSubsidy, MAX_HALVINGS } from '../node/consensus/subsidy.js';
import { MEDIAN_TIME_SPAN, medianTimePast } from '../node/consensus/time.js';
import { main, type NetworkParams, regtest } from '../node/protocol/params.js';
import { decodeCompact, encodeCompact } from '../node/protocol/pow.js';

// Published aserti3-2d runs, copied line for line into test/data/asert/ (source in the header).

// The run files are the published texts, verbatim (runs 6 and 7 sampled); see test/data/asert/.
const ASERT_DIR = join(dirname(fileURLToPath(import.meta.url)), 'data', 'asert');
const PUBLISHED_RUNS = [
  'run01',
  'run02',
  'run03',
  'run04',
  'run05',
  'run06-sample',
  'run07-sample',
  'run08',
  'run09',
  'run10',
].map((name) => readFileSync(join(ASERT_DIR, `${name}.txt`), 'utf8'));

/** The parameters every published run uses (BCH mainnet's). */
const BCH_SPACING = 600;
const BCH_HALF_LIFE = 2 * 24 * 3600;
const BCH_POW_LIMIT = decodeCompact(0x1d00ffff).target;

interface RunLine {
  iteration: number;
  /** Heights go past 2^63 in run 10, so bigint. */
  height: bigint;
  time: bigint;
  bits: number;
}

interface Run {
  name: string;
  anchorHeight: bigint;
  anchorParentTime: bigint;
  anchorBits: number;
  iterations: number;
  lines: RunLine[];
}

/** Reads a run in the published text format (BCHN's validate script reads the same fields). */
function parseRun(text: string): Run {
  const header = (key: string): string => {
    const m = new RegExp(`^##\\s+(?:${key}):\\s*(.+?)\\s*$`, 'm').exec(text);
    if (!m?.[1]) throw new Error(`run header lacks '${key}'`);
    return m[1];
  };
  const lines = text
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l): RunLine => {
      const [it, h, t, b, ...rest] = l.trim().split(/\s+/);
      if (!it || !h || !t || !b || rest.length > 0) throw new Error(`bad run line '${l}'`);
      return { iteration: Number(it), height: BigInt(h), time: BigInt(t), bits: Number.parseInt(b, 16) };
    });
  return {
    name: header('description').split(' ')[0]!,
    anchorHeight: BigInt(header('anchor height')),
    // Older copies say "ancestor", newer "parent": the same field.
    anchorParentTime: BigInt(header('anchor ancestor time|anchor parent time')),
    anchorBits: Number.parseInt(header('anchor nBits'), 16),
    iterations: Number(header('iterations')),
    lines,
  };
}

const runs = PUBLISHED_RUNS.map(parseRun);

/** Params as main's, but with the published runs' ASERT parameters and anchor. */
function bchLikeParams(run: Run): NetworkParams {
  return {
    ...main,
    targetSpacing: BCH_SPACING,
    powLimit: BCH_POW_LIMIT,
    powLimitBits: 0x1d00ffff,
    difficulty: {
      kind: 'asert',
      halfLife: BCH_HALF_LIFE,
      anchorHeight: Number(run.anchorHeight),
      anchorBits: run.anchorBits,
      anchorParentTime: Number(run.anchorParentTime),
    },
  };
}

const hex = (bits: number): string => `0x${bits.toString(16).padStart(8, '0')}`;

describe('aserti3-2d published vectors (BCHN qa-assets test_vectors/aserti3-2d)', () => {
  it('transcribes every run with sane iteration numbers', () => {
    expect(runs.map((r) => r.name)).toEqual([
      'run1',
      'run2',
      'run3',
      'run4',
      'run5',
      'run6',
      'run7',
      'run8',
      'run9',
      'run10',
    ]);
    for (const run of runs) {
      const its = run.lines.map((l) => l.iteration);
      expect(its.every((it, i) => i === 0 || it > its[i - 1]!)).toBe(true);
      expect(its.at(-1)).toBe(run.iterations);
    }
    // Complete runs hold every line; the sampled ones (6 and 7) a fifth or so.
    expect(runs.map((r) => r.lines.length)).toEqual([10, 10, 10, 225, 225, 208, 209, 500, 10, 10]);
  });

  for (const run of runs) {
    it(`${run.name}: calculateAsert gives every line's nBits (${run.lines.length} lines)`, () => {
      const anchorTarget = decodeCompact(run.anchorBits).target;
      const mismatches: string[] = [];
      for (const line of run.lines) {
        const got = encodeCompact(
          calculateAsert(
            anchorTarget,
            BCH_SPACING,
            Number(line.time - run.anchorParentTime),
            Number(line.height - run.anchorHeight),
            BCH_POW_LIMIT,
            BCH_HALF_LIFE,
          ),
        );
        if (got !== line.bits)
          mismatches.push(`line ${line.iteration}: got ${hex(got)}, want ${hex(line.bits)}`);
      }
      expect(mismatches).toEqual([]);
    });
  }

  for (const run of runs.filter((r) => Number.isSafeInteger(Number(r.anchorHeight) + r.iterations))) {
    it(`${run.name}: nextWorkRequired with the run's anchor as params agrees`, () => {
      const params = bchLikeParams(run);
      for (const line of run.lines) {
        const tip = { height: Number(line.height), time: Number(line.time), bits: 0 };
        expect(hex(nextWorkRequired(params, tip)), `line ${line.iteration}`).toBe(hex(line.bits));
      }
    });
  }
});

describe('calculateAsert edge cases', () => {
  const anchor = decodeCompact(0x1d00ffff).target;

  it('truncates the exponent toward zero before flooring the shift, as BCHN', () => {
    // 1 s ahead of schedule: exponent = trunc(-65536 / 172800) = 0, so the target is unchanged.
    // A floored exponent (-1) would instead give a target a hair below the anchor's.
    expect(calculateAsert(anchor, 600, 599, 0, BCH_POW_LIMIT, BCH_HALF_LIFE)).toBe(anchor);
    // 3 s ahead: trunc(-196608 / 172800) = -1 -> shifts -1, frac 65535: just under 1.
    expect(calculateAsert(anchor, 600, 597, 0, BCH_POW_LIMIT, BCH_HALF_LIFE)).toBeLessThan(anchor);
  });

  it('clamps far-behind schedules to powLimit without a huge shift', () => {
    const tenYears = 10 * 365 * 86400;
    expect(calculateAsert(1n, 60, tenYears, 0, main.powLimit, 3600)).toBe(main.powLimit);
  });

  it('clamps far-ahead schedules to a target of 1', () => {
    expect(calculateAsert(anchor, 600, 0, 1_000_000, BCH_POW_LIMIT, BCH_HALF_LIFE)).toBe(1n);
  });

  it('rejects arguments BCHN asserts against', () => {
    expect(() => calculateAsert(0n, 600, 0, 0, BCH_POW_LIMIT, BCH_HALF_LIFE)).toThrow(RangeError);
    expect(() => calculateAsert(BCH_POW_LIMIT + 1n, 600, 0, 0, BCH_POW_LIMIT, BCH_HALF_LIFE)).toThrow(
      RangeError,
    );
    expect(() => calculateAsert(anchor, 600, 0, -1, BCH_POW_LIMIT, BCH_HALF_LIFE)).toThrow(RangeError);
    expect(() => calculateAsert(anchor, 600, 0, 0, BCH_POW_LIMIT, 0)).toThrow(RangeError);
    expect(() => calculateAsert(anchor, 600, 0.5, 0, BCH_POW_LIMIT, BCH_HALF_LIFE)).toThrow(RangeError);
  });
});

describe('nextWorkRequired on main (ASERT, 60 s spacing, 1 h half-life, anchored at genesis)', () => {
  const rule = main.difficulty;
  if (rule.kind !== 'asert') throw new Error('main is expected to use ASERT');
  const genesisTime = main.genesis.header.time;
  const genesisBits = main.genesis.header.bits;
  const genesisTarget = decodeCompact(genesisBits).target;
  const at = (height: number, time: number) => nextWorkRequired(main, { height, time, bits: 0 });

  it('is anchored at genesis: its bits, and its time minus one spacing', () => {
    expect(rule.anchorHeight).toBe(0);
    expect(rule.anchorBits).toBe(genesisBits);
    expect(rule.anchorParentTime).toBe(genesisTime - main.targetSpacing);
    expect(rule.halfLife).toBe(3600);
  });

  const onSchedule = [0, 1, 2, 59, 60, 1_000, 100_000, 2_100_000];
  for (const h of onSchedule) {
    it(`keeps the genesis bits for blocks exactly on schedule (tip ${h})`, () => {
      expect(hex(at(h, genesisTime + main.targetSpacing * h))).toBe(hex(genesisBits));
    });
  }

  it('doubles the difficulty after one half-life of blocks twice as fast', () => {
    // 120 blocks at 30 s: 3,600 s ahead of a 7,200 s schedule, exactly one half-life.
    const bits = at(120, genesisTime + 120 * 30);
    expect(hex(bits)).toBe('0x1e7fff80');
    expect(decodeCompact(bits).target * 2n).toBe(genesisTarget);
    // Two half-lives ahead: a quarter.
    expect(decodeCompact(at(240, genesisTime + 240 * 30)).target * 4n).toBe(genesisTarget);
  });

  it('halves the target within rounding for a fraction of a half-life ahead', () => {
    // 1,800 s ahead: target * 2^-0.5, within the polynomial's 0.013% and compact rounding.
    const target = decodeCompact(at(60, genesisTime + 60 * 30)).target;
    const ideal = Number(genesisTarget) / Math.SQRT2;
    expect(Math.abs(Number(target) - ideal) / ideal).toBeLessThan(2e-4);
  });

  it('eases a hard chain after a long gap, but never past powLimit', () => {
    // 1,000 blocks at 30 s: 30,000 s (8.33 half-lives) ahead, so much harder.
    const h = 1_000;
    const fast = genesisTime + h * 30;
    const hard = decodeCompact(at(h, fast)).target;
    expect(hard).toBeLessThan(genesisTarget / 256n);
    // Then a two-hour gap before the next block: two half-lives easier, four times the target.
    const eased = decodeCompact(at(h + 1, fast + 60 + 7_200)).target;
    const ratio = Number(eased) / Number(hard);
    expect(ratio).toBeGreaterThan(3.99);
    expect(ratio).toBeLessThan(4.01);
    // A year's silence: clamped at powLimit, the genesis bits.
    expect(hex(at(h + 1, fast + 365 * 86400))).toBe(hex(main.powLimitBits));
    expect(hex(at(1, genesisTime + 30 * 86400))).toBe(hex(main.powLimitBits));
  });

  it('never exceeds powLimit and only eases as the tip time grows', () => {
    let previous = 0n;
    for (let late = -200_000; late <= 200_000; late += 3_333) {
      const target = decodeCompact(at(500, genesisTime + 500 * 60 + late)).target;
      expect(target).toBeLessThanOrEqual(main.powLimit);
      expect(target).toBeGreaterThanOrEqual(previous);
      previous = target;
    }
  });

  it('rejects a tip below the anchor', () => {
    expect(() => at(-1, genesisTime)).toThrow(RangeError);
  });
});

describe('nextWorkRequired on regtest (fPowNoRetargeting)', () => {
  const bits = regtest.genesis.header.bits;

  it('always returns the tip’s bits, the genesis bits', () => {
    expect(bits).toBe(0x207fffff);
    const g = regtest.genesis.header.time;
    for (const [height, time] of [
      [0, g],
      [1, g + 1],
      [150, g + 600 * 150],
      [1_000, g],
      [1_000, g + 10 * 365 * 86400],
    ] as const) {
      expect(hex(nextWorkRequired(regtest, { height, time, bits }))).toBe('0x207fffff');
    }
  });
});

describe('blockSubsidy (Core GetBlockSubsidy)', () => {
  const COIN = 100_000_000n;
  const table: { name: string; params: NetworkParams; height: number; want: bigint }[] = [];
  for (const params of [main, regtest]) {
    const n = params.halvingInterval;
    table.push(
      { name: `${params.name} genesis`, params, height: 0, want: 50n * COIN },
      { name: `${params.name} last block of era 0`, params, height: n - 1, want: 50n * COIN },
      { name: `${params.name} first halving`, params, height: n, want: 25n * COIN },
      { name: `${params.name} second halving`, params, height: 2 * n, want: 1_250_000_000n },
      { name: `${params.name} 32nd halving`, params, height: 32 * n, want: 1n },
      { name: `${params.name} 33rd halving`, params, height: 33 * n, want: 0n },
      { name: `${params.name} 64 halvings`, params, height: 64 * n, want: 0n },
      { name: `${params.name} far future`, params, height: 1000 * n, want: 0n },
    );
  }
  for (const { name, params, height, want } of table) {
    it(`${name} (height ${height})`, () => {
      expect(blockSubsidy(height, params)).toBe(want);
    });
  }

  it('cuts off at 64 halvings even where the shift alone would not reach zero', () => {
    const huge = { subsidy: 1n << 70n, halvingInterval: 1 };
    expect(blockSubsidy(63, huge)).toBe(1n << 7n);
    expect(blockSubsidy(64, huge)).toBe(0n);
    expect(MAX_HALVINGS).toBe(64);
  });

  it('rejects negative or fractional heights', () => {
    expect(() => blockSubsidy(-1, main)).toThrow(RangeError);
    expect(() => blockSubsidy(1.5, main)).toThrow(RangeError);
  });
});

describe('medianTimePast (Core GetMedianTimePast)', () => {
  const table: { name: string; times: number[]; want: number }[] = [
    { name: 'one block', times: [1000], want: 1000 },
    { name: 'two blocks: the upper middle', times: [1000, 2000], want: 2000 },
    { name: 'three blocks', times: [3, 1, 2], want: 2 },
    { name: 'four blocks: index 2 of the sorted', times: [40, 10, 30, 20], want: 30 },
    { name: 'eleven ascending', times: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], want: 6 },
    { name: 'eleven unsorted', times: [9, 3, 11, 1, 7, 5, 10, 2, 8, 4, 6], want: 6 },
    { name: 'ten, even count', times: [10, 9, 8, 7, 6, 5, 4, 3, 2, 1], want: 6 },
    { name: 'duplicates', times: [5, 5, 5, 1, 9], want: 5 },
    { name: 'a far-future outlier does not move it', times: [100, 101, 102, 103, 9_999_999], want: 102 },
  ];
  for (const { name, times, want } of table) {
    it(name, () => {
      expect(medianTimePast(times)).toBe(want);
    });
  }

  it('does not reorder the caller’s array', () => {
    const times = [3, 1, 2];
    medianTimePast(times);
    expect(times).toEqual([3, 1, 2]);
  });

  it('takes at most eleven times (Core’s nMedianTimeSpan) and at least one', () => {
    expect(MEDIAN_TIME_SPAN).toBe(main.medianTimeSpan);
    expect(() => medianTimePast([])).toThrow(RangeError);
    expect(() => medianTimePast(Array.from({ length: 12 }, (_, i) => i))).toThrow(RangeError);
    expect(() => medianTimePast([1, Number.NaN])).toThrow(RangeError);
  });
});
