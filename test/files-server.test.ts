/**
 * The file server's sending loop (node/files/server.ts): a `getchunks` that arrives while a
 * chunk is going out (the loop waiting for the send buffer to drain, having read its queue
 * empty) is served when that chunk is out, not left until the peer's next request. The files
 * simulation found it: a provider whose whole request window was queued so stalled until the
 * downloader's 15 s timeout. The store is the simulator's memory store (no disk).
 */
import { describe, expect, it } from 'vitest';
import { buildCommitment } from '../node/anchors/commitment.js';
import { digestBytes, makeManifest } from '../node/anchors/manifest.js';
import { manifestId } from '../node/anchors/manifest-codec.js';
import { newCounters } from '../node/files/counters.js';
import { FileServer } from '../node/files/server.js';
import { FileStore } from '../node/files/store.js';
import { createLogger } from '../node/log.js';
import type { Peer } from '../node/p2p/peer.js';
import { MemoryFilesStorage } from '../sim/files-storage.js';

const CHUNK = 1024;

describe('file server', () => {
  it('serves a request that came while the previous chunk was waiting for the send buffer', async () => {
    const data = new Uint8Array(3 * CHUNK).map((_, i) => (i * 7) & 0xff);
    const d = digestBytes(data, { chunkSize: CHUNK, keepChunkHashes: true });
    const manifest = makeManifest('f.bin', d);
    const id = manifestId(manifest);
    const c = buildCommitment([id]);
    const store = await FileStore.open('/mem', {
      storage: new MemoryFilesStorage(new Map([['/src', data]])),
    });
    const f = await store.addShared('/src', manifest, c.paths[0]!, c.commitment);
    const server = new FileServer({
      store,
      counters: newCounters(),
      log: createLogger('silent'),
      anchored: async () => true,
      lookup: (idHex) => store.get(idHex),
    });
    const sent: number[] = [];
    let release: (() => void) | null = null;
    let blocked = true;
    const peer = {
      id: 1,
      closed: false,
      send: () => undefined,
      sendParts: (_cmd: string, parts: Uint8Array[]) => {
        // The index follows the 32-byte id in a `chunk` payload (little-endian u32).
        const head = parts[0]!;
        sent.push(new DataView(head.buffer, head.byteOffset).getUint32(32, true));
      },
      // The first chunk waits for a drain the test lets happen; later ones go at once.
      drained: () => (blocked ? new Promise<void>((r) => (release = r)) : Promise.resolve()),
    } as unknown as Peer;

    await server.onGetChunks(peer, f.idHex, f.id, [0]);
    for (let i = 0; i < 20 && release === null; i++) await new Promise((r) => setImmediate(r));
    expect(release).not.toBeNull();
    await server.onGetChunks(peer, f.idHex, f.id, [1]);
    blocked = false;
    release!();
    for (let i = 0; i < 20 && sent.length < 2; i++) await new Promise((r) => setImmediate(r));
    expect(sent).toEqual([0, 1]);
    await store.close();
  });
});
