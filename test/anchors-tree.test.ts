/**
 * RFC 6962 trees (node/anchors/tree.ts) and chunked manifests (manifest.ts): Certificate
 * Transparency's published vectors, an independent recursive MTH/PATH written here from the RFC
 * text, and fast-check properties over random files of 0..5 MiB and power-of-two chunk sizes.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  chunkHashesMatch,
  chunkLength,
  chunkPath,
  digestBytes,
  firstBadChunk,
  MAX_CHUNK_SIZE,
  ManifestBuilder,
  MIN_CHUNK_SIZE,
  makeManifest,
  splitChunkHashes,
  verifyChunk,
} from '../node/anchors/manifest.js';
import {
  EMPTY_ROOT,
  hashToHex,
  leafHash,
  MerkleTree,
  rootFromPath,
  rootOf,
  TreeAccumulator,
} from '../node/anchors/tree.js';
import { fromHex, toHex } from '../node/protocol/bytes.js';

// --- An independent RFC 6962 section 2.1 implementation, straight from the definitions. ---
const H = (...parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const refLeaf = (d: Uint8Array) => H(Uint8Array.of(0), d);
const splitPoint = (n: number) => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};
/** MTH over leaf hashes (already hashed leaves). */
function refMth(hs: Uint8Array[]): Uint8Array {
  if (hs.length === 0) return H();
  if (hs.length === 1) return hs[0]!;
  const k = splitPoint(hs.length);
  return H(Uint8Array.of(1), refMth(hs.slice(0, k)), refMth(hs.slice(k)));
}
/** PATH(m, D[n]) over leaf hashes. */
function refPath(m: number, hs: Uint8Array[]): Uint8Array[] {
  if (hs.length <= 1) return [];
  const k = splitPoint(hs.length);
  return m < k
    ? [...refPath(m, hs.slice(0, k)), refMth(hs.slice(k))]
    : [...refPath(m - k, hs.slice(k)), refMth(hs.slice(0, k))];
}

/** Deterministic bytes from a seed (xorshift32), cheap enough for 5 MiB. */
function bytesFrom(seed: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  const words = new Uint32Array(out.buffer, 0, n >>> 2);
  let x = seed | 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x;
  }
  for (let i = words.length * 4; i < n; i++) out[i] = i * 31 + seed;
  return out;
}

const CT_DATA = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];
const CT_ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const CT_LEAVES = CT_DATA.map((h) => leafHash(fromHex(h)));

describe('RFC 6962 tree', () => {
  it("matches Certificate Transparency's roots for sizes 0..8, streaming and in memory", () => {
    for (let n = 0; n <= 8; n++) {
      const acc = new TreeAccumulator();
      for (const l of CT_LEAVES.slice(0, n)) acc.add(l);
      expect(toHex(acc.root()), `size ${n}`).toBe(CT_ROOTS[n]);
      expect(toHex(new MerkleTree(CT_LEAVES.slice(0, n)).root())).toBe(CT_ROOTS[n]);
    }
    expect(toHex(EMPTY_ROOT)).toBe(CT_ROOTS[0]);
  });

  it("matches Certificate Transparency's inclusion paths", () => {
    const t = new MerkleTree(CT_LEAVES);
    expect(t.path(0).map(toHex)).toEqual([
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ]);
    expect(t.path(5).map(toHex)).toEqual([
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ]);
  });

  it('agrees with the recursive definition for every size 0..70 and every leaf', () => {
    const leaves = Array.from({ length: 70 }, (_, i) => refLeaf(Uint8Array.of(i, i >> 8, 7)));
    for (let n = 0; n <= leaves.length; n++) {
      const hs = leaves.slice(0, n);
      const want = refMth(hs);
      expect(toHex(rootOf(hs))).toBe(toHex(want));
      const tree = new MerkleTree(hs);
      expect(toHex(tree.root())).toBe(toHex(want));
      for (let m = 0; m < n; m++) {
        const path = tree.path(m);
        expect(path.map(toHex)).toEqual(refPath(m, hs).map(toHex));
        expect(toHex(rootFromPath(hs[m]!, m, n, path)!)).toBe(toHex(want));
        // The same path claimed for another position or size proves nothing.
        if (n > 1) expect(rootFromPath(hs[m]!, (m + 1) % n, n, path)).not.toEqual(want);
        expect(rootFromPath(hs[m]!, m, n, [...path, want])).toBeNull();
        if (path.length > 0) expect(rootFromPath(hs[m]!, m, n, path.slice(1))).toBeNull();
      }
      expect(rootFromPath(want, n, n, [])).toBeNull();
    }
  });
});

