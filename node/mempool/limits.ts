/**
 * Package limits: Bitcoin Core's CalculateMemPoolAncestors checks (txmempool.cpp) with the
 * default -limitancestorcount/-limitancestorsize/-limitdescendantcount/-limitdescendantsize:
 * a new transaction may have at most 24 in-mempool ancestors (25 counting itself) of at most
 * 101 kvB together with it, and no ancestor may end up with more than 25 descendants (itself
 * included) or 101 kvB of them.
 *
 * A replacement is counted as the pool will be after the eviction: transactions it evicts no
 * longer count as descendants of its ancestors. Core approximates this (it raises the
 * descendant limits by the size of a single direct conflict); the exact count here accepts the
 * same replacements and a few more. Core's CPFP carve-out (one extra small child) is not
 * implemented: TRUC and cluster mempool replace it in newer Core.
 */
import { ancestorsOf, type Entry } from './entry.js';
import { TxRejectError } from './errors.js';

export interface PackageLimits {
  readonly ancestorCount: number;
  /** Virtual bytes. */
  readonly ancestorSize: number;
  readonly descendantCount: number;
  readonly descendantSize: number;
}

export const DEFAULT_PACKAGE_LIMITS: PackageLimits = Object.freeze({
  ancestorCount: 25,
  ancestorSize: 101_000,
  descendantCount: 25,
  descendantSize: 101_000,
});

/**
 * `ancestors`: every in-pool ancestor of the new transaction (none of them in `evicted`);
 * `evicted`: what a replacement removes.
 */
export function checkPackageLimits(
  vsize: number,
  ancestors: ReadonlySet<Entry>,
  evicted: ReadonlySet<Entry>,
  limits: PackageLimits,
): void {
  if (ancestors.size + 1 > limits.ancestorCount) {
    throw new TxRejectError(
      'ANCESTOR_COUNT',
      `too many unconfirmed ancestors [limit: ${limits.ancestorCount}]`,
    );
  }
  let ancestorSize = vsize;
  for (const a of ancestors) ancestorSize += a.vsize;
  if (ancestorSize > limits.ancestorSize) {
    throw new TxRejectError('ANCESTOR_SIZE', `exceeds ancestor size limit [limit: ${limits.ancestorSize}]`);
  }

  // What the eviction takes away from each ancestor's descendants.
  const gone = new Map<Entry, { count: number; size: number }>();
  for (const e of evicted) {
    for (const a of ancestorsOf([e])) {
      if (!ancestors.has(a)) continue;
      const g = gone.get(a) ?? { count: 0, size: 0 };
      g.count++;
      g.size += e.vsize;
      gone.set(a, g);
    }
  }
  for (const a of ancestors) {
    const g = gone.get(a);
    if (a.descendantCount - (g?.count ?? 0) + 1 > limits.descendantCount) {
      throw new TxRejectError(
        'DESCENDANT_COUNT',
        `too many descendants for tx ${a.txid} [limit: ${limits.descendantCount}]`,
      );
    }
    if (a.descendantSize - (g?.size ?? 0) + vsize > limits.descendantSize) {
      throw new TxRejectError(
        'DESCENDANT_SIZE',
        `exceeds descendant size limit for tx ${a.txid} [limit: ${limits.descendantSize}]`,
      );
    }
  }
}
