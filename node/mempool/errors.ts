/**
 * TxRejectError: why the mempool refused a transaction. Every rejection out of `Mempool.accept`
 * is one of these, so the P2P and RPC layers meet a single type: a stable `code`, Bitcoin
 * Core's reject reason string (validation.cpp MemPoolAccept, policy/policy.cpp, policy/rbf.cpp)
 * and `consensus`, which says whether the transaction is invalid under consensus rules
 * (Core's TX_CONSENSUS) or only refused by local policy (Core's TX_NOT_STANDARD,
 * TX_MEMPOOL_POLICY, TX_PREMATURE_SPEND, TX_CONFLICT, ...). What the sender earns for either
 * is the P2P layer's to say (p2p/misbehaviour.ts, by code).
 *
 * Consensus failures found by node/consensus keep their RuleCode (`TX_IN_BELOW_OUT`,
 * `SCRIPT_FAILED`, ...) and the RuleError as `cause`. Two consensus rules are not ban-worthy
 * for a loose transaction, as in Core: a premature coinbase spend and a BIP68 lock (both
 * TX_PREMATURE_SPEND: they may become valid later); those get policy codes here.
 */
import { type RuleCode, RuleError } from '../consensus/errors.js';

export const POLICY_REJECTS = {
  // PreChecks.
  COINBASE: { reason: 'coinbase', consensus: true },
  VERSION: { reason: 'version', consensus: false },
  TX_SIZE: { reason: 'tx-size', consensus: false },
  TX_SIZE_SMALL: { reason: 'tx-size-small', consensus: false },
  SCRIPTSIG_SIZE: { reason: 'scriptsig-size', consensus: false },
  SCRIPTSIG_NOT_PUSHONLY: { reason: 'scriptsig-not-pushonly', consensus: false },
  SCRIPTPUBKEY: { reason: 'scriptpubkey', consensus: false },
  BARE_MULTISIG: { reason: 'bare-multisig', consensus: false },
  DUST: { reason: 'dust', consensus: false },
  MULTI_OP_RETURN: { reason: 'multi-op-return', consensus: false },
  NON_FINAL: { reason: 'non-final', consensus: false },
  ALREADY_IN_MEMPOOL: { reason: 'txn-already-in-mempool', consensus: false },
  SAME_NONWITNESS_DATA: { reason: 'txn-same-nonwitness-data-in-mempool', consensus: false },
  ALREADY_KNOWN: { reason: 'txn-already-known', consensus: false },
  /** Inputs missing and no parent left to ask for (they point into our own mempool). */
  MISSING_INPUTS: { reason: 'bad-txns-inputs-missingorspent', consensus: false },
  NON_BIP68_FINAL: { reason: 'non-BIP68-final', consensus: false },
  PREMATURE_COINBASE_SPEND: { reason: 'bad-txns-premature-spend-of-coinbase', consensus: false },
  NONSTANDARD_INPUTS: { reason: 'bad-txns-nonstandard-inputs', consensus: false },
  WITNESS_NONSTANDARD: { reason: 'bad-witness-nonstandard', consensus: false },
  TOO_MANY_SIGOPS: { reason: 'bad-txns-too-many-sigops', consensus: false },
  MEMPOOL_MIN_FEE: { reason: 'mempool min fee not met', consensus: false },
  MIN_RELAY_FEE: { reason: 'min relay fee not met', consensus: false },
  // Package limits (CalculateMemPoolAncestors); one reason, four codes.
  ANCESTOR_COUNT: { reason: 'too-long-mempool-chain', consensus: false },
  ANCESTOR_SIZE: { reason: 'too-long-mempool-chain', consensus: false },
  DESCENDANT_COUNT: { reason: 'too-long-mempool-chain', consensus: false },
  DESCENDANT_SIZE: { reason: 'too-long-mempool-chain', consensus: false },
  // Replacement (policy/rbf.cpp).
  RBF_TOO_MANY_REPLACEMENTS: { reason: 'too many potential replacements', consensus: false },
  RBF_ADDS_UNCONFIRMED: { reason: 'replacement-adds-unconfirmed', consensus: false },
  RBF_SPENDS_CONFLICTING: { reason: 'bad-txns-spends-conflicting-tx', consensus: false },
  /** Rule #6: fee rate not above a directly conflicting tx's. */
  RBF_FEERATE: { reason: 'insufficient fee', consensus: false },
  /** Rule #3: absolute fee below the sum of everything evicted. */
  RBF_FEE: { reason: 'insufficient fee', consensus: false },
  /** Rule #4: the extra fee does not pay incremental relay for the replacement's own size. */
  RBF_RELAY_FEE: { reason: 'insufficient fee', consensus: false },
  // Scripts (CheckInputScripts with policy flags, then mandatory flags).
  NONSTANDARD_SCRIPT: { reason: 'non-mandatory-script-verify-flag', consensus: false },
  /** Core's TX_WITNESS_STRIPPED: fails, but only because the witness is missing. */
  WITNESS_STRIPPED: { reason: 'mandatory-script-verify-flag-failed', consensus: false },
  // LimitMempoolSize.
  MEMPOOL_FULL: { reason: 'mempool full', consensus: false },
  /** A local submission's cap (sendrawtransaction's maxfeerate): never a peer's fault. */
  MAX_FEE_EXCEEDED: { reason: 'max-fee-exceeded', consensus: false },
} as const;

export type PolicyCode = keyof typeof POLICY_REJECTS;
export type RejectCode = PolicyCode | RuleCode;

export class TxRejectError extends Error {
  readonly code: RejectCode;
  /** Bitcoin Core's reject reason string. */
  readonly reason: string;
  /** True when the transaction breaks consensus rules: the peer that sent it misbehaved. */
  readonly consensus: boolean;
  readonly detail?: string;
  /** The consensus RuleError this wraps, if any. */
  override readonly cause?: RuleError;

  constructor(code: PolicyCode, detail?: string);
  constructor(code: RejectCode, detail: string | undefined, rule: RuleError, consensus: boolean);
  constructor(code: RejectCode, detail?: string, rule?: RuleError, consensus?: boolean) {
    const policy = rule ? undefined : POLICY_REJECTS[code as PolicyCode];
    const reason = rule ? rule.reason : policy!.reason;
    super(detail ? `${reason} (${detail})` : reason);
    this.name = 'TxRejectError';
    this.code = code;
    this.reason = reason;
    this.consensus = rule ? consensus! : policy!.consensus;
    if (detail !== undefined) this.detail = detail;
    if (rule) this.cause = rule;
  }

  /** A consensus RuleError from node/consensus, as the mempool reports it. */
  static fromRule(e: RuleError): TxRejectError {
    if (e.code === 'TX_PREMATURE_COINBASE_SPEND')
      return new TxRejectError('PREMATURE_COINBASE_SPEND', e.detail);
    if (e.code === 'TX_NON_BIP68_FINAL' || e.code === 'TX_SEQUENCE_LOCKS') {
      return new TxRejectError('NON_BIP68_FINAL', e.detail);
    }
    return new TxRejectError(e.code, e.detail, e, true);
  }
}

/** Runs `fn`, turning a consensus RuleError into a TxRejectError. */
export function asReject<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof RuleError) throw TxRejectError.fromRule(e);
    throw e;
  }
}
