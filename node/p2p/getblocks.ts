/**
 * The answer to `getblocks` (Bitcoin Core's net_processing.cpp, NetMsgType::GETBLOCKS and
 * hashContinue in ProcessGetBlockData): the sync before headers-first, which bcoin still uses
 * past its checkpoints. The answer is an `inv` of up to 500 main-chain block hashes after the
 * last locator block on our main chain (genesis if none is), stopping before the stop hash.
 * When the answer was cut at 500, its last hash is remembered: once the peer asks for that
 * block, it is sent an `inv` of our tip, which it does not know, so it sends the next getblocks.
 */
import { findLocatorFork, type MainChainView } from '../chain/locator.js';
import { hashToDisplay } from '../protocol/hash.js';
import type { BlockHash } from '../protocol/ids.js';
import { INV } from './messages.js';
import type { Peer } from './peer.js';

/** Core's nLimit in the getblocks handler. */
export const GETBLOCKS_LIMIT = 500;

/** Sends the inv answering a getblocks and sets the peer's continuation point. */
export function serveGetblocks(
  chain: MainChainView,
  peer: Peer,
  locator: readonly BlockHash[],
  stop: BlockHash,
): void {
  const fork = findLocatorFork(chain, locator);
  const stopHex = stop.some((b) => b !== 0) ? hashToDisplay(stop) : null;
  const items = [];
  for (let h = fork.height + 1; h <= chain.height; h++) {
    const e = chain.entryAt(h)!;
    if (e.hashHex === stopHex) break;
    items.push({ type: INV.BLOCK, hash: e.hash });
    if (items.length >= GETBLOCKS_LIMIT) {
      peer.continueAt = e.hashHex;
      break;
    }
  }
  // Core sends nothing for an empty answer (its inv queue stays empty).
  if (items.length > 0) peer.send({ command: 'inv', items });
}

/** After serving block `hashHex`: the inv of our tip if it was the peer's continuation point. */
export function continueGetblocks(peer: Peer, hashHex: string, tip: Uint8Array): void {
  if (peer.continueAt !== hashHex) return;
  peer.continueAt = null;
  peer.send({ command: 'inv', items: [{ type: INV.BLOCK, hash: tip }] });
}
