/**
 * RuleError: a consensus or policy rule broken by a block or transaction (btcd's RuleError).
 * Each code is stable and carries Bitcoin Core's reject reason and the ban score a peer earns
 * for sending it, so one function can map any rejection to what happens to the peer.
 *
 * Ban scores follow Core's MaybePunishNodeForBlock/-Tx: 100 for anything consensus-invalid
 * (BLOCK_CONSENSUS, BLOCK_MUTATED, BLOCK_INVALID_HEADER, BLOCK_INVALID_PREV); 0 for a header
 * from the future (BLOCK_TIME_FUTURE) and for mempool-only policy reasons. Core's reasons that
 * embed a value ('bad-version(0x00000001)') keep the fixed part here; the value goes in the
 * detail. Input rules (missing inputs, premature spend) score 100 as Core does inside a block;
 * the mempool handles a loose transaction's missing inputs as an orphan, not a ban.
 */
export const RULES = {
  // CheckTransaction (consensus/tx_check.cpp).
  TX_NO_INPUTS: { reason: 'bad-txns-vin-empty', ban: 100 },
  TX_NO_OUTPUTS: { reason: 'bad-txns-vout-empty', ban: 100 },
  TX_OVERSIZE: { reason: 'bad-txns-oversize', ban: 100 },
  TX_OUTPUT_NEGATIVE: { reason: 'bad-txns-vout-negative', ban: 100 },
  TX_OUTPUT_TOO_LARGE: { reason: 'bad-txns-vout-toolarge', ban: 100 },
  TX_OUTPUT_TOTAL_TOO_LARGE: { reason: 'bad-txns-txouttotal-toolarge', ban: 100 },
  TX_DUPLICATE_INPUTS: { reason: 'bad-txns-inputs-duplicate', ban: 100 },
  TX_COINBASE_SCRIPT_SIZE: { reason: 'bad-cb-length', ban: 100 },
  TX_NULL_PREVOUT: { reason: 'bad-txns-prevout-null', ban: 100 },
  // Scripts (CheckInputScripts).
  SCRIPT_FAILED: { reason: 'mandatory-script-verify-flag-failed', ban: 100 },
  // CheckBlockHeader / ContextualCheckBlockHeader (validation.cpp).
  HIGH_HASH: { reason: 'high-hash', ban: 100 },
  BAD_DIFFBITS: { reason: 'bad-diffbits', ban: 100 },
  TIME_TOO_OLD: { reason: 'time-too-old', ban: 100 },
  TIME_TOO_NEW: { reason: 'time-too-new', ban: 0 },
  BAD_VERSION: { reason: 'bad-version', ban: 100 },
  // CheckBlock.
  BAD_MERKLE_ROOT: { reason: 'bad-txnmrklroot', ban: 100 },
  DUPLICATE_TX: { reason: 'bad-txns-duplicate', ban: 100 },
  BLOCK_LENGTH: { reason: 'bad-blk-length', ban: 100 },
  COINBASE_MISSING: { reason: 'bad-cb-missing', ban: 100 },
  COINBASE_MULTIPLE: { reason: 'bad-cb-multiple', ban: 100 },
  BLOCK_SIGOPS: { reason: 'bad-blk-sigops', ban: 100 },
  // ContextualCheckBlock.
  TX_NONFINAL: { reason: 'bad-txns-nonfinal', ban: 100 },
  COINBASE_HEIGHT: { reason: 'bad-cb-height', ban: 100 },
  WITNESS_NONCE_SIZE: { reason: 'bad-witness-nonce-size', ban: 100 },
  WITNESS_MERKLE_MISMATCH: { reason: 'bad-witness-merkle-match', ban: 100 },
  UNEXPECTED_WITNESS: { reason: 'unexpected-witness', ban: 100 },
  BLOCK_WEIGHT: { reason: 'bad-blk-weight', ban: 100 },
  // Consensus::CheckTxInputs (consensus/tx_verify.cpp).
  TX_MISSING_INPUTS: { reason: 'bad-txns-inputs-missingorspent', ban: 100 },
  TX_PREMATURE_COINBASE_SPEND: { reason: 'bad-txns-premature-spend-of-coinbase', ban: 100 },
  TX_INPUT_VALUES_OUT_OF_RANGE: { reason: 'bad-txns-inputvalues-outofrange', ban: 100 },
  TX_IN_BELOW_OUT: { reason: 'bad-txns-in-belowout', ban: 100 },
  TX_FEE_OUT_OF_RANGE: { reason: 'bad-txns-fee-outofrange', ban: 100 },
  // ConnectBlock.
  TX_BIP30: { reason: 'bad-txns-BIP30', ban: 100 },
  /** BIP68 relative lock-time not met inside a block (Core reports it as bad-txns-nonfinal). */
  TX_SEQUENCE_LOCKS: { reason: 'bad-txns-nonfinal', ban: 100 },
  BLOCK_FEES_OUT_OF_RANGE: { reason: 'bad-txns-accumulated-fee-outofrange', ban: 100 },
  COINBASE_AMOUNT: { reason: 'bad-cb-amount', ban: 100 },
  // Chain (Core's AcceptBlockHeader): a block already known invalid, or built on one.
  DUPLICATE_INVALID: { reason: 'duplicate-invalid', ban: 100 },
  BAD_PREVBLK: { reason: 'bad-prevblk', ban: 100 },
  // Mempool (policy): the same BIP68 failure for a loose transaction, which may become final.
  TX_NON_BIP68_FINAL: { reason: 'non-BIP68-final', ban: 0 },
} as const;

