/**
 * What the anchoring commands take from the user, checked before anything is read, prompted
 * or sent: chunk sizes (`262144`, `256k`, `1MiB`), chunk indexes, Merkle paths (comma-separated
 * hex, or `@FILE` holding a JSON array or `chunk-path --json`'s object), confirmation counts,
 * and proof or manifest documents. Anchoring-library errors (AnchorError) become one-line
 * WalletErrors: BAD_PROOF for a document, BAD_INPUT for an argument.
 */
import { AnchorError } from '../../node/anchors/errors.js';
import { checkChunkSize, DEFAULT_CHUNK_SIZE, type Manifest } from '../../node/anchors/manifest.js';
import { manifestFromJson } from '../../node/anchors/manifest-codec.js';
import { type AnchorProof, MAX_PROOF_CHARS, parseProof } from '../../node/anchors/proof.js';
import { pathFromHex } from '../../node/anchors/tree.js';
import { getNetwork, type NetworkParams } from '../../node/protocol/params.js';
import type { Context } from '../context.js';
import { WalletError } from '../errors.js';
import { readTextFile } from './files.js';

const UNITS: Record<string, number> = { '': 1, k: 1024, kib: 1024, m: 1048576, mib: 1048576 };

export function parseChunkSize(text: string | undefined): number {
  if (text === undefined) return DEFAULT_CHUNK_SIZE;
  const m = /^(\d{1,9})\s*(k|kib|m|mib)?$/i.exec(text.trim());
  const n = m ? Number(m[1]) * UNITS[(m[2] ?? '').toLowerCase()]! : Number.NaN;
  try {
    checkChunkSize(n);
  } catch (e) {
    if (e instanceof AnchorError) {
      throw new WalletError(
        'BAD_INPUT',
        `invalid --chunk-size '${text}': ${e.message} (e.g. 262144, 256k, 1MiB)`,
      );
    }
    throw e;
  }
  return n;
}

/** A non-negative integer argument (chunk index), in plain decimal. */
export function parseCount(text: string, what: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new WalletError('BAD_INPUT', `invalid ${what} '${text}' (an integer from ${min} to ${max})`);
  }
  return n;
}

/**
 * A Merkle path argument: hashes (64 hex digits, leaf side first) separated by commas, `''` or
 * `-` for the empty path of a one-chunk file; or `@FILE` with a JSON array of such hashes or an
 * object with a `path` array (what `chunk-path --json` prints).
 */
export async function parsePathArg(text: string): Promise<Uint8Array[]> {
  let v: unknown;
  if (text.startsWith('@')) {
    const file = text.slice(1);
    const body = await readTextFile(file, 64 * 1024, 'path file');
    try {
      v = JSON.parse(body);
    } catch {
      throw new WalletError('BAD_INPUT', `path file ${file} is not JSON`);
    }
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) v = (v as { path?: unknown }).path;
  } else {
    const t = text.trim();
    v = t === '' || t === '-' ? [] : t.split(',').map((s) => s.trim().toLowerCase());
  }
  try {
    return pathFromHex(v);
  } catch (e) {
    if (e instanceof AnchorError) throw new WalletError('BAD_INPUT', `invalid path: ${e.message}`);
    throw e;
  }
}

/**
 * The network anchoring commands check against: --network, else the wallet file's, else main.
 * Never the proof's own claim: a regtest proof's proof of work is worthless on main.
 */
export async function anchorNetwork(ctx: Context): Promise<NetworkParams> {
  const asked = ctx.requestedNetwork;
  if (asked !== undefined) return getNetwork(asked);
  try {
    return (await ctx.existing()).network;
  } catch (e) {
    if (e instanceof WalletError && e.code === 'WALLET_MISSING') return getNetwork('main');
    throw e;
  }
}

function asBadProof(e: unknown, where: string): never {
  if (e instanceof AnchorError) throw new WalletError('BAD_PROOF', `${where}: ${e.message} (${e.code})`);
  throw e;
}

/** Reads and parses a proof file strictly for `params`' network. */
export async function readProof(path: string, params: NetworkParams): Promise<AnchorProof> {
  const text = await readTextFile(path, MAX_PROOF_CHARS, 'proof');
  try {
    return parseProof(text, params);
  } catch (e) {
    asBadProof(e, `proof ${path}`);
  }
}

/** A manifest from a file holding the manifest JSON (`manifest --json`) or a whole proof. */
export async function readManifestDoc(path: string): Promise<Manifest> {
  const text = await readTextFile(path, MAX_PROOF_CHARS, 'manifest');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new WalletError('BAD_PROOF', `manifest ${path} is not JSON`);
  }
  // A proof holds its manifest under "manifest"; a manifest document has no such key.
  if (typeof v === 'object' && v !== null && 'manifest' in v) v = (v as { manifest: unknown }).manifest;
  try {
    return manifestFromJson(v);
  } catch (e) {
    asBadProof(e, `manifest ${path}`);
  }
}
