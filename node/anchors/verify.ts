/**
 * Offline verification of an anchor proof: every link from the file to the header's proof of
 * work, in order, stopping at the first that fails and naming it with a stable code.
 *
 *   link         code when it fails          what holds when it passes
 *   file         FILE_MISMATCH               the file's size and chunk-tree root are the manifest's
 *   chunks       CHUNK_HASHES_MISMATCH       the proof's chunk hashes (if any) are the manifest's
 *   commitment   COMMITMENT_MISMATCH         manifest id --path--> the proof's commitment
 *   transaction  ANCHOR_NOT_IN_TX            tx output `vout` is `OP_RETURN "GLA1" || commitment`
 *   block        NOT_CONFIRMED               (the proof has no block yet)
 *   block        TX_NOT_IN_BLOCK             txid --branch--> the header's merkle root
 *   pow          BAD_POW                     header hash <= its target <= the network's pow limit
 *
 * A changed file is located with chunk hashes: when the proof carries valid ones and the file's
 * digest kept its own, the failure names the first bad chunk. Offline, a proof shows that enough
 * work was spent on a header committing to the file; that the header is in the best chain,
 * at `height`, with N confirmations, is for the online check (the wallet, through the API),
 * which starts from `blockHash` and `height` given here.
 *
 * A 64-byte transaction could pose as an inner node of the tx tree; an anchoring tx always has a
 * 38-byte output script, so it is longer than 64 bytes and the branch check is sound.
 */
import { equal } from '../protocol/bytes.js';
import { hashToDisplay } from '../protocol/hash.js';
import { rootFromBranch } from '../protocol/merkle.js';
import type { NetworkParams } from '../protocol/params.js';
import { checkProofOfWork } from '../protocol/pow.js';
import { parseAnchorScript, verifyCommitmentPath } from './commitment.js';
import { AnchorError } from './errors.js';
import { chunkHashesMatch, type FileDigest, firstBadChunk } from './manifest.js';
import { manifestId } from './manifest-codec.js';
import type { AnchorProof } from './proof.js';
import { hashToHex } from './tree.js';

export type VerifyLink = 'file' | 'chunks' | 'commitment' | 'transaction' | 'block' | 'pow';

export type VerifyCode =
  | 'FILE_MISMATCH'
  | 'CHUNK_HASHES_MISMATCH'
  | 'COMMITMENT_MISMATCH'
  | 'ANCHOR_NOT_IN_TX'
  | 'NOT_CONFIRMED'
  | 'TX_NOT_IN_BLOCK'
  | 'BAD_POW';

export interface VerifyFailure {
  readonly link: VerifyLink;
  readonly code: VerifyCode;
  readonly message: string;
  /** FILE_MISMATCH: index of the first chunk that differs, when chunk hashes allow it. */
  readonly chunk?: number;
}

export interface OfflineVerification {
  readonly ok: boolean;
  readonly failure: VerifyFailure | null;
  /** Links that held, in order. */
  readonly passed: VerifyLink[];
  /** Hex, SHA-256 output order. */
  readonly manifestId: string;
  readonly commitment: string;
  /** Display hex, as the explorer shows them. */
  readonly txid: string;
  readonly vout: number;
  readonly blockHash: string | null;
  readonly height: number | null;
  /** Header time (seconds since the epoch). */
  readonly time: number | null;
}

/**
 * Checks `proof` against `file` (the digest of the file at hand, computed with the manifest's
 * chunk size; keep its chunk hashes to locate a change). Throws AnchorError only for misuse:
 * a digest of another chunk size (MISMATCH) or a proof of another network (WRONG_NETWORK).
 */
export function verifyProofOffline(
  file: FileDigest,
  proof: AnchorProof,
  params: NetworkParams,
): OfflineVerification {
  if (proof.network !== params.name) {
    throw new AnchorError('WRONG_NETWORK', `proof is for '${proof.network}', this is '${params.name}'`);
  }
  const m = proof.manifest;
  if (file.chunkSize !== m.chunkSize) {
    throw new AnchorError(
      'MISMATCH',
      `file digest uses chunks of ${file.chunkSize}, manifest ${m.chunkSize}`,
    );
  }
  const id = manifestId(m);
  const block = proof.block;
  const passed: VerifyLink[] = [];
  const result = (failure: VerifyFailure | null): OfflineVerification => ({
    ok: failure === null,
    failure,
    passed,
    manifestId: hashToHex(id),
    commitment: hashToHex(proof.commitment),
    txid: proof.tx.txidHex(),
    vout: proof.vout,
    blockHash: block ? block.header.hashHex() : null,
    height: block ? block.height : null,
    time: block ? block.header.time : null,
  });
  const chunksOk = proof.chunkHashes === null || chunkHashesMatch(m, proof.chunkHashes);

  if (file.size !== m.size || !equal(file.root, m.root)) {
    let chunk: number | undefined;
    if (proof.chunkHashes && chunksOk && file.chunkHashes) {
      chunk = firstBadChunk(proof.chunkHashes, file.chunkHashes) ?? undefined;
    }
    const where = chunk === undefined ? '' : `; first bad chunk: ${chunk}`;
    const sizes = file.size === m.size ? '' : ` (size ${file.size}, anchored ${m.size})`;
    return result({
      link: 'file',
      code: 'FILE_MISMATCH',
      message: `the file is not the anchored one${sizes}${where}`,
      ...(chunk === undefined ? {} : { chunk }),
    });
  }
  passed.push('file');

  if (proof.chunkHashes !== null) {
    if (!chunksOk) {
      return result({
        link: 'chunks',
        code: 'CHUNK_HASHES_MISMATCH',
        message: "the proof's chunk hashes do not match the manifest's root",
      });
    }
    passed.push('chunks');
  }

  if (!verifyCommitmentPath(id, proof.path, proof.commitment)) {
    return result({
      link: 'commitment',
      code: 'COMMITMENT_MISMATCH',
      message: `manifest id ${hashToHex(id)} does not lead to commitment ${hashToHex(proof.commitment)}`,
    });
  }
  passed.push('commitment');

  const out = proof.tx.outputs[proof.vout];
  const anchored = out ? parseAnchorScript(out.script) : null;
  if (!anchored || !equal(anchored, proof.commitment)) {
    return result({
      link: 'transaction',
      code: 'ANCHOR_NOT_IN_TX',
      message: `output ${proof.vout} of tx ${proof.tx.txidHex()} is not OP_RETURN "GLA1" || commitment`,
    });
  }
  passed.push('transaction');

  if (!block) {
    return result({
      link: 'block',
      code: 'NOT_CONFIRMED',
      message: 'the proof has no block yet: update it once the transaction confirms',
    });
  }
  const inRange = block.txIndex < 2 ** block.branch.length;
  if (
    !inRange ||
    !equal(rootFromBranch(proof.tx.txid(), block.branch, block.txIndex), block.header.merkleRoot)
  ) {
    return result({
      link: 'block',
      code: 'TX_NOT_IN_BLOCK',
      message: `tx ${proof.tx.txidHex()} is not at position ${block.txIndex} of block ${block.header.hashHex()}`,
    });
  }
  passed.push('block');

  if (!checkProofOfWork(block.header.hash(), block.header.bits, params.powLimit)) {
    return result({
      link: 'pow',
      code: 'BAD_POW',
      message: `block ${hashToDisplay(block.header.hash())} does not meet its proof-of-work target`,
    });
  }
  passed.push('pow');
  return result(null);
}
