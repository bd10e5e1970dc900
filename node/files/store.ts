/**
 * The file store (<datadir>/files; DESIGN.md section 10): chunk data in data/<manifest id hex>,
 * holdings and per-download progress in a LevelDB (layout.ts).
 *
 * Durability (the rule of BitTorrent clients' resume files, made strict): a chunk's bytes are
 * written at their offset and fdatasync'ed before its `c` key is put, so after a kill -9 every
 * key stands for verified bytes on disk and nothing is hashed again on restart (the leaf hash
 * and path are in the key's value). A shared file is copied in through a temporary name,
 * fsynced and renamed before its record is written; a finished download gets its `h` key (all
 * chunk hashes) and its `complete` record in one batch that also drops its `c` keys.
 *
 * Serving re-hashes what it reads against the stored leaf hash (one SHA-256 per chunk served),
 * so a file damaged on disk is never passed on.
 */
import { createReadStream } from 'node:fs';
import { copyFile, type FileHandle, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Level } from 'level';
import type { CommitmentPath } from '../anchors/commitment.js';
import { chunkLength, type Manifest, ManifestBuilder } from '../anchors/manifest.js';
import { decodeManifest, encodeManifest, manifestId } from '../anchors/manifest-codec.js';
import { HASH_SIZE, leafHash, MerkleTree } from '../anchors/tree.js';
import { equal, fromHex, toHex } from '../protocol/bytes.js';
import { Bitfield } from './bitfield.js';
import { FilesError } from './errors.js';
import {
  chunkKey,
  chunkRange,
  FILE_RANGE,
  FILES_DB_VERSION,
  fileKey,
  hashesKey,
  indexOfChunkKey,
} from './layout.js';

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
  private readonly db: Level<string, Uint8Array>;
  private readonly handles = new Map<string, Promise<FileHandle>>();
  /** Downloads being created, so two callers get the same record. */
  private readonly starting = new Map<string, Promise<StoredFile>>();

  private constructor(dir: string, db: Level<string, Uint8Array>) {
    this.dir = dir;
    this.db = db;
  }

  static async open(dir: string): Promise<FileStore> {
    await mkdir(join(dir, 'data'), { recursive: true, mode: 0o700 });
    const db = new Level<string, Uint8Array>(join(dir, 'db'), { keyEncoding: 'utf8', valueEncoding: 'view' });
    await db.open();
    const v = await db.get('v');
    if (v === undefined) await db.put('v', UTF8.encode(String(FILES_DB_VERSION)));
    else if (FROM_UTF8.decode(v) !== String(FILES_DB_VERSION)) {
      await db.close();
      throw new Error(
        `files database ${dir} has schema ${FROM_UTF8.decode(v)}, this node needs ${FILES_DB_VERSION}`,
      );
    }
    const store = new FileStore(dir, db);
    await store.load();
    return store;
  }

  private async load(): Promise<void> {
    for await (const [, value] of this.db.iterator(FILE_RANGE)) {
      const rec = JSON.parse(FROM_UTF8.decode(value)) as FileRecordJson;
      const f = fromRecord(rec);
      if (f.complete) {
        const h = await this.db.get(hashesKey(f.idHex));
        if (!h) continue;
        f.hashes = h;
        for (let i = 0; i < f.manifest.chunkCount; i++) f.have.set(i);
      } else {
        for await (const [k, v] of this.db.iterator(chunkRange(f.idHex))) {
          const index = indexOfChunkKey(k);
          if (index >= f.manifest.chunkCount) continue;
          f.partial.set(index, { leaf: v.slice(0, HASH_SIZE), path: splitPath(v.subarray(HASH_SIZE)) });
          f.have.set(index);
        }
      }
      this.files.set(f.idHex, f);
    }
  }

  async close(): Promise<void> {
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
    const st = await stat(path).catch(() => null);
    if (!st?.isFile()) throw new FilesError('NOT_FOUND', `${path} is not a file`);
    if (st.size !== manifest.size) {
      throw new FilesError(
        'FILE_MISMATCH',
        `${path} is ${st.size} bytes, its manifest says ${manifest.size}`,
      );
    }
    const tmp = `${this.dataPath(idHex)}.tmp`;
    await copyFile(path, tmp);
    const builder = new ManifestBuilder({ chunkSize: manifest.chunkSize, keepChunkHashes: true });
    for await (const piece of createReadStream(tmp, { highWaterMark: 1 << 20 }))
      builder.update(piece as Buffer);
    const digest = builder.digest();
    if (digest.size !== manifest.size || !equal(digest.root, manifest.root)) {
      await rm(tmp, { force: true });
      throw new FilesError('FILE_MISMATCH', `${path} does not match its manifest (size or root)`);
    }
    await fsyncPath(tmp);
    await this.dropHandle(idHex);
    await rename(tmp, this.dataPath(idHex));
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
    const fh = await open(this.dataPath(idHex), 'w', 0o600);
    await fh.truncate(manifest.size);
    await fh.sync();
    await fh.close();
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
    return f;
  }

  /** Writes a verified chunk durably, then records it (in this order: see the header). */
  async writeChunk(
    f: StoredFile,
    index: number,
    data: Uint8Array,
    leaf: Uint8Array,
    path: Uint8Array[],
  ): Promise<void> {
    if (f.have.has(index)) return;
    const fh = await this.handle(f.idHex);
    await fh.write(data, 0, data.length, index * f.manifest.chunkSize);
    await fh.datasync();
    const value = new Uint8Array(HASH_SIZE * (1 + path.length));
    value.set(leaf, 0);
    for (let i = 0; i < path.length; i++) value.set(path[i]!, HASH_SIZE * (i + 1));
    await this.db.put(chunkKey(f.idHex, index), value);
    f.partial.set(index, { leaf, path });
    f.have.set(index);
  }

  /** Marks a download whole: its chunk hashes replace the per-chunk records, in one batch. */
  async finish(f: StoredFile): Promise<void> {
    const n = f.manifest.chunkCount;
    const hashes = new Uint8Array(n * HASH_SIZE);
    for (let i = 0; i < n; i++) hashes.set(f.partial.get(i)!.leaf, i * HASH_SIZE);
    f.complete = true;
    f.hashes = hashes;
    const b = this.db
      .batch()
      .put(fileKey(f.idHex), UTF8.encode(JSON.stringify(toRecord(f))))
      .put(hashesKey(f.idHex), hashes);
    for (let i = 0; i < n; i++) b.del(chunkKey(f.idHex, i));
    await b.write();
    f.partial.clear();
    await this.dropHandle(f.idHex);
  }

  /** Chunk `index` and its audit path, re-hashed against the stored leaf; null if not held. */
  async readChunk(f: StoredFile, index: number): Promise<{ data: Uint8Array; path: Uint8Array[] } | null> {
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
    const { bytesRead } = await fh.read(data, 0, len, index * f.manifest.chunkSize);
    if (bytesRead !== len || !equal(leafHash(data), leaf)) return null;
    return { data, path };
  }

  async remove(idHex: string): Promise<boolean> {
    const f = this.files.get(idHex);
    if (!f) return false;
    this.files.delete(idHex);
    await this.dropHandle(idHex);
    const b = this.db.batch().del(fileKey(idHex)).del(hashesKey(idHex));
    for await (const k of this.db.keys(chunkRange(idHex))) b.del(k);
    await b.write();
    await rm(this.dataPath(idHex), { force: true });
    return true;
  }

  private handle(idHex: string): Promise<FileHandle> {
    let h = this.handles.get(idHex);
    if (!h) {
      h = open(this.dataPath(idHex), 'r+');
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

export async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
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
