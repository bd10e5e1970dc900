/**
 * The file store (<datadir>/files; DESIGN.md section 10): chunk data in data/<manifest id hex>,
 * holdings and per-download progress in a LevelDB (layout.ts).
 *
 * Durability, in two steps (BitTorrent clients' resume files, made exact; group commit as Core
 * flushes its coins cache at points rather than per coin):
 *
 * - kill -9 (the process dies, the kernel lives): a verified chunk's bytes are write()n at their
 *   offset, and only once that write returned is its `c` key put (no fsync in between). The
 *   page cache survives the process, so after a kill -9 every key stands for verified bytes
 *   and nothing is fetched or hashed again on restart (the leaf hash and path are in the key).
 * - power loss (the page cache is gone): chunks are committed in groups. Every key carries its
 *   group number; every GROUP_BYTES of chunks or GROUP_MS, the data file is fdatasync'ed and
 *   then the group number is recorded as synced (`s` key). On open after a reboot (the boot id
 *   differs from the one recorded), keys of groups not recorded as synced are dropped: at most
 *   one group of verified chunks (plus the one being filled) is fetched again, never trusted
 *   unwritten. A finished download is fdatasync'ed before its `complete` record.
 *
 * A shared file is copied in through a temporary name, fsynced and renamed before its record
 * is written; a finished download gets its `h` key (all chunk hashes) and its `complete` record
 * in one batch that also drops its `c` and `s` keys.
 *
 * Every chunk was hashed once, when it was verified on the way in (a download) or when the file
 * was shared. Reading for a local client re-hashes it against the stored leaf hash, so a file
 * damaged on disk never leaves the node that way; serving a peer does not (`verify: false`):
 * the peer verifies every chunk against the anchored root itself, and a second pass over each
 * byte served was a quarter of the hashing of a transfer (docs/files.md, "Figures").
 *
 * The I/O goes through a FilesStorage (storage.ts): the disk on a node, memory in the simulator.
 */
import { readFileSync } from 'node:fs';
import { uptime } from 'node:os';
import { join } from 'node:path';
import type { CommitmentPath } from '../anchors/commitment.js';
import { chunkLength, type Manifest, ManifestBuilder } from '../anchors/manifest.js';
import { decodeManifest, encodeManifest, manifestId } from '../anchors/manifest-codec.js';
import { HASH_SIZE, leafHash, MerkleTree } from '../anchors/tree.js';
import { equal, fromHex, toHex } from '../protocol/bytes.js';
import { Bitfield } from './bitfield.js';
import { FilesError } from './errors.js';
import {
  BOOT_KEY,
  chunkKey,
  chunkRange,
  FILE_RANGE,
  FILES_DB_VERSION,
  fileKey,
  hashesKey,
  indexOfChunkKey,
  syncedKey,
} from './layout.js';
import { type DataFile, diskStorage, type FilesDb, type FilesStorage } from './storage.js';

export { fsyncPath } from './storage.js';

/** Chunk bytes per group commit (fdatasync of the data file, then the group recorded synced). */
export const GROUP_BYTES = 32 * 1024 * 1024;
/** A group is also committed once it is this old, so a slow download's groups stay small. */
export const GROUP_MS = 2_000;

export interface StoreOptions {
  /** This boot of the machine (tests inject one to stand for a reboot); default bootId(). */
  bootId?: string;
  /**
   * Chunk bytes per group commit (GROUP_BYTES); 0 fdatasyncs every chunk before recording it
   * (the old way, kept to measure it against).
   */
  groupBytes?: number;
  /** Age at which a group is committed however small (GROUP_MS). */
  groupMs?: number;
  /** Where the bytes live (default: the disk; the simulator keeps them in memory). */
  storage?: FilesStorage;
}

/** Group-commit state of one download being written. */
interface SyncState {
  /** Group that chunks recorded now belong to. */
  group: number;
  bytes: number;
  since: number;
  committing: Promise<void> | null;
  error: Error | null;
}

export type FileSource = 'shared' | 'downloaded';

interface FileRecordJson {
  manifest: string;
  link: { index: number; count: number; path: string[] };
  commitment: string;
  complete: boolean;
  source: FileSource;
  output: string | null;
  added: number;
}

