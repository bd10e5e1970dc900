/**
 * Amounts typed by people, parsed without floating point: coins with up to 8 decimals (`0.5`,
 * `12`, `0.00000001`) or base units with a suffix (`50000sat`, `50000sats`). Fee rates are sat/vB
 * with up to 3 decimals, kept as integer sat/kvB (Core's CFeeRate unit) so fees are exact.
 */
import { formatCoins } from '../node/protocol/describe.js';
import { WalletError } from './errors.js';

export const COIN = 100_000_000n;

const COINS = /^(\d{1,12})(?:\.(\d{1,8}))?$/;
const COINS_LEADING_DOT = /^\.(\d{1,8})$/;
const SATS = /^(\d{1,20}) ?sats?$/;

/** Satoshis of an amount string; throws WalletError('BAD_AMOUNT'). Zero is refused. */
export function parseAmount(text: string, maxMoney: bigint): bigint {
  const s = text.trim();
  let sats: bigint;
  const sat = SATS.exec(s);
  if (sat) {
    sats = BigInt(sat[1]!);
  } else {
    const m = COINS.exec(s) ?? (COINS_LEADING_DOT.test(s) ? COINS.exec(`0${s}`) : null);
    if (!m) {
      const why = /^\d*\.\d{9,}$/.test(s)
        ? 'more than 8 decimal places'
        : 'expected coins with up to 8 decimals (0.5) or base units (50000sat)';
      throw new WalletError('BAD_AMOUNT', `invalid amount '${text}': ${why}`);
    }
    sats = BigInt(m[1]!) * COIN + BigInt((m[2] ?? '').padEnd(8, '0'));
  }
  if (sats === 0n) throw new WalletError('BAD_AMOUNT', `invalid amount '${text}': must be more than zero`);
  if (sats > maxMoney) {
    throw new WalletError(
      'BAD_AMOUNT',
      `invalid amount '${text}': above the ${formatCoins(maxMoney)} coin limit`,
    );
  }
  return sats;
}

const RATE = /^(\d{1,7})(?:\.(\d{1,3}))?$/;

/** A fee rate in sat/vB (`1`, `2.5`, `10.125`) as sat/kvB; 1 sat/vB minimum (the relay floor). */
export function parseFeeRate(text: string): bigint {
  const m = RATE.exec(text.trim());
  if (!m)
    throw new WalletError('BAD_AMOUNT', `invalid fee rate '${text}': expected sat/vB with up to 3 decimals`);
  const perKvb = BigInt(m[1]!) * 1000n + BigInt((m[2] ?? '').padEnd(3, '0'));
  if (perKvb < MIN_RELAY_FEE_RATE) {
    throw new WalletError('BAD_AMOUNT', `fee rate '${text}' below the 1 sat/vB relay minimum`);
  }
  return perKvb;
}

/** Core's DEFAULT_MIN_RELAY_TX_FEE: 1 sat/vB, in sat/kvB. */
export const MIN_RELAY_FEE_RATE = 1000n;

/** Fee at `rate` sat/kvB for `vsize` vbytes, rounded up (Core's CFeeRate::GetFee). */
export function feeFor(vsize: number, rate: bigint): bigint {
  const n = BigInt(vsize) * rate;
  return (n + 999n) / 1000n;
}

/** sat/kvB as a sat/vB decimal string. */
export function formatRate(rate: bigint): string {
  const frac = (rate % 1000n).toString().padStart(3, '0').replace(/0+$/, '');
  return frac ? `${rate / 1000n}.${frac}` : `${rate / 1000n}`;
}

export { formatCoins };
