/**
 * The files service (DESIGN.md section 10, docs/files.md): what the node shares and fetches.
 * It is the P2P layer's FilesPeerHooks: peers that signal NODE_FILES and send `sendfiles`
 * before verack (the pattern of BIP339's `wtxidrelay`) get our holdings in `files` messages,
 * and their `files` tell us who provides what. Providers are found among connected peers
 * first, as IPFS's Bitswap does (those that announced the file, else a `getmanifest` to every
 * files peer); with the node's DHT (issue 17, `useDht`), a file still without a provider is
 * looked up there and its providers dialled (dht-fallback.ts), and every whole, anchored file
 * held is announced there.
 *
 * Only manifests whose commitment is anchored on the best chain are announced, served or
 * fetched: a downloader checks the manifest it receives against the commitment on the chain
 * before asking for a chunk, and each chunk against the manifest's root (download.ts).
 *
 * This is the coordinator; the parts live beside it: peers.ts (files peers and what we
 * announce to them), wanted.ts (fetches waiting for a manifest, and who waits for what),
 * downloads.ts (running downloads and the messages that feed them), server.ts (answering
 * peers), provide-sync.ts and dht-fallback.ts (the DHT), export.ts and info.ts (local output).
 */
import { readFile } from 'node:fs/promises';
import type { Clock, Random } from '../clock.js';
import type { ProviderFinder } from '../dht/dht.js';
import type { Logger } from '../log.js';
import { FILES_PROTOCOL_VERSION, type FilesEntry, type FilesMessage } from '../p2p/files-messages.js';
import { NODE_FILES } from '../p2p/netaddr.js';
import type { FilesPeerHooks } from '../p2p/p2p.js';
import type { Peer } from '../p2p/peer.js';
import { fromHex, toHex } from '../protocol/bytes.js';
import type { NetworkParams } from '../protocol/params.js';
import { type FilesCounters, newCounters } from './counters.js';
import { DhtFallback, type FileDialer } from './dht-fallback.js';
import { Downloads } from './downloads.js';
import { FilesError } from './errors.js';
import { checkOutput, exportFile, readVerified } from './export.js';
import { type FileInfo, fileInfo, type PastFetch } from './info.js';
import { type FilesPeer, FilesPeers } from './peers.js';
import { type ProofChain, readProof } from './proof.js';
import { ProvideSync } from './provide-sync.js';
import { FileServer } from './server.js';
import type { FilesStorage } from './storage.js';
import { FileStore, type StoredFile } from './store.js';
import { askedManifest, noProvidersError, WantedFiles } from './wanted.js';

const TICK_MS = 500;

export interface FilesChain extends ProofChain {
  on(event: 'connect' | 'disconnect', fn: () => void): unknown;
  off(event: 'connect' | 'disconnect', fn: () => void): unknown;
}

export interface FilesOptions {
  dir: string;
  params: NetworkParams;
  /** Store quota in bytes (0: none). */
  maxBytes: number;
  /** Chunk bytes per fdatasync of a download (store.ts GROUP_BYTES; 0: every chunk). */
  groupBytes?: number;
  /** Where the store keeps its bytes (storage.ts; default the disk, the simulator's memory). */
  storage?: FilesStorage;
}

export interface FilesDeps {
  chain: FilesChain;
  clock: Clock;
  random: Random;
  log: Logger;
}

export type { FileInfo } from './info.js';

export class FilesService implements FilesPeerHooks {
  readonly store: FileStore;
  readonly counters: FilesCounters = newCounters();
  private readonly opts: FilesOptions;
  private readonly deps: FilesDeps;
  private readonly server: FileServer;
  private readonly peers: FilesPeers;
  /** Running downloads; the simulator reads which provider sent the first chunk. */
  readonly downloads: Downloads;
  private readonly wanted: WantedFiles;
  private readonly provided: ProvideSync;
  private readonly anchoredCache = new Map<string, boolean>();
  /** Chunks per peer of finished downloads (by manifest id), for `getfileinfo`. */
  private readonly fetchedFrom = new Map<string, PastFetch>();
  /** The DHT fallback and announcements; null while the node runs no DHT. */
  private dht: DhtFallback | null = null;
  private readonly timer: unknown;
  private readonly onTip = () => this.tipChanged();
  private stopped = false;

