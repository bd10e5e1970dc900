/**
 * Amount parsing and coin selection: tables for the rules, fast-check properties for what must
 * hold of every selection (inputs cover outputs and fee, the fee meets the rate on the estimated
 * weight, no dust change or payment, branch and bound finds exact matches).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { regtest } from '../node/protocol/params.js';
import { p2pkh, p2wpkh } from '../node/protocol/script/templates.js';
import { feeFor, formatRate, parseAmount, parseFeeRate } from '../wallet/amount.js';
import {
  branchAndBound,
  budget,
  minChange,
  type SelectParams,
  selectCoins,
  sweep,
} from '../wallet/coinselect.js';
import { WalletError } from '../wallet/errors.js';
import { dustThreshold, txWeight, vsizeOf } from '../wallet/policy.js';

const MAX = regtest.maxMoney;
const dest = p2wpkh(new Uint8Array(20).fill(7));
const change = p2wpkh(new Uint8Array(20).fill(9));

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof WalletError) return e.code;
    throw e;
  }
  return 'OK';
}

describe('amounts', () => {
  it.each([
    ['1', 100_000_000n],
    ['0.5', 50_000_000n],
    ['.5', 50_000_000n],
    ['0.00000001', 1n],
    ['21000000', 2_100_000_000_000_000n],
    ['50000sat', 50_000n],
    ['50000 sats', 50_000n],
    ['12.3456789', 1_234_567_890n],
    [' 2 ', 200_000_000n],
  ])('%s is %s sats', (text, sats) => {
    expect(parseAmount(text, MAX)).toBe(sats);
  });

  it.each([
    '',
    '0',
    '0sat',
    '-1',
    '1e3',
    '0.000000001',
    '1.',
    'abc',
    '1,5',
    '+1',
    '21000000.00000001',
    '0x10',
    'NaN',
  ])('refuses %j', (text) => {
    expect(code(() => parseAmount(text, MAX))).toBe('BAD_AMOUNT');
  });

  it('fee rates are exact sat/kvB', () => {
    expect(parseFeeRate('1')).toBe(1000n);
    expect(parseFeeRate('2.5')).toBe(2500n);
    expect(parseFeeRate('10.125')).toBe(10_125n);
    expect(formatRate(2500n)).toBe('2.5');
    expect(code(() => parseFeeRate('0.5'))).toBe('BAD_AMOUNT');
    expect(code(() => parseFeeRate('1.0001'))).toBe('BAD_AMOUNT');
    expect(feeFor(141, 1000n)).toBe(141n);
    expect(feeFor(141, 1500n)).toBe(212n);
  });
});

describe('policy numbers', () => {
  it("match Core's dust thresholds and P2WPKH sizes", () => {
    expect(dustThreshold(dest)).toBe(294n);
    expect(dustThreshold(p2pkh(new Uint8Array(20)))).toBe(546n);
    // 1 input, 2 P2WPKH outputs: Core's well-known 141 vB (561 WU with a 72-byte signature).
    expect(vsizeOf(txWeight(1, [dest, change]))).toBe(141);
  });
});

describe('branch and bound', () => {
  it('finds an exact subset and the least excess in the window', () => {
    const small = [1n, 2n, 3n, 5n];
    expect(branchAndBound(small, 8n, 0n)!.reduce((s, i) => s + small[i]!, 0n)).toBe(8n);
    const exact = branchAndBound([100n, 200n, 300n, 500n, 700n], 1000n, 0n)!;
    expect(exact.map((i) => [100n, 200n, 300n, 500n, 700n][i]!).reduce((a, b) => a + b)).toBe(1000n);
    expect(branchAndBound([100n, 200n], 1000n, 50n)).toBeNull();
    const win = branchAndBound([600n, 450n, 420n], 1000n, 100n)!;
    // 600 + 420 = 1020 (excess 20) beats 600 + 450 = 1050.
    expect(win.map((i) => [600n, 450n, 420n][i]!).reduce((a, b) => a + b)).toBe(1020n);
  });
});

const params = (amount: bigint, feeRate = 1000n, subtractFee = false): SelectParams => ({
  feeRate,
  recipients: [{ script: dest, value: amount }],
  changeScript: change,
  subtractFee,
});
const coin = (value: bigint, id = 0) => ({ value, id });

describe('selectCoins', () => {
  it('pays without change when a coin matches amount + fees', () => {
    const p = params(100_000n);
    const b = budget(p);
    const sel = selectCoins([coin(5_000_000n, 1), coin(100_000n + b.baseFee + b.inputFee, 2)], p);
    expect(sel.algorithm).toBe('bnb');
    expect(sel.change).toBe(0n);
    expect(sel.inputs.map((c) => c.id)).toEqual([2]);
  });

  it('makes viable change otherwise and the sums add up', () => {
    const sel = selectCoins([coin(5_000_000n), coin(7_000_000n)], params(1_000_000n, 2000n));
    expect(sel.change).toBeGreaterThanOrEqual(minChange(change));
    const inSum = sel.inputs.reduce((s, c) => s + c.value, 0n);
    expect(inSum).toBe(sel.recipientValues[0]! + sel.change + sel.fee);
    expect(sel.fee).toBe(feeFor(vsizeOf(sel.weight), 2000n));
  });

  it('leaves an excess up to the cost of change to the fee, makes change above it', () => {
    const p = params(100_000n);
    const b = budget(p);
    const exact = 100_000n + b.baseFee + b.inputFee;
    const within = selectCoins([coin(exact + b.costOfChange - 1n)], p);
    expect([within.algorithm, within.change]).toEqual(['bnb', 0n]);
    const above = selectCoins([coin(exact + b.costOfChange + 50n)], p);
    expect(above.algorithm).toBe('single');
    expect(above.change).toBeGreaterThanOrEqual(minChange(change));
  });

  it('with subtractFee the recipient pays the fee', () => {
    const sel = selectCoins([coin(1_000_000n)], params(1_000_000n, 1000n, true));
    expect(sel.recipientValues[0]).toBe(1_000_000n - sel.fee);
    expect(sel.change).toBe(0n);
  });

  it('reports insufficient funds and dust', () => {
    expect(code(() => selectCoins([coin(1000n)], params(5000n)))).toBe('INSUFFICIENT_FUNDS');
    expect(code(() => selectCoins([], params(5000n)))).toBe('INSUFFICIENT_FUNDS');
    expect(code(() => selectCoins([coin(10_000n)], params(400n, 1000n, true)))).toBe('DUST');
    expect(code(() => sweep([coin(300n)], dest, 1000n))).toBe('INSUFFICIENT_FUNDS');
  });

  it('sweep spends everything less the exact fee', () => {
    const coins = [coin(10_000n), coin(20_000n), coin(30_000n)];
    const s = sweep(coins, dest, 3000n);
    expect(s.inputs).toHaveLength(3);
    expect(s.fee).toBe(feeFor(vsizeOf(txWeight(3, [dest])), 3000n));
    expect(s.recipientValues[0]).toBe(60_000n - s.fee);
  });
});

describe('selectCoins properties', () => {
  const coinsArb = fc.array(fc.bigInt({ min: 1000n, max: 200_000_000n }), { minLength: 0, maxLength: 25 });
  const rateArb = fc.bigInt({ min: 1000n, max: 60_000n });

  it('every selection is sound', () => {
    fc.assert(
      fc.property(
        coinsArb,
        fc.bigInt({ min: 294n, max: 500_000_000n }),
        rateArb,
        fc.boolean(),
        (values, amount, rate, sffo) => {
          const coins = values.map((v, i) => coin(v, i));
          const p = params(amount, rate, sffo);
          let sel: ReturnType<typeof selectCoins<(typeof coins)[number]>>;
          try {
            sel = selectCoins(coins, p);
          } catch (e) {
            if (!(e instanceof WalletError)) throw e;
            expect(['INSUFFICIENT_FUNDS', 'DUST']).toContain(e.code);
            if (e.code === 'INSUFFICIENT_FUNDS') {
              // Sound refusal: even spending every coin worth its input fee, without change, falls short.
              const b = budget(p);
              const pool = coins.filter((c) => (sffo ? c.value : c.value - b.inputFee) > 0n);
              const sum = pool.reduce((s, c) => s + c.value, 0n);
              const fee = sffo ? 0n : feeFor(vsizeOf(txWeight(pool.length, [dest])), rate);
              expect(sum - fee).toBeLessThan(amount + BigInt(pool.length) + feeFor(3, rate));
            }
            return;
          }
          const ids = sel.inputs.map((c) => c.id);
          expect(new Set(ids).size).toBe(ids.length);
          const inSum = sel.inputs.reduce((s, c) => s + c.value, 0n);
          const outSum = sel.recipientValues.reduce((s, v) => s + v, 0n) + sel.change;
          expect(inSum).toBe(outSum + sel.fee);
          expect(sel.fee).toBeGreaterThanOrEqual(feeFor(vsizeOf(sel.weight), rate));
          expect(sel.recipientValues[0]).toBe(
            sffo ? amount - (sel.fee - (inSum - amount - sel.change)) : amount,
          );
          expect(sel.recipientValues[0]!).toBeGreaterThanOrEqual(dustThreshold(dest));
          if (sel.change > 0n) expect(sel.change).toBeGreaterThanOrEqual(minChange(change));
          expect(sel.change === 0n || sel.change >= dustThreshold(change)).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('branch and bound finds a payment that some coins match exactly', () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 10_000n, max: 50_000_000n }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
        rateArb,
        (values, pick, rate) => {
          const coins = values.map((v, i) => coin(v, i));
          const chosen = coins.filter((_, i) => pick[i]);
          if (chosen.length === 0) chosen.push(coins[0]!);
          const b = budget(params(1n, rate));
          const amount = chosen.reduce((s, c) => s + c.value - b.inputFee, 0n) - b.baseFee;
          fc.pre(amount >= 294n && chosen.every((c) => c.value > b.inputFee));
          const sel = selectCoins(coins, params(amount, rate));
          expect(sel.algorithm).toBe('bnb');
          expect(sel.change).toBe(0n);
          // BnB's excess over the estimated fee never exceeds the cost of change.
          const est = b.baseFee + BigInt(sel.inputs.length) * b.inputFee;
          expect(sel.fee - est).toBeLessThanOrEqual(b.costOfChange);
          expect(sel.fee).toBeGreaterThanOrEqual(feeFor(vsizeOf(sel.weight), rate));
        },
      ),
      { numRuns: 300 },
    );
  });
});