/** One file the store holds, whole or in part. */
export interface StoredFile {
  readonly idHex: string;
  readonly id: Uint8Array;
  readonly manifest: Manifest;
  readonly manifestBytes: Uint8Array;
  /** Where the manifest id sits under its anchored commitment. */
  readonly link: CommitmentPath;
  readonly commitment: Uint8Array;
  readonly source: FileSource;
  /** Where a download writes the finished file (null: keep it in the store only). */
  output: string | null;
  readonly added: number;
  complete: boolean;
  /** Chunks held (verified, durable). */
  readonly have: Bitfield;
  /** Whole files: every chunk hash; partial: leaf hash and path per held chunk. */
  hashes: Uint8Array | null;
  readonly partial: Map<number, { leaf: Uint8Array; path: Uint8Array[] }>;
  tree: MerkleTree | null;
}

const UTF8 = new TextEncoder();
const FROM_UTF8 = new TextDecoder();

export class FileStore {
  readonly dir: string;
  readonly files = new Map<string, StoredFile>();
  private readonly db: FilesDb;
  private readonly io: FilesStorage;
  private readonly handles = new Map<string, Promise<DataFile>>();
  /** Downloads being created, so two callers get the same record. */
  private readonly starting = new Map<string, Promise<StoredFile>>();
  private readonly sync = new Map<string, SyncState>();
  private readonly groupBytes: number;
  private readonly groupMs: number;
  /** Chunk records waiting for the batch after the one being written (one LevelDB write each). */
  private recordQueue: { type: 'put'; key: string; value: Uint8Array }[] = [];
  private recordNext: Promise<void> | null = null;
  private recordTail: Promise<void> = Promise.resolve();
  /** Chunk writes under way, so close() lets them finish and record. */
  private readonly writes = new Set<Promise<void>>();

  private constructor(dir: string, db: FilesDb, io: FilesStorage, opts: StoreOptions) {
    this.dir = dir;
    this.db = db;
    this.io = io;
    this.groupBytes = opts.groupBytes ?? GROUP_BYTES;
    this.groupMs = opts.groupMs ?? GROUP_MS;
  }

  static async open(dir: string, opts: StoreOptions = {}): Promise<FileStore> {
    const io = opts.storage ?? diskStorage;
    await io.makeDir(join(dir, 'data'));
    const db = io.database(join(dir, 'db'));
    await db.open();
    const v = await db.get('v');
    if (v === undefined) await db.put('v', UTF8.encode(String(FILES_DB_VERSION)));
    else if (FROM_UTF8.decode(v) !== String(FILES_DB_VERSION)) {
      await db.close();
      throw new Error(
        `files database ${dir} has schema ${FROM_UTF8.decode(v)}, this node needs ${FILES_DB_VERSION}`,
      );
    }
    const store = new FileStore(dir, db, io, opts);
    const boot = opts.bootId ?? bootId();
    const prev = await db.get(BOOT_KEY);
    await store.load(prev !== undefined && FROM_UTF8.decode(prev) === boot);
    await db.put(BOOT_KEY, UTF8.encode(boot));
    return store;
  }

  /** `sameBoot`: the page cache the last run wrote through is still there (see the header). */
  private async load(sameBoot: boolean): Promise<void> {
    for await (const [, value] of this.db.iterator(FILE_RANGE)) {
      const rec = JSON.parse(FROM_UTF8.decode(value)) as FileRecordJson;
      const f = fromRecord(rec);
      if (f.complete) {
        const h = await this.db.get(hashesKey(f.idHex));
        if (!h) continue;
        f.hashes = h;
        for (let i = 0; i < f.manifest.chunkCount; i++) f.have.set(i);
      } else {
        const s = await this.db.get(syncedKey(f.idHex));
        const synced = s ? readU32(s, 0) : -1;
        let last = synced;
        const drop = this.db.batch();
        for await (const [k, v] of this.db.iterator(chunkRange(f.idHex))) {
          const index = indexOfChunkKey(k);
          if (index >= f.manifest.chunkCount) continue;
          const { leaf, path, group } = decodeChunkValue(v);
          if (group > synced && !sameBoot) {
            drop.del(k);
            continue;
          }
          last = Math.max(last, group);
          f.partial.set(index, { leaf, path });
          f.have.set(index);
        }
        await drop.write();
        // Groups written by the last run in this boot are committed by this run's next fdatasync
        // (it flushes the file's dirty pages whoever wrote them), so numbering continues above.
        this.sync.set(f.idHex, newSync(last + 1, Date.now()));
      }
      this.files.set(f.idHex, f);
    }
  }

