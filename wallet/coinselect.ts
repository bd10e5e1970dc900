/**
 * Coin selection for P2WPKH and key-path P2TR coins (each priced at its own input size), after
 * Bitcoin Core's wallet (coinselection.cpp, spend.cpp):
 *
 * 1. Branch and bound (SelectCoinsBnB, Murch's "An Evaluation of Coin Selection Strategies"):
 *    depth-first search for inputs whose effective values (value minus the fee to spend them)
 *    land in [target + fees, target + fees + cost of change], so no change output is needed;
 *    the small excess goes to the fee. Bounded at 100,000 tries, as Core.
 * 2. Fallback, with change: the smallest single coin that covers target + fees + a viable
 *    change, else the largest coins first until they do; the change goes to a fresh address.
 * 3. If no selection leaves viable change but all coins cover target + fees, the largest coins
 *    first until they cover it, the remainder (less than a viable change) to the fee.
 *
 * Change is created only when it is worth spending: at least the dust threshold of its script
 * and the cost of spending it later at Core's discard rate (10 sat/vB). Cost of change (BnB's
 * window) = the fee of the change output now + that later spend, as Core's m_cost_of_change.
 * With `subtractFee` the recipients pay the fee: selection aims at the amount itself and the
 * exact fee is taken from the first recipient.
 */
import { feeFor, formatCoins } from './amount.js';
import { WalletError } from './errors.js';
import type { AddressType } from './hd.js';
import {
  dustThreshold,
  type InputKind,
  inputWeight,
  outputSize,
  P2WPKH_INPUT_WEIGHT,
  spendTypeOf,
  txWeight,
  vsizeOf,
} from './policy.js';

/** Core's DEFAULT_DISCARD_FEE: 10 sat/vB, in sat/kvB. */
export const DISCARD_FEE_RATE = 10_000n;
export const BNB_TOTAL_TRIES = 100_000;

export interface Candidate {
  value: bigint;
  /** The key the coin pays to; its type sets the input's size (P2WPKH when absent). */
  key?: { readonly type: AddressType; readonly inputWeight?: number };
}

/** The coin's input kind: its type, or its own weight (P2WSH multisig). */
export function typeOf(c: Candidate): InputKind {
  return c.key?.inputWeight ?? c.key?.type ?? 'p2wpkh';
}

/** The fee for spending one input of `type` at `rate`: its vsize rounded up, as Core's. */
export function inputFeeAt(type: InputKind, rate: bigint): bigint {
  return feeFor(Math.ceil(inputWeight(type) / 4), rate);
}

export interface SelectParams {
  /** sat/kvB */
  feeRate: bigint;
  /** Output scripts and amounts of the payment. */
  recipients: readonly { script: Uint8Array; value: bigint }[];
  changeScript: Uint8Array;
  subtractFee?: boolean;
}

export type Algorithm = 'bnb' | 'single' | 'largest-first' | 'no-change' | 'sweep' | 'preset';

export interface Selection<T> {
  inputs: T[];
  /** Final output values of the recipients (the first one less the fee with subtractFee). */
  recipientValues: bigint[];
  /** 0n when there is no change output. */
  change: bigint;
  fee: bigint;
  /** Estimated weight of the signed transaction (signatures at their longest). */
  weight: number;
  algorithm: Algorithm;
}

/** Smallest change worth creating: not dust, and worth more than spending it would cost. */
export function minChange(changeScript: Uint8Array): bigint {
  const spendCost = inputFeeAt(spendTypeOf(changeScript), DISCARD_FEE_RATE);
  const dust = dustThreshold(changeScript);
  // biome-ignore lint/complexity/useMathMinMax: Math.max does not take bigints
  return spendCost > dust ? spendCost : dust;
}

/**
 * Branch and bound over `values` (effective values, each > 0): the indices of a subset whose sum
 * lies in [target, target + window] with the least excess, or null. Core's SelectCoinsBnB with
 * waste = excess (fee rate equal to the long-term rate).
 */