  private constructor(store: FileStore, opts: FilesOptions, deps: FilesDeps) {
    this.store = store;
    this.opts = opts;
    this.deps = deps;
    this.server = new FileServer({
      store,
      counters: this.counters,
      log: deps.log,
      anchored: (f) => this.anchored(f),
      lookup: (idHex) => this.lookup(idHex),
    });
    this.peers = new FilesPeers({ store, anchored: (f) => this.anchored(f) });
    this.downloads = new Downloads({
      ...deps,
      store,
      counters: this.counters,
      peers: this.peers,
      finished: (f) => {
        void this.finished(f).catch((e) =>
          this.deps.log.error('finishing a download failed', { error: (e as Error).message }),
        );
      },
    });
    this.wanted = new WantedFiles({
      clock: deps.clock,
      noProvider: (key) => this.downloads.neverProvided(key),
      whyNone: (key, ms) => noProvidersError(key, ms, this.dht),
      abandoned: (key) => this.dht?.end(key),
    });
    this.provided = new ProvideSync({
      store,
      clock: deps.clock,
      log: deps.log,
      anchored: (f) => this.anchored(f),
      dht: () => this.dht,
      stopped: () => this.stopped,
    });
    deps.chain.on('connect', this.onTip);
    deps.chain.on('disconnect', this.onTip);
    this.timer = deps.clock.setInterval(() => this.tick(), TICK_MS);
    (this.timer as { unref?: () => void }).unref?.();
    for (const f of store.files.values()) if (!f.complete) this.downloads.start(f);
  }

  static async open(opts: FilesOptions, deps: FilesDeps): Promise<FilesService> {
    const store = await FileStore.open(opts.dir, { groupBytes: opts.groupBytes, storage: opts.storage });
    return new FilesService(store, opts, deps);
  }

  /**
   * Uses the node's DHT from now on: files no connected peer holds are looked up there, and
   * the whole, anchored files held (now and later) are announced.
   */
  useDht(finder: ProviderFinder, dialer: FileDialer): void {
    this.dht = new DhtFallback({
      finder,
      dialer,
      clock: this.deps.clock,
      log: this.deps.log,
      counters: this.counters,
    });
    void this.provided.sync();
  }

  /** Announces every file again (the DHT's routing table was just filled). */
  reprovide(): void {
    this.dht?.reprovide();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.dht?.stop();
    this.deps.clock.clearInterval(this.timer);
    this.deps.chain.off('connect', this.onTip);
    this.deps.chain.off('disconnect', this.onTip);
    this.wanted.cancelAll();
    // A chunk being written finishes its write and record (store.ts); then the database closes.
    await new Promise((r) => setImmediate(r));
    await this.store.close();
  }

  // -----------------------------------------------------------------------------------------
  // Peers

  beforeVerack(peer: Peer): void {
    if (((peer.version?.services ?? 0n) & NODE_FILES) !== 0n) {
      peer.send({ command: 'sendfiles', version: FILES_PROTOCOL_VERSION });
    }
  }

  onReady(peer: Peer): void {
    if (peer.filesVersion === 0 || ((peer.version?.services ?? 0n) & NODE_FILES) === 0n) return;
    const fp = this.peers.add(peer);
    void this.peers.announceTo(fp);
    this.wanted.askAll(fp);
  }

  onClose(peer: Peer): void {
    if (!this.peers.remove(peer)) return;
    this.server.peerGone(peer);
    this.downloads.peerGone(String(peer.id));
  }

  async onMessage(peer: Peer, msg: FilesMessage): Promise<void> {
    const fp = this.peers.get(peer);
    if (!fp) return; // not negotiated: ignored, as Core ignores what it did not agree to
    switch (msg.command) {
      case 'sendfiles':
        return;
      case 'files':
        return this.onFiles(fp, msg.entries);
      case 'getmanifest':
        return this.server.onGetManifest(peer, toHex(msg.id), msg.id);
      case 'manifest':
        return this.onManifest(fp, msg.manifest, msg.link);
      case 'getchunks':
        return this.server.onGetChunks(peer, toHex(msg.id), msg.id, msg.indexes);
      case 'chunk':
        return this.downloads.onChunk(fp, msg);
      case 'notfile':
        // A manifest not held ends that ask; chunks not held go to the download's other providers.
        if (msg.what === 0) fp.asked.delete(toHex(msg.id));
        else this.downloads.onNotFound(fp, toHex(msg.id), msg.indexes);
        return;
    }
  }

  private onFiles(fp: FilesPeer, entries: readonly FilesEntry[]): void {
    for (const e of entries) {
      const idHex = toHex(e.id);
      fp.holdings.set(idHex, e.bitfield);
      this.downloads.announced(fp, idHex, e.bitfield);
      const w = this.wanted.get(idHex);
      if (w) this.wanted.ask(fp, idHex, w);
    }
    this.downloads.scheduleAll();
  }

