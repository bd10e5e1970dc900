/**
 * Serving manifests and chunks to peers (docs/files.md). Only files whose commitment is
 * anchored on the best chain are served: the chain's fees keep the network from being free
 * storage. Every chunk is read from the store (not re-hashed: it was verified when stored, see
 * store.ts) and sent with its RFC 6962 audit path, so the receiver can verify it alone.
 *
 * Block and tx relay first: file data is written to a peer's connection only while its send
 * buffer holds less than BULK_BACKLOG bytes, one piece (<= 256 KiB) at a time, so a block or a
 * transaction queued by the P2P layer waits behind at most BULK_BACKLOG plus one piece, never
 * behind a whole transfer (strict priority at the application's send queue; the kernel's socket
 * buffer is below us, see docs/files.md).
 *
 * Throttling: a peer has at most MAX_QUEUED chunk requests waiting; more are answered `notfile`
 * at once (its downloader asks elsewhere), so a fast requester cannot make us buffer.
 */
import type { Logger } from '../log.js';
import { encodeChunkParts, PIECE_SIZE } from '../p2p/files-messages.js';
import type { Peer } from '../p2p/peer.js';
import type { FilesCounters } from './counters.js';
import type { FileStore, StoredFile } from './store.js';

/** Send buffer above which file data waits (the P2P layer's own messages never wait). */
export const BULK_BACKLOG = 64 * 1024;
/** Chunk requests one peer may have waiting. */
export const MAX_QUEUED = 1024;

interface Job {
  file: StoredFile;
  index: number;
}

type Chunk = { data: Uint8Array; path: Uint8Array[] };

export interface ServerDeps {
  store: FileStore;
  counters: FilesCounters;
  log: Logger;
  /** Whether the file's commitment is anchored on the best chain now. */
  anchored(f: StoredFile): Promise<boolean>;
  /** The file a `getmanifest` id names: by manifest id, or by a commitment holding one file we have. */
  lookup(idHex: string): StoredFile | undefined;
}

export class FileServer {
  private readonly deps: ServerDeps;
  private readonly queues = new Map<Peer, Job[]>();
  private readonly pumping = new Set<Peer>();

  constructor(deps: ServerDeps) {
    this.deps = deps;
  }

  peerGone(peer: Peer): void {
    this.queues.delete(peer);
  }

  async onGetManifest(peer: Peer, idHex: string, id: Uint8Array): Promise<void> {
    const f = this.deps.lookup(idHex);
    if (!f || !(await this.deps.anchored(f))) {
      this.deps.counters.manifestsRefused++;
      peer.send({ command: 'notfile', id, what: 0, indexes: [] });
      return;
    }
    peer.send({
      command: 'manifest',
      manifest: f.manifestBytes,
      link: { index: f.link.index, count: f.link.count, path: [...f.link.path] },
    });
  }

  async onGetChunks(peer: Peer, idHex: string, id: Uint8Array, indexes: readonly number[]): Promise<void> {
    const f = this.deps.store.get(idHex);
    const refuse: number[] = [];
    if (!f || !(await this.deps.anchored(f))) {
      peer.send({ command: 'notfile', id, what: 1, indexes: [...indexes] });
      return;
    }
    let q = this.queues.get(peer);
    if (!q) {
      q = [];
      this.queues.set(peer, q);
    }
    for (const index of indexes) {
      if (index >= f.manifest.chunkCount || !f.have.has(index)) refuse.push(index);
      else if (q.length >= MAX_QUEUED) {
        this.deps.counters.throttled++;
        refuse.push(index);
      } else q.push({ file: f, index });
    }
    if (refuse.length > 0) peer.send({ command: 'notfile', id, what: 1, indexes: refuse });
    void this.pump(peer);
  }

  private async pump(peer: Peer): Promise<void> {
    if (this.pumping.has(peer)) return;
    this.pumping.add(peer);
    try {
      let ahead = this.readNext(peer);
      for (;;) {
        // Requests that came while the last chunk went out (the queue was empty when `ahead`
        // was read) are taken here: onGetChunks does not start a second pump while this one runs.
        const cur = ahead ?? this.readNext(peer);
        if (!cur || peer.closed) break;
        // The next chunk is read while this one goes out.
        ahead = this.readNext(peer);
        await this.serveOne(peer, cur.job, await cur.chunk);
      }
    } catch (e) {
      this.deps.log.warn('serving a chunk failed', { peer: peer.id, error: (e as Error).message });
    } finally {
      this.pumping.delete(peer);
    }
  }

  private readNext(peer: Peer): { job: Job; chunk: Promise<Chunk | null> } | null {
    const job = this.queues.get(peer)?.shift();
    if (!job) return null;
    // Not re-hashed: it was verified when stored, and the requester verifies it against the
    // anchored root (store.ts says why).
    const chunk = this.deps.store.readChunk(job.file, job.index, { verify: false });
    // Awaited when its turn comes; a failure meanwhile is not an unhandled rejection.
    chunk.catch(() => undefined);
    return { job, chunk };
  }

  private async serveOne(peer: Peer, { file, index }: Job, chunk: Chunk | null): Promise<void> {
    if (!chunk) {
      this.deps.log.warn('stored chunk unreadable or damaged; not served', {
        file: file.idHex,
        chunk: index,
      });
      peer.send({ command: 'notfile', id: file.id, what: 1, indexes: [index] });
      return;
    }
    const { data, path } = chunk;
    for (let off = 0; off < data.length; off += PIECE_SIZE) {
      await peer.drained(BULK_BACKLOG);
      if (peer.closed) return;
      const piece = data.subarray(off, off + PIECE_SIZE);
      peer.sendParts(
        'chunk',
        encodeChunkParts({
          command: 'chunk',
          id: file.id,
          index,
          offset: off,
          path: off === 0 ? path : [],
          data: piece,
        }),
      );
      this.deps.counters.bytesServed += piece.length;
    }
    this.deps.counters.chunksServed++;
  }
}
