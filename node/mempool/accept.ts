/**
 * The checks of one transaction against the chain tip and the pool: Bitcoin Core's
 * MemPoolAccept (validation.cpp) PreChecks, ReplacementChecks and PolicyScriptChecks, in
 * Core's order, split around the one asynchronous step (fetching the confirmed coins):
 *
 * 1. `preChecks`, needing no coins: CheckTransaction (consensus), not a coinbase, IsStandardTx,
 *    IsFinalTx at tip height + 1 and the tip's median time past, not already in the pool.
 * 2. `resolveInputs`: each input from a pool transaction's output or from the fetched UTXO
 *    coins. Outpoints other pool transactions spend are conflicts (replacement candidates),
 *    not missing; missing inputs make an orphan.
 * 3. `checkTx`: BIP68 sequence locks at the tip (pool coins count as height tip + 1), Core's
 *    CheckTxInputs (consensus), AreInputsStandard, IsWitnessStandard, sigop cost <= 16,000,
 *    the mempool's minimum fee and the 1 sat/vB relay floor (fee >= vsize), package limits,
 *    the replacement rules, and last the scripts: standard flags first; a failure that the
 *    mandatory (consensus) flags accept is policy, one they reject is consensus-invalid.
 *    With a script-execution cache, the scripts then run once more under the next block's
 *    consensus flags and the pass is cached (Core's ConsensusScriptChecks and
 *    CheckInputsFromMempoolAndCache), so connecting the block need not run them again. Both
 *    runs share one PrecomputedTx and the signature cache (chain/sig-cache.ts), where the
 *    first stores each valid signature, so the second costs no curve arithmetic.
 *
 * Nothing here changes state; `Mempool` applies the returned workspace.
 */

import type { ScriptCache } from '../chain/script-cache.js';
import type { SignatureCache } from '../chain/sig-cache.js';
import { isFinalTx } from '../consensus/block-check.js';
import { RuleError } from '../consensus/errors.js';
import { blockScriptFlags } from '../consensus/script-flags.js';
import { verifyTxScripts } from '../consensus/scripts.js';
import { checkTransaction } from '../consensus/tx-check.js';
import {
  type Coin,
  checkSequenceLocks,
  checkTxInputs,
  SEQUENCE_LOCKTIME_DISABLE_FLAG,
  SEQUENCE_LOCKTIME_TYPE_FLAG,
  sequenceLocks,
} from '../consensus/tx-inputs.js';
import { defaultBackend, type EcdsaBackend } from '../protocol/ecdsa.js';
import { hashToDisplay } from '../protocol/hash.js';
import type { NetworkParams } from '../protocol/params.js';
import { MANDATORY_FLAGS, STANDARD_FLAGS } from '../protocol/script/flags.js';
import { PrecomputedTx } from '../protocol/script/sighash.js';
import { txSigOpCost } from '../protocol/script/sigops.js';
import type { OutPoint, Tx } from '../protocol/tx.js';
import { ancestorsOf, Entry } from './entry.js';
import { asReject, TxRejectError } from './errors.js';
import { type FeeRate, feeAt, policyVsize } from './fee-rate.js';
import { checkInputsStandard, checkWitnessStandard, spendsWitnessProgram } from './inputs-standard.js';
import { checkPackageLimits, type PackageLimits } from './limits.js';
import type { TxPool } from './pool.js';
import { checkDisjoint, checkReplacement } from './rbf.js';
import { checkStandardTx, type StandardOptions } from './standard.js';

/** Core's MAX_STANDARD_TX_SIGOPS_COST: a fifth of the block limit. */
export const MAX_STANDARD_TX_SIGOPS_COST = 16_000;

export interface ChainTip {
  readonly height: number;
  /** Median time past of the tip block. */
  readonly medianTimePast: number;
}

export interface Policy {
  readonly minRelayFeeRate: FeeRate;
  readonly incrementalRelayFeeRate: FeeRate;
  readonly standard: StandardOptions;
  readonly limits: PackageLimits;
}

export interface AcceptContext {
  readonly params: NetworkParams;
  readonly policy: Policy;
  readonly pool: TxPool;
  readonly tip: ChainTip;
  readonly now: number;
  /** The pool's current minimum fee rate (GetMinFee). */
  readonly mempoolMinFeeRate: FeeRate;
  /** Re-adding a disconnected block's transaction: no fee floors (Core's bypass_limits). */
  readonly bypassFees: boolean;
  /** Median time past of main-chain blocks by height, fetched for BIP68 time locks. */
  readonly mtp: ReadonlyMap<number, number>;
  readonly backend?: EcdsaBackend;
  /** Where a pass under the next block's flags is recorded for the chain (script-cache.ts). */
  readonly scriptCache?: ScriptCache;
  /** Valid signatures, stored by both script runs (sig-cache.ts). */
  readonly sigCache?: SignatureCache;
}

