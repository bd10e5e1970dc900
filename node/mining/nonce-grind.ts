/**
 * Grinding one header's nonces (Core's CheckProofOfWork per nonce, as its generateBlocks loop
 * does): double SHA-256 of the 80-byte header with each nonce in a range, the hash read as a
 * little-endian 256-bit number and compared with the target word by word, never through
 * bigint. Synchronous and free of threads, so a miner worker (miner-worker.ts) runs it and
 * tests can run it directly.
 *
 * Two hash engines:
 * - `js` (default): protocol's plain-JS SHA-256 compression with a midstate: the header's
 *   first 64 bytes are compressed once per job, so each nonce costs two compressions (header
 *   tail, then the 32-byte digest) in place of three, and no allocation. bench/miner.ts
 *   measures it at about 2.5x a loop of node:crypto calls, whose per-call cost (~1 us)
 *   dwarfs OpenSSL's SHA-NI.
 * - `node-crypto`: node:crypto's one-shot `hash()` twice per nonce (createHash where `hash`
 *   is missing), the reference the bench compares with.
 */
import * as crypto from 'node:crypto';
import { SHA256_IV, sha256Compress } from '../protocol/sha256-small.js';

export type HashEngine = 'js' | 'node-crypto';

export interface GrindJob {
  /** 80-byte header; bytes 76..79 are replaced by each nonce. */
  readonly header: Uint8Array;
  /** Target, 32 bytes little-endian (the hash's own byte order). */
  readonly target: Uint8Array;
  /** First nonce, inclusive. */
  readonly start: number;
  /** Last nonce, exclusive (at most 2^32). */
  readonly end: number;
  readonly engine: HashEngine;
}

export interface GrindResult {
  /** Nonces tried. */
  readonly hashes: number;
  /** The first nonce meeting the target, or null (range done or stopped). */
  readonly nonce: number | null;
  /** Hash of the winning header, internal byte order. */
  readonly hash: Uint8Array | null;
}

export interface GrindControl {
  /** Asked between batches of BATCH nonces: true ends the job early. */
  stopped(): boolean;
  /** Told between batches how many nonces this job has tried. */
  progress(hashes: number): void;
}

/** Nonces between stop checks: a few ms of work, so a stop is prompt and checks cost nothing. */
export const BATCH = 8192;

export function grindNonces(job: GrindJob, control: GrindControl): GrindResult {
  return job.engine === 'node-crypto' ? grindNodeCrypto(job, control) : grindJs(job, control);
}

const bswap = (x: number): number =>
  ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);
const be32 = (b: Uint8Array, o: number): number =>
  (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
const le32 = (b: Uint8Array, o: number): number =>
  (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;

function grindJs(job: GrindJob, control: GrindControl): GrindResult {
  const hdr = job.header;
  const mid = SHA256_IV.slice();
  const W = new Int32Array(64);
  for (let i = 0; i < 16; i++) W[i] = be32(hdr, 4 * i);
  sha256Compress(mid, W);
  // Second block of the header: merkle-root tail, time, bits, nonce, then padding for 80 bytes.
  const W1 = new Int32Array(64);
  W1[0] = be32(hdr, 64);
  W1[1] = be32(hdr, 68);
  W1[2] = be32(hdr, 72);
  W1[4] = 0x80000000 | 0;
  W1[15] = 640;
  // The digest as one block: 8 words, then padding for 32 bytes (compression keeps words 0..15).
  const W2 = new Int32Array(64);
  W2[8] = 0x80000000 | 0;
  W2[15] = 256;
  const S1 = new Int32Array(8);
  const S2 = new Int32Array(8);
  const T = new Uint32Array(8);
  for (let i = 0; i < 8; i++) T[i] = le32(job.target, 4 * i);

  let nonce = job.start;
  while (nonce < job.end) {
    if (control.stopped()) return { hashes: nonce - job.start, nonce: null, hash: null };
    const stop = Math.min(job.end, nonce + BATCH);
    for (; nonce < stop; nonce++) {
      W1[3] = bswap(nonce);
      S1.set(mid);
      sha256Compress(S1, W1);
      for (let i = 0; i < 8; i++) W2[i] = S1[i]!;
      S2.set(SHA256_IV);
      sha256Compress(S2, W2);
      // The hash as a little-endian number: word i of it is bswap(S2[i]); compare from the top.
      let ok = true;
      for (let i = 7; i >= 0; i--) {
        const hw = bswap(S2[i]!) >>> 0;
        const tw = T[i]!;
        if (hw !== tw) {
          ok = hw < tw;
          break;
        }
      }
      if (ok) {
        const hash = new Uint8Array(32);
        for (let i = 0; i < 8; i++) {
          const v = S2[i]!;
          hash[4 * i] = v >>> 24;
          hash[4 * i + 1] = v >>> 16;
          hash[4 * i + 2] = v >>> 8;
          hash[4 * i + 3] = v;
        }
        return { hashes: nonce - job.start + 1, nonce, hash };
      }
    }
    control.progress(nonce - job.start);
  }
  return { hashes: job.end - job.start, nonce: null, hash: null };
}

const opensslSha256: (data: Uint8Array) => Uint8Array =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'buffer')
    : (data) => crypto.createHash('sha256').update(data).digest();

function grindNodeCrypto(job: GrindJob, control: GrindControl): GrindResult {
  const buf = new Uint8Array(job.header);
  const t = job.target;
  let nonce = job.start;
  while (nonce < job.end) {
    if (control.stopped()) return { hashes: nonce - job.start, nonce: null, hash: null };
    const stop = Math.min(job.end, nonce + BATCH);
    for (; nonce < stop; nonce++) {
      buf[76] = nonce;
      buf[77] = nonce >>> 8;
      buf[78] = nonce >>> 16;
      buf[79] = nonce >>> 24;
      const h = opensslSha256(opensslSha256(buf));
      let ok = true;
      for (let i = 31; i >= 0; i--) {
        if (h[i] !== t[i]) {
          ok = h[i]! < t[i]!;
          break;
        }
      }
      if (ok) return { hashes: nonce - job.start + 1, nonce, hash: new Uint8Array(h) };
    }
    control.progress(nonce - job.start);
  }
  return { hashes: job.end - job.start, nonce: null, hash: null };
}
