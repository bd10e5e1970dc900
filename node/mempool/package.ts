/**
 * Package acceptance: Bitcoin Core 28's ProcessNewPackage / AcceptPackage (validation.cpp) for
 * a child with its unconfirmed parents, what `submitpackage` submits, so a parent paying less
 * than the mempool's minimum fee rate (even nothing) enters with a child that pays for both.
 *
 * 1. The package as a whole (policy/packages.cpp CheckPackage, then IsChildWithParents): at most
 *    25 txs and 404,000 weight units, no duplicates, parents before children, no two txs
 *    spending one coin, and (with more than one tx) the last tx a child of every other, whose
 *    parents do not spend each other. A failure is a PackageError with Core's reason.
 * 2. Each tx in order through the mempool's own checks, as if submitted alone (Core's
 *    AcceptSubPackage of one tx). One already in the mempool counts as accepted. A tx refused
 *    only for its fee ("min relay fee not met", "mempool min fee not met": Core's
 *    TX_RECONSIDERABLE), or spending such a tx, is set aside; any other refusal ends the
 *    package ("transaction failed"; txs after it are not evaluated).
 * 3. The set-aside txs are checked again in order with the fee floors lifted, each staged in
 *    the pool (unannounced) so the next sees its parents, then judged together: their total fee
 *    must pay the minimum fee rate for their total virtual size (Core's package feerate). If it
 *    does they are announced together, else all are unstaged and refused. Replacing mempool txs
 *    from within such a subpackage (Core's package RBF) is not supported: refused.
 *
 * Everything runs inside the mempool's accept queue (Mempool.acceptPackage), so no other accept
 * sees a staged tx. A block connected while a staged child waits for its coins can remove a
 * staged parent; the package is then refused and may be submitted again.
 */
import { hashToDisplay } from '../protocol/hash.js';
import type { Tx } from '../protocol/tx.js';
import type { Workspace } from './accept.js';
import type { Entry, MempoolEntry } from './entry.js';
import { TxRejectError } from './errors.js';
import { type FeeRate, feeAt, feeRate } from './fee-rate.js';

/** Core's MAX_PACKAGE_COUNT and MAX_PACKAGE_WEIGHT (policy/packages.h). */
export const MAX_PACKAGE_COUNT = 25;
export const MAX_PACKAGE_WEIGHT = 404_000;

export const PACKAGE_REJECTS = {
  TOO_MANY_TRANSACTIONS: 'package-too-many-transactions',
  TOO_LARGE: 'package-too-large',
  CONTAINS_DUPLICATES: 'package-contains-duplicates',
  NOT_SORTED: 'package-not-sorted',
  CONFLICT_IN_PACKAGE: 'conflict-in-package',
  NOT_CHILD_WITH_PARENTS: 'package-not-child-with-parents',
  /** The set-aside txs together pay less than the minimum fee rate for their size. */
  FEE_TOO_LOW: 'package-fee-too-low',
  /** A set-aside tx would replace mempool txs: package RBF is not implemented. */
  RBF_UNSUPPORTED: 'package-rbf-unsupported',
  /** A staged parent was removed by a block while the package was checked. */
  CHANGED: 'package-mempool-changed',
} as const;

export type PackageCode = keyof typeof PACKAGE_REJECTS;

/** A package refused as a whole (or a subpackage's tx refused for the package's sake). */
export class PackageError extends Error {
  readonly code: PackageCode;
  /** Core's reject reason. */
  readonly reason: string;
  constructor(code: PackageCode, detail?: string) {
    const reason = PACKAGE_REJECTS[code];
    super(detail ? `${reason}, ${detail}` : reason);
    this.name = 'PackageError';
    this.code = code;
    this.reason = reason;
  }
}

export type PackageTxStatus = 'accepted' | 'in-mempool' | 'other-wtxid' | 'rejected' | 'unevaluated';

export interface PackageTxResult {
  readonly txid: string;
  readonly wtxid: string;
  readonly status: PackageTxStatus;
  /** Accepted or in the mempool: the entry's sigop-adjusted vsize and fee. */
  readonly vsize?: number;
  readonly fee?: bigint;
  /** Accepted now: the fee rate it was judged at (its own, or its subpackage's), sat/kvB. */
  readonly effectiveFeeRate?: FeeRate;
  /** Accepted now: the wtxids whose fees and sizes that rate sums. */
  readonly effectiveIncludes?: readonly string[];
  /** In the mempool under another witness: that tx's wtxid. */
  readonly otherWtxid?: string;
  readonly error?: TxRejectError | PackageError;
}

