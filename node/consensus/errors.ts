/**
 * RuleError: a consensus or policy rule broken by a block or transaction (btcd's RuleError).
 * Each code is stable and carries Bitcoin Core's reject reason; what a peer earns for sending
 * it is the P2P layer's one table (p2p/misbehaviour.ts, keyed by these codes). Core's reasons
 * that embed a value ('bad-version(0x00000001)') keep the fixed part here; the value goes in
 * the detail. The mempool handles a loose transaction's missing inputs as an orphan.
 */
export const RULES = {
  // CheckTransaction (consensus/tx_check.cpp).
  TX_NO_INPUTS: { reason: 'bad-txns-vin-empty' },
  TX_NO_OUTPUTS: { reason: 'bad-txns-vout-empty' },
  TX_OVERSIZE: { reason: 'bad-txns-oversize' },
  TX_OUTPUT_NEGATIVE: { reason: 'bad-txns-vout-negative' },
  TX_OUTPUT_TOO_LARGE: { reason: 'bad-txns-vout-toolarge' },
  TX_OUTPUT_TOTAL_TOO_LARGE: { reason: 'bad-txns-txouttotal-toolarge' },
  TX_DUPLICATE_INPUTS: { reason: 'bad-txns-inputs-duplicate' },
  TX_COINBASE_SCRIPT_SIZE: { reason: 'bad-cb-length' },
  TX_NULL_PREVOUT: { reason: 'bad-txns-prevout-null' },
  // Scripts (CheckInputScripts).
  SCRIPT_FAILED: { reason: 'mandatory-script-verify-flag-failed' },
  // CheckBlockHeader / ContextualCheckBlockHeader (validation.cpp).
  HIGH_HASH: { reason: 'high-hash' },
  BAD_DIFFBITS: { reason: 'bad-diffbits' },
  TIME_TOO_OLD: { reason: 'time-too-old' },
  TIME_TOO_NEW: { reason: 'time-too-new' },
  BAD_VERSION: { reason: 'bad-version' },
  // CheckBlock.
  BAD_MERKLE_ROOT: { reason: 'bad-txnmrklroot' },
  DUPLICATE_TX: { reason: 'bad-txns-duplicate' },
  BLOCK_LENGTH: { reason: 'bad-blk-length' },
  COINBASE_MISSING: { reason: 'bad-cb-missing' },
  COINBASE_MULTIPLE: { reason: 'bad-cb-multiple' },
  BLOCK_SIGOPS: { reason: 'bad-blk-sigops' },
  // ContextualCheckBlock.
  TX_NONFINAL: { reason: 'bad-txns-nonfinal' },
  COINBASE_HEIGHT: { reason: 'bad-cb-height' },
  WITNESS_NONCE_SIZE: { reason: 'bad-witness-nonce-size' },
  WITNESS_MERKLE_MISMATCH: { reason: 'bad-witness-merkle-match' },
  UNEXPECTED_WITNESS: { reason: 'unexpected-witness' },
  BLOCK_WEIGHT: { reason: 'bad-blk-weight' },
  // Consensus::CheckTxInputs (consensus/tx_verify.cpp).
  TX_MISSING_INPUTS: { reason: 'bad-txns-inputs-missingorspent' },
  TX_PREMATURE_COINBASE_SPEND: { reason: 'bad-txns-premature-spend-of-coinbase' },
  TX_INPUT_VALUES_OUT_OF_RANGE: { reason: 'bad-txns-inputvalues-outofrange' },
  TX_IN_BELOW_OUT: { reason: 'bad-txns-in-belowout' },
  TX_FEE_OUT_OF_RANGE: { reason: 'bad-txns-fee-outofrange' },
  // ConnectBlock.
  TX_BIP30: { reason: 'bad-txns-BIP30' },
  /** BIP68 relative lock-time not met inside a block (Core reports it as bad-txns-nonfinal). */
  TX_SEQUENCE_LOCKS: { reason: 'bad-txns-nonfinal' },
  BLOCK_FEES_OUT_OF_RANGE: { reason: 'bad-txns-accumulated-fee-outofrange' },
  COINBASE_AMOUNT: { reason: 'bad-cb-amount' },
  // Chain (Core's AcceptBlockHeader): a block already known invalid, or built on one.
  DUPLICATE_INVALID: { reason: 'duplicate-invalid' },
  BAD_PREVBLK: { reason: 'bad-prevblk' },
  // Mempool (policy): the same BIP68 failure for a loose transaction, which may become final.
  TX_NON_BIP68_FINAL: { reason: 'non-BIP68-final' },
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