  async close(): Promise<void> {
    while (this.writes.size > 0) await Promise.allSettled([...this.writes]);
    await this.recordTail;
    for (const [idHex, st] of this.sync) {
      const f = this.files.get(idHex);
      if (st.committing) await st.committing;
      if (f && !f.complete) await this.commit(f, st).catch(() => undefined);
    }
    for (const h of this.handles.values()) await (await h).close().catch(() => undefined);
    this.handles.clear();
    await this.db.close();
  }

  dataPath(idHex: string): string {
    return join(this.dir, 'data', idHex);
  }

  get(idHex: string): StoredFile | undefined {
    return this.files.get(idHex);
  }

  /** Bytes the store's data files take (whole files, and the full size of partial ones). */
  usedBytes(): number {
    let n = 0;
    for (const f of this.files.values()) n += f.manifest.size;
    return n;
  }

  /**
   * Copies `path` into the store under `manifest` after checking it against it (size and root,
   * computed while copying nothing unverified into place: the copy is renamed only once the
   * digest of what was read matches).
   */
  async addShared(
    path: string,
    manifest: Manifest,
    link: CommitmentPath,
    commitment: Uint8Array,
  ): Promise<StoredFile> {
    const id = manifestId(manifest);
    const idHex = toHex(id);
    const existing = this.files.get(idHex);
    if (existing?.complete) return existing;
    const size = await this.io.fileSize(path);
    if (size === null) throw new FilesError('NOT_FOUND', `${path} is not a file`);
    if (size !== manifest.size) {
      throw new FilesError('FILE_MISMATCH', `${path} is ${size} bytes, its manifest says ${manifest.size}`);
    }
    const tmp = `${this.dataPath(idHex)}.tmp`;
    await this.io.copyIn(path, tmp);
    const builder = new ManifestBuilder({ chunkSize: manifest.chunkSize, keepChunkHashes: true });
    for await (const piece of this.io.readAll(tmp)) builder.update(piece);
    const digest = builder.digest();
    if (digest.size !== manifest.size || !equal(digest.root, manifest.root)) {
      await this.io.remove(tmp);
      throw new FilesError('FILE_MISMATCH', `${path} does not match its manifest (size or root)`);
    }
    await this.io.sync(tmp);
    await this.dropHandle(idHex);
    await this.io.rename(tmp, this.dataPath(idHex));
    const f: StoredFile = {
      idHex,
      id,
      manifest,
      manifestBytes: encodeManifest(manifest),
      link,
      commitment,
      source: 'shared',
      output: null,
      added: Date.now(),
      complete: true,
      have: Bitfield.full(manifest.chunkCount),
      hashes: digest.chunkHashes ?? new Uint8Array(0),
      partial: new Map(),
      tree: null,
    };
    await this.db
      .batch()
      .put(fileKey(idHex), UTF8.encode(JSON.stringify(toRecord(f))))
      .put(hashesKey(idHex), f.hashes!)
      .write();
    this.files.set(idHex, f);
    return f;
  }

  /** Starts (or finds) a download of `manifest`: an empty data file of its size and a record. */
  async beginDownload(
    manifest: Manifest,
    link: CommitmentPath,
    commitment: Uint8Array,
    output: string | null,
  ): Promise<StoredFile> {
    const id = manifestId(manifest);
    const idHex = toHex(id);
    const existing = this.files.get(idHex);
    if (existing) {
      if (output && !existing.complete) existing.output = output;
      return existing;
    }
    let pending = this.starting.get(idHex);
    if (!pending) {
      pending = this.createDownload(idHex, id, manifest, link, commitment, output).finally(() =>
        this.starting.delete(idHex),
      );
      this.starting.set(idHex, pending);
    }
    return pending;
  }

  private async createDownload(
    idHex: string,
    id: Uint8Array,
    manifest: Manifest,
    link: CommitmentPath,
    commitment: Uint8Array,
    output: string | null,
  ): Promise<StoredFile> {
    await this.io.create(this.dataPath(idHex), manifest.size);
    const f: StoredFile = {
      idHex,
      id,
      manifest,
      manifestBytes: encodeManifest(manifest),
      link,
      commitment,
      source: 'downloaded',
      output,
      added: Date.now(),
      complete: false,
      have: new Bitfield(manifest.chunkCount),
      hashes: null,
      partial: new Map(),
      tree: null,
    };
    await this.db.put(fileKey(idHex), UTF8.encode(JSON.stringify(toRecord(f))));
    this.files.set(idHex, f);
    this.sync.set(idHex, newSync(0, Date.now()));
    return f;
  }

