/**
 * One download's request bookkeeping (node/files/download.ts), on a fake clock and store: a
 * chunk whose request timed out is asked of the same provider again (the only one), and the
 * provider then owes two answers. Both are accepted (the second as a duplicate): neither is an
 * unrequested chunk, so the only provider is not dropped.
 */
import { describe, expect, it } from 'vitest';
import { digestBytes, makeManifest } from '../node/anchors/manifest.js';
import { manifestId } from '../node/anchors/manifest-codec.js';
import { leafHash, MerkleTree } from '../node/anchors/tree.js';
import type { Clock } from '../node/clock.js';
import { seededRandom } from '../node/clock.js';
import { Bitfield } from '../node/files/bitfield.js';
import { newCounters } from '../node/files/counters.js';
import { Download } from '../node/files/download.js';
import type { FileStore, StoredFile } from '../node/files/store.js';
import { toHex } from '../node/protocol/bytes.js';

const CHUNK = 65536;

function fakeClock(): Clock & { t: number } {
  const c = {
    t: 1_000_000,
    now: () => c.t,
    setTimeout: () => null,
    clearTimeout: () => {},
    setInterval: () => null,
    clearInterval: () => {},
  };
  return c;
}

const silent = { debug() {}, info() {}, warn() {}, error() {} } as never;

describe('a download whose request timed out', () => {
  it('accepts both answers of a chunk asked of its only provider twice, punishing nothing', async () => {
    const data = new Uint8Array(3 * CHUNK).map((_, i) => (i * 7) & 0xff);
    const dg = digestBytes(data, { chunkSize: CHUNK, keepChunkHashes: true });
    const manifest = makeManifest('x.bin', dg);
    const chunks = [0, 1, 2].map((i) => data.subarray(i * CHUNK, (i + 1) * CHUNK));
    const tree = new MerkleTree(chunks.map((c) => leafHash(c)));
    const id = manifestId(manifest);
    const file = {
      id,
      idHex: toHex(id),
      manifest,
      have: new Bitfield(manifest.chunkCount),
      complete: false,
    } as unknown as StoredFile;
    const store = {
      writeChunk: async (f: StoredFile, index: number) => {
        f.have.set(index);
      },
    } as unknown as FileStore;
    const clock = fakeClock();
    const requests: number[][] = [];
    const punished: string[] = [];
    let finished = 0;
    const counters = newCounters();
    const d = new Download(file, {
      store,
      clock,
      random: seededRandom(1),
      log: silent,
      counters,
      request: (_p, indexes) => requests.push([...indexes]),
      punish: (_p, code, message) => punished.push(`${code}: ${message}`),
      finished: () => finished++,
    });
    const p = d.addProvider('a', null);
    d.schedule();
    const first = requests.flat();
    expect(first.length).toBeGreaterThanOrEqual(1);
    const stuck = first[0]!;
    // No answer for longer than any request timeout: the chunk goes back to the pool and, with
    // no other provider, is asked of the same one again.
    clock.t += 60_000;
    d.schedule();
    expect(requests.slice(1).flat()).toContain(stuck);
    // The late answer and the new one both come.
    await d.onPiece(p, stuck, 0, tree.path(stuck), chunks[stuck]!);
    await d.onPiece(p, stuck, 0, tree.path(stuck), chunks[stuck]!);
    expect(punished).toEqual([]);
    expect(counters.duplicateChunks).toBe(1);
    // The rest is asked and answered; the download finishes with its provider still there.
    for (let i = 0; i < 10 && finished === 0; i++) {
      const asked = new Set(requests.flat());
      for (const k of asked)
        if (!file.have.has(k) && p.inflight.has(k)) await d.onPiece(p, k, 0, tree.path(k), chunks[k]!);
      await new Promise((r) => setImmediate(r));
      d.schedule();
    }
    expect(finished).toBe(1);
    expect(punished).toEqual([]);
    expect(d.providers.has('a')).toBe(true);
    expect(d.fromProvider.get('a')).toBe(manifest.chunkCount);
  });
});
