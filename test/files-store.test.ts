/**
 * Issue 16, the file store's group commit (node/files/store.ts): chunk records are written right
 * after their bytes (exact resume after kill -9, the page cache outliving the process) and the
 * data file is fdatasync'ed once per group; after a reboot (another boot id) the records of
 * groups never synced are dropped, those of synced groups kept. A crash is stood for by closing
 * the store's database under it, so nothing the store would do at a clean close runs.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Level } from 'level';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { digestBytes, type Manifest, makeManifest } from '../node/anchors/manifest.js';
import { leafHash, MerkleTree } from '../node/anchors/tree.js';
import { FileStore, type StoreOptions, splitPath } from '../node/files/store.js';

const CHUNK = 1024;
const COUNT = 5;

let dir: string;
let data: Uint8Array;
let manifest: Manifest;
let tree: MerkleTree;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gl-files-store-'));
  data = new Uint8Array(COUNT * CHUNK);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  const d = digestBytes(data, { chunkSize: CHUNK, keepChunkHashes: true });
  manifest = makeManifest('g.bin', d);
  tree = new MerkleTree(splitPath(d.chunkHashes!));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const open = (opts: StoreOptions) => FileStore.open(dir, { groupMs: 3_600_000, ...opts });

async function writeChunks(store: FileStore, indexes: number[]): Promise<void> {
  const f = await store.beginDownload(manifest, { index: 0, count: 1, path: [] }, new Uint8Array(32), null);
  for (const i of indexes) {
    const bytes = data.subarray(i * CHUNK, (i + 1) * CHUNK);
    await store.writeChunk(f, i, bytes, leafHash(bytes), tree.path(i));
  }
}

/**
 * Stands for kill -9: the database goes away under the store, nothing else is done. `synced`:
 * first wait until that group is recorded synced (the test wants a known last synced group).
 */
async function crash(store: FileStore, synced?: number): Promise<void> {
  const db = (store as unknown as { db: Level<string, Uint8Array> }).db;
  const f = [...store.files.values()][0]!;
  if (synced !== undefined) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const v = await db.get(`s${f.idHex}`);
      if (v && new DataView(v.buffer, v.byteOffset).getUint32(0, true) >= synced) break;
      if (Date.now() > deadline) throw new Error(`group ${synced} never recorded synced`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  await db.close();
}

function held(store: FileStore): number[] {
  const f = [...store.files.values()][0]!;
  return [...Array(COUNT).keys()].filter((i) => f.have.has(i));
}

describe('group commit of downloaded chunks', () => {
  it('keeps every recorded chunk after a crash in the same boot, and only synced groups after a reboot', async () => {
    // Groups of 3 chunks: 0..2 are committed (fdatasync, then synced), 3..4 are not.
    let store = await open({ bootId: 'boot A', groupBytes: 3 * CHUNK });
    await writeChunks(store, [0, 1, 2, 3, 4]);
    await crash(store, 0);

    store = await open({ bootId: 'boot A', groupBytes: 3 * CHUNK });
    expect(held(store)).toEqual([0, 1, 2, 3, 4]);
    await crash(store);

    store = await open({ bootId: 'boot B', groupBytes: 3 * CHUNK });
    expect(held(store)).toEqual([0, 1, 2]);
    // The dropped records are gone, so they stay dropped whatever the next boot says.
    await crash(store);
    store = await open({ bootId: 'boot B', groupBytes: 3 * CHUNK });
    expect(held(store)).toEqual([0, 1, 2]);

    // The download goes on: what was dropped is written again and the file finishes whole.
    await writeChunks(store, [3, 4]);
    const f = [...store.files.values()][0]!;
    await store.finish(f);
    await store.close();
    store = await open({ bootId: 'boot C' });
    expect([...store.files.values()][0]!.complete).toBe(true);
    expect(held(store)).toEqual([0, 1, 2, 3, 4]);
    expect(Buffer.from(await readFile(store.dataPath(f.idHex))).equals(Buffer.from(data))).toBe(true);
    await store.close();
  });

  it('with an fdatasync per chunk (groupBytes 0) keeps every chunk across a reboot', async () => {
    let store = await open({ bootId: 'boot A', groupBytes: 0 });
    await writeChunks(store, [4, 0, 2]);
    await crash(store);
    store = await open({ bootId: 'boot B', groupBytes: 0 });
    expect(held(store)).toEqual([0, 2, 4]);
    await store.close();
  });

  it('commits the group being filled at a clean close, so a reboot after it loses nothing', async () => {
    let store = await open({ bootId: 'boot A', groupBytes: 1 << 30 });
    await writeChunks(store, [1, 3]);
    await store.close();
    store = await open({ bootId: 'boot B', groupBytes: 1 << 30 });
    expect(held(store)).toEqual([1, 3]);
    await store.close();
  });
});
