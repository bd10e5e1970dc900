/**
 * Anchor commitments (DESIGN.md section 8): one 32-byte value in one OP_RETURN output commits
 * to any number of manifest ids.
 *
 * The commitment is the RFC 6962 tree (tree.ts, 0x01 inner nodes, the largest-power-of-two
 * split) over the ids in the order given, the ids standing as the leaf hashes themselves. No
 * 0x00 leaf hashing is needed: an id is already SHA-256 of bytes starting with "GLMF"
 * (manifest-codec.ts), never 0x01, so no inner node can be passed off as an id, nor an id as a
 * node, without a SHA-256 collision. Hence one id alone is its own commitment (empty path),
 * and the node's anchor index answers a single-file anchor under its manifest id.
 *
 * For two or more ids the commitment binds their number too: SHA-256(0x02 || count u32be ||
 * root). An RFC 6962 path alone proves membership but not the tree's size (index 0 has the same
 * path shape under 3 leaves as under 4), so without it a proof's `count` could be altered and
 * still verify; with it every field of a proof is authenticated. 0x02 is neither a leaf's
 * first byte (ids start from "GLMF" preimages) nor an inner node's (0x01).
 *
 * Output script: exactly `6a 24 "GLA1" <32-byte commitment>` (38 bytes; OP_RETURN then one
 * minimal direct push of 36 bytes). Only this canonical form counts: the node indexes nothing
 * else and the verifier accepts nothing else, so one commitment has one script.
 */
import { equal } from '../protocol/bytes.js';
import { sha256 } from '../protocol/hash.js';
import { nullData } from '../protocol/script/templates.js';
import { AnchorError } from './errors.js';
import { HASH_SIZE, MAX_PATH_LENGTH, MerkleTree, rootFromPath } from './tree.js';

/** "GLA1": gossip-ledger anchor, version 1. */
export const ANCHOR_TAG = Uint8Array.of(0x47, 0x4c, 0x41, 0x31);
export const ANCHOR_SCRIPT_SIZE = 2 + ANCHOR_TAG.length + HASH_SIZE;

const COUNT_TAG = 0x02;

/** The commitment of a tree of `count` ids with RFC 6962 root `root` (see above). */
function bindCount(root: Uint8Array, count: number): Uint8Array {
  if (count === 1) return root;
  const pre = new Uint8Array(1 + 4 + HASH_SIZE);
  pre[0] = COUNT_TAG;
  new DataView(pre.buffer).setUint32(1, count);
  pre.set(root, 5);
  return sha256(pre);
}

/** Where one id sits under a commitment. */
export interface CommitmentPath {
  /** Position of the id among the committed ids. */
  readonly index: number;
  /** How many ids the commitment covers. */
  readonly count: number;
  /** Sibling hashes from the id up (RFC 6962 PATH); empty when count is 1. */
  readonly path: readonly Uint8Array[];
}

export interface Commitment {
  readonly commitment: Uint8Array;
  /** One per id, in the order given. */
  readonly paths: CommitmentPath[];
}

/** Commits to `ids` (32 bytes each; duplicates allowed, each gets its own path). */
export function buildCommitment(ids: readonly Uint8Array[]): Commitment {
  if (ids.length === 0) throw new AnchorError('NO_IDS', 'nothing to commit to');
  ids.forEach((id, i) => {
    if (!(id instanceof Uint8Array) || id.length !== HASH_SIZE) {
      throw new AnchorError('MISMATCH', `id ${i} is not 32 bytes`);
    }
  });
  const tree = new MerkleTree(ids);
  const count = ids.length;
  return {
    commitment: bindCount(tree.root(), count),
    paths: ids.map((_, index) => ({ index, count, path: tree.path(index) })),
  };
}

/** The commitment `id` leads to along `p`, or null if `p` cannot be a path of its tree. */
export function commitmentFromPath(id: Uint8Array, p: CommitmentPath): Uint8Array | null {
  if (p.path.length > MAX_PATH_LENGTH || p.count > 0xffffffff) return null;
  const root = rootFromPath(id, p.index, p.count, p.path);
  return root && bindCount(root, p.count);
}

/** Whether `id` is committed to by `commitment` along `p`. */
export function verifyCommitmentPath(id: Uint8Array, p: CommitmentPath, commitment: Uint8Array): boolean {
  const root = commitmentFromPath(id, p);
  return root !== null && equal(root, commitment);
}

/** `OP_RETURN <"GLA1" || commitment>`. */
export function anchorScript(commitment: Uint8Array): Uint8Array {
  if (!(commitment instanceof Uint8Array) || commitment.length !== HASH_SIZE) {
    throw new AnchorError('MISMATCH', 'a commitment is 32 bytes');
  }
  const payload = new Uint8Array(ANCHOR_TAG.length + HASH_SIZE);
  payload.set(ANCHOR_TAG);
  payload.set(commitment, ANCHOR_TAG.length);
  return nullData(payload);
}

/** The commitment in a canonical anchor script (a view into it), or null for any other script. */
export function parseAnchorScript(script: Uint8Array): Uint8Array | null {
  if (script.length !== ANCHOR_SCRIPT_SIZE || script[0] !== 0x6a || script[1] !== 0x24) return null;
  for (let i = 0; i < ANCHOR_TAG.length; i++) if (script[2 + i] !== ANCHOR_TAG[i]) return null;
  return script.subarray(2 + ANCHOR_TAG.length);
}