  private async onManifest(
    fp: FilesPeer,
    bytes: Uint8Array,
    link: { index: number; count: number; path: Uint8Array[] },
  ): Promise<void> {
    const { manifest, idHex, commitment, target } = askedManifest(fp, bytes, link);
    if (!this.wanted.has(target) || this.downloads.has(idHex)) return;
    // Taken before any await: a second provider's answer must not start a second download.
    const w = this.wanted.take(target)!;
    if (!(await this.deps.chain.getAnchor(commitment))) {
      const why = 'manifest offered for a commitment not on the best chain yet; asking again on a new tip';
      this.deps.log.info(why, { id: idHex });
      // A fetch started a block early (the peer mined or heard of the anchor first) must not
      // stall: this peer is asked again once our tip moves, and never more than once per tip.
      this.wanted.deferEarly(target, w, fp);
      return;
    }
    const f = await this.store.beginDownload(manifest, link, commitment, w.output);
    this.wanted.moveWaiters(target, f.idHex);
    this.dht?.rename(target, f.idHex);
    if (f.complete) await this.finished(f);
    else this.downloads.start(f);
  }

  // -----------------------------------------------------------------------------------------
  // Announcing

  private tick(): void {
    if (this.stopped) return;
    this.downloads.scheduleAll();
    this.peers.announceAll();
    if (!this.dht) return;
    // Bitswap's order: the DHT only for files no connected peer provides.
    for (const target of this.wanted.targets()) this.dht.lacking(target, fromHex(target));
    for (const d of this.downloads.values())
      if (d.providers.size === 0) this.dht.lacking(d.file.idHex, d.file.commitment);
    if (this.provided.due()) void this.provided.sync();
  }

  private tipChanged(): void {
    this.anchoredCache.clear();
    this.peers.announceAll();
    this.wanted.retryEarly((fp) => this.peers.get(fp.peer) === fp);
    void this.provided.sync();
  }

  /** Whether `f`'s commitment is anchored on the best chain (cached until the tip moves). */
  async anchored(f: StoredFile): Promise<boolean> {
    const key = toHex(f.commitment);
    const hit = this.anchoredCache.get(key);
    if (hit !== undefined) return hit;
    const yes = (await this.deps.chain.getAnchor(f.commitment)) !== null;
    this.anchoredCache.set(key, yes);
    return yes;
  }

  private lookup(idHex: string): StoredFile | undefined {
    const f = this.store.get(idHex);
    if (f) return f;
    const under = [...this.store.files.values()].filter((x) => toHex(x.commitment) === idHex);
    return under.length === 1 ? under[0] : undefined;
  }

  // -----------------------------------------------------------------------------------------
  // Downloads

  private async finished(f: StoredFile): Promise<void> {
    if (!f.complete) await this.store.finish(f);
    const d = this.downloads.get(f.idHex);
    if (d) {
      const { fromPeers: from, rate, dhtProviders } = await this.info(f);
      this.fetchedFrom.set(f.idHex, { from, rate, dhtProviders });
    }
    this.downloads.delete(f.idHex);
    this.dht?.end(f.idHex);
    void this.provided.sync();
    let err: Error | null = null;
    try {
      if (f.output) await this.export(f, f.output);
    } catch (e) {
      err = e as Error;
      this.deps.log.error('writing the fetched file failed', {
        id: f.idHex,
        output: f.output,
        error: err.message,
      });
    }
    this.deps.log.info('file fetched and verified', { id: f.idHex, size: f.manifest.size, output: f.output });
    this.peers.announceAll();
    this.wanted.settle(f.idHex, err);
  }

  /** Writes the file and its `.anchor.json` proof at `output` (export.ts). */
  private export(f: StoredFile, output: string): Promise<void> {
    return exportFile({ chain: this.deps.chain, params: this.opts.params, store: this.store }, f, output);
  }

  // -----------------------------------------------------------------------------------------
  // Local requests (RPC)

  /**
   * Shares the file at `path` under the proof at `proofPath` (default `<path>.anchor.json`):
   * checked against the proof's manifest and copied into the store; announced once anchored.
   */
  async share(path: string, proofPath?: string): Promise<FileInfo> {
    const pp = proofPath ?? `${path}.anchor.json`;
    const text = await readFile(pp, 'utf8').catch(() => {
      throw new FilesError(
        'BAD_PROOF',
        `cannot read the proof ${pp} (anchor the file first: gossip-wallet anchor)`,
      );
    });
    const proof = readProof(text, this.opts.params, `${pp}: `);
    this.checkQuota(proof.manifest.size, toHex(proof.id));
    const f = await this.store.addShared(path, proof.manifest, proof.path, proof.commitment);
    this.peers.announceAll();
    void this.provided.sync();
    return this.info(f);
  }

