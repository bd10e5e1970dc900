/**
 * The anchoring commands' file handling: checking that an input is a readable regular file,
 * streaming it into a manifest (node/anchors ManifestBuilder) in chunk-sized reads into two
 * reused buffers so memory stays flat whatever the size, reading a proof or manifest document with a size limit, and
 * writing proofs atomically (temp file, fsync, then rename, or hard link when an existing proof
 * must not be replaced). Every failure is a one-line WalletError naming the path.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { AnchorError } from '../../node/anchors/errors.js';
import { type FileDigest, ManifestBuilder } from '../../node/anchors/manifest.js';
import { toHex } from '../../node/protocol/bytes.js';
import { WalletError } from '../errors.js';

/** What `anchor` writes next to each file, and `verify` reads by default. */
export const PROOF_SUFFIX = '.anchor.json';

export function proofPathOf(file: string): string {
  return `${file}${PROOF_SUFFIX}`;
}

function ioMessage(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ENOENT') return 'no such file';
  if (err.code === 'EACCES' || err.code === 'EPERM') return 'permission denied';
  if (err.code === 'EISDIR') return 'is a directory';
  return err.code ?? err.message;
}

/** The size of a regular file; BAD_FILE when missing, a directory, or anything but a file. */
export async function checkInputFile(path: string, what = 'file'): Promise<number> {
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(path);
  } catch (e) {
    throw new WalletError('BAD_FILE', `cannot read ${what} ${path}: ${ioMessage(e)}`);
  }
  if (st.isDirectory()) throw new WalletError('BAD_FILE', `${what} ${path} is a directory, not a file`);
  if (!st.isFile()) throw new WalletError('BAD_FILE', `${what} ${path} is not a regular file`);
  return st.size;
}

export interface DigestOptions {
  chunkSize: number;
  keepChunkHashes: boolean;
  /** Called with the bytes read so far, after each read. */
  onProgress?: (bytes: number) => void;
}

/** Reads are at least this (several small chunks per read: 1 KiB reads cost 10x the time)... */
export const MIN_READ = 1024 * 1024;
/** ...and at most this (a 64 MiB chunk is hashed across pieces). */
export const MAX_READ = 4 * 1024 * 1024;

/**
 * Streams a file into its digest, a chunk per read (MIN_READ..MAX_READ: whole chunks), into two buffers
 * reused for the whole file: the next read runs in the thread pool while this piece is hashed.
 * Memory is those two buffers whatever the file size; fresh buffers per read (fs streams) left
 * ~35 MB of garbage between collections at the default chunk size and ~330 MB at 64 MiB.
 */
export async function digestFile(path: string, opts: DigestOptions): Promise<FileDigest> {
  await checkInputFile(path);
  const builder = new ManifestBuilder({ chunkSize: opts.chunkSize, keepChunkHashes: opts.keepChunkHashes });
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new WalletError('BAD_FILE', `cannot read file ${path}: ${ioMessage(e)}`);
  }
  const size = Math.min(Math.max(opts.chunkSize, MIN_READ), MAX_READ);
  const bufs = [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)] as const;
  let k = 0;
  let pos = 0;
  let pending: Promise<{ bytesRead: number }> | null = fh.read(bufs[0], 0, size, 0);
  try {
    for (;;) {
      const { bytesRead } = await pending;
      pending = null;
      if (bytesRead === 0) break;
      const cur = bufs[k]!;
      pos += bytesRead;
      k ^= 1;
      pending = fh.read(bufs[k]!, 0, size, pos);
      builder.update(cur.subarray(0, bytesRead));
      opts.onProgress?.(builder.size);
    }
  } catch (e) {
    if (e instanceof WalletError) throw e;
    if (e instanceof AnchorError) throw new WalletError('BAD_FILE', `file ${path}: ${e.message}`);
    throw new WalletError('BAD_FILE', `cannot read file ${path}: ${ioMessage(e)}`);
  } finally {
    // A read still in flight (after an error) must end before its handle closes.
    await pending?.catch(() => undefined);
    await fh.close().catch(() => undefined);
  }
  return builder.digest();
}

/** A whole small file as text (a proof, a manifest, a path list), refusing anything larger. */
export async function readTextFile(path: string, maxBytes: number, what: string): Promise<string> {
  const size = await checkInputFile(path, what);
  if (size > maxBytes) throw new WalletError('BAD_PROOF', `${what} ${path} is over ${maxBytes} bytes`);
  return (await readBytes(path, 0, size, what)).toString('utf8');
}

/** `length` bytes of a file from `position` (fewer at its end). */
export async function readBytes(
  path: string,
  position: number,
  length: number,
  what: string,
): Promise<Buffer> {
  let fh: Awaited<ReturnType<typeof open>> | undefined;
  try {
    fh = await open(path, 'r');
    const buf = Buffer.alloc(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await fh.read(buf, got, length - got, position + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return buf.subarray(0, got);
  } catch (e) {
    throw new WalletError('BAD_FILE', `cannot read ${what} ${path}: ${ioMessage(e)}`);
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

/** Whether anything exists at `path` (a proof about to be written). */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new WalletError('BAD_FILE', `cannot check ${path}: ${ioMessage(e)}`);
  }
}

/** A file's new content, written and fsynced beside it, not yet in place. */
export interface Staged {
  readonly path: string;
  readonly tmp: string;
}

export async function stage(path: string, text: string): Promise<Staged> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${toHex(randomBytes(6))}.tmp`);
  let fh: Awaited<ReturnType<typeof open>> | undefined;
  try {
    fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
    await fh.writeFile(text, 'utf8');
    await fh.sync();
    await fh.close();
    fh = undefined;
    return { path, tmp };
  } catch (e) {
    await fh?.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw new WalletError('WRITE_FAILED', `cannot write ${path}: ${ioMessage(e)}`);
  }
}

/**
 * Puts a staged file in place: rename (replacing what is there) with `overwrite`, else a hard
 * link, which fails if the name is taken, so an existing proof is never lost.
 */
export async function commit(s: Staged, overwrite: boolean): Promise<void> {
  try {
    if (overwrite) {
      await rename(s.tmp, s.path);
    } else {
      await link(s.tmp, s.path);
      await unlink(s.tmp);
    }
  } catch (e) {
    const taken = (e as NodeJS.ErrnoException).code === 'EEXIST';
    throw new WalletError(
      taken ? 'PROOF_EXISTS' : 'WRITE_FAILED',
      `cannot write ${s.path}: ${taken ? 'a file appeared there meanwhile' : ioMessage(e)}`,
    );
  }
  const dir = await open(dirname(s.path), 'r').catch(() => null);
  await dir
    ?.sync()
    .catch(() => undefined)
    .finally(() => dir.close());
}

export async function discard(s: Staged): Promise<void> {
  await unlink(s.tmp).catch(() => undefined);
}

/** Writes `text` to `path` atomically, replacing it. */
export async function writeAtomic(path: string, text: string): Promise<void> {
  const s = await stage(path, text);
  try {
    await commit(s, true);
  } catch (e) {
    await discard(s);
    throw e;
  }
}