/** What a successful check hands to the pool. */
export interface Workspace {
  readonly entry: Entry;
  readonly conflicts: ReadonlySet<Entry>;
  readonly evicted: ReadonlySet<Entry>;
}

export function preChecks(tx: Tx, ctx: Pick<AcceptContext, 'params' | 'policy' | 'pool' | 'tip'>): void {
  asReject(() => checkTransaction(tx, ctx.params.maxMoney));
  if (tx.isCoinbase()) throw new TxRejectError('COINBASE');
  checkStandardTx(tx, ctx.policy.standard);
  if (!isFinalTx(tx, ctx.tip.height + 1, ctx.tip.medianTimePast)) {
    throw new TxRejectError('NON_FINAL', `locktime ${tx.locktime}`);
  }
  if (ctx.pool.byWtxid.has(tx.wtxidHex())) throw new TxRejectError('ALREADY_IN_MEMPOOL');
  if (ctx.pool.byTxid.has(tx.txidHex())) throw new TxRejectError('SAME_NONWITNESS_DATA');
}

/** Outpoints (keys) the pool cannot provide: fetch these from the UTXO set. */
export function confirmedOutpoints(tx: Tx, pool: TxPool): OutPoint[] {
  const out: OutPoint[] = [];
  for (const input of tx.inputs) {
    if (!pool.byTxid.has(hashToDisplay(input.prevout.txid))) out.push(input.prevout);
  }
  return out;
}

export type Inputs =
  | { readonly kind: 'found'; readonly coins: readonly Coin[] }
  /** Display txids of the parents not found (none in the pool). */
  | { readonly kind: 'missing'; readonly parents: readonly string[] };

/** Coin for each input: a pool output (at height tip + 1) or a fetched UTXO coin. */
export function resolveInputs(
  tx: Tx,
  pool: TxPool,
  fetched: ReadonlyMap<string, Coin | undefined>,
  tip: ChainTip,
): Inputs {
  const coins: Coin[] = [];
  const missing = new Set<string>();
  for (const input of tx.inputs) {
    const parentId = hashToDisplay(input.prevout.txid);
    const parent = pool.byTxid.get(parentId);
    if (parent) {
      const out = parent.tx.outputs[input.prevout.index];
      if (!out) throw new TxRejectError('MISSING_INPUTS', `${input.prevout.key()} does not exist`);
      coins.push({ value: out.value, script: out.script, height: tip.height + 1, coinbase: false });
      continue;
    }
    const coin = fetched.get(input.prevout.key());
    if (coin) coins.push(coin);
    else missing.add(parentId);
  }
  return missing.size > 0 ? { kind: 'missing', parents: [...missing] } : { kind: 'found', coins };
}

/** Heights whose median time past BIP68 time locks of this tx need (Core: block coinHeight - 1). */
export function mtpHeightsNeeded(tx: Tx, coins: readonly Coin[], tip: ChainTip): number[] {
  if (tx.version >>> 0 < 2) return [];
  const heights = new Set<number>();
  tx.inputs.forEach((input, i) => {
    const seq = input.sequence;
    if (seq & SEQUENCE_LOCKTIME_DISABLE_FLAG || !(seq & SEQUENCE_LOCKTIME_TYPE_FLAG)) return;
    const h = Math.max(coins[i]!.height, 1) - 1;
    if (h < tip.height) heights.add(h);
  });
  return [...heights];
}

