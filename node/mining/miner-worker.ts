/**
 * The body of a mining worker thread: grinds header nonces over a range, double SHA-256 each
 * header and compares the hash, read as a little-endian 256-bit number, with the target
 * (Core's CheckProofOfWork), word by word on the hash's own words, never through bigint.
 *
 * How it is loaded: `minerWorkerMain` is a self-contained function (no reference to anything
 * outside its body; node:crypto and node:worker_threads come in as arguments) and the pool
 * starts it as `new Worker(WORKER_SOURCE, { eval: true })` with WORKER_SOURCE built from
 * `minerWorkerMain.toString()`. The same text then runs whether this module was loaded from
 * dist/ (compiled by tsc) or from source under vitest (transpiled on the fly), with no file
 * path to resolve: a `new URL('./miner-worker.js', import.meta.url)` worker finds no .js next
 * to the .ts sources, and Node 20 cannot start a .ts worker. Unlike a hand-written JS string,
 * the body is still type-checked and linted with the rest of the code.
 *
 * Two hash engines, chosen per job:
 * - `js` (default): SHA-256 in plain JS with the midstate: the header's first 64 bytes are
 *   compressed once per job, so each nonce costs two compressions (header tail, then the
 *   32-byte digest) in place of three, and no allocation. bench/miner.ts measures it at about
 *   2.5x a loop of node:crypto calls, whose per-call cost (~1 us) dwarfs OpenSSL's SHA-NI.
 * - `node-crypto`: node:crypto's one-shot `hash()` twice per nonce (createHash where `hash`
 *   is missing), the reference the bench compares with.
 *
 * Protocol: the pool posts a WorkerJob; the worker answers with `progress` messages (about
 * every 250 ms) and exactly one `done` per job: found (nonce and hash), exhausted (range done)
 * or stopped. Stopping is a shared Int32Array: word 0 holds the id of the job that may run; the
 * worker reads it with Atomics.load between batches of BATCH nonces (a few ms), so a stop
 * needs no message and no event-loop turn in the worker.
 */
import type * as NodeCrypto from 'node:crypto';
import type * as NodeWorkerThreads from 'node:worker_threads';

export type HashEngine = 'js' | 'node-crypto';