export interface PackageResult {
  /** True when every tx is in the mempool now. */
  readonly ok: boolean;
  /** Core's package_msg: "success", "transaction failed", or a package-wide reason. */
  readonly message: string;
  /** In package order. */
  readonly results: readonly PackageTxResult[];
  /** Txids of mempool entries that accepted txs replaced. */
  readonly replaced: readonly string[];
}

/** What package acceptance needs of the mempool; each runs inside its accept queue. */
export interface PackageHooks {
  /** The entry with the tx's wtxid, or its txid (another witness), if in the pool. */
  inPool(tx: Tx): MempoolEntry | undefined;
  /** Every check of a single accept; fee floors lifted with `bypassFees`. Throws TxRejectError. */
  check(tx: Tx, bypassFees: boolean): Promise<Workspace>;
  /** Adds and announces a checked tx (replacing its conflicts); returns the txids it replaced. */
  finalize(ws: Workspace): string[];
  /** Adds an entry without announcing it, or takes staged entries out again. */
  stage(entry: Entry): void;
  unstage(entries: readonly Entry[]): void;
  /** Announces staged entries, then trims the pool; returns those trimmed at once. */
  commit(entries: readonly Entry[]): Entry[];
  /** The rate a new tx must pay now (max of the rolling minimum and the relay minimum). */
  minFeeRate(): FeeRate;
}

export interface PackageOptions {
  /** Refuse a tx whose own fee rate (sat/kvB) is above this; 0 or undefined: no cap. */
  readonly maxFeeRate?: FeeRate;
}

/** CheckPackage and IsChildWithParents; throws PackageError. */
export function checkPackage(txs: readonly Tx[]): void {
  if (txs.length > MAX_PACKAGE_COUNT) throw new PackageError('TOO_MANY_TRANSACTIONS');
  const weight = txs.reduce((w, tx) => w + tx.weight(), 0);
  if (txs.length > 1 && weight > MAX_PACKAGE_WEIGHT) throw new PackageError('TOO_LARGE');
  const ids = new Set(txs.map((tx) => tx.txidHex()));
  if (ids.size !== txs.length) throw new PackageError('CONTAINS_DUPLICATES');
  // Sorted: no tx spends one that comes after it.
  const later = new Set(ids);
  for (const tx of txs) {
    later.delete(tx.txidHex());
    if (tx.inputs.some((i) => later.has(hashToDisplay(i.prevout.txid)))) throw new PackageError('NOT_SORTED');
  }
  const spent = new Set<string>();
  for (const tx of txs)
    for (const i of tx.inputs) {
      const k = i.prevout.key();
      if (spent.has(k)) throw new PackageError('CONFLICT_IN_PACKAGE');
      spent.add(k);
    }
  if (txs.length > 1 && !isChildWithParentsTree(txs)) throw new PackageError('NOT_CHILD_WITH_PARENTS');
}

/** IsChildWithParentsTree: the last tx spends every other, and none of those spends another. */
export function isChildWithParentsTree(txs: readonly Tx[]): boolean {
  const child = txs[txs.length - 1];
  if (!child) return false;
  const parents = new Set(txs.slice(0, -1).map((t) => t.txidHex()));
  const spentByChild = new Set(child.inputs.map((i) => hashToDisplay(i.prevout.txid)));
  for (const p of parents) if (!spentByChild.has(p)) return false;
  return txs.slice(0, -1).every((t) => t.inputs.every((i) => !parents.has(hashToDisplay(i.prevout.txid))));
}

/** Refusals Core calls TX_RECONSIDERABLE: the tx may pass in a package that pays for it. */
const FEE_ONLY: ReadonlySet<string> = new Set(['MIN_RELAY_FEE', 'MEMPOOL_MIN_FEE']);

function overCap(fee: bigint, vsize: number, cap: FeeRate | undefined): boolean {
  return cap !== undefined && cap > 0n && fee > feeAt(cap, vsize);
}

