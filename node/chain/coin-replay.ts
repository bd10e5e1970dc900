/**
 * Bitcoin Core's ReplayBlocks, for a node stopped while coin changes waited in memory
 * (coin-view.ts): the `c` keys hold the UTXO set of block `B`, an ancestor of the tip `T`, and
 * the stored blocks between them are applied to it again, in order, transaction by transaction
 * (spends, then outputs), as connecting them did.
 *
 * Every spend is written as a delete (no FRESH shortcut), so applying a block whose changes the
 * database already holds changes nothing: a replay killed halfway is simply replayed again.
 * The blocks above `B` were checked when they were connected; their scripts are not run again.
 */

import { Block } from '../protocol/block.js';
import { equal } from '../protocol/bytes.js';
import { hashToDisplay } from '../protocol/hash.js';
import { CoinView } from './coin-view.js';
import type { BlockEntry } from './entry.js';
import { keys } from './layout.js';
import { ChainDbError, type ChainStore } from './store.js';

/** Changes written per batch while replaying; each batch moves `B` to its last block. */
const REPLAY_BATCH_BYTES = 32 * 1024 * 1024;

/**
 * Brings the UTXO set up to `main`'s tip; returns how many blocks it replayed. A data dir
 * without `B` (written before it existed) has its coins at the tip, and gets `B` now.
 */
export async function replayCoins(store: ChainStore, main: readonly BlockEntry[]): Promise<number> {
  const tip = main[main.length - 1]!;
  const coinTip = await store.get(keys.coinTip());
  if (!coinTip) {
    await store.write([{ type: 'put', key: keys.coinTip(), value: tip.hash }]);
    return 0;
  }
  if (equal(coinTip, tip.hash)) return 0;
  let from = main.length - 1;
  while (from >= 0 && !equal(main[from]!.hash, coinTip)) from--;
  if (from < 0)
    throw new ChainDbError(
      'CORRUPT',
      `the UTXO set is at block ${hashToDisplay(coinTip)}, which is not on the main chain (tip ${tip.hashHex})`,
    );
  const view = new CoinView(REPLAY_BATCH_BYTES, Number.POSITIVE_INFINITY, false);
  for (let height = from + 1; height < main.length; height++) {
    const e = main[height]!;
    const raw = await store.get(keys.block(e.hash));
    if (!raw) throw new ChainDbError('CORRUPT', `main-chain block ${e.hashHex} at ${height} is not stored`);
    const block = Block.fromBytes(raw);
    if (!equal(block.hash(), e.hash))
      throw new ChainDbError('CORRUPT', `stored block ${e.hashHex} hashes to ${block.hashHex()}`);
    view.connected(block, height, 0);
    if (view.bytes >= REPLAY_BATCH_BYTES || height === main.length - 1) {
      await store.write(view.flushOps(e.hash));
      view.flushed();
    }
  }
  return main.length - 1 - from;
}
