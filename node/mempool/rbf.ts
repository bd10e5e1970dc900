/**
 * Replacement of conflicting transactions: full-RBF with Bitcoin Core's BIP125-derived rules
 * (policy/rbf.cpp, MemPoolAccept::ReplacementChecks), as Core 28 does by default
 * (-mempoolfullrbf=1): a conflicting transaction may replace any mempool transaction, signalled
 * or not. Chosen over first-seen because it is what the network runs now, and because a
 * first-seen mempool still lets a miner take the higher fee, so it protects nobody.
 *
 * In Core's order:
 * - rule 6: the replacement's fee rate is above each directly conflicting tx's own fee rate
 *   (PaysMoreThanConflicts, integer sat/kvB as CFeeRate);
 * - rule 5: the direct conflicts with their descendants count at most 100
 *   (GetEntriesForConflicts; a shared descendant counts once per conflict, as in Core);
 * - rule 2: no input spends an unconfirmed output unless a direct conflict already spent an
 *   output of that same transaction (HasNoNewUnconfirmed);
 * - rules 3 and 4: the replacement pays at least the fees of everything it evicts, plus the
 *   incremental relay fee for its own vsize (PaysForRBF).
 * The replacement must not spend an output of anything it replaces (EntriesAndTxidsDisjoint,
 * checked by the caller once the ancestors are known: `checkDisjoint`).
 */
import { hashToDisplay } from '../protocol/hash.js';
import type { Tx } from '../protocol/tx.js';
import type { Entry } from './entry.js';
import { TxRejectError } from './errors.js';
import { type FeeRate, feeAt, feeRate } from './fee-rate.js';

/** Core's MAX_REPLACEMENT_CANDIDATES. */
export const MAX_REPLACEMENT_CANDIDATES = 100;

export interface Replacement {
  readonly tx: Tx;
  readonly fee: bigint;
  readonly vsize: number;
  /** In-pool transactions spending an input of `tx`. */
  readonly conflicts: ReadonlySet<Entry>;
  /** Those and all their descendants. */
  readonly evicted: ReadonlySet<Entry>;
}

/** EntriesAndTxidsDisjoint: the replacement may not descend from what it replaces. */
export function checkDisjoint(
  ancestors: ReadonlySet<Entry>,
  evicted: ReadonlySet<Entry>,
  txid: string,
): void {
  for (const a of ancestors) {
    if (evicted.has(a)) {
      throw new TxRejectError('RBF_SPENDS_CONFLICTING', `${txid} spends conflicting transaction ${a.txid}`);
    }
  }
}

/** ReplacementChecks; `inPool(txid)` says whether a display txid is in the mempool. */
export function checkReplacement(
  r: Replacement,
  inPool: (txid: string) => boolean,
  incremental: FeeRate,
): void {
  const newRate = feeRate(r.fee, r.vsize);
  for (const c of r.conflicts) {
    const old = c.feeRate();
    if (newRate <= old) {
      throw new TxRejectError(
        'RBF_FEERATE',
        `replacing ${c.txid}: new feerate ${newRate} <= old feerate ${old}`,
      );
    }
  }

  let candidates = 0;
  for (const c of r.conflicts) {
    candidates += c.descendantCount;
    if (candidates > MAX_REPLACEMENT_CANDIDATES) {
      throw new TxRejectError('RBF_TOO_MANY_REPLACEMENTS', `more than ${MAX_REPLACEMENT_CANDIDATES}`);
    }
  }

  const parentsOfConflicts = new Set<string>();
  for (const c of r.conflicts) {
    for (const input of c.tx.inputs) parentsOfConflicts.add(hashToDisplay(input.prevout.txid));
  }
  r.tx.inputs.forEach((input, i) => {
    const parent = hashToDisplay(input.prevout.txid);
    if (!parentsOfConflicts.has(parent) && inPool(parent)) {
      throw new TxRejectError('RBF_ADDS_UNCONFIRMED', `input ${i} spends unconfirmed ${parent}`);
    }
  });

  let evictedFees = 0n;
  for (const e of r.evicted) evictedFees += e.fee;
  if (r.fee < evictedFees) {
    throw new TxRejectError('RBF_FEE', `less fees than conflicting txs; ${r.fee} < ${evictedFees}`);
  }
  const relay = feeAt(incremental, r.vsize);
  if (r.fee - evictedFees < relay) {
    throw new TxRejectError(
      'RBF_RELAY_FEE',
      `not enough additional fees to relay; ${r.fee - evictedFees} < ${relay}`,
    );
  }
}
