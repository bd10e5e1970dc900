/**
 * An address's balance in satoshis, beyond Esplora (which has only the funded/spent sums of
 * GET /address/:address): `confirmed` from the chain's address totals (one aggregate record per
 * script, so its cost does not grow with the history and a big address never fails), and
 * `unconfirmed`, the mempool's net change (what it pays the script minus what it spends of it,
 * negative when the mempool spends confirmed coins). electrs' `chain_stats`/`mempool_stats`
 * give the same numbers as funded_txo_sum - spent_txo_sum.
 */
import type { ExplorerNode } from '../node/api.js';
import { equal } from '../node/protocol/bytes.js';
import { sha256 } from '../node/protocol/hash.js';
import type { MempoolIndex } from './mempool-index.js';

export interface Balance {
  confirmed: number;
  unconfirmed: number;
  total: number;
  tx_count: number;
}

export async function balanceOf(node: ExplorerNode, pool: MempoolIndex, sh: Uint8Array): Promise<Balance> {
  const t = await node.chain.getAddressTotals(sh);
  const confirmed = Number(t.fundedSum - t.spentSum);
  await pool.settle();
  let unconfirmed = 0n;
  let mempoolTxs = 0;
  for (const txid of pool.txidsFor(sh)) {
    const x = pool.get(txid);
    if (!x) continue;
    mempoolTxs++;
    for (const o of x.entry.tx.outputs) if (equal(sha256(o.script), sh)) unconfirmed += o.value;
    for (const p of x.prevouts) if (p && equal(sha256(p.script), sh)) unconfirmed -= p.value;
  }
  const u = Number(unconfirmed);
  return { confirmed, unconfirmed: u, total: confirmed + u, tx_count: t.txCount + mempoolTxs };
}

export const balanceSchema = {
  type: 'object',
  properties: {
    confirmed: { type: 'integer', description: 'satoshis in confirmed outputs not spent in a block' },
    unconfirmed: { type: 'integer', description: "the mempool's net change, satoshis (may be negative)" },
    total: { type: 'integer' },
    tx_count: { type: 'integer', description: 'confirmed and mempool txs touching it' },
  },
} as const;
