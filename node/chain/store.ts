/**
 * The chain's LevelDB: opening (schema version and network checked, so a data dir made for one
 * network refuses another), typed reads, and atomic batch writes. Keys per layout.ts.
 */
import type { AbstractLevel } from 'abstract-level';
import { Level } from 'level';
import { equal, toHex } from '../protocol/bytes.js';
import type { NetworkParams } from '../protocol/params.js';
import { Writer } from '../protocol/writer.js';
import type { BatchOp, BatchSink } from './indexes.js';
import { keys, readU32BE, SCHEMA_VERSION } from './layout.js';

export class ChainDbError extends Error {
  readonly code: 'WRONG_NETWORK' | 'WRONG_SCHEMA' | 'CORRUPT';
  constructor(code: ChainDbError['code'], message: string) {
    super(message);
    this.name = 'ChainDbError';
    this.code = code;
  }
}

/**
 * Any abstract-level database with byte keys and values: LevelDB on disk in a node, or an
 * in-memory one (memory-level) that a simulator hands in for each of its many nodes.
 */
// biome-ignore lint/suspicious/noExplicitAny: abstract-level's first type parameter is the backend's own format
export type ChainDb = AbstractLevel<any, Uint8Array, Uint8Array>;
type Db = ChainDb;

/**
 * LevelDB's memtable size (LevelDB's default 4 MiB; setting `leveldb-write-buffer`). A block writes
 * ~50 KB of which half is undone a block later (coins created then spent); a bigger memtable
 * flushes less often and compacts much less (connect bench: the compaction thread's CPU fell
 * from ~3.5 ms to ~1 ms per block). Costs up to twice this in memory (the memtable being
 * filled and the one being flushed) and a log of up to this size to replay on open.
 */
export const DEFAULT_WRITE_BUFFER = 16 * 1024 * 1024;
/** LevelDB's LRU cache of uncompressed table blocks (LevelDB's default; setting `leveldb-cache`). */
export const DEFAULT_DB_CACHE = 8 * 1024 * 1024;

/** The memory LevelDB may take, bytes: its block cache, and its memtable (held up to twice). */
export interface StoreMemory {
  readonly cacheBytes: number;
  readonly writeBufferBytes: number;
}

/** What LevelDB holds in memory now against its bound (bytes), for /metrics. */
export interface StoreMemoryStats {
  readonly bytes: number;
  readonly max: number;
}

/**
 * A batch filled op by op (LevelDB's WriteBatch grows natively as ops come, so the encoding
 * work can overlap other work), then written atomically, or dropped unwritten.
 */
export interface StoreBatch extends BatchSink {
  /** One atomic LevelDB write of every op, in order. */
  write(): Promise<void>;
  /** Drops the batch without writing anything. */
  discard(): Promise<void>;
}

export class ChainStore {
  readonly db: Db;
  private readonly memory: StoreMemory;
  /** The last write issued: writes land in the order they are issued (see `write`). */
  private tail: Promise<void> = Promise.resolve();
  private constructor(db: Db, memory: StoreMemory) {
    this.db = db;
    this.memory = memory;
  }

  /**
   * Opens (creating if needed) the database at `path` for `params`' network, or `given` (an
   * unopened database, created with view encodings) in its place.
   */
  static async open(
    path: string,
    params: NetworkParams,
    given?: ChainDb,
    memory: StoreMemory = { cacheBytes: DEFAULT_DB_CACHE, writeBufferBytes: DEFAULT_WRITE_BUFFER },
  ): Promise<{ store: ChainStore; fresh: boolean }> {
    const db: Db =
      given ??
      new Level<Uint8Array, Uint8Array>(path, {
        keyEncoding: 'view',
        valueEncoding: 'view',
        cacheSize: memory.cacheBytes,
        writeBufferSize: memory.writeBufferBytes,
      });
    await db.open();
    const store = new ChainStore(db, memory);
    try {
      const meta = await db.get(keys.version());
      if (meta === undefined) {
        const value = new Writer(36).bytes(beU32(SCHEMA_VERSION)).bytes(params.genesisHash).finish().slice();
        await db.put(keys.version(), value);
        return { store, fresh: true };
      }
      const version = readU32BE(meta, 0);
      const genesis = meta.subarray(4, 36);
      if (!equal(genesis, params.genesisHash)) {
        throw new ChainDbError(
          'WRONG_NETWORK',
          `data dir ${path} belongs to another network (genesis ${toHex(genesis.slice().reverse())}), not ${params.name}`,
        );
      }
      if (version !== SCHEMA_VERSION) {
        throw new ChainDbError(
          'WRONG_SCHEMA',
          `data dir ${path} has schema ${version}, this node needs ${SCHEMA_VERSION} (indexes changed): move it aside and sync a new one`,
        );
      }
      return { store, fresh: false };
    } catch (e) {
      await db.close();
      throw e;
    }
  }

  get(key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.db.get(key);
  }

  getMany(ks: Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    return ks.length === 0 ? Promise.resolve([]) : this.db.getMany(ks);
  }

  /**
   * One atomic LevelDB batch: all of it lands, or none of it does. Writes are applied in the
   * order they are issued, each after the previous one completed, so a caller may go on
   * without awaiting (the chain stores a block body while it connects it); once one write
   * fails, every later one fails with it and nothing more is written.
   */
  write(ops: BatchOp[]): Promise<void> {
    return this.after(() => this.db.batch(ops));
  }

  private after(fn: () => Promise<void>): Promise<void> {
    const run = this.tail.then(fn);
    this.tail = run;
    return run;
  }

  /**
   * An empty batch. Writes use LevelDB's default `sync: false`: a process kill loses nothing
   * written (the log is in the OS page cache); only an OS crash could lose the last writes, and
   * then whole batches, never part of one.
   */
  batch(): StoreBatch {
    const b = this.db.batch();
    return {
      put: (key, value) => {
        b.put(key, value);
      },
      del: (key) => {
        b.del(key);
      },
      write: () => this.after(() => b.write()),
      discard: () => b.close(),
    };
  }

  /** Key/value pairs in [gte, lt), optionally reversed and limited. */
  async range(
    bounds: { gte: Uint8Array; lt: Uint8Array },
    opts: { reverse?: boolean; limit?: number } = {},
  ): Promise<[Uint8Array, Uint8Array][]> {
    return this.db.iterator({ ...bounds, reverse: opts.reverse ?? false, limit: opts.limit ?? -1 }).all();
  }

  iterate(bounds: { gte: Uint8Array; lt: Uint8Array }) {
    return this.db.iterator(bounds);
  }

  /**
   * LevelDB's `leveldb.approximate-memory-usage` (its block cache's charge plus the memtables)
   * against the bound it was opened with; undefined for a database without it (memory-level).
   */
  memoryStats(): StoreMemoryStats | undefined {
    const db = this.db as Db & { getProperty?: (name: string) => string };
    if (typeof db.getProperty !== 'function' || db.status !== 'open') return undefined;
    const bytes = Number(db.getProperty('leveldb.approximate-memory-usage'));
    if (!Number.isFinite(bytes)) return undefined;
    return { bytes, max: this.memory.cacheBytes + 2 * this.memory.writeBufferBytes };
  }

  async close(): Promise<void> {
    await this.tail.catch(() => undefined);
    await this.db.close();
  }
}

function beU32(n: number): Uint8Array {
  return Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}