  /**
   * Writes a verified chunk, then records it (in this order: see the header); the data file is
   * fdatasync'ed once per group, in the background.
   */
  writeChunk(
    f: StoredFile,
    index: number,
    data: Uint8Array,
    leaf: Uint8Array,
    path: Uint8Array[],
  ): Promise<void> {
    const p = this.doWriteChunk(f, index, data, leaf, path);
    this.writes.add(p);
    const done = () => this.writes.delete(p);
    p.then(done, done);
    return p;
  }

  private async doWriteChunk(
    f: StoredFile,
    index: number,
    data: Uint8Array,
    leaf: Uint8Array,
    path: Uint8Array[],
  ): Promise<void> {
    if (f.have.has(index)) return;
    const st = this.syncOf(f);
    if (st.error) throw st.error;
    const fh = await this.handle(f.idHex);
    await fh.write(data, index * f.manifest.chunkSize);
    // Synced already (groupBytes 0): recorded without a group, as records were before groups.
    const synced = this.groupBytes === 0;
    if (synced) await fh.datasync();
    // The group is read after the write returned: a commit that starts later covers it.
    const value = new Uint8Array(HASH_SIZE * (1 + path.length) + (synced ? 0 : 4));
    value.set(leaf, 0);
    for (let i = 0; i < path.length; i++) value.set(path[i]!, HASH_SIZE * (i + 1));
    if (!synced) new DataView(value.buffer).setUint32(value.length - 4, st.group, true);
    await this.record(chunkKey(f.idHex, index), value);
    f.partial.set(index, { leaf, path });
    f.have.set(index);
    if (synced) return;
    st.bytes += data.length;
    const now = Date.now();
    if (!st.committing && (st.bytes >= this.groupBytes || now - st.since >= this.groupMs)) {
      st.committing = this.commit(f, st)
        .catch((e: Error) => {
          st.error = e;
        })
        .finally(() => {
          st.committing = null;
        });
    }
  }

  /** Puts a chunk record in the next LevelDB batch: records that arrive while one is written share one. */
  private record(key: string, value: Uint8Array): Promise<void> {
    this.recordQueue.push({ type: 'put', key, value });
    if (!this.recordNext) {
      const next = this.recordTail.then(() => {
        this.recordNext = null;
        const ops = this.recordQueue;
        this.recordQueue = [];
        return this.db.batch(ops);
      });
      this.recordNext = next;
      this.recordTail = next.catch(() => undefined);
    }
    return this.recordNext;
  }

  /** Closes the group being filled: fdatasync, then its number recorded as synced. */
  private async commit(f: StoredFile, st: SyncState): Promise<void> {
    if (st.bytes === 0) return;
    const group = st.group;
    st.group++;
    st.bytes = 0;
    st.since = Date.now();
    const fh = await this.handle(f.idHex);
    await fh.datasync();
    const v = new Uint8Array(4);
    new DataView(v.buffer).setUint32(0, group, true);
    await this.db.put(syncedKey(f.idHex), v);
  }

  private syncOf(f: StoredFile): SyncState {
    let st = this.sync.get(f.idHex);
    if (!st) {
      st = newSync(0, Date.now());
      this.sync.set(f.idHex, st);
    }
    return st;
  }

  /** Marks a download whole: its chunk hashes replace the per-chunk records, in one batch. */
  async finish(f: StoredFile): Promise<void> {
    const st = this.sync.get(f.idHex);
    if (st?.committing) await st.committing;
    if (st?.error) throw st.error;
    // Whole means durable: the last group's bytes reach the disk before the record says so.
    await (await this.handle(f.idHex)).datasync();
    this.sync.delete(f.idHex);
    const n = f.manifest.chunkCount;
    const hashes = new Uint8Array(n * HASH_SIZE);
    for (let i = 0; i < n; i++) hashes.set(f.partial.get(i)!.leaf, i * HASH_SIZE);
    f.complete = true;
    f.hashes = hashes;
    const b = this.db
      .batch()
      .put(fileKey(f.idHex), UTF8.encode(JSON.stringify(toRecord(f))))
      .put(hashesKey(f.idHex), hashes)
      .del(syncedKey(f.idHex));
    for (let i = 0; i < n; i++) b.del(chunkKey(f.idHex, i));
    await b.write();
    f.partial.clear();
    await this.dropHandle(f.idHex);
  }