export interface WorkerJob {
  readonly id: number;
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

export type WorkerReply =
  | { readonly type: 'progress'; readonly id: number; readonly hashes: number }
  | {
      readonly type: 'done';
      readonly id: number;
      /** Nonces tried in this job. */
      readonly hashes: number;
      readonly nonce: number | null;
      /** Hash of the winning header, internal byte order. */
      readonly hash: Uint8Array | null;
    };

export interface WorkerData {
  /** Int32Array over it; word 0 = id of the job allowed to run. */
  readonly control: SharedArrayBuffer;
}

/** Runs inside the worker. Must not reference anything outside its own body. */
export function minerWorkerMain(crypto: typeof NodeCrypto, wt: typeof NodeWorkerThreads): void {
  const port = wt.parentPort;
  if (!port) throw new Error('minerWorkerMain runs in a worker thread');
  const control = new Int32Array((wt.workerData as WorkerData).control);
  const BATCH = 8192;
  const PROGRESS_MS = 250;

  const K = new Int32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]);
  const IV = new Int32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);

  /** One SHA-256 compression of W[0..15] into `st`; expands W[16..63] in place. */
  function compress(st: Int32Array, W: Int32Array): void {
    for (let i = 16; i < 64; i++) {
      const w15 = W[i - 15]!;
      const w2 = W[i - 2]!;
      const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
      const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
      W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
    }
    let a = st[0]!;
    let b = st[1]!;
    let c = st[2]!;
    let d = st[3]!;
    let e = st[4]!;
    let f = st[5]!;
    let g = st[6]!;
    let h = st[7]!;
    for (let i = 0; i < 64; i++) {
      const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (h + s1 + ch + K[i]! + W[i]!) | 0;
      const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + s0 + maj) | 0;
    }
    st[0] = (st[0]! + a) | 0;
    st[1] = (st[1]! + b) | 0;
    st[2] = (st[2]! + c) | 0;
    st[3] = (st[3]! + d) | 0;
    st[4] = (st[4]! + e) | 0;
    st[5] = (st[5]! + f) | 0;
    st[6] = (st[6]! + g) | 0;
    st[7] = (st[7]! + h) | 0;
  }

  const bswap = (x: number): number =>
    ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);
  const be32 = (b: Uint8Array, o: number): number =>
    (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
  const le32 = (b: Uint8Array, o: number): number =>
    (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;

  let lastProgress = 0;
  function progress(id: number, hashes: number): void {
    const now = Date.now();
    if (now - lastProgress < PROGRESS_MS) return;
    lastProgress = now;
    port!.postMessage({ type: 'progress', id, hashes } satisfies WorkerReply);
  }

  function done(id: number, hashes: number, nonce: number | null, hash: Uint8Array | null): WorkerReply {
    return { type: 'done', id, hashes, nonce, hash };
  }

  function grindJs(job: WorkerJob): WorkerReply {
    const hdr = job.header;
    const mid = IV.slice();
    const W = new Int32Array(64);
    for (let i = 0; i < 16; i++) W[i] = be32(hdr, 4 * i);
    compress(mid, W);
    // Second block of the header: merkle-root tail, time, bits, nonce, then padding for 80 bytes.
    const W1 = new Int32Array(64);
    W1[0] = be32(hdr, 64);
    W1[1] = be32(hdr, 68);
    W1[2] = be32(hdr, 72);
    W1[4] = 0x80000000 | 0;
    W1[15] = 640;
    // The digest as one block: 8 words, then padding for 32 bytes. compress() only writes 16..63.
    const W2 = new Int32Array(64);
    W2[8] = 0x80000000 | 0;
    W2[15] = 256;
    const S1 = new Int32Array(8);
    const S2 = new Int32Array(8);
    const T = new Uint32Array(8);
    for (let i = 0; i < 8; i++) T[i] = le32(job.target, 4 * i);

    let nonce = job.start;
    while (nonce < job.end) {
      if (Atomics.load(control, 0) !== job.id) return done(job.id, nonce - job.start, null, null);
      const stop = Math.min(job.end, nonce + BATCH);
      for (; nonce < stop; nonce++) {
        W1[3] = bswap(nonce);
        S1.set(mid);
        compress(S1, W1);
        for (let i = 0; i < 8; i++) W2[i] = S1[i]!;
        S2.set(IV);
        compress(S2, W2);
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
          return done(job.id, nonce - job.start + 1, nonce, hash);
        }
      }
      progress(job.id, nonce - job.start);
    }
    return done(job.id, job.end - job.start, null, null);
  }

  const sha256: (data: Uint8Array) => Uint8Array =
    typeof crypto.hash === 'function'
      ? (data) => crypto.hash('sha256', data, 'buffer')
      : (data) => crypto.createHash('sha256').update(data).digest();

  function grindNodeCrypto(job: WorkerJob): WorkerReply {
    const buf = new Uint8Array(job.header);
    const t = job.target;
    let nonce = job.start;
    while (nonce < job.end) {
      if (Atomics.load(control, 0) !== job.id) return done(job.id, nonce - job.start, null, null);
      const stop = Math.min(job.end, nonce + BATCH);
      for (; nonce < stop; nonce++) {
        buf[76] = nonce;
        buf[77] = nonce >>> 8;
        buf[78] = nonce >>> 16;
        buf[79] = nonce >>> 24;
        const h = sha256(sha256(buf));
        let ok = true;
        for (let i = 31; i >= 0; i--) {
          if (h[i] !== t[i]) {
            ok = h[i]! < t[i]!;
            break;
          }
        }
        if (ok) return done(job.id, nonce - job.start + 1, nonce, new Uint8Array(h));
      }
      progress(job.id, nonce - job.start);
    }
    return done(job.id, job.end - job.start, null, null);
  }

  port.on('message', (job: WorkerJob) => {
    lastProgress = Date.now();
    port.postMessage(job.engine === 'node-crypto' ? grindNodeCrypto(job) : grindJs(job));
  });
}

/** What the pool passes to `new Worker(..., { eval: true })`. */
export const WORKER_SOURCE = `(${minerWorkerMain.toString()})(require('node:crypto'), require('node:worker_threads'));`;
