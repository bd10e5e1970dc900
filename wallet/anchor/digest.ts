/** A file's manifest as the commands need it: streamed with a progress bar, named by its base name. */
import { basename } from 'node:path';
import { AnchorError } from '../../node/anchors/errors.js';
import {
  type ChunkHashes,
  type FileDigest,
  type Manifest,
  makeManifest,
} from '../../node/anchors/manifest.js';
import type { Context } from '../context.js';
import { WalletError } from '../errors.js';
import { checkInputFile, digestFile } from './files.js';
import { progressBar, progressLines } from './progress.js';

export async function digestWithProgress(
  ctx: Context,
  path: string,
  chunkSize: number,
  keepChunkHashes: boolean,
): Promise<FileDigest> {
  const size = await checkInputFile(path);
  const bar = ctx.io.status
    ? progressBar(ctx.io.status, basename(path), size)
    : progressLines(ctx.io.progress, basename(path), size);
  try {
    return await digestFile(path, { chunkSize, keepChunkHashes, onProgress: (b) => bar.update(b) });
  } finally {
    bar.done();
  }
}

/** The manifest of a file on disk, named by its base name. */
export async function manifestOfFile(
  ctx: Context,
  path: string,
  chunkSize: number,
  keepChunkHashes: boolean,
): Promise<{ manifest: Manifest; chunkHashes: ChunkHashes | null }> {
  const name = basename(path);
  const d = await digestWithProgress(ctx, path, chunkSize, keepChunkHashes);
  try {
    return { manifest: makeManifest(name, d), chunkHashes: d.chunkHashes ?? null };
  } catch (e) {
    if (e instanceof AnchorError) {
      throw new WalletError('BAD_INPUT', `file ${path} cannot be anchored under its name: ${e.message}`);
    }
    throw e;
  }
}