  /**
   * Starts fetching a file: by manifest id or anchor commitment (hex), or by a proof's text.
   * `output` (absolute) receives the file and its `.anchor.json` once whole and verified.
   */
  async fetch(
    target: { id?: string; proof?: string },
    output: string | null,
  ): Promise<FileInfo | { id: string; state: 'finding' }> {
    if (output) await checkOutput(output);
    if (target.proof !== undefined) {
      const proof = readProof(target.proof, this.opts.params);
      if (!(await this.deps.chain.getAnchor(proof.commitment))) {
        throw new FilesError('NOT_ANCHORED', "the proof's commitment is not anchored on the best chain");
      }
      this.checkQuota(proof.manifest.size, toHex(proof.id));
      const f = await this.store.beginDownload(proof.manifest, proof.path, proof.commitment, output);
      if (f.complete) {
        if (output) await this.export(f, output);
      } else this.downloads.start(f);
      return this.info(f);
    }
    const idHex = target.id ?? '';
    if (!/^[0-9a-f]{64}$/.test(idHex)) throw new FilesError('BAD_PROOF', 'an id is 64 lowercase hex digits');
    const have = this.lookup(idHex);
    if (have) {
      if (have.complete) {
        if (output) await this.export(have, output);
      } else if (output) have.output = output;
      return this.info(have);
    }
    // Bitswap's order: peers that announced it, else every files peer.
    const announced = [...this.peers.values()].filter((fp) => fp.holdings.has(idHex));
    this.wanted.want(idHex, output, announced.length > 0 ? announced : this.peers.values());
    return { id: idHex, state: 'finding' };
  }

  /**
   * Resolves once the file (by manifest id or anchor) is whole and written; rejects on stop.
   * With `findTimeoutMs`, rejects with NO_PROVIDERS if by then no provider was found (no
   * manifest came, or its download never had a provider); a fetch nobody else waits for and
   * that has no manifest yet is then given up, so the node stops asking for it.
   */
  whenComplete(idHex: string, opts: { findTimeoutMs?: number } = {}): Promise<void> {
    const f = this.lookup(idHex);
    if (f?.complete && !this.downloads.has(f.idHex)) return Promise.resolve();
    return this.wanted.wait(f?.idHex ?? idHex, opts.findTimeoutMs);
  }

  async list(): Promise<FileInfo[]> {
    const out: FileInfo[] = [];
    for (const f of this.store.files.values()) out.push(await this.info(f));
    return out;
  }

  /** A file by manifest id or commitment; null if the store has none. */
  async get(idHex: string): Promise<FileInfo | null> {
    const f = this.lookup(idHex);
    return f ? this.info(f) : null;
  }

  async remove(idHex: string): Promise<boolean> {
    const f = this.lookup(idHex);
    if (!f) return false;
    this.downloads.delete(f.idHex);
    this.dht?.end(f.idHex);
    this.peers.forget(f.idHex);
    const removed = await this.store.remove(f.idHex);
    void this.provided.sync();
    return removed;
  }

  /** Connected peers that announced the file `idHex` (a manifest id or single-file anchor). */
  providerCount(id: string): number {
    return this.peers.providerCount(this.lookup(id)?.idHex ?? id);
  }

  /** Connected peers asked for the manifest of `target` (an id as fetched) that have not answered. */
  asking(target: string): number {
    return this.peers.asking(target);
  }

  /** Whether `f`'s bytes may be served to a local client (whole and verified). */
  readable(idHex: string): StoredFile | null {
    const f = this.lookup(idHex);
    return f?.complete ? f : null;
  }

  /** A whole file's bytes, each chunk re-hashed against its leaf as it is read (store.ts). */
  async openVerified(
    idHex: string,
  ): Promise<{ name: string; size: number; stream: AsyncIterable<Uint8Array> } | null> {
    const f = this.readable(idHex);
    return f ? { name: f.manifest.name, size: f.manifest.size, stream: readVerified(this.store, f) } : null;
  }

  private checkQuota(size: number, idHex: string): void {
    if (this.opts.maxBytes <= 0 || this.store.get(idHex)) return;
    const used = this.store.usedBytes();
    if (used + size > this.opts.maxBytes) {
      throw new FilesError(
        'QUOTA',
        `the store holds ${used} bytes; ${size} more would pass --files-max-bytes ${this.opts.maxBytes}`,
      );
    }
  }

  async info(f: StoredFile): Promise<FileInfo> {
    const d = this.downloads.get(f.idHex);
    return fileInfo(f, {
      anchored: await this.anchored(f),
      providers: this.providerCount(f.idHex),
      download: d ? { d, dhtProviders: this.dht?.found(f.idHex) ?? 0, now: this.deps.clock.now() } : null,
      past: this.fetchedFrom.get(f.idHex),
      addrOf: (k) => this.peers.byProviderKey(k)?.addr,
    });
  }
}