describe('manifests', () => {
  it('defines the empty file: no chunk, root SHA-256("")', () => {
    const d = digestBytes(new Uint8Array(0), { keepChunkHashes: true });
    expect(d).toMatchObject({ size: 0, chunkCount: 0, chunkSize: 256 * 1024 });
    expect(hashToHex(d.root)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(d.chunkHashes!.length).toBe(0);
    expect(chunkHashesMatch(makeManifest('empty', d), d.chunkHashes!)).toBe(true);
  });

  it('defines a one-chunk file: root = SHA-256(0x00 || file), empty path', () => {
    for (const size of [1, 1000, 1024]) {
      const data = bytesFrom(size, size);
      const d = digestBytes(data, { chunkSize: 1024, keepChunkHashes: true });
      expect(d.chunkCount).toBe(1);
      expect(toHex(d.root)).toBe(toHex(H(Uint8Array.of(0), data)));
      const m = makeManifest('one', d);
      expect(chunkPath(d.chunkHashes!, 0)).toEqual([]);
      expect(verifyChunk(m, 0, data, [])).toBe('OK');
    }
    // One byte over a chunk makes two.
    expect(digestBytes(new Uint8Array(1025), { chunkSize: 1024 }).chunkCount).toBe(2);
  });

  it('rejects chunk sizes that are not powers of two within bounds', () => {
    for (const cs of [0, 1000, 512, MIN_CHUNK_SIZE + 1, MAX_CHUNK_SIZE * 2, 1.5, Number.NaN]) {
      expect(() => new ManifestBuilder({ chunkSize: cs }), `${cs}`).toThrow(
        expect.objectContaining({ code: 'BAD_CHUNK_SIZE' }),
      );
    }
  });

  it('property: every chunk verifies with its path; a changed chunk or a wrong path never does', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5 * 1024 * 1024 }),
        fc.integer({ min: 10, max: 20 }),
        fc.integer({ min: 1, max: 0x7fffffff }),
        fc.array(fc.integer({ min: 1, max: 3 * 1024 * 1024 }), { minLength: 1, maxLength: 6 }),
        (size, log2, seed, cuts) => {
          const chunkSize = 2 ** log2;
          const data = bytesFrom(seed, size);
          // Fed in pieces of random lengths, so chunks straddle pieces.
          const b = new ManifestBuilder({ chunkSize, keepChunkHashes: true });
          let off = 0;
          for (let i = 0; off < size; i++) {
            const n = cuts[i % cuts.length]!;
            b.update(data.subarray(off, off + n));
            off += n;
          }
          const d = b.digest();
          const count = Math.ceil(size / chunkSize);
          const leaves: Uint8Array[] = [];
          for (let i = 0; i < count; i++)
            leaves.push(refLeaf(data.subarray(i * chunkSize, (i + 1) * chunkSize)));
          expect(d.size).toBe(size);
          expect(d.chunkCount).toBe(count);
          expect(toHex(d.root)).toBe(toHex(refMth(leaves)));
          const m = makeManifest('f.bin', d);
          const tree = new MerkleTree(splitChunkHashes(d.chunkHashes!));
          for (let i = 0; i < count; i++) {
            const chunk = data.subarray(i * chunkSize, (i + 1) * chunkSize);
            const path = tree.path(i);
            expect(chunk.length).toBe(chunkLength(m, i));
            expect(verifyChunk(m, i, chunk, path)).toBe('OK');
            const changed = chunk.slice();
            changed[(seed + i) % changed.length]! ^= 1 << (i % 8);
            expect(verifyChunk(m, i, changed, path)).toBe('ROOT_MISMATCH');
            if (count > 1) {
              const j = (i + 1) % count;
              const other = data.subarray(j * chunkSize, (j + 1) * chunkSize);
              // Another chunk's path, or this chunk claimed at another index.
              if (other.length === chunk.length)
                expect(verifyChunk(m, i, chunk, tree.path(j))).not.toBe('OK');
              expect(verifyChunk(m, j, chunk, path)).not.toBe('OK');
              const bent = path.map((p) => p.slice());
              bent[i % bent.length]![0]! ^= 0x80;
              expect(verifyChunk(m, i, chunk, bent)).toBe('ROOT_MISMATCH');
            }
          }
          expect(verifyChunk(m, count, new Uint8Array(0), [])).toBe('BAD_INDEX');
        },
      ),
      { numRuns: 24, seed: 7 },
    );
  });

  it('locates the first changed, missing or extra chunk', () => {
    const cs = 1024;
    const data = bytesFrom(99, 10 * cs + 100);
    const want = digestBytes(data, { chunkSize: cs, keepChunkHashes: true }).chunkHashes!;
    const at = (d: Uint8Array) =>
      firstBadChunk(want, digestBytes(d, { chunkSize: cs, keepChunkHashes: true }).chunkHashes!);
    expect(at(data)).toBeNull();
    const changed = data.slice();
    changed[7 * cs + 5]! ^= 1;
    expect(at(changed)).toBe(7);
    expect(at(data.subarray(0, 4 * cs))).toBe(4); // truncated at a chunk boundary
    expect(at(data.subarray(0, 4 * cs + 1))).toBe(4); // truncated inside chunk 4
    expect(at(new Uint8Array([...data, 1]))).toBe(10); // grew: the last chunk changed
  });
});
