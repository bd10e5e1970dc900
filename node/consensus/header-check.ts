/**
 * Block header rules. Context-free: Core's CheckBlockHeader (proof of work, CheckProofOfWork:
 * compact bits must decode to a positive, non-overflowing target no higher than powLimit, and
 * the hash must not exceed it; every failure is 'high-hash'). Contextual: Core's
 * ContextualCheckBlockHeader against values the caller derives from the chain (expected bits,
 * the parent's median time past) and the clock (`now`, adjusted network time in seconds).
 * Checkpoints and BIP94's timewarp rule are not applied.
 */
import type { BlockHeader } from '../protocol/header.js';
import type { NetworkParams } from '../protocol/params.js';
import { hashToBigInt, targetFromBits } from '../protocol/pow.js';
import { RuleError } from './errors.js';

export interface HeaderContext {
  /** Height of the block this header belongs to. */
  readonly height: number;
  /** nextWorkRequired for this block (Core's GetNextWorkRequired). */
  readonly expectedBits: number;
  /** Median time past of the parent block. */
  readonly medianTimePast: number;
  /** The node's adjusted time, seconds since the epoch. */
  readonly now: number;
}

function hex32(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

export function checkHeaderContextFree(header: BlockHeader, params: NetworkParams): void {
  const target = targetFromBits(header.bits, params.powLimit);
  if (target === null) throw new RuleError('HIGH_HASH', `bits ${hex32(header.bits)} out of range`);
  if (hashToBigInt(header.hash()) > target) throw new RuleError('HIGH_HASH', 'proof of work failed');
}

export function checkHeaderContextual(header: BlockHeader, ctx: HeaderContext, params: NetworkParams): void {
  if (header.bits !== ctx.expectedBits) {
    throw new RuleError('BAD_DIFFBITS', `bits ${hex32(header.bits)}, expected ${hex32(ctx.expectedBits)}`);
  }
  if (header.time <= ctx.medianTimePast) {
    throw new RuleError('TIME_TOO_OLD', `time ${header.time} <= median time past ${ctx.medianTimePast}`);
  }
  if (header.time > ctx.now + params.maxFutureBlockTime) {
    throw new RuleError(
      'TIME_TOO_NEW',
      `time ${header.time} > now ${ctx.now} + ${params.maxFutureBlockTime}`,
    );
  }
  const a = params.activation;
  const v = header.version;
  if (
    (v < 2 && ctx.height >= a.bip34) ||
    (v < 3 && ctx.height >= a.bip66) ||
    (v < 4 && ctx.height >= a.bip65)
  ) {
    throw new RuleError('BAD_VERSION', `bad-version(${hex32(v)})`);
  }
}
