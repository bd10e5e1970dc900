/**
 * Amount arguments as Bitcoin Core reads them (rpc/util.cpp AmountFromValue, ParseFeeRate;
 * util/moneystr ParseFixedPoint): a JSON number or a string in coins, at most 8 decimals, an
 * exponent allowed ("1e-3"), within 0..MAX_MONEY; fee rates in coin/kvB must be below 1.
 * Errors are Core's: -3 for the amount itself, -8 for a fee rate of 1 coin/kvB or more.
 */
import { RPC, RpcError } from './errors.js';

const COIN = 100_000_000n;
const MAX_MONEY = 21_000_000n * COIN;
const DECIMALS = 8;
// Core refuses leading zeros ("01") and a point without digits after it ("1.", ".5").
const NUMBER = /^(0|[1-9]\d*)(?:\.(\d+))?(?:[eE]([+-]?\d{1,3}))?$/;

/** Satoshis from a decimal text in coins; undefined if it is not one or has sub-satoshi digits. */
function parseFixedPoint(text: string): bigint | undefined {
  const m = NUMBER.exec(text);
  if (!m) return undefined;
  const digits = `${m[1]}${m[2] ?? ''}`;
  // The value is digits × 10^(exponent - fraction digits); scale it to satoshis.
  const shift = DECIMALS + Number(m[3] ?? 0) - (m[2] ?? '').length;
  if (shift >= 0) return BigInt(digits) * 10n ** BigInt(shift);
  const cut = digits.length + shift;
  const dropped = cut > 0 ? digits.slice(cut) : digits;
  if (/[^0]/.test(dropped)) return undefined;
  return cut > 0 ? BigInt(digits.slice(0, cut)) : 0n;
}

/** Core's AmountFromValue: satoshis. */
export function amountFromValue(v: unknown): bigint {
  if (typeof v !== 'number' && typeof v !== 'string')
    throw new RpcError(RPC.TYPE_ERROR, 'Amount is not a number or string');
  if (typeof v === 'number' && !Number.isFinite(v)) throw new RpcError(RPC.TYPE_ERROR, 'Invalid amount');
  const text = String(v);
  // A negative amount parses, then fails the range check (as Core's MoneyRange).
  const negative = text.startsWith('-');
  const sats = parseFixedPoint(negative ? text.slice(1) : text);
  if (sats === undefined) throw new RpcError(RPC.TYPE_ERROR, 'Invalid amount');
  if ((negative && sats !== 0n) || sats > MAX_MONEY)
    throw new RpcError(RPC.TYPE_ERROR, 'Amount out of range');
  return sats;
}

/** Core's ParseFeeRate: sat/kvB from coin/kvB. */
export function parseFeeRate(v: unknown): bigint {
  const rate = amountFromValue(v);
  if (rate >= COIN)
    throw new RpcError(
      RPC.INVALID_PARAMETER,
      'Fee rates larger than or equal to 1 coin/kvB are not accepted',
    );
  return rate;
}
