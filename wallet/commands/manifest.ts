/**
 * Offline manifest commands (no wallet, no node): `manifest` prints a file's manifest,
 * `chunk-path` the audit path of one chunk (and can extract the chunk), `verify-chunk` checks
 * a chunk received from an untrusted peer against a manifest (docs/anchors.md).
 */
import { writeFile } from 'node:fs/promises';
import {
  type ChunkCheck,
  verifyChunk as checkChunk,
  chunkLength,
  chunkPath as pathOfChunk,
} from '../../node/anchors/manifest.js';
import { manifestId, manifestToJson } from '../../node/anchors/manifest-codec.js';
import { hashToHex, pathToHex } from '../../node/anchors/tree.js';
import { manifestOfFile } from '../anchor/digest.js';
import { checkInputFile, readBytes } from '../anchor/files.js';
import { parseChunkSize, parseCount, parsePathArg, readManifestDoc } from '../anchor/inputs.js';
import type { Context } from '../context.js';
import { EXIT, WalletError } from '../errors.js';
import { type Result, table } from './result.js';

export async function manifest(ctx: Context, file: string, opts: { chunkSize?: string }): Promise<Result> {
  const chunkSize = parseChunkSize(opts.chunkSize);
  const { manifest: m } = await manifestOfFile(ctx, file, chunkSize, false);
  const json = manifestToJson(m, { withId: true });
  return {
    json,
    text: table([
      ['name', m.name],
      ['size', String(m.size)],
      ['chunk size', String(m.chunkSize)],
      ['chunks', String(m.chunkCount)],
      ['root', json.root],
      ['id', json.id!],
    ]),
  };
}

export async function chunkPath(
  ctx: Context,
  file: string,
  indexText: string,
  opts: { chunkSize?: string; out?: string },
): Promise<Result> {
  const chunkSize = parseChunkSize(opts.chunkSize);
  const index = parseCount(indexText, 'chunk index');
  const { manifest: m, chunkHashes } = await manifestOfFile(ctx, file, chunkSize, true);
  if (index >= m.chunkCount) {
    throw new WalletError('BAD_INPUT', `chunk index ${index} is outside the file's ${m.chunkCount} chunk(s)`);
  }
  const path = pathToHex(pathOfChunk(chunkHashes!, index));
  if (opts.out !== undefined) {
    const bytes = await readBytes(file, index * chunkSize, chunkLength(m, index), 'file');
    try {
      await writeFile(opts.out, bytes, { flag: 'wx' });
    } catch (e) {
      throw new WalletError('WRITE_FAILED', `cannot write chunk to ${opts.out}: ${(e as Error).message}`);
    }
  }
  return {
    json: { index, chunkCount: m.chunkCount, length: chunkLength(m, index), root: hashToHex(m.root), path },
    text: path.length === 0 ? '-' : path.join(','),
  };
}

const CHUNK_MESSAGES: Record<Exclude<ChunkCheck, 'OK'>, string> = {
  BAD_INDEX: 'the index is outside the manifest',
  WRONG_LENGTH: 'the chunk has the wrong length',
  ROOT_MISMATCH: "the chunk and path do not lead to the manifest's root",
};

export async function verifyChunk(
  _ctx: Context,
  manifestFile: string,
  indexText: string,
  chunkFile: string,
  pathText: string,
): Promise<Result> {
  const index = parseCount(indexText, 'chunk index');
  const path = await parsePathArg(pathText);
  const m = await readManifestDoc(manifestFile);
  const size = await checkInputFile(chunkFile, 'chunk file');
  let code: ChunkCheck;
  if (index >= m.chunkCount) code = 'BAD_INDEX';
  else if (size !== chunkLength(m, index)) code = 'WRONG_LENGTH';
  else code = checkChunk(m, index, await readBytes(chunkFile, 0, size, 'chunk file'), path);
  const ok = code === 'OK';
  const json = {
    ok,
    code,
    index,
    chunkCount: m.chunkCount,
    manifest_id: hashToHex(manifestId(m)),
    root: hashToHex(m.root),
  };
  const what = `chunk ${index} of ${m.chunkCount} (${m.name})`;
  return {
    json,
    text:
      code === 'OK'
        ? `OK: ${what} matches root ${json.root}`
        : `FAILED (${code}): ${what}: ${CHUNK_MESSAGES[code]}`,
    ...(ok ? {} : { exitCode: EXIT.ANCHOR_FAILED }),
  };
}
