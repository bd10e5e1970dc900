/**
 * BIP341's commitments: tagged hashes (BIP340), the leaf hash of a script, the Merkle path of a
 * control block, the output-key tweak, and Core's VerifyTaprootCommitment (interpreter.cpp).
 * Constants as Core's interpreter.h (TAPROOT_CONTROL_*, TAPROOT_LEAF_*, ANNEX_TAG).
 */
import { compare, concat } from '../bytes.js';
import { sha256 } from '../hash.js';
import type { SchnorrBackend } from '../schnorr.js';
import { Writer } from '../writer.js';

export const TAPROOT_LEAF_MASK = 0xfe;
export const TAPROOT_LEAF_TAPSCRIPT = 0xc0;
export const TAPROOT_CONTROL_BASE_SIZE = 33;
export const TAPROOT_CONTROL_NODE_SIZE = 32;
export const TAPROOT_CONTROL_MAX_NODE_COUNT = 128;
export const TAPROOT_CONTROL_MAX_SIZE =
  TAPROOT_CONTROL_BASE_SIZE + TAPROOT_CONTROL_NODE_SIZE * TAPROOT_CONTROL_MAX_NODE_COUNT;
export const ANNEX_TAG = 0x50;
/** BIP342: the budget starts at the witness size plus this, and each signature checked costs 50. */
export const VALIDATION_WEIGHT_OFFSET = 50;
export const VALIDATION_WEIGHT_PER_SIGOP_PASSED = 50;

const tagPrefixes = new Map<string, Uint8Array>();

/** BIP340's hash_tag(x) = SHA256(SHA256(tag) || SHA256(tag) || x). */
export function taggedHash(tag: string, ...parts: Uint8Array[]): Uint8Array {
  let prefix = tagPrefixes.get(tag);
  if (!prefix) {
    const t = sha256(new TextEncoder().encode(tag));
    prefix = concat(t, t);
    tagPrefixes.set(tag, prefix);
  }
  return sha256(concat(prefix, ...parts));
}

/** TapLeaf hash: leaf version, then the script with its compact-size length. */
export function tapleafHash(leafVersion: number, script: Uint8Array): Uint8Array {
  const w = new Writer(script.length + 10);
  w.u8(leafVersion).varBytes(script);
  return taggedHash('TapLeaf', w.finish());
}

/** TapBranch of two nodes, sorted so the path needs no left/right bits. */
export function tapBranch(a: Uint8Array, b: Uint8Array): Uint8Array {
  return compare(a, b) < 0 ? taggedHash('TapBranch', a, b) : taggedHash('TapBranch', b, a);
}

/** ComputeTaprootMerkleRoot: the leaf hash folded with each 32-byte node of the control block. */
export function merkleRootFromControl(control: Uint8Array, leafHash: Uint8Array): Uint8Array {
  let k = leafHash;
  for (let at = TAPROOT_CONTROL_BASE_SIZE; at < control.length; at += TAPROOT_CONTROL_NODE_SIZE) {
    k = tapBranch(k, control.subarray(at, at + TAPROOT_CONTROL_NODE_SIZE));
  }
  return k;
}

/** TapTweak hash of an internal key and a Merkle root (none for a key-only output). */
export function tapTweakHash(internalKey: Uint8Array, merkleRoot: Uint8Array | null): Uint8Array {
  return merkleRoot ? taggedHash('TapTweak', internalKey, merkleRoot) : taggedHash('TapTweak', internalKey);
}

/** Whether the control-block length is 33 + 32m with m <= 128. */
export function isValidControlSize(n: number): boolean {
  return (
    n >= TAPROOT_CONTROL_BASE_SIZE &&
    n <= TAPROOT_CONTROL_MAX_SIZE &&
    (n - TAPROOT_CONTROL_BASE_SIZE) % TAPROOT_CONTROL_NODE_SIZE === 0
  );
}

/**
 * VerifyTaprootCommitment: the output key `program` is the control block's internal key
 * tweaked by the Merkle root of `leafHash` and the path, with the parity the control block says.
 */
export function verifyTaprootCommitment(
  control: Uint8Array,
  program: Uint8Array,
  leafHash: Uint8Array,
  schnorr: SchnorrBackend,
): boolean {
  const internal = control.subarray(1, TAPROOT_CONTROL_BASE_SIZE);
  const root = merkleRootFromControl(control, leafHash);
  return schnorr.tweakAddCheck(internal, tapTweakHash(internal, root), program, control[0]! & 1);
}

/** Core's IsOpSuccess (BIP342): opcodes that make a tapscript succeed unconditionally. */
export function isOpSuccess(op: number): boolean {
  return (
    op === 80 ||
    op === 98 ||
    (op >= 126 && op <= 129) ||
    (op >= 131 && op <= 134) ||
    (op >= 137 && op <= 138) ||
    (op >= 141 && op <= 142) ||
    (op >= 149 && op <= 153) ||
    (op >= 187 && op <= 254)
  );
}