export async function acceptPackage(
  txs: readonly Tx[],
  hooks: PackageHooks,
  opts: PackageOptions = {},
): Promise<PackageResult> {
  checkPackage(txs);
  const results = new Map<Tx, PackageTxResult>();
  const ids = (tx: Tx) => ({ txid: tx.txidHex(), wtxid: tx.wtxidHex() });
  const replaced: string[] = [];
  const deferred: Tx[] = [];
  const deferredIds = new Set<string>();
  let failed = false;

  for (const tx of txs) {
    const known = hooks.inPool(tx);
    if (known) {
      const same = known.wtxid === tx.wtxidHex();
      results.set(tx, {
        ...ids(tx),
        status: same ? 'in-mempool' : 'other-wtxid',
        vsize: known.vsize,
        fee: known.fee,
        ...(same ? {} : { otherWtxid: known.wtxid }),
      });
      continue;
    }
    if (failed) continue;
    if (tx.inputs.some((i) => deferredIds.has(hashToDisplay(i.prevout.txid)))) {
      deferred.push(tx);
      deferredIds.add(tx.txidHex());
      continue;
    }
    try {
      const ws = await hooks.check(tx, false);
      if (overCap(ws.entry.fee, ws.entry.vsize, opts.maxFeeRate))
        throw new TxRejectError(
          'MAX_FEE_EXCEEDED',
          `${ws.entry.fee} > ${feeAt(opts.maxFeeRate!, ws.entry.vsize)}`,
        );
      replaced.push(...hooks.finalize(ws));
      results.set(tx, accepted(tx, ws.entry, feeRate(ws.entry.fee, ws.entry.vsize), [tx.wtxidHex()]));
    } catch (e) {
      if (!(e instanceof TxRejectError)) throw e;
      if (FEE_ONLY.has(e.code)) {
        deferred.push(tx);
        deferredIds.add(tx.txidHex());
      } else {
        results.set(tx, { ...ids(tx), status: 'rejected', error: e });
        failed = true;
      }
    }
  }

  if (!failed && deferred.length > 0) {
    const outcome = await acceptSubpackage(deferred, hooks, opts);
    if (outcome.ok) {
      const { entries, rate } = outcome;
      const includes = deferred.map((t) => t.wtxidHex());
      deferred.forEach((tx, i) => {
        results.set(tx, accepted(tx, entries[i]!, rate, includes));
      });
    } else {
      failed = true;
      for (const tx of deferred) {
        const error = outcome.errors.get(tx) ?? outcome.error;
        results.set(tx, { ...ids(tx), status: 'rejected', error });
      }
    }
  }

  const list = txs.map((tx) => results.get(tx) ?? { ...ids(tx), status: 'unevaluated' as const });
  const ok = list.every(
    (r) => r.status === 'accepted' || r.status === 'in-mempool' || r.status === 'other-wtxid',
  );
  return { ok, message: ok ? 'success' : 'transaction failed', results: list, replaced };
}

function accepted(tx: Tx, e: MempoolEntry, rate: FeeRate, includes: string[]): PackageTxResult {
  return {
    txid: tx.txidHex(),
    wtxid: tx.wtxidHex(),
    status: 'accepted',
    vsize: e.vsize,
    fee: e.fee,
    effectiveFeeRate: rate,
    effectiveIncludes: includes,
  };
}

type SubpackageOutcome =
  | { ok: true; entries: Entry[]; rate: FeeRate }
  | { ok: false; error: TxRejectError | PackageError; errors: Map<Tx, TxRejectError | PackageError> };

/** Step 3 of the file header: check with fee floors lifted, stage, judge the total, commit. */
async function acceptSubpackage(txs: readonly Tx[], hooks: PackageHooks, opts: PackageOptions) {
  const staged: Entry[] = [];
  const errors = new Map<Tx, TxRejectError | PackageError>();
  const fail = (error: TxRejectError | PackageError): SubpackageOutcome => {
    hooks.unstage(staged);
    return { ok: false, error, errors };
  };
  for (const tx of txs) {
    let ws: Workspace;
    try {
      ws = await hooks.check(tx, true);
    } catch (e) {
      if (!(e instanceof TxRejectError)) {
        hooks.unstage(staged);
        throw e;
      }
      errors.set(tx, e);
      return fail(new PackageError('FEE_TOO_LOW', `not evaluated: ${tx.txidHex()} was refused`));
    }
    if (ws.conflicts.size > 0) return fail(new PackageError('RBF_UNSUPPORTED'));
    if (overCap(ws.entry.fee, ws.entry.vsize, opts.maxFeeRate)) {
      errors.set(tx, new TxRejectError('MAX_FEE_EXCEEDED', `${ws.entry.fee}`));
      return fail(new PackageError('FEE_TOO_LOW', 'not evaluated: a tx of the package was refused'));
    }
    hooks.stage(ws.entry);
    staged.push(ws.entry);
  }
  if (staged.some((e) => e.removed)) return fail(new PackageError('CHANGED'));
  const fee = staged.reduce((s, e) => s + e.fee, 0n);
  const vsize = staged.reduce((s, e) => s + e.vsize, 0);
  const need = feeAt(hooks.minFeeRate(), vsize);
  if (fee < need) return fail(new PackageError('FEE_TOO_LOW', `${fee} < ${need}`));
  const trimmed = hooks.commit(staged);
  if (trimmed.length > 0) {
    for (const tx of txs) errors.set(tx, new TxRejectError('MEMPOOL_FULL'));
    return { ok: false, error: new TxRejectError('MEMPOOL_FULL'), errors } satisfies SubpackageOutcome;
  }
  return { ok: true, entries: staged, rate: feeRate(fee, vsize) } satisfies SubpackageOutcome;
}
