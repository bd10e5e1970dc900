/**
 * RuleError: a consensus or policy rule broken by a block or transaction (btcd's RuleError).
 * Each code is stable and carries Bitcoin Core's reject reason and the ban score a peer earns
 * for sending it, so one function can map any rejection to what happens to the peer.
 */
export const RULES = {
  TX_NO_INPUTS: { reason: 'bad-txns-vin-empty', ban: 100 },
  TX_NO_OUTPUTS: { reason: 'bad-txns-vout-empty', ban: 100 },
  TX_OVERSIZE: { reason: 'bad-txns-oversize', ban: 100 },
  TX_OUTPUT_NEGATIVE: { reason: 'bad-txns-vout-negative', ban: 100 },
  TX_OUTPUT_TOO_LARGE: { reason: 'bad-txns-vout-toolarge', ban: 100 },
  TX_OUTPUT_TOTAL_TOO_LARGE: { reason: 'bad-txns-txouttotal-toolarge', ban: 100 },
  TX_DUPLICATE_INPUTS: { reason: 'bad-txns-inputs-duplicate', ban: 100 },
  TX_COINBASE_SCRIPT_SIZE: { reason: 'bad-cb-length', ban: 100 },
  TX_NULL_PREVOUT: { reason: 'bad-txns-prevout-null', ban: 100 },
  SCRIPT_FAILED: { reason: 'mandatory-script-verify-flag-failed', ban: 100 },
} as const;

export type RuleCode = keyof typeof RULES;

export class RuleError extends Error {
  readonly code: RuleCode;
  /** Bitcoin Core's reject reason string. */
  readonly reason: string;
  readonly banScore: number;
  /** For SCRIPT_FAILED: which input, and the interpreter's SCRIPT_ERR_* name. */
  readonly inputIndex?: number;
  readonly scriptError?: string;
  constructor(code: RuleCode, detail?: string, where?: { inputIndex: number; scriptError: string }) {
    const rule = RULES[code];
    super(detail ? `${rule.reason} (${detail})` : rule.reason);
    this.name = 'RuleError';
    this.code = code;
    this.reason = rule.reason;
    this.banScore = rule.ban;
    if (where) {
      this.inputIndex = where.inputIndex;
      this.scriptError = where.scriptError;
    }
  }
}
