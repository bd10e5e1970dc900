/**
 * The bits a block must carry (Core's GetNextWorkRequired), per network:
 *
 * - `fixed` (regtest): Core's fPowNoRetargeting, every block carries its parent's bits, so the
 *   chain keeps the genesis bits for ever.
 * - `asert` (main): aserti3-2d, the absolutely scheduled exponentially rising targets of
 *   Mark Lundeberg and Jonathan Toomim, as Bitcoin Cash specifies it
 *   (https://github.com/bitcoincashorg/bitcoincash.org/blob/master/spec/2020-11-15-asert.md) and
 *   Bitcoin Cash Node implements it (src/pow.cpp, GetNextASERTWorkRequired and CalculateASERT,
 *   https://gitlab.com/bitcoin-cash-node/bitcoin-cash-node/-/blob/master/src/pow.cpp):
 *
 *     target = anchorTarget * 2^((timeDiff - spacing * (heightDiff + 1)) / halfLife)
 *
 *   with timeDiff = tip.time - anchor's parent time and heightDiff = tip.height - anchor height,
 *   computed in integers only: a 16.16 fixed-point exponent, a cubic approximation of 2^frac, and
 *   shifts. Checked line by line against the published aserti3-2d test vectors
 *   (test/difficulty.test.ts).
 *
 * Two rounding rules matter and differ, exactly as in BCHN:
 *   1. the exponent's division by the half-life truncates toward zero (C++ int64 `/`; the
 *      spec's Python reference writes `int(a / b)`);
 *   2. splitting the exponent into whole shifts and a 16-bit fraction floors toward -infinity
 *      (C++ arithmetic `>> 16`), so the fraction always lies in [0, 65536).
 * JS bigint `/` truncates like C++, and bigint `>>` floors like an arithmetic shift, so each
 * step below is the same operator as in BCHN. The published vectors tell the two apart: a
 * floored step 1 gets 442 of the 1,417 vector lines in the test wrong.
 *
 * BCHN's arith_uint256 needs powLimit < 2^224 for overflow headroom; bigints need none, and a
 * result too large for 256 bits is clamped to powLimit just as BCHN's overflow check does.
 *
 * Pure: no clock, no I/O; the caller passes the tip.
 */
import type { NetworkParams } from '../protocol/params.js';
import { decodeCompact, encodeCompact } from '../protocol/pow.js';

/** What the difficulty rule needs to know about the block the new one builds on. */
export interface DifficultyTip {
  readonly height: number;
  readonly bits: number;
  /** The tip's header timestamp, seconds. */
  readonly time: number;
}

/** Compact bits required for the block at `tip.height + 1`. */
export function nextWorkRequired(params: NetworkParams, tip: DifficultyTip): number {
  checkInt(tip.height, 'tip.height');
  checkInt(tip.time, 'tip.time');
  const rule = params.difficulty;
  if (rule.kind === 'fixed') return tip.bits >>> 0;
  if (tip.height < rule.anchorHeight) {
    throw new RangeError(`tip height ${tip.height} is below the ASERT anchor height ${rule.anchorHeight}`);
  }
  const anchor = decodeCompact(rule.anchorBits);
  const target = calculateAsert(
    anchor.target,
    params.targetSpacing,
    tip.time - rule.anchorParentTime,
    tip.height - rule.anchorHeight,
    params.powLimit,
    rule.halfLife,
  );
  return encodeCompact(target);
}

/** Fixed-point one: exponents and the 2^frac factor carry 16 fractional bits. */
const RADIX_BITS = 16n;
const RADIX = 1n << RADIX_BITS;

/** A target shifted left this far exceeds any 256-bit powLimit: clamp without the big shift. */
const MAX_LEFT_SHIFT = 256n;

/**
 * BCHN's CalculateASERT: the target `heightDiff + 1` blocks after the anchor, when the tip is
 * `timeDiff` seconds after the anchor's parent, clamped to [1, powLimit].
 *
 * Throws RangeError on arguments BCHN asserts against (anchor target outside (0, powLimit],
 * negative height difference, non-positive half-life or spacing, non-integers): those are
 * bugs in the caller, not bad blocks.
 */
export function calculateAsert(
  anchorTarget: bigint,
  spacing: number,
  timeDiff: number,
  heightDiff: number,
  powLimit: bigint,
  halfLife: number,
): bigint {
  if (anchorTarget <= 0n || anchorTarget > powLimit) {
    throw new RangeError('ASERT anchor target must lie in (0, powLimit]');
  }
  checkInt(spacing, 'spacing');
  checkInt(timeDiff, 'timeDiff');
  checkInt(heightDiff, 'heightDiff');
  checkInt(halfLife, 'halfLife');
  if (heightDiff < 0) throw new RangeError('ASERT height difference must not be negative');
  if (halfLife <= 0 || spacing <= 0) throw new RangeError('ASERT half-life and spacing must be positive');

  // Seconds ahead of (negative) or behind (positive) the schedule, as a 16.16 fixed-point
  // count of half-lives. Truncating division, as BCHN's int64 `/`.
  const offSchedule = BigInt(timeDiff) - BigInt(spacing) * (BigInt(heightDiff) + 1n);
  const exponent = (offSchedule * RADIX) / BigInt(halfLife);

  // exponent = shifts * 65536 + frac with 0 <= frac < 65536: an arithmetic (flooring) shift.
  let shifts = exponent >> RADIX_BITS;
  const frac = exponent - (shifts << RADIX_BITS);

  // 65536 * 2^(frac / 65536), to within 0.013%, rounded to the nearest integer by the 2^47 term.
  const factor =
    RADIX +
    ((195766423245049n * frac + 971821376n * frac * frac + 5127n * frac * frac * frac + (1n << 47n)) >> 48n);

  // Multiply by 2^shifts and divide by the 65536 the factor carries.
  let next = anchorTarget * factor;
  shifts -= RADIX_BITS;
  if (shifts <= 0n) {
    next >>= -shifts;
  } else {
    if (shifts >= MAX_LEFT_SHIFT) return powLimit;
    next <<= shifts;
  }

  if (next === 0n) return 1n; // 0 is not a valid target; 1 is.
  return next > powLimit ? powLimit : next;
}

function checkInt(value: number, name: string): void {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${name} must be a safe integer, got ${value}`);
}