  /**
   * Chunk `index` and its audit path; null if not held, or (with `verify`, the default) if its
   * bytes no longer hash to the stored leaf.
   */
  async readChunk(
    f: StoredFile,
    index: number,
    opts: { verify?: boolean } = {},
  ): Promise<{ data: Uint8Array; path: Uint8Array[] } | null> {
    if (!f.have.has(index)) return null;
    let leaf: Uint8Array;
    let path: Uint8Array[];
    if (f.complete && f.hashes) {
      f.tree ??= new MerkleTree(splitPath(f.hashes));
      leaf = f.hashes.subarray(index * HASH_SIZE, (index + 1) * HASH_SIZE);
      path = f.tree.path(index);
    } else {
      const p = f.partial.get(index);
      if (!p) return null;
      leaf = p.leaf;
      path = p.path;
    }
    const len = chunkLength(f.manifest, index);
    const data = new Uint8Array(len);
    const fh = await this.handle(f.idHex);
    const bytesRead = await fh.read(data, index * f.manifest.chunkSize);
    if (bytesRead !== len) return null;
    if (opts.verify !== false && !equal(leafHash(data), leaf)) return null;
    return { data, path };
  }

  async remove(idHex: string): Promise<boolean> {
    const f = this.files.get(idHex);
    if (!f) return false;
    this.files.delete(idHex);
    await this.dropHandle(idHex);
    this.sync.delete(idHex);
    const b = this.db.batch().del(fileKey(idHex)).del(hashesKey(idHex)).del(syncedKey(idHex));
    for await (const k of this.db.keys(chunkRange(idHex))) b.del(k);
    await b.write();
    await this.io.remove(this.dataPath(idHex));
    return true;
  }

  private handle(idHex: string): Promise<DataFile> {
    let h = this.handles.get(idHex);
    if (!h) {
      h = this.io.open(this.dataPath(idHex));
      this.handles.set(idHex, h);
    }
    return h;
  }

  private async dropHandle(idHex: string): Promise<void> {
    const h = this.handles.get(idHex);
    if (!h) return;
    this.handles.delete(idHex);
    await (await h).close().catch(() => undefined);
  }
}

export function splitPath(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let o = 0; o + HASH_SIZE <= bytes.length; o += HASH_SIZE) out.push(bytes.subarray(o, o + HASH_SIZE));
  return out;
}

/**
 * This boot of the machine: Linux's boot id, else the boot time to 10 s (a reading that strays
 * across a boundary only costs a re-fetch of the unsynced group, never trusts one).
 */
export function bootId(): string {
  try {
    return `boot_id ${readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()}`;
  } catch {
    return `booted ${Math.round((Date.now() - uptime() * 1000) / 10_000)}`;
  }
}

function newSync(group: number, now: number): SyncState {
  return { group, bytes: 0, since: now, committing: null, error: null };
}

function readU32(b: Uint8Array, offset: number): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(offset, true);
}

/** A `c` value: leaf, path, then the group (absent in records made before groups: synced). */
function decodeChunkValue(v: Uint8Array): { leaf: Uint8Array; path: Uint8Array[]; group: number } {
  const tail = v.length % HASH_SIZE;
  const group = tail === 4 ? readU32(v, v.length - 4) : -1;
  return {
    leaf: v.slice(0, HASH_SIZE),
    path: splitPath(v.slice(HASH_SIZE, v.length - tail)),
    group,
  };
}

function toRecord(f: StoredFile): FileRecordJson {
  return {
    manifest: toHex(f.manifestBytes),
    link: { index: f.link.index, count: f.link.count, path: f.link.path.map(toHex) },
    commitment: toHex(f.commitment),
    complete: f.complete,
    source: f.source,
    output: f.output,
    added: f.added,
  };
}

function fromRecord(r: FileRecordJson): StoredFile {
  const manifestBytes = fromHex(r.manifest);
  const manifest = decodeManifest(manifestBytes);
  const id = manifestId(manifest);
  return {
    idHex: toHex(id),
    id,
    manifest,
    manifestBytes,
    link: { index: r.link.index, count: r.link.count, path: r.link.path.map(fromHex) },
    commitment: fromHex(r.commitment),
    source: r.source,
    output: r.output,
    added: r.added,
    complete: r.complete,
    have: new Bitfield(manifest.chunkCount),
    hashes: null,
    partial: new Map(),
    tree: null,
  };
}
