/**
 * The portable anchor proof, `<file>.anchor.json` (docs/anchors.md). Version 1:
 *
 *   {
 *     "version": 1,
 *     "network": "main" | "regtest",
 *     "manifest": { manifest JSON, manifest-codec.ts, without "id" },
 *     "chunkHashes": "<64 hex per chunk, in order>",              (optional)
 *     "commitment": { "hash": "<64 hex>", "index": i, "count": n, "path": ["<64 hex>", ...] },
 *     "tx": "<raw transaction hex, as broadcast>",
 *     "vout": <index of the anchor output>,
 *     "block": null | { "height": h, "header": "<80-byte header hex>",
 *                       "txIndex": <position of tx in block>, "branch": ["<64 hex>", ...] }
 *   }
 *
 * Manifest and commitment hashes are hex in SHA-256 output order; the branch (Bitcoin's
 * double-SHA-256 tx tree, node/protocol/merkle.ts) is in display order, as Esplora's
 * merkle-proof and Electrum give it. `block` is null until the transaction confirms; the wallet
 * fills it in later. Parsing checks shape and encodings only, strictly (exact key sets,
 * lowercase hex, safe integers, bounded lengths): whether the links hold is verify.ts's job, so
 * a tampered value is reported as the link it breaks. `height` is not authenticated offline
 * (the header does not commit to it): online verification checks it against the best chain.
 */

import type { Block } from '../protocol/block.js';
import { equal, fromHex, toHex } from '../protocol/bytes.js';
import { EncodingError } from '../protocol/errors.js';
import { hashFromDisplay, hashToDisplay } from '../protocol/hash.js';
import { BlockHeader, HEADER_SIZE } from '../protocol/header.js';
import { merkleBranch } from '../protocol/merkle.js';
import type { NetworkName, NetworkParams } from '../protocol/params.js';
import { MAX_TX_SERIALIZED, Tx } from '../protocol/tx.js';
import type { CommitmentPath } from './commitment.js';
import { AnchorError } from './errors.js';
import { field, isLowerHex, isSafeCount, isString, type JsonObject, strictObject } from './json.js';
import type { ChunkHashes, Manifest } from './manifest.js';
import { manifestFromJson, manifestToJson } from './manifest-codec.js';
import { HASH_SIZE, hashFromHex, hashToHex, pathFromHex, pathToHex } from './tree.js';

export const PROOF_VERSION = 1;
/** A Bitcoin tx tree of 2^32 leaves is far beyond any block; longer branches are malformed. */
export const MAX_BRANCH_LENGTH = 32;
/** Largest proof text parsed (chunk hashes of a ~500 GiB file at the default chunk size). */
export const MAX_PROOF_CHARS = 128 * 1024 * 1024;

/** Where the anchoring transaction sits: enough to check it against the header offline. */
export interface BlockLink {
  readonly height: number;
  readonly header: BlockHeader;
  readonly txIndex: number;
  /** Sibling hashes from the txid up, internal byte order (merkleBranch). */
  readonly branch: readonly Uint8Array[];
}

export interface AnchorProof {
  readonly version: typeof PROOF_VERSION;
  readonly network: NetworkName;
  readonly manifest: Manifest;
  readonly chunkHashes: ChunkHashes | null;
  readonly commitment: Uint8Array;
  readonly path: CommitmentPath;
  readonly tx: Tx;
  readonly vout: number;
  readonly block: BlockLink | null;
}

export interface NewProof {
  network: NetworkName;
  manifest: Manifest;
  chunkHashes?: ChunkHashes | null;
  commitment: Uint8Array;
  path: CommitmentPath;
  tx: Tx;
  vout: number;
}

/** A proof still waiting for its block (`block: null`). */
export function newProof(p: NewProof): AnchorProof {
  return {
    version: PROOF_VERSION,
    network: p.network,
    manifest: p.manifest,
    chunkHashes: p.chunkHashes ?? null,
    commitment: p.commitment,
    path: p.path,
    tx: p.tx,
    vout: p.vout,
    block: null,
  };
}

/** The proof completed with where its transaction confirmed. */
export function withBlock(proof: AnchorProof, block: BlockLink): AnchorProof {
  return { ...proof, block };
}

/** The link for `txid` in a whole block at `height` (null if the block does not hold it). */
export function blockLinkFromBlock(block: Block, height: number, txid: Uint8Array): BlockLink | null {
  const txids = block.txs.map((t) => t.txid());
  const txIndex = txids.findIndex((t) => equal(t, txid));
  if (txIndex < 0) return null;
  return { height, header: block.header, txIndex, branch: merkleBranch(txids, txIndex) };
}

export interface ProofJson {
  version: number;
  network: string;
  manifest: ReturnType<typeof manifestToJson>;
  chunkHashes?: string;
  commitment: { hash: string; index: number; count: number; path: string[] };
  tx: string;
  vout: number;
  block: BlockLinkJson | null;
}

export interface BlockLinkJson {
  height: number;
  header: string;
  txIndex: number;
  /** Display (reversed) hex, as Esplora's `merkle`. */
  branch: string[];
}

export function proofToJson(p: AnchorProof): ProofJson {
  return {
    version: p.version,
    network: p.network,
    manifest: manifestToJson(p.manifest),
    ...(p.chunkHashes ? { chunkHashes: toHex(p.chunkHashes) } : {}),
    commitment: {
      hash: hashToHex(p.commitment),
      index: p.path.index,
      count: p.path.count,
      path: pathToHex(p.path.path),
    },
    tx: toHex(p.tx.toBytes()),
    vout: p.vout,
    block: p.block ? blockLinkToJson(p.block) : null,
  };
}

