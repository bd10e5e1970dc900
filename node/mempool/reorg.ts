/**
 * Which entries a tip change invalidates: Bitcoin Core's CTxMemPool::removeForReorg with the
 * check MaybeUpdateMempoolForReorg passes it (validation.cpp). An entry goes when at the new
 * tip it is non-final (IsFinalTx at height + 1 and median time past), a confirmed input is gone
 * (its coin was created by a disconnected block, or spent by a connected one), it spends a
 * coinbase that is no longer mature, or its BIP68 sequence locks are not met. The caller
 * removes the returned entries with their descendants.
 */
import { isFinalTx } from '../consensus/block-check.js';
import { type Coin, checkSequenceLocks, sequenceLocks } from '../consensus/tx-inputs.js';
import type { NetworkParams } from '../protocol/params.js';
import { type ChainTip, resolveInputs } from './accept.js';
import type { Entry } from './entry.js';
import type { TxPool } from './pool.js';

export function findStale(
  entries: readonly Entry[],
  pool: TxPool,
  coins: ReadonlyMap<string, Coin | undefined>,
  mtp: ReadonlyMap<number, number>,
  tip: ChainTip,
  params: NetworkParams,
): Entry[] {
  const height = tip.height + 1;
  const mtpOfBlockBefore = (h: number): number =>
    h - 1 >= tip.height ? tip.medianTimePast : (mtp.get(h - 1) ?? Infinity);
  return entries.filter((e) => {
    if (!isFinalTx(e.tx, height, tip.medianTimePast)) return true;
    let inputs: ReturnType<typeof resolveInputs>;
    try {
      inputs = resolveInputs(e.tx, pool, coins, tip);
    } catch {
      return true;
    }
    if (inputs.kind === 'missing') return true;
    for (const c of inputs.coins) {
      if (c.coinbase && height - c.height < params.coinbaseMaturity) return true;
    }
    const locks = sequenceLocks(
      e.tx,
      true,
      inputs.coins.map((c) => c.height),
      mtpOfBlockBefore,
    );
    return !checkSequenceLocks(locks, height, tip.medianTimePast);
  });
}
