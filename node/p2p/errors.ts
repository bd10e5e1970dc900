/**
 * P2PError: what a peer did wrong, with a stable code. What it costs the peer is
 * misbehaviour.ts's to say (`consequenceOf`, Core's Misbehaving / MaybePunishNode): every
 * offence disconnects the peer; scores add up per IP address across connections, and reaching
 * BAN_THRESHOLD bans the address (Core's DISCOURAGEMENT_THRESHOLD, 100). `P2PConfigError` is
 * a different type: bad settings from the operator (seeds file, host:port arguments), never a
 * peer's fault.
 */
import type { RuleError } from '../consensus/errors.js';
import type { TxRejectError } from '../mempool/errors.js';
import { consequenceOf } from './misbehaviour.js';
import type { OffenceCode } from './offence-codes.js';

export type { OffenceCode };

/** Score at which an address is banned. */
export const BAN_THRESHOLD = 100;

export class P2PError extends Error {
  readonly code: OffenceCode;
  /** The rejection this offence reports, whose consequence it carries. */
  override readonly cause?: RuleError | TxRejectError;
  constructor(code: OffenceCode, message: string, cause?: RuleError | TxRejectError) {
    super(message);
    this.name = 'P2PError';
    this.code = code;
    if (cause) this.cause = cause;
  }

  /** Misbehaviour points this offence adds (misbehaviour.ts). */
  get score(): number {
    return consequenceOf(this).score;
  }
}

export type P2PConfigErrorCode = 'BAD_ADDRESS' | 'BAD_SEEDS_FILE';

export class P2PConfigError extends Error {
  readonly code: P2PConfigErrorCode;
  constructor(code: P2PConfigErrorCode, message: string) {
    super(message);
    this.name = 'P2PConfigError';
    this.code = code;
  }
}
