/**
 * Caps on what a transaction may pay, after Bitcoin Core's wallet: `-maxtxfee` (an absolute fee,
 * DEFAULT_TRANSACTION_MAXFEE = 0.1 coin) and a fee-rate ceiling like sendrawtransaction's
 * `maxfeerate`, here applied to every rate the wallet would use, above all the one a node's
 * `/api/fee-estimates` hands it (the node may be someone else's). Over either cap the command
 * stops before signing: `signSelection` takes only an `Approved` selection, which only
 * `approveFee` makes, so no code path can sign a fee that was not checked.
 */
import { feeFor, formatCoins, formatRate, parseAmount, parseFeeRate } from './amount.js';
import { WalletError } from './errors.js';
import { vsizeOf } from './policy.js';

/** Core's DEFAULT_TRANSACTION_MAXFEE: 0.1 coin. */
export const DEFAULT_MAX_FEE = 10_000_000n;
/** 1,000 sat/vB (in sat/kvB): far above any sane market rate, far below an absurd one. */
export const DEFAULT_MAX_FEE_RATE = 1_000_000n;

export interface FeeCaps {
  maxFee: bigint;
  /** sat/kvB */
  maxFeeRate: bigint;
}

export interface FeeCapOptions {
  maxFee?: string;
  maxFeeRate?: string;
}

/** A fee rate (sat/kvB) and where it came from, for the error that refuses it. */
export interface Price {
  rate: bigint;
  source: string;
}

export function parseFeeCaps(opts: FeeCapOptions, maxMoney: bigint): FeeCaps {
  const maxFee = opts.maxFee === undefined ? DEFAULT_MAX_FEE : parseCap('--max-fee', opts.maxFee, maxMoney);
  const maxFeeRate = opts.maxFeeRate === undefined ? DEFAULT_MAX_FEE_RATE : parseRateCap(opts.maxFeeRate);
  return { maxFee, maxFeeRate };
}

function parseCap(flag: string, text: string, maxMoney: bigint): bigint {
  try {
    return parseAmount(text, maxMoney);
  } catch (e) {
    throw new WalletError('BAD_AMOUNT', `invalid ${flag}: ${(e as Error).message}`);
  }
}

function parseRateCap(text: string): bigint {
  try {
    return parseFeeRate(text);
  } catch (e) {
    throw new WalletError('BAD_AMOUNT', `invalid --max-fee-rate: ${(e as Error).message}`);
  }
}

declare const approved: unique symbol;
/** A selection whose fee and fee rate passed the caps; the only kind that may be signed. */
export type Approved<T> = T & { readonly [approved]: true };

interface Priced {
  fee: bigint;
  /** Estimated weight of the signed transaction. */
  weight: number;
}

function tooHigh(what: string, fee: bigint, vsize: number, price: Price): WalletError {
  return new WalletError(
    'FEE_TOO_HIGH',
    `${what}: it would have paid ${formatCoins(fee)} (${vsize} vB at ${formatRate(price.rate)} sat/vB, ${price.source}); nothing signed, nothing sent`,
  );
}

function rateError(price: Price, caps: FeeCaps, fee: bigint, vsize: number): WalletError {
  return tooHigh(
    `fee rate ${formatRate(price.rate)} sat/vB is above --max-fee-rate ${formatRate(caps.maxFeeRate)} sat/vB`,
    fee,
    vsize,
    price,
  );
}

/** Checks a selection's fee and rate against the caps; the result may be signed. */
export function approveFee<T extends Priced>(sel: T, price: Price, caps: FeeCaps): Approved<T> {
  const vsize = vsizeOf(sel.weight);
  if (price.rate > caps.maxFeeRate) throw rateError(price, caps, sel.fee, vsize);
  if (sel.fee > caps.maxFee) {
    throw tooHigh(
      `fee ${formatCoins(sel.fee)} is above --max-fee ${formatCoins(caps.maxFee)}`,
      sel.fee,
      vsize,
      price,
    );
  }
  return sel as Approved<T>;
}

/**
 * Selects coins and approves the fee. An absurd rate makes almost any payment unaffordable;
 * then the answer is the rate, not "insufficient funds", with the fee of the smallest
 * transaction that could have made the payment (`minWeight`).
 */
export function selectApproved<T extends Priced>(
  select: () => T,
  price: Price,
  caps: FeeCaps,
  minWeight: number,
): Approved<T> {
  let sel: T;
  try {
    sel = select();
  } catch (e) {
    if (price.rate > caps.maxFeeRate && e instanceof WalletError && e.code === 'INSUFFICIENT_FUNDS') {
      const vsize = vsizeOf(minWeight);
      throw rateError(price, caps, feeFor(vsize, price.rate), vsize);
    }
    throw e;
  }
  return approveFee(sel, price, caps);
}
