/**
 * Core's assumevalid (validation.cpp, the fScriptChecks decision in ConnectBlock): the scripts of
 * a block are not verified when the block is an ancestor of the configured known-good block in
 * the header index, is also an ancestor of the best header, and lies more than two weeks of
 * proof-equivalent time (Core's GetBlockProofEquivalentTime) below that best header. Every other
 * rule still runs. The two-week margin is Core's: a node shown a fake header chain would need
 * two weeks of the network's work to make it skip a script.
 *
 * Not implemented: Core's third condition, the best header having at least the network's
 * nMinimumChainWork, since the networks here carry no minimum chain work.
 */
import { workFromBits } from '../protocol/pow.js';
import type { BlockEntry } from './entry.js';

/** Core's two weeks: 60 * 60 * 24 * 7 * 2 seconds. */
export const ASSUME_VALID_MIN_AGE = 60 * 60 * 24 * 7 * 2;

/**
 * Seconds the network needs, at `best`'s difficulty, to add the work between `from` and `best`
 * (Core's GetBlockProofEquivalentTime(best, from, best)); negative when `from` has more work.
 */
export function proofEquivalentTime(best: BlockEntry, from: BlockEntry, targetSpacing: number): number {
  const diff = best.chainWork - from.chainWork;
  const perBlock = workFromBits(best.header.bits);
  if (perBlock === 0n) return Number.MAX_SAFE_INTEGER;
  const t = (diff * BigInt(targetSpacing)) / perBlock;
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  return Number(t > max ? max : t < -max ? -max : t);
}

/**
 * Whether `e`'s scripts may go unchecked: `assumed` is the index entry of the assumevalid
 * block (undefined when not set or its header is unknown), `best` the best header.
 */
export function skipsScripts(
  e: BlockEntry,
  assumed: BlockEntry | undefined,
  best: BlockEntry,
  targetSpacing: number,
): boolean {
  if (!assumed || assumed.failed) return false;
  if (assumed.ancestor(e.height) !== e || best.ancestor(e.height) !== e) return false;
  return proofEquivalentTime(best, e, targetSpacing) > ASSUME_VALID_MIN_AGE;
}
