/**
 * The explorer's pure parts: the fee estimator (mempool projection, recent-block quantiles,
 * floor, monotonicity), electrs' fee histogram, and Esplora's asm format (rust-bitcoin's,
 * including truncated pushes).
 */
import { describe, expect, it } from 'vitest';
import { esploraAsm } from '../explorer-api/asm.js';
import { CONF_TARGETS, demandedRate, estimateFees } from '../explorer-api/fees.js';
import { scriptType } from '../explorer-api/views.js';
import { fromHex } from '../node/protocol/bytes.js';

describe('estimateFees', () => {
  it('an empty mempool and non-full blocks give the floor for every target', () => {
    const blocks = Array.from({ length: 24 }, () => 0);
    const est = estimateFees({ mempool: [], blocks, floor: 1 });
    expect(Object.keys(est)).toEqual(CONF_TARGETS.map(String));
    expect(new Set(Object.values(est))).toEqual(new Set([1]));
  });

  it('leaves out targets it has no data for (electrs omits what estimatesmartfee cannot answer)', () => {
    expect(estimateFees({ mempool: [], blocks: [], floor: 1 })).toEqual({});
    // Three blocks seen, no backlog: targets 1-3 only.
    expect(estimateFees({ mempool: [], blocks: [0, 0, 0], floor: 1 })).toEqual({ 1: 1, 2: 1, 3: 1 });
  });

  it('a backlog of several blocks prices each target at the tx ending its virtual block', () => {
    // 10 txs of 100 vB at 50, 45, ... 5 sat/vB; blocks of 300 vB.
    const mempool = Array.from({ length: 10 }, (_, i) => ({ rate: 50 - 5 * i, vsize: 100 }));
    const est = estimateFees({ mempool, blocks: [], floor: 2, blockVsize: 300 });
    expect(est['1']).toBe(35); // block 1 holds 50, 45, 40; the next tx (35) is what it takes
    expect(est['2']).toBe(20);
    expect(est['3']).toBe(5);
    expect(est['4']).toBe(2); // the backlog clears: the floor
    expect(est['1008']).toBe(2);
  });

  it('the radix-sorted mempool prices every target as a plain sort does, ties and huge rates included', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    // Reference: sort by rate (highest first), walk the virtual blocks.
    const reference = (pool: { rate: number; vsize: number }[], blockVsize: number, floor: number) => {
      const sorted = [...pool].sort((a, b) => b.rate - a.rate);
      const out: Record<string, number> = {};
      let prev = Number.POSITIVE_INFINITY;
      for (const t of CONF_TARGETS) {
        let cum = 0;
        let k = 0;
        while (k < sorted.length && cum + sorted[k]!.vsize <= t * blockVsize) cum += sorted[k++]!.vsize;
        const est = Math.min(prev, Math.max(floor, k < sorted.length ? sorted[k]!.rate : 0));
        prev = est;
        out[String(t)] = Math.round(est * 1000) / 1000;
      }
      return out;
    };
    for (const [n, maxRate] of [
      [1, 10],
      [500, 3], // many ties
      [5000, 300],
      [300, 5_000_000], // rates above the u32 key (1/1000 sat/vB): the comparator path
    ] as const) {
      const pool = Array.from({ length: n }, () => ({
        rate: Math.floor(random() * maxRate * 1000) / 1000,
        vsize: 60 + Math.floor(random() * 400),
      }));
      expect(estimateFees({ mempool: pool, blocks: [], floor: 1, blockVsize: 2000 })).toEqual(
        reference(pool, 2000, 1),
      );
    }
  });

  it('recent full blocks set a quantile that falls with the target', () => {
    const blocks = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    const est = estimateFees({ mempool: [], blocks, floor: 1 });
    // t = 1: the 90% quantile; t = 2: 1 - 0.1^(1/2) = 0.68 -> 7th of 10; t = 10: 0.21 -> 2nd of 10.
    expect(est['1']).toBe(90);
    expect(est['2']).toBe(70);
    expect(est['10']).toBe(30);
    // Ten blocks seen: nothing beyond ten blocks.
    expect(est['11']).toBeUndefined();
    const values = CONF_TARGETS.filter((t) => t <= 10).map((t) => est[String(t)]!);
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeLessThanOrEqual(values[i - 1]!);
  });

  it('demandedRate: 0 for a block with room left, else the 5th percentile by vsize', () => {
    expect(demandedRate(1_000_000, [{ fee: 1000n, weight: 400 }])).toBe(0);
    const txs = Array.from({ length: 100 }, (_, i) => ({ fee: BigInt(100 * (i + 1)), weight: 400 }));
    expect(demandedRate(3_990_000, txs)).toBe(5);
  });
});

describe('Esplora asm and script types', () => {
  it('formats pushes, small numbers and opcodes as rust-bitcoin does', () => {
    expect(esploraAsm(fromHex(`0014${'11'.repeat(20)}`))).toBe(`OP_0 OP_PUSHBYTES_20 ${'11'.repeat(20)}`);
    expect(esploraAsm(fromHex(`5120${'22'.repeat(32)}`))).toBe(
      `OP_PUSHNUM_1 OP_PUSHBYTES_32 ${'22'.repeat(32)}`,
    );
    expect(esploraAsm(fromHex('4f60b1b2bac0ff'))).toBe(
      'OP_PUSHNUM_NEG1 OP_PUSHNUM_16 OP_CLTV OP_CSV OP_CHECKSIGADD OP_RETURN_192 OP_INVALIDOPCODE',
    );
    expect(esploraAsm(fromHex('4c03aabbcc'))).toBe('OP_PUSHDATA1 aabbcc');
    expect(esploraAsm(fromHex('4c00'))).toBe('OP_PUSHDATA1');
    expect(esploraAsm(fromHex('0301020444aabb'))).toBe(
      'OP_PUSHBYTES_3 010204 OP_PUSHBYTES_68 <push past end>',
    );
    expect(esploraAsm(fromHex('764d01'))).toBe('OP_DUP<unexpected end>');
    expect(esploraAsm(new Uint8Array(0))).toBe('');
  });

  it('names output types as electrs', () => {
    const cases: [string, string][] = [
      ['', 'empty'],
      ['6a', 'op_return'],
      [`21${'02'.repeat(33)}ac`, 'p2pk'],
      [`76a914${'00'.repeat(20)}88ac`, 'p2pkh'],
      [`a914${'00'.repeat(20)}87`, 'p2sh'],
      [`0014${'00'.repeat(20)}`, 'v0_p2wpkh'],
      [`0020${'00'.repeat(32)}`, 'v0_p2wsh'],
      [`5120${'00'.repeat(32)}`, 'v1_p2tr'],
      [`5202${'00'.repeat(2)}`, 'unknown'],
      ['51', 'unknown'],
    ];
    for (const [hex, type] of cases) expect(scriptType(fromHex(hex)), hex).toBe(type);
  });
});