export function checkTx(tx: Tx, coins: readonly Coin[], ctx: AcceptContext): Workspace {
  const { pool, tip, params, policy } = ctx;
  const txid = tx.txidHex();

  // CheckSequenceLocksAtTip.
  const mtpOfBlockBefore = (h: number): number => {
    if (h - 1 >= tip.height) return tip.medianTimePast;
    const t = ctx.mtp.get(h - 1);
    if (t === undefined) throw new Error(`median time past of block ${h - 1} was not fetched`);
    return t;
  };
  const locks = sequenceLocks(
    tx,
    true,
    coins.map((c) => c.height),
    mtpOfBlockBefore,
  );
  if (!checkSequenceLocks(locks, tip.height + 1, tip.medianTimePast)) {
    throw new TxRejectError(
      'NON_BIP68_FINAL',
      `locked until height ${locks.minHeight}, time ${locks.minTime}`,
    );
  }

  const view = new Map<string, Coin>();
  tx.inputs.forEach((input, i) => {
    view.set(input.prevout.key(), coins[i]!);
  });
  const fee = asReject(() => checkTxInputs(tx, view, tip.height + 1, params));

  const scripts = coins.map((c) => c.script);
  checkInputsStandard(tx, scripts);
  if (tx.hasWitness()) checkWitnessStandard(tx, scripts);

  const sigopCost = txSigOpCost(tx, scripts, STANDARD_FLAGS);
  if (sigopCost > MAX_STANDARD_TX_SIGOPS_COST) {
    throw new TxRejectError('TOO_MANY_SIGOPS', `sigop cost ${sigopCost}`);
  }
  const vsize = policyVsize(tx.weight(), sigopCost);

  if (!ctx.bypassFees) {
    const floor = feeAt(ctx.mempoolMinFeeRate, vsize);
    if (floor > 0n && fee < floor) throw new TxRejectError('MEMPOOL_MIN_FEE', `${fee} < ${floor}`);
    const relay = feeAt(policy.minRelayFeeRate, vsize);
    if (fee < relay) throw new TxRejectError('MIN_RELAY_FEE', `${fee} < ${relay}`);
  }

  const entry = new Entry({ tx, fee, vsize, sigopCost, time: ctx.now, height: tip.height });
  const parents = pool.parentsOf(entry);
  const ancestors = new Set([...parents, ...ancestorsOf(parents)]);
  const conflicts = new Set<Entry>();
  for (const input of tx.inputs) {
    const spender = pool.spenders.get(input.prevout.key());
    if (spender) conflicts.add(spender);
  }
  const evicted = pool.withDescendants(conflicts);
  checkDisjoint(ancestors, evicted, txid);
  checkPackageLimits(vsize, ancestors, evicted, policy.limits);
  if (conflicts.size > 0) {
    checkReplacement(
      { tx, fee, vsize, conflicts, evicted },
      (id) => pool.byTxid.has(id),
      policy.incrementalRelayFeeRate,
    );
  }

  checkScripts(tx, coins, ctx);
  return { entry, conflicts, evicted };
}

/**
 * PolicyScriptChecks, with CheckInputScripts' retry under the mandatory flags; then, with a
 * script cache, ConsensusScriptChecks under the next block's flags, whose pass is cached.
 * Every run stores valid signatures in the signature cache (Core's cacheSigStore = true).
 */
function checkScripts(tx: Tx, coins: readonly Coin[], ctx: AcceptContext): void {
  const inner = ctx.backend ?? defaultBackend;
  const backend = ctx.sigCache ? ctx.sigCache.backend(inner, true) : inner;
  const pre = new PrecomputedTx(tx, coins);
  policyScriptChecks(tx, coins, backend, pre);
  const cache = ctx.scriptCache;
  if (!cache) return;
  const flags = blockScriptFlags(ctx.tip.height + 1, ctx.params);
  try {
    verifyTxScripts(tx, coins, flags, backend, pre);
  } catch (e) {
    // Core logs this as a bug: the standard flags are a superset of every block's flags.
    if (e instanceof RuleError) throw TxRejectError.fromRule(e);
    throw e;
  }
  cache.add(tx.wtxid(), flags);
}

function policyScriptChecks(tx: Tx, coins: readonly Coin[], backend: EcdsaBackend, pre: PrecomputedTx): void {
  try {
    verifyTxScripts(tx, coins, STANDARD_FLAGS, backend, pre);
    return;
  } catch (e) {
    if (!(e instanceof RuleError)) throw e;
    const standardErr = e;
    if (
      !tx.hasWitness() &&
      spendsWitnessProgram(
        tx,
        coins.map((c) => c.script),
      )
    ) {
      throw new TxRejectError('WITNESS_STRIPPED', standardErr.detail);
    }
    try {
      verifyTxScripts(tx, coins, MANDATORY_FLAGS, backend, pre);
    } catch (e2) {
      if (e2 instanceof RuleError) throw TxRejectError.fromRule(e2);
      throw e2;
    }
    throw new TxRejectError('NONSTANDARD_SCRIPT', standardErr.detail);
  }
}
