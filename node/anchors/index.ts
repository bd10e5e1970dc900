/**
 * File anchoring (DESIGN.md section 8, docs/anchors.md), pure: no I/O, no clock, no global
 * state, so the wallet, the node and the explorer share it. Read a file into a
 * `ManifestBuilder`, commit to many manifest ids with `buildCommitment`, put `anchorScript` in a
 * transaction, write `newProof` / `withBlock` with `formatProof`, and check with `parseProof` +
 * `verifyProofOffline` (then the best chain online, from the result's block hash and height).
 */
export * from './commitment.js';
export * from './errors.js';
export * from './manifest.js';
export * from './manifest-codec.js';
export * from './online.js';
export * from './proof.js';
export * from './tree.js';
export * from './verify.js';
