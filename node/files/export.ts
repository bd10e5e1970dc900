/**
 * Writing a whole file out of the store (docs/files.md, "Commands"): the file and its
 * `.anchor.json` proof, each atomically (a temporary name, fsync, rename, as Core writes its
 * `peers.dat`), so a crash leaves either nothing or the whole file at the output path; and
 * streaming a whole file to a local client, each chunk checked against its leaf as it is read.
 */
import { constants } from 'node:fs';
import { copyFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { NetworkParams } from '../protocol/params.js';
import { FilesError } from './errors.js';
import { type ProofChain, proofText } from './proof.js';
import { type FileStore, fsyncPath, type StoredFile } from './store.js';

/** Writes `f` and its `.anchor.json` proof at `output`; NOT_ANCHORED if its anchor left the best chain. */
export async function exportFile(
  deps: { chain: ProofChain; params: NetworkParams; store: FileStore },
  f: StoredFile,
  output: string,
): Promise<void> {
  const proof = await proofText(deps.chain, deps.params, f);
  if (!proof) throw new FilesError('NOT_ANCHORED', `${f.idHex} is not anchored on the best chain`);
  const tmp = `${output}.part`;
  // A reflink where the filesystem has them (btrfs, XFS, APFS): no bytes copied; else a copy.
  await copyFile(deps.store.dataPath(f.idHex), tmp, constants.COPYFILE_FICLONE);
  await fsyncPath(tmp);
  await rename(tmp, output);
  const ptmp = `${output}.anchor.json.part`;
  await writeFile(ptmp, proof);
  await fsyncPath(ptmp);
  await rename(ptmp, `${output}.anchor.json`);
}

/** An output path must be new, in a folder that exists (the CLI makes it absolute). */
export async function checkOutput(output: string): Promise<void> {
  if (!output.startsWith('/')) throw new FilesError('BAD_OUTPUT', `output ${output} is not an absolute path`);
  if (await stat(output).catch(() => null)) throw new FilesError('BAD_OUTPUT', `${output} exists already`);
  const dir = await stat(dirname(output)).catch(() => null);
  if (!dir?.isDirectory()) throw new FilesError('BAD_OUTPUT', `folder ${dirname(output)} does not exist`);
}

/** `f`'s bytes chunk by chunk, each re-hashed against its leaf (store.ts); FILE_MISMATCH if damaged. */
export async function* readVerified(store: FileStore, f: StoredFile): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < f.manifest.chunkCount; i++) {
    const c = await store.readChunk(f, i);
    if (!c) throw new FilesError('FILE_MISMATCH', `stored chunk ${i} of ${f.idHex} is damaged`);
    yield c.data;
  }
}
