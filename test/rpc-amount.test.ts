/**
 * Amount arguments of the RPC (node/rpc/amount.ts) as Bitcoin Core reads them: AmountFromValue
 * over util/strencodings' ParseFixedPoint (the cases of Core's util_tests ParseFixedPoint that
 * apply at 8 decimals), then MoneyRange; ParseFeeRate refuses 1 coin/kvB or more.
 */
import { describe, expect, it } from 'vitest';
import { amountFromValue, parseFeeRate } from '../node/rpc/amount.js';
import { RpcError } from '../node/rpc/errors.js';

function rpcCode(f: () => unknown): number | 'ok' {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (e instanceof RpcError) return e.code;
    throw e;
  }
}

describe('amountFromValue', () => {
  it('reads what ParseFixedPoint reads, in satoshis', () => {
    const cases: [string | number, bigint][] = [
      ['0', 0n],
      ['1', 100_000_000n],
      ['0.1', 10_000_000n],
      ['0.00000001', 1n],
      ['1.10000000', 110_000_000n],
      ['1e-8', 1n],
      ['0.1e1', 100_000_000n],
      ['12345.6789e-4', 123_456_789n],
      ['-0', 0n],
      [0.5, 50_000_000n],
      [1e-7, 10n],
      ['21000000', 2_100_000_000_000_000n],
    ];
    for (const [v, sats] of cases) expect(amountFromValue(v), String(v)).toBe(sats);
  });

  it('refuses what Core refuses: -3 for the text, -3 out of range, -3 for other types', () => {
    for (const v of ['', '-', '01', '00', '1.', '.5', '1e', '1e+', ' 1', '1 ', '0x10', '1.2.3', 'abc'])
      expect(
        rpcCode(() => amountFromValue(v)),
        JSON.stringify(v),
      ).toBe(-3);
    // More precision than a satoshi, negative amounts and more than MAX_MONEY.
    for (const v of ['0.000000001', '-1', '21000000.00000001', 1e300])
      expect(
        rpcCode(() => amountFromValue(v)),
        String(v),
      ).toBe(-3);
    for (const v of [null, true, [1], { a: 1 }]) expect(rpcCode(() => amountFromValue(v))).toBe(-3);
  });
});

describe('parseFeeRate', () => {
  it('takes coin/kvB below 1 and gives sat/kvB', () => {
    expect(parseFeeRate('0.1')).toBe(10_000_000n);
    expect(parseFeeRate(0)).toBe(0n);
    expect(rpcCode(() => parseFeeRate(1))).toBe(-8);
    expect(rpcCode(() => parseFeeRate('1.'))).toBe(-3);
  });
});
