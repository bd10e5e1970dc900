/**
 * One file's download from several peers at once (docs/files.md), with BitTorrent's piece
 * picking (Cohen, "Incentives Build Robustness in BitTorrent", 2003: rarest first, endgame) and
 * libtorrent's per-peer request queue sized to the peer's measured rate (`request_queue_time`),
 * but verifying each chunk alone against the anchored root with its RFC 6962 audit path, so a
 * bad peer is known after one chunk (no smart-ban heuristics):
 *
 * - Rarest first: missing chunks ordered by how many providers announced them, ties broken at
 *   random (injected Random), re-ordered when a provider comes or goes.
 * - Pipelining: each provider has up to `rate x QUEUE_TIME_MS` bytes requested (at least 2
 *   chunks, slow start from there); its rate is a moving average of chunk service times.
 * - Timeouts: a request older than max(MIN_TIMEOUT_MS, 4x its expected time) is given back to
 *   the pool for another provider (the late answer is still accepted if it comes first).
 * - Endgame: once every missing chunk is requested, idle providers ask for chunks in flight
 *   elsewhere; the first copy to verify wins, later ones are counted as duplicates.
 * - Bad data: a chunk that does not verify is a BAD_CHUNK offence (100, disconnect); its
 *   requests go back to the pool. At most the one chunk is wasted per bad peer.
 *
 * It holds no socket: `send` and `punish` are given, the store does the I/O.
 */
import { chunkLength } from '../anchors/manifest.js';
import { leafHash, rootFromPath } from '../anchors/tree.js';
import type { Clock, Random } from '../clock.js';
import type { Logger } from '../log.js';
import { MAX_GETCHUNKS, PIECE_SIZE } from '../p2p/files-messages.js';
import { equal } from '../protocol/bytes.js';
import type { Bitfield } from './bitfield.js';
import type { FilesCounters } from './counters.js';
import type { FileStore, StoredFile } from './store.js';

/** Seconds of a provider's rate kept requested (libtorrent's request_queue_time is 3 s). */
const QUEUE_TIME_MS = 2_000;
const MIN_TIMEOUT_MS = 15_000;
/** Bytes requested from one provider at most. */
const MAX_INFLIGHT_BYTES = 64 * 1024 * 1024;
/**
 * Verified chunk bytes being written before a peer's next message waits for the disk: the
 * network keeps flowing while the OS takes writes, and memory stays bounded when the disk is
 * the slower.
 */
const WRITE_BACKLOG_BYTES = 16 * 1024 * 1024;
/** The endgame starts when at most this many chunks per provider are missing. */
const ENDGAME_PER_PROVIDER = 4;

/** A peer as the download sees it: an opaque key with what it has and how to ask it. */
export interface Provider {
  readonly key: string;
  /** Null: the whole file. */
  have: Bitfield | null;
  /** Bytes per ms, moving average; 0 until measured. */
  rate: number;
  readonly inflight: Map<number, number>;
  /** Chunks whose answer may still come (timed out, or asked in the endgame). */
  readonly late: Set<number>;
  /** Chunks it answered `notfile` for (or throttled): not asked of it again. */
  readonly refused: Set<number>;
  /** The chunk being assembled from pieces. */
  assembling: { index: number; buf: Uint8Array; filled: number; path: Uint8Array[] } | null;
  lastArrival: number;
  chunksFrom: number;
}

export interface DownloadDeps {
  store: FileStore;
  clock: Clock;
  random: Random;
  log: Logger;
  counters: FilesCounters;
  request(p: Provider, indexes: number[]): void;
  punish(p: Provider, code: 'BAD_CHUNK' | 'UNREQUESTED_CHUNK', message: string): void;
  /** All chunks are held and recorded. */
  finished(): void;
}

export class Download {
  readonly file: StoredFile;
  readonly providers = new Map<string, Provider>();
  private readonly deps: DownloadDeps;
  /** Missing chunks, rarest first. */
  private order: number[] = [];
  private orderDirty = true;
  private readonly inflightBy = new Map<number, Set<string>>();
  private readonly writing = new Set<number>();
  private writingBytes = 0;
  readonly startedAt: number;
  /** Chunks received and verified by this download, per provider key (for tests and info). */
  readonly fromProvider = new Map<string, number>();
  /** Each provider's address as it was when it joined (info names a provider gone since by it). */
  readonly addrs = new Map<string, string>();
  done = false;

  constructor(file: StoredFile, deps: DownloadDeps) {
    this.file = file;
    this.deps = deps;
    this.startedAt = deps.clock.now();
  }

  get missing(): number {
    return this.file.manifest.chunkCount - this.file.have.count;
  }