export function branchAndBound(values: readonly bigint[], target: bigint, window: bigint): number[] | null {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => (a.v > b.v ? -1 : a.v < b.v ? 1 : a.i - b.i));
  const pool = order.map((o) => o.v);
  let available = 0n;
  for (const v of pool) available += v;
  if (available < target) return null;
  const upper = target + window;
  let value = 0n;
  const selection: number[] = [];
  let best: number[] | null = null;
  let bestExcess = -1n;
  let index = 0;
  for (let tries = 0; tries < BNB_TOTAL_TRIES; tries++, index++) {
    let backtrack = false;
    if (value + available < target || value > upper) {
      backtrack = true;
    } else if (value >= target) {
      const excess = value - target;
      if (best === null || excess <= bestExcess) {
        best = selection.slice();
        bestExcess = excess;
        if (excess === 0n) break;
      }
      backtrack = true;
    }
    if (backtrack) {
      if (selection.length === 0) break;
      // Put the coins skipped after the last included one back into the lookahead, then try the
      // branch without that last one.
      for (index--; index > selection[selection.length - 1]!; index--) available += pool[index]!;
      value -= pool[index]!;
      selection.pop();
    } else {
      const v = pool[index]!;
      available -= v;
      // A coin equal to an excluded predecessor would only repeat that branch.
      if (selection.length === 0 || index - 1 === selection[selection.length - 1] || v !== pool[index - 1]) {
        selection.push(index);
        value += v;
      }
    }
  }
  return best === null ? null : best.map((k) => order[k]!.i);
}

function insufficient(need: bigint, have: bigint, what: string): WalletError {
  return new WalletError(
    'INSUFFICIENT_FUNDS',
    `insufficient funds: ${what} needs ${formatCoins(need)}, spendable balance is ${formatCoins(have)}`,
  );
}

export interface Budget {
  /** Fee for one P2WPKH input at the fee rate (each coin is priced by its own type). */
  inputFee: bigint;
  /** Fee for everything but inputs and change (with a 3-byte input count, to be safe). */
  baseFee: bigint;
  changeOutFee: bigint;
  /** BnB's window: the change output now plus spending it later at the discard rate. */
  costOfChange: bigint;
  viableChange: bigint;
}

/** The fee parts selection plans with (the final fee is computed from the exact weight). */
export function budget(p: SelectParams): Budget {
  const scripts = p.recipients.map((r) => r.script);
  const changeOutFee = feeFor(outputSize(p.changeScript), p.feeRate);
  return {
    inputFee: inputFeeAt('p2wpkh', p.feeRate),
    baseFee: feeFor(vsizeOf(txWeight(253, scripts) - 253 * P2WPKH_INPUT_WEIGHT), p.feeRate),
    changeOutFee,
    costOfChange: changeOutFee + inputFeeAt(spendTypeOf(p.changeScript), DISCARD_FEE_RATE),
    viableChange: minChange(p.changeScript),
  };
}

/** Picks inputs for a payment; throws WalletError('INSUFFICIENT_FUNDS' | 'DUST'). */
export function selectCoins<T extends Candidate>(coins: readonly T[], p: SelectParams): Selection<T> {
  if (p.recipients.length === 0) throw new RangeError('selectCoins: no recipients');
  const amount = p.recipients.reduce((s, r) => s + r.value, 0n);
  const scripts = p.recipients.map((r) => r.script);
  const sffo = p.subtractFee === true;
  const { inputFee, baseFee, changeOutFee, costOfChange, viableChange } = budget(p);

  // With subtractFee the inputs need not pay for themselves; the recipient does.
  const eff = (c: T) => (sffo ? c.value : c.value - inputFeeAt(typeOf(c), p.feeRate));
  const pool = coins.filter((c) => eff(c) > 0n);
  const target = sffo ? amount : amount + baseFee;
  const total = pool.reduce((s, c) => s + eff(c), 0n);
  const spendable = coins.reduce((s, c) => s + c.value, 0n);
  if (total < target)
    throw insufficient(sffo ? amount : amount + baseFee + inputFee, spendable, 'this payment');

  const finish = (inputs: T[], withChange: boolean, algorithm: Algorithm): Selection<T> | null => {
    const outs = withChange ? [...scripts, p.changeScript] : scripts;
    const weight = txWeight(inputs.map(typeOf), outs);
    const fee = feeFor(vsizeOf(weight), p.feeRate);
    const sum = inputs.reduce((s, c) => s + c.value, 0n);
    const values = p.recipients.map((r) => r.value);
    let change: bigint;
    if (sffo) {
      values[0] = values[0]! - fee;
      change = sum - amount;
    } else {
      change = sum - amount - fee;
    }
    if (change < 0n) return null;
    if (withChange && change < viableChange) return null;
    if (!withChange) change = 0n;
    return {
      inputs,
      recipientValues: values,
      change,
      fee: sum - values.reduce((s, v) => s + v, 0n) - change,
      weight,
      algorithm,
    };
  };

  let sel: Selection<T> | null = null;
  const bnb = branchAndBound(pool.map(eff), target, costOfChange);
  if (bnb)
    sel = finish(
      bnb.map((i) => pool[i]!),
      false,
      'bnb',
    );

  const withChangeTarget = target + (sffo ? 0n : changeOutFee) + viableChange;
  if (!sel) {
    let single: T | undefined;
    for (const c of pool) if (eff(c) >= withChangeTarget && (!single || c.value < single.value)) single = c;
    if (single) sel = finish([single], true, 'single');
  }
  const byValue = [...pool].sort((a, b) => (eff(b) > eff(a) ? 1 : eff(b) < eff(a) ? -1 : 0));
  const largestFirst = (goal: bigint): T[] | null => {
    const out: T[] = [];
    let sum = 0n;
    for (const c of byValue) {
      out.push(c);
      sum += eff(c);
      if (sum >= goal) return out;
    }
    return null;
  };
  if (!sel) {
    const lf = largestFirst(withChangeTarget);
    if (lf) sel = finish(lf, true, 'largest-first');
  }
  if (!sel) {
    const lf = largestFirst(target);
    if (lf) sel = finish(lf, false, 'no-change');
  }
  if (!sel) throw insufficient(target, spendable, 'this payment');
  checkRecipients(sel.recipientValues, scripts);
  return sel;
}

