/**
 * Merkle trees of double-SHA-256 as Core's ComputeMerkleRoot: an odd level repeats its last
 * hash, which makes [..., x, x] and [..., x] share a root (CVE-2012-2459); `mutated` reports
 * any level with two identical siblings so such blocks are rejected, not cached as invalid.
 * Witness root and commitment per BIP141.
 */
import { concat, equal } from './bytes.js';
import { hash256 } from './hash.js';

export interface MerkleResult {
  root: Uint8Array;
  mutated: boolean;
}

export function merkleRoot(leaves: readonly Uint8Array[]): MerkleResult {
  if (leaves.length === 0) return { root: new Uint8Array(32), mutated: false };
  let level = leaves.slice();
  let mutated = false;
  while (level.length > 1) {
    for (let i = 0; i + 1 < level.length; i += 2) if (equal(level[i]!, level[i + 1]!)) mutated = true;
    if (level.length & 1) level.push(level[level.length - 1]!);
    const next: Uint8Array[] = new Array(level.length / 2);
    for (let i = 0; i < next.length; i++) next[i] = hash256Pair(level[2 * i]!, level[2 * i + 1]!);
    level = next;
  }
  return { root: level[0]!, mutated };
}

/** Branch (sibling hashes, bottom up) proving leaf `index`; as Core's ComputeMerkleBranch. */
export function merkleBranch(leaves: readonly Uint8Array[], index: number): Uint8Array[] {
  const branch: Uint8Array[] = [];
  let level = leaves.slice();
  let i = index;
  while (level.length > 1) {
    if (level.length & 1) level.push(level[level.length - 1]!);
    branch.push(level[i ^ 1]!);
    const next: Uint8Array[] = [];
    for (let k = 0; k < level.length; k += 2) next.push(hash256Pair(level[k]!, level[k + 1]!));
    level = next;
    i >>= 1;
  }
  return branch;
}

export function rootFromBranch(leaf: Uint8Array, branch: readonly Uint8Array[], index: number): Uint8Array {
  let h = leaf;
  for (const sibling of branch) {
    h = index & 1 ? hash256Pair(sibling, h) : hash256Pair(h, sibling);
    index >>= 1;
  }
  return h;
}

function hash256Pair(a: Uint8Array, b: Uint8Array): Uint8Array {
  // 64 bytes: hash256 takes the plain-JS path, with no node:crypto object per tree node.
  return hash256(concat(a, b));
}

/** BIP141: the coinbase's wtxid counts as 32 zero bytes. */
export function witnessMerkleRoot(wtxids: readonly Uint8Array[]): MerkleResult {
  const leaves = wtxids.slice();
  if (leaves.length > 0) leaves[0] = new Uint8Array(32);
  return merkleRoot(leaves);
}

export const WITNESS_COMMITMENT_HEADER = Uint8Array.of(0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed);

/** hash256(witness root || reserved value), the 32 bytes placed after the commitment header. */
export function witnessCommitment(witnessRoot: Uint8Array, reserved: Uint8Array): Uint8Array {
  return hash256(concat(witnessRoot, reserved));
}

/** The output script carrying a witness commitment (38+ bytes, `6a24aa21a9ed` prefix). */
export function isWitnessCommitmentScript(script: Uint8Array): boolean {
  if (script.length < 38) return false;
  for (let i = 0; i < 6; i++) if (script[i] !== WITNESS_COMMITMENT_HEADER[i]) return false;
  return true;
}