  addProvider(key: string, have: Bitfield | null): Provider {
    let p = this.providers.get(key);
    if (p) p.have = have;
    else {
      p = {
        key,
        have,
        rate: 0,
        inflight: new Map(),
        late: new Set(),
        refused: new Set(),
        assembling: null,
        lastArrival: 0,
        chunksFrom: 0,
      };
      this.providers.set(key, p);
    }
    this.orderDirty = true;
    return p;
  }

  removeProvider(key: string): void {
    const p = this.providers.get(key);
    if (!p) return;
    this.providers.delete(key);
    for (const i of p.inflight.keys()) this.release(i, key);
    this.orderDirty = true;
  }

  private release(index: number, key: string): void {
    const s = this.inflightBy.get(index);
    if (!s) return;
    s.delete(key);
    if (s.size === 0) this.inflightBy.delete(index);
  }

  private rebuildOrder(): void {
    const n = this.file.manifest.chunkCount;
    const avail = new Uint32Array(n);
    const all = [...this.providers.values()];
    const whole = all.filter((p) => p.have === null).length;
    for (const p of all) {
      if (!p.have) continue;
      for (let i = 0; i < n; i++) if (p.have.has(i)) avail[i]!++;
    }
    const keys = new Map<number, number>();
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      if (this.file.have.has(i)) continue;
      out.push(i);
      keys.set(i, (avail[i]! + whole) * 2 + this.deps.random.float());
    }
    out.sort((a, b) => keys.get(a)! - keys.get(b)!);
    this.order = out;
    this.orderDirty = false;
  }

  private targetBytes(p: Provider): number {
    const cs = this.file.manifest.chunkSize;
    const byRate = p.rate * QUEUE_TIME_MS;
    // No provider takes more than its share of what is left, or the others would idle into
    // the endgame while one holds every request.
    const share = Math.ceil(this.missing / Math.max(1, this.providers.size)) * cs;
    return Math.min(MAX_INFLIGHT_BYTES, share, Math.max(2 * cs, byRate));
  }

  private inflightBytes(p: Provider): number {
    return p.inflight.size * this.file.manifest.chunkSize;
  }

  /** Gives every provider requests up to its target, then the endgame's duplicates. */
  schedule(): void {
    if (this.done) return;
    if (this.orderDirty) this.rebuildOrder();
    const now = this.deps.clock.now();
    this.expire(now);
    const providers = [...this.providers.values()].sort((a, b) => b.rate - a.rate);
    let cursor = 0;
    for (const p of providers) {
      const want: number[] = [];
      const target = this.targetBytes(p);
      const cs = this.file.manifest.chunkSize;
      for (let i = cursor; i < this.order.length && this.inflightBytes(p) + want.length * cs < target; i++) {
        const idx = this.order[i]!;
        if (this.file.have.has(idx) || this.writing.has(idx) || this.inflightBy.has(idx)) continue;
        if ((p.have && !p.have.has(idx)) || p.refused.has(idx)) continue;
        want.push(idx);
        this.mark(p, idx, now);
        if (want.length >= MAX_GETCHUNKS) break;
      }
      // Everyone after this provider scans from the first chunk still open.
      while (cursor < this.order.length) {
        const idx = this.order[cursor]!;
        if (this.file.have.has(idx) || this.writing.has(idx) || this.inflightBy.has(idx)) cursor++;
        else break;
      }
      // Endgame only for the last few chunks (BitTorrent's rule), never while most are missing.
      const fewLeft = this.missing <= ENDGAME_PER_PROVIDER * this.providers.size;
      if (want.length === 0 && p.inflight.size === 0 && fewLeft) this.endgame(p, want, now);
      if (want.length > 0) this.deps.request(p, want);
    }
  }

  /** An idle provider takes the chunk in flight elsewhere with the fewest copies asked. */
  private endgame(p: Provider, want: number[], now: number): void {
    let best = -1;
    let copies = Number.POSITIVE_INFINITY;
    for (const [idx, holders] of this.inflightBy) {
      if (holders.has(p.key) || p.late.has(idx) || p.refused.has(idx) || this.writing.has(idx)) continue;
      if (p.have && !p.have.has(idx)) continue;
      if (holders.size < copies) {
        best = idx;
        copies = holders.size;
      }
    }
    if (best >= 0 && copies < 3) {
      want.push(best);
      this.mark(p, best, now);
    }
  }

  private mark(p: Provider, idx: number, now: number): void {
    // A chunk timed out here may be asked of the same provider again (the only one, say): its
    // late answer is still owed besides the new one, so it stays in `late`.
    p.inflight.set(idx, now);
    let s = this.inflightBy.get(idx);
    if (!s) {
      s = new Set();
      this.inflightBy.set(idx, s);
    }
    s.add(p.key);
  }

  private expire(now: number): void {
    for (const p of this.providers.values()) {
      const expected = p.rate > 0 ? (this.inflightBytes(p) / p.rate) * 4 : 0;
      const timeout = Math.max(MIN_TIMEOUT_MS, expected);
      for (const [idx, at] of p.inflight) {
        if (now - at < timeout) continue;
        p.inflight.delete(idx);
        p.late.add(idx);
        this.release(idx, p.key);
        this.deps.log.debug('chunk request timed out; given to another provider', {
          peer: p.key,
          chunk: idx,
        });
      }
    }
  }

  /** A `chunk` message's piece from provider `p`. */
  async onPiece(
    p: Provider,
    index: number,
    offset: number,
    path: Uint8Array[],
    data: Uint8Array,
  ): Promise<void> {
    const m = this.file.manifest;
    if (!p.inflight.has(index) && !p.late.has(index)) {
      this.deps.punish(p, 'UNREQUESTED_CHUNK', `chunk ${index} was not asked of this peer`);
      return;
    }
    const len = chunkLength(m, index);
    let a = p.assembling;
    if (offset === 0) {
      if (len <= PIECE_SIZE) return this.onChunk(p, index, data, path);
      a = { index, buf: new Uint8Array(len), filled: 0, path };
      p.assembling = a;
    }
    if (!a || a.index !== index || a.filled !== offset || offset + data.length > len) {
      this.deps.punish(p, 'BAD_CHUNK', `piece of chunk ${index} at ${offset} out of order or too long`);
      return;
    }
    a.buf.set(data, offset);
    a.filled += data.length;
    if (a.filled < len && data.length === PIECE_SIZE) return;
    p.assembling = null;
    return this.onChunk(p, index, a.buf, a.path);
  }

  private async onChunk(p: Provider, index: number, data: Uint8Array, path: Uint8Array[]): Promise<void> {
    const now = this.deps.clock.now();
    const sentAt = p.inflight.get(index);
    // One answer per request: asked again after a timeout, the provider owes a second copy,
    // which is a duplicate, not an unrequested chunk (and no reason to drop it).
    if (!p.inflight.delete(index)) p.late.delete(index);
    this.release(index, p.key);
    const c = this.deps.counters;
    c.bytesFetched += data.length;
    if (this.file.have.has(index) || this.writing.has(index)) {
      c.duplicateChunks++;
      return;
    }
    c.chunksHashed++;
    const m = this.file.manifest;
    // One SHA-256 pass: the leaf found here is the one the store records.
    const leaf = data.length === chunkLength(m, index) ? leafHash(data) : null;
    const root = leaf && rootFromPath(leaf, index, m.chunkCount, path);
    if (!leaf || !root || !equal(root, m.root)) {
      c.badChunks++;
      const why = !leaf ? 'WRONG_LENGTH' : 'ROOT_MISMATCH';
      this.deps.punish(p, 'BAD_CHUNK', `chunk ${index} of ${this.file.idHex}: ${why}`);
      return;
    }
    // Service time: since the request, or since the previous answer if it was pipelined behind it.
    const since = Math.max(sentAt ?? now, p.lastArrival);
    const sample = data.length / Math.max(1, now - since);
    p.rate = p.rate === 0 ? sample : p.rate * 0.7 + sample * 0.3;
    p.lastArrival = now;
    p.chunksFrom++;
    this.fromProvider.set(p.key, (this.fromProvider.get(p.key) ?? 0) + 1);
    this.writing.add(index);
    this.writingBytes += data.length;
    const written = this.write(index, data, leaf, path);
    // Ask for more while the disk takes this one; wait for it only past the backlog.
    this.schedule();
    if (this.writingBytes > WRITE_BACKLOG_BYTES) await written;
  }

  private async write(index: number, data: Uint8Array, leaf: Uint8Array, path: Uint8Array[]): Promise<void> {
    try {
      await this.deps.store.writeChunk(this.file, index, data, leaf, path);
      this.deps.counters.chunksWritten++;
    } catch (e) {
      // Not held, so asked for again; the store keeps failing loudly if the disk does.
      this.deps.log.error('writing a verified chunk failed', {
        file: this.file.idHex,
        chunk: index,
        error: (e as Error).message,
      });
    } finally {
      this.writing.delete(index);
      this.writingBytes -= data.length;
    }
    if (this.file.have.complete && !this.done) {
      this.done = true;
      this.deps.finished();
      return;
    }
    this.schedule();
  }

  /** A provider said it does not have these chunks (or throttled us): ask someone else. */
  onNotFound(p: Provider, indexes: readonly number[]): void {
    for (const i of indexes) {
      if (!p.inflight.delete(i)) continue;
      p.refused.add(i);
      this.release(i, p.key);
      p.late.delete(i);
    }
    this.schedule();
  }
}
