/**
 * The `.anchor.json` proof of a file the node holds (node/anchors/proof.ts, docs/anchors.md),
 * built from the chain: the earliest main-chain anchor of the file's commitment, its
 * transaction and Merkle branch from the stored block, the manifest and the commitment path the
 * file arrived with. What the wallet's `verify` checks, offline and online.
 */

import { blockLinkFromBlock, formatProof, newProof, withBlock } from '../anchors/proof.js';
import type { AnchorRecord } from '../chain/anchors.js';
import type { Block } from '../protocol/block.js';
import { type BlockHash, blockHashOf } from '../protocol/ids.js';
import type { NetworkParams } from '../protocol/params.js';
import type { StoredFile } from './store.js';

export interface ProofChain {
  getAnchor(commitment: Uint8Array): Promise<AnchorRecord | null>;
  getBlock(hash: BlockHash): Promise<Block | undefined>;
}

/** The proof text, or null when the commitment is not anchored on the best chain. */
export async function proofText(
  chain: ProofChain,
  params: NetworkParams,
  f: StoredFile,
): Promise<string | null> {
  const rec = await chain.getAnchor(f.commitment);
  if (!rec) return null;
  const block = await chain.getBlock(blockHashOf(rec.blockHash));
  const tx = block?.txs[rec.txIndex];
  if (!block || !tx) return null;
  const link = blockLinkFromBlock(block, rec.height, rec.txid);
  if (!link) return null;
  const proof = newProof({
    network: params.name,
    manifest: f.manifest,
    chunkHashes: f.complete ? f.hashes : null,
    commitment: f.commitment,
    path: f.link,
    tx,
    vout: rec.vout,
  });
  return formatProof(withBlock(proof, link));
}
