/**
 * The running downloads and the peer messages that feed them (docs/files.md, "Downloading"):
 * a peer's `files` entry makes it a provider of a running download (its bitfield checked
 * against the chunk count: a wrong length is MALFORMED), `chunk` and `notfile` go to the
 * download that asked, and a chunk nobody asked that peer for is UNREQUESTED_CHUNK, except
 * the endgame's late copies of a file already whole (libtorrent's endgame has the same race).
 * Each download (download.ts) chooses what to request from whom.
 */
import type { Clock, Random } from '../clock.js';
import type { Logger } from '../log.js';
import { P2PError } from '../p2p/errors.js';
import type { FilesMessage } from '../p2p/files-messages.js';
import { toHex } from '../protocol/bytes.js';
import { Bitfield } from './bitfield.js';
import type { FilesCounters } from './counters.js';
import { Download, type Provider } from './download.js';
import type { FilesPeer, FilesPeers } from './peers.js';
import type { FileStore, StoredFile } from './store.js';

export interface DownloadsDeps {
  store: FileStore;
  clock: Clock;
  random: Random;
  log: Logger;
  counters: FilesCounters;
  peers: FilesPeers;
  /** Every chunk of `f` is held and verified (also called at once for a file of no chunks). */
  finished(f: StoredFile): void;
}

export class Downloads {
  private readonly deps: DownloadsDeps;
  /** By manifest id. */
  private readonly running = new Map<string, Download>();

  constructor(deps: DownloadsDeps) {
    this.deps = deps;
  }

  get(idHex: string): Download | undefined {
    return this.running.get(idHex);
  }

  has(idHex: string): boolean {
    return this.running.has(idHex);
  }

  values(): IterableIterator<Download> {
    return this.running.values();
  }

  /** Stops tracking `idHex` (finished or removed). */
  delete(idHex: string): void {
    this.running.delete(idHex);
  }

  /** Whether the download of `idHex` runs and has had no provider at all so far. */
  neverProvided(idHex: string): boolean {
    const d = this.running.get(idHex);
    return d !== undefined && d.providers.size === 0 && d.fromProvider.size === 0;
  }

  /** Starts downloading `f` from the connected peers that announced it (no-op if running). */
  start(f: StoredFile): void {
    if (this.running.has(f.idHex)) return;
    const peers = this.deps.peers;
    const d = new Download(f, {
      store: this.deps.store,
      clock: this.deps.clock,
      random: this.deps.random,
      log: this.deps.log,
      counters: this.deps.counters,
      request: (p: Provider, indexes) =>
        peers.byProviderKey(p.key)?.send({ command: 'getchunks', id: f.id, indexes }),
      punish: (p, code, message) => peers.byProviderKey(p.key)?.offence(new P2PError(code, message)),
      finished: () => this.deps.finished(f),
    });
    this.running.set(f.idHex, d);
    for (const fp of peers.values()) {
      if (fp.holdings.has(f.idHex)) this.addProvider(d, fp, fp.holdings.get(f.idHex) ?? null);
    }
    if (f.manifest.chunkCount === 0) {
      d.done = true;
      this.deps.finished(f);
      return;
    }
    d.schedule();
  }

  /** `fp` announced `idHex` (whole, or the raw bitfield of the chunks it holds). */
  announced(fp: FilesPeer, idHex: string, raw: Uint8Array | null): void {
    const d = this.running.get(idHex);
    if (d) this.addProvider(d, fp, raw);
  }

  private addProvider(d: Download, fp: FilesPeer, raw: Uint8Array | null): void {
    d.addrs.set(String(fp.peer.id), fp.peer.addr);
    if (raw === null) {
      d.addProvider(String(fp.peer.id), null);
      return;
    }
    const bits = Bitfield.fromWire(d.file.manifest.chunkCount, raw);
    if (!bits) {
      fp.peer.offence(new P2PError('MALFORMED', `files: bitfield of ${d.file.idHex} has the wrong length`));
      return;
    }
    d.addProvider(String(fp.peer.id), bits);
  }

  /** The peer of provider key `key` is gone: its requests go to other providers. */
  peerGone(key: string): void {
    for (const d of this.running.values()) d.removeProvider(key);
    this.scheduleAll();
  }

  scheduleAll(): void {
    for (const d of this.running.values()) d.schedule();
  }

  onChunk(fp: FilesPeer, msg: Extract<FilesMessage, { command: 'chunk' }>): Promise<void> | void {
    const idHex = toHex(msg.id);
    const d = this.running.get(idHex);
    const p = d?.providers.get(String(fp.peer.id));
    if (!d || !p) {
      // The endgame's late copies of a file we finished are no offence.
      if (this.deps.store.get(idHex)?.complete) return;
      throw new P2PError('UNREQUESTED_CHUNK', `chunk of ${idHex} nobody asked for`);
    }
    return d.onPiece(p, msg.index, msg.offset, msg.path, msg.data);
  }

  /** `fp` does not hold the chunks `indexes` of `idHex`, or is too busy to send them now. */
  onNotFound(fp: FilesPeer, idHex: string, indexes: readonly number[]): void {
    const d = this.running.get(idHex);
    const p = d?.providers.get(String(fp.peer.id));
    if (d && p) d.onNotFound(p, indexes);
  }
}
