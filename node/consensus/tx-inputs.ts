/**
 * A transaction against the coins it spends. `checkTxInputs` is Core's Consensus::CheckTxInputs
 * (consensus/tx_verify.cpp): inputs present and unspent, coinbase maturity, MoneyRange on
 * input values and their sum, inputs cover outputs, fee in range. `sequenceLocks` and
 * `checkSequenceLocks` are Core's CalculateSequenceLocks and EvaluateSequenceLocks (BIP68):
 * relative locks apply to version >= 2 transactions once CSV is active, per input unless the
 * disable flag is set, in blocks or in 512-second units measured from the median time past of
 * the block before the one that created the coin.
 */
import type { NetworkParams } from '../protocol/params.js';
import type { Tx } from '../protocol/tx.js';
import { RuleError } from './errors.js';

/** An unspent output as the UTXO set keeps it. */
export interface Coin {
  readonly value: bigint;
  readonly script: Uint8Array;
  /** Height of the block that created it. */
  readonly height: number;
  readonly coinbase: boolean;
}

/** A read-only window onto the UTXO set, keyed by OutPoint.key(); undefined = missing or spent. */
export interface CoinView {
  get(outpointKey: string): Coin | undefined;
}

export const SEQUENCE_LOCKTIME_DISABLE_FLAG = 0x80000000;
export const SEQUENCE_LOCKTIME_TYPE_FLAG = 0x00400000;
export const SEQUENCE_LOCKTIME_MASK = 0x0000ffff;
/** Time-based relative locks count units of 2^9 = 512 seconds. */
export const SEQUENCE_LOCKTIME_GRANULARITY = 9;

export function moneyRange(value: bigint, params: NetworkParams): boolean {
  return value >= 0n && value <= params.maxMoney;
}

/**
 * Checks a non-coinbase tx's inputs against `view` for a block at `spendHeight` (the height
 * the tx would be mined at); returns its fee.
 */
export function checkTxInputs(tx: Tx, view: CoinView, spendHeight: number, params: NetworkParams): bigint {
  const coins: Coin[] = [];
  for (let i = 0; i < tx.inputs.length; i++) {
    const key = tx.inputs[i]!.prevout.key();
    const coin = view.get(key);
    if (!coin) throw new RuleError('TX_MISSING_INPUTS', `input ${i} ${key} missing or spent`);
    coins.push(coin);
  }
  let valueIn = 0n;
  for (const coin of coins) {
    if (coin.coinbase && spendHeight - coin.height < params.coinbaseMaturity) {
      throw new RuleError(
        'TX_PREMATURE_COINBASE_SPEND',
        `tried to spend coinbase at depth ${spendHeight - coin.height}`,
      );
    }
    valueIn += coin.value;
    if (!moneyRange(coin.value, params) || !moneyRange(valueIn, params)) {
      throw new RuleError('TX_INPUT_VALUES_OUT_OF_RANGE');
    }
  }
  let valueOut = 0n;
  for (const out of tx.outputs) valueOut += out.value;
  if (valueIn < valueOut) {
    throw new RuleError('TX_IN_BELOW_OUT', `value in (${valueIn}) < value out (${valueOut})`);
  }
  const fee = valueIn - valueOut;
  if (!moneyRange(fee, params)) throw new RuleError('TX_FEE_OUT_OF_RANGE');
  return fee;
}

/** The last height and median time past at which the tx is still locked; -1 = no lock. */
export interface SequenceLocks {
  readonly minHeight: number;
  readonly minTime: number;
}

/**
 * CalculateSequenceLocks. `prevHeights[i]` is the height of the coin input i spends.
 * `mtpOfBlockBefore(h)` must return the median time past of block h - 1 on the branch being
 * validated (called with h >= 1 only: Core clamps to the genesis block); for a coin created in
 * the block under validation that is the current tip.
 */
export function sequenceLocks(
  tx: Tx,
  flagsEnforceBIP68: boolean,
  prevHeights: readonly number[],
  mtpOfBlockBefore: (height: number) => number,
): SequenceLocks {
  let minHeight = -1;
  let minTime = -1;
  // BIP68 reads the version as unsigned (Core: static_cast<uint32_t>(nVersion) >= 2).
  if (!flagsEnforceBIP68 || tx.version >>> 0 < 2) return { minHeight, minTime };
  tx.inputs.forEach((input, i) => {
    const seq = input.sequence;
    if (seq & SEQUENCE_LOCKTIME_DISABLE_FLAG) return;
    const coinHeight = prevHeights[i]!;
    const value = seq & SEQUENCE_LOCKTIME_MASK;
    if (seq & SEQUENCE_LOCKTIME_TYPE_FLAG) {
      const coinTime = mtpOfBlockBefore(Math.max(coinHeight, 1));
      minTime = Math.max(minTime, coinTime + value * 2 ** SEQUENCE_LOCKTIME_GRANULARITY - 1);
    } else {
      minHeight = Math.max(minHeight, coinHeight + value - 1);
    }
  });
  return { minHeight, minTime };
}

/**
 * EvaluateSequenceLocks: true when a block at `height`, whose parent has median time past
 * `mtpOfTip`, may include the tx.
 */
export function checkSequenceLocks(locks: SequenceLocks, height: number, mtpOfTip: number): boolean {
  return locks.minHeight < height && locks.minTime < mtpOfTip;
}
