/**
 * Median time past: Bitcoin Core's CBlockIndex::GetMedianTimePast (src/chain.h). Core collects
 * the timestamps of the block and up to ten ancestors (nMedianTimeSpan = 11), sorts them, and
 * takes the element at index size / 2: the middle one for an odd count, the upper of the two
 * middle ones for an even count (only near genesis, where fewer than 11 blocks exist).
 *
 * BIP113 compares lock times against it, and a new block's time must exceed it.
 *
 * Pure: the caller passes the times; the order does not matter, since they are sorted.
 */

/** Blocks in the median (Core's nMedianTimeSpan; `medianTimeSpan` in NetworkParams). */
export const MEDIAN_TIME_SPAN = 11;

/**
 * Median of the timestamps of a block and its ancestors, at most MEDIAN_TIME_SPAN of them.
 * Throws RangeError on an empty list, on more than MEDIAN_TIME_SPAN times (passing a longer
 * history is a caller bug: which eleven were meant would be a guess), or on non-integers.
 */
export function medianTimePast(times: readonly number[]): number {
  if (times.length === 0) throw new RangeError('median time past needs at least one block time');
  if (times.length > MEDIAN_TIME_SPAN) {
    throw new RangeError(
      `median time past takes at most ${MEDIAN_TIME_SPAN} block times, got ${times.length}`,
    );
  }
  for (const t of times) {
    if (!Number.isSafeInteger(t)) throw new RangeError(`block time must be an integer, got ${t}`);
  }
  const sorted = [...times].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
