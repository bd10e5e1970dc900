/**
 * A simulated node's file store in memory (node/files/storage.ts's FilesStorage): its data
 * files in a map and its holdings database on memory-level, as the simulator keeps each
 * node's chain (network.ts). Nothing touches the disk, so many nodes share files in one
 * process, two runs never fight over a data dir's LOCK, and no real I/O completes while the
 * virtual clock jumps ahead (a write is a copy, a sync does nothing).
 *
 * Files outside the store (what a provider shares) are looked up in `sources`, one map shared
 * by every node. A copy into the store shares the source's bytes rather than duplicating them
 * (eight providers of a 64 MiB file hold one copy); a write into bytes this storage did not
 * create copies them first, so no node can change another's file.
 */
import { MemoryLevel } from 'memory-level';
import type { DataFile, FilesDb, FilesStorage } from '../node/files/storage.js';

const PIECE = 1 << 20;

function notFound(path: string): Error {
  return Object.assign(new Error(`ENOENT: no such file, ${path}`), { code: 'ENOENT' });
}

export class MemoryFilesStorage implements FilesStorage {
  private readonly files = new Map<string, Uint8Array>();
  /** Files whose bytes this storage allocated (written in place; the rest are copied first). */
  private readonly owned = new Set<string>();
  private readonly sources: ReadonlyMap<string, Uint8Array>;

  constructor(sources: ReadonlyMap<string, Uint8Array> = new Map()) {
    this.sources = sources;
  }

  async makeDir(): Promise<void> {}

  database(): FilesDb {
    return new MemoryLevel<string, Uint8Array>({ keyEncoding: 'utf8', valueEncoding: 'view' });
  }

  async fileSize(path: string): Promise<number | null> {
    return this.bytes(path)?.length ?? null;
  }

  async copyIn(from: string, to: string): Promise<void> {
    const b = this.bytes(from);
    if (!b) throw notFound(from);
    this.files.set(to, b);
    this.owned.delete(to);
  }

  async *readAll(path: string): AsyncIterable<Uint8Array> {
    const b = this.bytes(path);
    if (!b) throw notFound(path);
    for (let o = 0; o < b.length; o += PIECE) yield b.subarray(o, Math.min(b.length, o + PIECE));
  }

  async sync(path: string): Promise<void> {
    if (!this.files.has(path)) throw notFound(path);
  }

  async rename(from: string, to: string): Promise<void> {
    const b = this.files.get(from);
    if (!b) throw notFound(from);
    this.files.delete(from);
    this.files.set(to, b);
    if (this.owned.delete(from)) this.owned.add(to);
    else this.owned.delete(to);
  }

  async remove(path: string): Promise<void> {
    this.files.delete(path);
    this.owned.delete(path);
  }

  async create(path: string, size: number): Promise<void> {
    this.files.set(path, new Uint8Array(size));
    this.owned.add(path);
  }

  async open(path: string): Promise<DataFile> {
    if (!this.files.has(path)) throw notFound(path);
    const file = () => {
      const b = this.files.get(path);
      if (!b) throw notFound(path);
      return b;
    };
    return {
      write: async (data, position) => {
        let b = file();
        if (!this.owned.has(path)) {
          b = b.slice();
          this.files.set(path, b);
          this.owned.add(path);
        }
        if (position + data.length > b.length) {
          const grown = new Uint8Array(position + data.length);
          grown.set(b);
          b = grown;
          this.files.set(path, b);
        }
        b.set(data, position);
      },
      read: async (into, position) => {
        const b = file();
        const n = Math.max(0, Math.min(into.length, b.length - position));
        into.set(b.subarray(position, position + n));
        return n;
      },
      datasync: async () => {
        file();
      },
      close: async () => {},
    };
  }

  /** The bytes of a file in the store, or null (for checks: never write into them). */
  peek(path: string): Uint8Array | null {
    return this.files.get(path) ?? null;
  }

  private bytes(path: string): Uint8Array | undefined {
    return this.files.get(path) ?? this.sources.get(path);
  }
}
