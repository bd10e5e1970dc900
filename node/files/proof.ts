/**
 * The `.anchor.json` proof of a file the node holds (node/anchors/proof.ts, docs/anchors.md),
 * built from the chain: the earliest main-chain anchor of the file's commitment, its
 * transaction and Merkle branch from the stored block, the manifest and the commitment path the
 * file arrived with. What the wallet's `verify` checks, offline and online. And the reverse:
 * a proof given to `share` or `fetch`, read and checked.
 */

import { commitmentFromPath } from '../anchors/commitment.js';
import { AnchorError } from '../anchors/errors.js';
import { manifestId } from '../anchors/manifest-codec.js';
import {
  type AnchorProof,
  blockLinkFromBlock,
  formatProof,
  newProof,
  parseProof,
  withBlock,
} from '../anchors/proof.js';
import type { AnchorRecord } from '../chain/anchors.js';
import type { Block } from '../protocol/block.js';
import { equal } from '../protocol/bytes.js';
import { type BlockHash, blockHashOf } from '../protocol/ids.js';
import type { NetworkParams } from '../protocol/params.js';
import { FilesError } from './errors.js';
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

/**
 * A proof's text parsed and its manifest checked to lie under its commitment (BAD_PROOF
 * otherwise, each message prefixed with `where`): what `share` and `fetch` accept.
 */
export function readProof(text: string, params: NetworkParams, where = ''): AnchorProof & { id: Uint8Array } {
  let proof: AnchorProof;
  try {
    proof = parseProof(text, params);
  } catch (e) {
    if (e instanceof AnchorError) throw new FilesError('BAD_PROOF', `${where}${e.message}`);
    throw e;
  }
  const id = manifestId(proof.manifest);
  const commitment = commitmentFromPath(id, proof.path);
  if (!commitment || !equal(commitment, proof.commitment)) {
    throw new FilesError('BAD_PROOF', `${where}the manifest is not under the proof's commitment`);
  }
  return { ...proof, id };
}