export function blockLinkToJson(b: BlockLink): BlockLinkJson {
  return {
    height: b.height,
    header: toHex(b.header.toBytes()),
    txIndex: b.txIndex,
    branch: b.branch.map(hashToDisplay),
  };
}

/** The `.anchor.json` text: two-space indented JSON and a final newline. */
export function formatProof(p: AnchorProof): string {
  return `${JSON.stringify(proofToJson(p), null, 2)}\n`;
}

const PROOF_KEYS = ['version', 'network', 'manifest', 'commitment', 'tx', 'vout', 'block'] as const;

/**
 * Parses a proof (its text, or JSON already parsed) for `params`' network. Throws AnchorError:
 * MALFORMED_PROOF, UNSUPPORTED_VERSION, WRONG_NETWORK, or the manifest's own codes.
 */
export function parseProof(input: unknown, params: NetworkParams): AnchorProof {
  let v = input;
  if (typeof input === 'string') {
    if (input.length > MAX_PROOF_CHARS) throw malformed(`proof is over ${MAX_PROOF_CHARS} characters`);
    try {
      v = JSON.parse(input);
    } catch {
      throw malformed('proof is not valid JSON');
    }
  }
  // Version and network first, so a proof of a newer format or another chain says so.
  const head = typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonObject) : null;
  if (head && typeof head.version === 'number' && head.version !== PROOF_VERSION) {
    throw new AnchorError('UNSUPPORTED_VERSION', `proof format ${head.version} (this code knows 1)`);
  }
  if (head && typeof head.network === 'string' && head.network !== params.name) {
    throw new AnchorError(
      'WRONG_NETWORK',
      `proof is for network '${head.network}', this is '${params.name}'`,
    );
  }
  const o = strictObject(v, PROOF_KEYS, ['chunkHashes'], 'MALFORMED_PROOF', 'proof');
  field(o, 'version', (x): x is 1 => x === PROOF_VERSION, 'MALFORMED_PROOF', 'proof');
  field(o, 'network', isString, 'MALFORMED_PROOF', 'proof');
  const manifest = manifestFromJson(o.manifest);
  let chunkHashes: ChunkHashes | null = null;
  if (o.chunkHashes !== undefined) {
    const hex = field(o, 'chunkHashes', isLowerHex, 'MALFORMED_PROOF', 'proof');
    if (hex.length % (2 * HASH_SIZE) !== 0) throw malformed('proof.chunkHashes is not whole hashes');
    chunkHashes = fromHex(hex);
  }
  const c = strictObject(
    o.commitment,
    ['hash', 'index', 'count', 'path'],
    [],
    'MALFORMED_PROOF',
    'commitment',
  );
  const commitment = hashFromHex(c.hash);
  if (!commitment) throw malformed('commitment.hash must be 64 lowercase hex digits');
  const path: CommitmentPath = {
    index: field(c, 'index', isSafeCount, 'MALFORMED_PROOF', 'commitment'),
    count: field(c, 'count', isSafeCount, 'MALFORMED_PROOF', 'commitment'),
    path: asProof(() => pathFromHex(c.path)),
  };
  const txHex = field(o, 'tx', isLowerHex, 'MALFORMED_PROOF', 'proof');
  if (txHex.length === 0 || txHex.length > 2 * MAX_TX_SERIALIZED)
    throw malformed('proof.tx has a bad length');
  let tx: Tx;
  try {
    tx = Tx.fromBytes(fromHex(txHex));
  } catch (e) {
    if (e instanceof EncodingError) throw malformed(`proof.tx does not decode: ${e.message}`);
    throw e;
  }
  const vout = field(o, 'vout', isSafeCount, 'MALFORMED_PROOF', 'proof');
  const block = o.block === null ? null : parseBlockLink(o.block);
  return {
    version: PROOF_VERSION,
    network: params.name,
    manifest,
    chunkHashes,
    commitment,
    path,
    tx,
    vout,
    block,
  };
}

/**
 * A block link from its JSON form (as in a proof). Also what the wallet builds from Esplora's
 * `/tx/:txid/merkle-proof` (`block_height`, `pos`, `merkle`) and `/block/:hash/header`.
 */
export function parseBlockLink(v: unknown): BlockLink {
  const b = strictObject(v, ['height', 'header', 'txIndex', 'branch'], [], 'MALFORMED_PROOF', 'block');
  const height = field(b, 'height', isSafeCount, 'MALFORMED_PROOF', 'block');
  const headerHex = field(b, 'header', isLowerHex, 'MALFORMED_PROOF', 'block');
  if (headerHex.length !== 2 * HEADER_SIZE) throw malformed('block.header must be 80 bytes of hex');
  const txIndex = field(b, 'txIndex', isSafeCount, 'MALFORMED_PROOF', 'block');
  if (!Array.isArray(b.branch) || b.branch.length > MAX_BRANCH_LENGTH) {
    throw malformed(`block.branch must be an array of at most ${MAX_BRANCH_LENGTH} hashes`);
  }
  const branch = b.branch.map((s, i) => {
    if (typeof s !== 'string' || !/^[0-9a-f]{64}$/.test(s))
      throw malformed(`block.branch[${i}] is not a hash`);
    return hashFromDisplay(s);
  });
  return { height, header: BlockHeader.fromBytes(fromHex(headerHex)), txIndex, branch };
}

function asProof<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof AnchorError) throw malformed(e.message);
    throw e;
  }
}

function malformed(message: string): AnchorError {
  return new AnchorError('MALFORMED_PROOF', message);
}