/** Spends every coin to one address, no change, the fee taken from the amount. */
export function sweep<T extends Candidate>(
  coins: readonly T[],
  script: Uint8Array,
  feeRate: bigint,
): Selection<T> {
  if (coins.length === 0)
    throw new WalletError('INSUFFICIENT_FUNDS', 'insufficient funds: no spendable coins to sweep');
  const weight = txWeight(coins.map(typeOf), [script]);
  const fee = feeFor(vsizeOf(weight), feeRate);
  const sum = coins.reduce((s, c) => s + c.value, 0n);
  if (sum - fee < dustThreshold(script)) {
    throw new WalletError(
      'INSUFFICIENT_FUNDS',
      `insufficient funds: sweeping ${formatCoins(sum)} leaves ${formatCoins(sum - fee)} after a ${formatCoins(fee)} fee, below dust`,
    );
  }
  return { inputs: [...coins], recipientValues: [sum - fee], change: 0n, fee, weight, algorithm: 'sweep' };
}

function checkRecipients(values: readonly bigint[], scripts: readonly Uint8Array[]): void {
  values.forEach((v, i) => {
    const dust = dustThreshold(scripts[i]!);
    if (v < dust) {
      throw new WalletError(
        'DUST',
        `amount ${formatCoins(v)} after fees is below the dust threshold ${formatCoins(dust)}`,
      );
    }
  });
}

/**
 * Coin control (Core's `inputs` with `add_inputs=false`): every given coin is spent, nothing
 * else; change when it is worth creating, else the remainder goes to the fee.
 */
export function selectPreset<T extends Candidate>(coins: readonly T[], p: SelectParams): Selection<T> {
  if (coins.length === 0) throw new RangeError('selectPreset: no coins');
  const amount = p.recipients.reduce((s, r) => s + r.value, 0n);
  const scripts = p.recipients.map((r) => r.script);
  const sum = coins.reduce((s, c) => s + c.value, 0n);
  const sffo = p.subtractFee === true;
  const { viableChange } = budget(p);
  for (const withChange of [true, false]) {
    const weight = txWeight(coins.map(typeOf), withChange ? [...scripts, p.changeScript] : scripts);
    const fee = feeFor(vsizeOf(weight), p.feeRate);
    const values = p.recipients.map((r) => r.value);
    if (sffo) values[0] = values[0]! - fee;
    let change = sffo ? sum - amount : sum - amount - fee;
    if (change < 0n) continue;
    if (withChange && change < viableChange) continue;
    if (!withChange) change = 0n;
    checkRecipients(values, scripts);
    const total = values.reduce((s, v) => s + v, 0n);
    return {
      inputs: [...coins],
      recipientValues: values,
      change,
      fee: sum - total - change,
      weight,
      algorithm: 'preset',
    };
  }
  const fee = feeFor(vsizeOf(txWeight(coins.map(typeOf), scripts)), p.feeRate);
  throw insufficient(sffo ? amount : amount + fee, sum, 'this payment from the chosen coins (--utxo)');
}
