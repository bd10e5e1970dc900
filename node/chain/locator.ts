/**
 * Block locators and header lookups for headers-first sync (Core's CChain::GetLocator,
 * FindForkInGlobalIndex and the getheaders handler in net_processing.cpp). A locator lists
 * block hashes from a tip backwards: the first ten one apart, then doubling the step, ending
 * at genesis, so two nodes find their last common block in one round trip.
 */
import type { BlockHeader } from '../protocol/header.js';
import { type BlockHash, hashKey } from '../protocol/ids.js';
import type { BlockEntry } from './entry.js';

/** What a locator is built from: a block index entry or a header not yet backed by a block. */
export interface Linked {
  readonly hash: Uint8Array;
  readonly height: number;
  readonly prev: Linked | null;
}

/** Core's MAX_LOCATOR_SZ: a 101-hash locator reaches back 2^91 blocks. */
export const MAX_LOCATOR_HASHES = 101;

/** Hashes (internal byte order) of the locator from `tip`. */
export function blockLocator(tip: Linked): Uint8Array[] {
  const heights: number[] = [];
  let step = 1;
  for (let h = tip.height; h > 0; h -= step) {
    heights.push(h);
    if (heights.length >= 10) step *= 2;
  }
  heights.push(0);
  const out: Uint8Array[] = [];
  let e: Linked | null = tip;
  for (const h of heights) {
    while (e && e.height > h) e = e.prev;
    if (!e) break;
    out.push(e.hash);
  }
  return out;
}

/** The part of the chain the headers lookups read. */
export interface MainChainView {
  readonly height: number;
  entry(hash: BlockHash): BlockEntry | undefined;
  entryAt(height: number): BlockEntry | undefined;
  isMain(e: BlockEntry): boolean;
}

/** The last main-chain block named in a locator (genesis when none is). */
export function findLocatorFork(chain: MainChainView, locator: readonly BlockHash[]): BlockEntry {
  for (const hash of locator) {
    const e = chain.entry(hash);
    if (e && chain.isMain(e)) return e;
  }
  return chain.entryAt(0)!;
}

/**
 * Main-chain headers after the locator's fork, at most `max`, ending at `stop` if met
 * (Core's getheaders answer). An empty locator asks for the one header `stop`.
 */
export function headersAfter(
  chain: MainChainView,
  locator: readonly BlockHash[],
  stop: BlockHash | null,
  max: number,
): BlockHeader[] {
  if (locator.length === 0) {
    const e = stop ? chain.entry(stop) : undefined;
    return e?.haveData ? [e.header] : [];
  }
  const fork = findLocatorFork(chain, locator);
  const stopKey = stop && hashKey(stop);
  const out: BlockHeader[] = [];
  for (let h = fork.height + 1; h <= chain.height && out.length < max; h++) {
    const e = chain.entryAt(h)!;
    out.push(e.header);
    if (e.key === stopKey) break;
  }
  return out;
}