export type RuleCode = keyof typeof RULES;

/**
 * Rejections that must not mark a block hash as permanently invalid: a mutated block
 * (Core's BLOCK_MUTATED: the same header may come again with the right transactions) and a
 * header from the future (BLOCK_TIME_FUTURE: it becomes acceptable with time).
 */
export const NOT_CACHED_INVALID: ReadonlySet<RuleCode> = new Set<RuleCode>([
  'BAD_MERKLE_ROOT',
  'DUPLICATE_TX',
  'WITNESS_NONCE_SIZE',
  'WITNESS_MERKLE_MISMATCH',
  'UNEXPECTED_WITNESS',
  'TIME_TOO_NEW',
]);

/** Where in a block or transaction a rule broke; every field optional. */
export interface RuleWhere {
  /** Index of the transaction in its block. */
  readonly txIndex?: number;
  /** For SCRIPT_FAILED: which input, and the interpreter's SCRIPT_ERR_* name. */
  readonly inputIndex?: number;
  readonly scriptError?: string;
}

export class RuleError extends Error {
  readonly code: RuleCode;
  /** Bitcoin Core's reject reason string. */
  readonly reason: string;
  readonly banScore: number;
  /** Free text after the reason (Core's debug message). */
  readonly detail?: string;
  readonly txIndex?: number;
  readonly inputIndex?: number;
  readonly scriptError?: string;
  constructor(code: RuleCode, detail?: string, where?: RuleWhere) {
    const rule = RULES[code];
    super(detail ? `${rule.reason} (${detail})` : rule.reason);
    this.name = 'RuleError';
    this.code = code;
    this.reason = rule.reason;
    this.banScore = rule.ban;
    if (detail !== undefined) this.detail = detail;
    if (where?.txIndex !== undefined) this.txIndex = where.txIndex;
    if (where?.inputIndex !== undefined) this.inputIndex = where.inputIndex;
    if (where?.scriptError !== undefined) this.scriptError = where.scriptError;
  }

  /** The same error, located at transaction `txIndex` of a block. */
  inTx(txIndex: number, txid: string): RuleError {
    const detail = this.detail ? `${this.detail} in tx ${txIndex} ${txid}` : `in tx ${txIndex} ${txid}`;
    return new RuleError(this.code, detail, {
      txIndex,
      inputIndex: this.inputIndex,
      scriptError: this.scriptError,
    });
  }
}
