/**
 * Where the file store (store.ts) keeps its bytes: the data files and the LevelDB of holdings.
 * On a node this is always the disk under <datadir>/files (`diskStorage`); the interface exists
 * so the simulator can run many nodes with file sharing in one process without touching the
 * disk (sim/files-storage.ts keeps both in memory, as the chain's `chainDb` option does for
 * the chain). The operations are exactly the ones the store's durability rules need (write,
 * then record; fdatasync per group; temporary name, fsync, rename), so the store reads the same
 * whichever backs it.
 */
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import type { AbstractLevel } from 'abstract-level';
import { Level } from 'level';

// biome-ignore lint/suspicious/noExplicitAny: abstract-level's first type parameter is the backend's own format
export type FilesDb = AbstractLevel<any, string, Uint8Array>;

/** One open data file: positional reads and writes, and fdatasync. */
export interface DataFile {
  write(data: Uint8Array, position: number): Promise<void>;
  /** Reads into `into` from `position`; returns the bytes read (fewer at the end of the file). */
  read(into: Uint8Array, position: number): Promise<number>;
  datasync(): Promise<void>;
  close(): Promise<void>;
}

export interface FilesStorage {
  /** Creates `dir` and its parents (0700). */
  makeDir(dir: string): Promise<void>;
  /** The holdings database at `dir`, unopened (utf8 keys, byte values). */
  database(dir: string): FilesDb;
  /** The size of the regular file at `path`; null when there is none. */
  fileSize(path: string): Promise<number | null>;
  /** Copies the file at `from` (outside the store, e.g. a file being shared) to `to`. */
  copyIn(from: string, to: string): Promise<void>;
  /** The bytes of the file at `path`, in pieces. */
  readAll(path: string): AsyncIterable<Uint8Array>;
  /** fsync of the file at `path` (data and size). */
  sync(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** Removes the file at `path` if there is one. */
  remove(path: string): Promise<void>;
  /** Creates (or empties) the file at `path` with `size` zero bytes, fsynced. */
  create(path: string, size: number): Promise<void>;
  /** Opens the existing file at `path` for reading and writing. */
  open(path: string): Promise<DataFile>;
}

export async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** The node's storage: files and LevelDB on disk. */
export const diskStorage: FilesStorage = {
  async makeDir(dir) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  },
  database(dir) {
    return new Level<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' });
  },
  async fileSize(path) {
    const st = await stat(path).catch(() => null);
    return st?.isFile() ? st.size : null;
  },
  copyIn: (from, to) => copyFile(from, to),
  readAll: (path) => createReadStream(path, { highWaterMark: 1 << 20 }),
  sync: fsyncPath,
  rename: (from, to) => rename(from, to),
  remove: (path) => rm(path, { force: true }),
  async create(path, size) {
    const fh = await open(path, 'w', 0o600);
    try {
      await fh.truncate(size);
      await fh.sync();
    } finally {
      await fh.close();
    }
  },
  async open(path) {
    const fh = await open(path, 'r+');
    return {
      async write(data, position) {
        await fh.write(data, 0, data.length, position);
      },
      async read(into, position) {
        return (await fh.read(into, 0, into.length, position)).bytesRead;
      },
      datasync: () => fh.datasync(),
      close: () => fh.close(),
    };
  },
};
