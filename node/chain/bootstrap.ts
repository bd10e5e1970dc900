/**
 * Opening a chain database: the genesis block written into a fresh one, and the block index
 * and main chain read back from an existing one.
 */
import { blockHashOf, type HashKey, hashKey } from '../protocol/ids.js';
import type { NetworkParams } from '../protocol/params.js';
import { workFromBits } from '../protocol/pow.js';
import { BlockEntry, decodeEntry, STATUS } from './entry.js';
import type { BatchOp } from './indexes.js';
import { keys, P } from './layout.js';
import type { ChainStore } from './store.js';

/** The batch that makes genesis the only block and the tip. */
export function genesisOps(params: NetworkParams): BatchOp[] {
  const g = params.genesis;
  const entry = new BlockEntry(g.header, 0, workFromBits(g.header.bits), STATUS.HAVE_DATA, null);
  return [
    { type: 'put', key: keys.entry(entry.hash), value: entry.encode() },
    { type: 'put', key: keys.block(entry.hash), value: g.toBytes() },
    { type: 'put', key: keys.height(0), value: entry.hash },
    { type: 'put', key: keys.tip(), value: entry.hash },
  ];
}

/** Every stored entry linked to its parent, and the main chain from genesis to the tip. */
export async function readBlockIndex(
  store: ChainStore,
): Promise<{ entries: Map<HashKey, BlockEntry>; main: BlockEntry[] }> {
  const stored = [];
  for await (const [, v] of store.iterate(keys.range(P.ENTRY))) stored.push(decodeEntry(v));
  stored.sort((a, b) => a.height - b.height);
  const entries = new Map<HashKey, BlockEntry>();
  for (const s of stored) {
    const prev = s.height === 0 ? null : (entries.get(hashKey(s.header.prevBlock)) ?? null);
    if (s.height > 0 && !prev) continue; // unreachable entry; ignore
    const e = new BlockEntry(s.header, s.height, s.chainWork, s.status, prev);
    entries.set(e.key, e);
  }
  const tipHash = await store.get(keys.tip());
  if (!tipHash) throw new Error('chain database has no tip');
  // The stored tip is a hash this node wrote.
  const tip = entries.get(hashKey(blockHashOf(tipHash)));
  if (!tip) throw new Error('chain tip is not in the block index');
  const main: BlockEntry[] = [];
  for (let e: BlockEntry | null = tip; e; e = e.prev) main.push(e);
  main.reverse();
  return { entries, main };
}
