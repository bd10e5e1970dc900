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
 */
import { constants } from 'node:fs';
import { copyFile, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { commitmentFromPath } from '../anchors/commitment.js';
import { AnchorError } from '../anchors/errors.js';
import { decodeManifest, manifestId } from '../anchors/manifest-codec.js';
import { parseProof } from '../anchors/proof.js';
import { type Clock, type Random, unref } from '../clock.js';
import type { ProviderFinder } from '../dht/dht.js';
import type { Logger } from '../log.js';
import { P2PError } from '../p2p/errors.js';
import {
  FILES_PROTOCOL_VERSION,
  type FilesEntry,
  type FilesMessage,
  MAX_FILES_ENTRIES,
} from '../p2p/files-messages.js';
import { NODE_FILES } from '../p2p/netaddr.js';
import type { FilesPeerHooks } from '../p2p/p2p.js';
import type { Peer } from '../p2p/peer.js';
import { equal, fromHex, toHex } from '../protocol/bytes.js';
import type { NetworkParams } from '../protocol/params.js';
import { Bitfield } from './bitfield.js';
import { type FilesCounters, newCounters } from './counters.js';
import { DhtFallback, type FileDialer } from './dht-fallback.js';
import { Download, type Provider } from './download.js';
import { FilesError } from './errors.js';
import { type ProofChain, proofText } from './proof.js';
import { FileServer } from './server.js';
import type { FilesStorage } from './storage.js';
import { FileStore, fsyncPath, type StoredFile } from './store.js';

const TICK_MS = 500;
/** Between checks of what the node announces in the DHT (share, fetch and tip changes also check). */
const PROVIDE_CHECK_MS = 5_000;

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

/** One file as `files list` and the RPC show it. */
export interface FileInfo {
  id: string;
  commitment: string;
  name: string;
  size: number;
  chunkSize: number;
  chunkCount: number;
  chunksHeld: number;
  complete: boolean;
  source: 'shared' | 'downloaded';
  anchored: boolean;
  /** Connected peers that announced it. */
  providers: number;
  output: string | null;
  /** Providers the DHT named for it (its download's lookups; 0 without the DHT). */
  dhtProviders: number;
  /** Chunks received per peer (address) by the running download. */
  fromPeers: Record<string, number>;
  /** Bytes per second over the running download so far. */
  rate: number;
}

interface FilesPeer {
  readonly peer: Peer;
  /** Announced holdings: null bitfield = whole file. Raw until a manifest gives the size. */
  readonly holdings: Map<string, Uint8Array | null>;
  /** What we last announced to it: chunks held per file. */
  readonly told: Map<string, number>;
  /** getmanifest targets asked of it. */
  readonly asked: Set<string>;
}

interface Wanted {
  output: string | null;
  asked: Set<Peer>;
  /** Peers whose manifest came before its anchor reached our best chain: asked again on a new tip. */
  early?: Set<FilesPeer>;
}

export class FilesService implements FilesPeerHooks {
  readonly store: FileStore;
  readonly counters: FilesCounters = newCounters();
  private readonly opts: FilesOptions;
  private readonly deps: FilesDeps;
  private readonly server: FileServer;
  private readonly peers = new Map<Peer, FilesPeer>();
  private readonly byKey = new Map<string, Peer>();
  readonly downloads = new Map<string, Download>();
  private readonly wanted = new Map<string, Wanted>();
  private readonly anchoredCache = new Map<string, boolean>();
  private readonly waiters = new Map<string, ((e: Error | null) => void)[]>();
  /** Chunks per peer of finished downloads (by manifest id), for `getfileinfo`. */
  private readonly fetchedFrom = new Map<
    string,
    { from: Record<string, number>; rate: number; dhtProviders: number }
  >();
  /** The DHT fallback and announcements; null while the node runs no DHT. */
  private dht: DhtFallback | null = null;
  private nextProvideCheck = 0;
  private syncing: Promise<void> | null = null;
  private resync = false;
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
    deps.chain.on('connect', this.onTip);
    deps.chain.on('disconnect', this.onTip);
    this.timer = deps.clock.setInterval(() => this.tick(), TICK_MS);
    (this.timer as { unref?: () => void }).unref?.();
    for (const f of store.files.values()) if (!f.complete) this.startDownload(f);
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
    void this.syncProvided();
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
    for (const [id, ws] of this.waiters)
      for (const w of ws) w(new FilesError('CANCELLED', `stopped before ${id} finished`));
    this.waiters.clear();
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
    const fp: FilesPeer = { peer, holdings: new Map(), told: new Map(), asked: new Set() };
    this.peers.set(peer, fp);
    this.byKey.set(String(peer.id), peer);
    void this.announceTo(fp);
    for (const [target, w] of this.wanted) this.askManifest(fp, target, w);
  }

  onClose(peer: Peer): void {
    if (!this.peers.delete(peer)) return;
    this.byKey.delete(String(peer.id));
    this.server.peerGone(peer);
    for (const d of this.downloads.values()) d.removeProvider(String(peer.id));
    for (const d of this.downloads.values()) d.schedule();
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
        return this.onChunk(fp, msg);
      case 'notfile':
        return this.onNotFile(fp, toHex(msg.id), msg.what, msg.indexes);
    }
  }

  private onFiles(fp: FilesPeer, entries: readonly FilesEntry[]): void {
    for (const e of entries) {
      const idHex = toHex(e.id);
      fp.holdings.set(idHex, e.bitfield);
      const d = this.downloads.get(idHex);
      if (d) this.addProvider(d, fp, e.bitfield);
      const w = this.wanted.get(idHex);
      if (w) this.askManifest(fp, idHex, w);
    }
    for (const d of this.downloads.values()) d.schedule();
  }

  private addProvider(d: Download, fp: FilesPeer, raw: Uint8Array | null): void {
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

  private askManifest(fp: FilesPeer, target: string, w: Wanted): void {
    if (w.asked.has(fp.peer)) return;
    w.asked.add(fp.peer);
    fp.asked.add(target);
    fp.peer.send({ command: 'getmanifest', id: fromHex(target) });
  }

  private async onManifest(
    fp: FilesPeer,
    bytes: Uint8Array,
    link: { index: number; count: number; path: Uint8Array[] },
  ): Promise<void> {
    let manifest: ReturnType<typeof decodeManifest>;
    try {
      manifest = decodeManifest(bytes);
    } catch (e) {
      if (e instanceof AnchorError) throw new P2PError('BAD_MANIFEST', e.message);
      throw e;
    }
    const id = manifestId(manifest);
    const idHex = toHex(id);
    const commitment = commitmentFromPath(id, link);
    if (!commitment) throw new P2PError('BAD_MANIFEST', 'commitment path cannot belong to a tree');
    const target = [...fp.asked].find((t) => t === idHex || t === toHex(commitment));
    if (!target) throw new P2PError('BAD_MANIFEST', `manifest ${idHex} was not asked for`);
    fp.asked.delete(target);
    const w = this.wanted.get(target);
    if (!w || this.downloads.has(idHex)) return;
    // Taken before any await: a second provider's answer must not start a second download.
    this.wanted.delete(target);
    if (!(await this.deps.chain.getAnchor(commitment))) {
      this.deps.log.info(
        'manifest offered for a commitment not on the best chain yet; asking again on a new tip',
        {
          id: idHex,
        },
      );
      // A fetch started a block early (the peer mined or heard of the anchor first) must not
      // stall: this peer is asked again once our tip moves, and never more than once per tip.
      w.asked.delete(fp.peer);
      w.early ??= new Set();
      w.early.add(fp);
      this.wanted.set(target, w);
      return;
    }
    const f = await this.store.beginDownload(manifest, link, commitment, w.output);
    this.moveWaiters(target, f.idHex);
    this.dht?.rename(target, f.idHex);
    if (f.complete) await this.finished(f);
    else this.startDownload(f);
  }

  private onChunk(fp: FilesPeer, msg: Extract<FilesMessage, { command: 'chunk' }>): Promise<void> | void {
    const idHex = toHex(msg.id);
    const d = this.downloads.get(idHex);
    const p = d?.providers.get(String(fp.peer.id));
    if (!d || !p) {
      // The endgame's late copies of a file we finished are no offence.
      if (this.store.get(idHex)?.complete) return;
      throw new P2PError('UNREQUESTED_CHUNK', `chunk of ${idHex} nobody asked for`);
    }
    return d.onPiece(p, msg.index, msg.offset, msg.path, msg.data);
  }

  private onNotFile(fp: FilesPeer, idHex: string, what: 0 | 1, indexes: readonly number[]): void {
    if (what === 0) {
      fp.asked.delete(idHex);
      return;
    }
    const d = this.downloads.get(idHex);
    const p = d?.providers.get(String(fp.peer.id));
    if (d && p) d.onNotFound(p, indexes);
  }

  // -----------------------------------------------------------------------------------------
  // Announcing

  private async announceTo(fp: FilesPeer): Promise<void> {
    const entries: FilesEntry[] = [];
    for (const f of this.store.files.values()) {
      const held = f.have.count;
      if (held === 0 && f.manifest.chunkCount > 0) continue;
      if (fp.told.get(f.idHex) === held) continue;
      if (!(await this.anchored(f))) continue;
      fp.told.set(f.idHex, held);
      entries.push({ id: f.id, bitfield: f.complete ? null : f.have.bytes.slice() });
    }
    for (let i = 0; i < entries.length && !fp.peer.closed; i += MAX_FILES_ENTRIES) {
      fp.peer.send({ command: 'files', entries: entries.slice(i, i + MAX_FILES_ENTRIES) });
    }
  }

  private announceAll(): void {
    for (const fp of this.peers.values()) void this.announceTo(fp);
  }

  private tick(): void {
    if (this.stopped) return;
    for (const d of this.downloads.values()) d.schedule();
    this.announceAll();
    if (!this.dht) return;
    // Bitswap's order: the DHT only for files no connected peer provides.
    for (const target of this.wanted.keys()) this.dht.lacking(target, fromHex(target));
    for (const d of this.downloads.values())
      if (d.providers.size === 0) this.dht.lacking(d.file.idHex, d.file.commitment);
    if (this.deps.clock.now() >= this.nextProvideCheck) void this.syncProvided();
  }

  private tipChanged(): void {
    this.anchoredCache.clear();
    this.announceAll();
    for (const [target, w] of this.wanted) {
      if (!w.early?.size) continue;
      const again = [...w.early];
      w.early.clear();
      for (const fp of again) if (this.peers.get(fp.peer) === fp) this.askManifest(fp, target, w);
    }
    void this.syncProvided();
  }

  /**
   * Brings the DHT announcements in line with the store: every whole file anchored on the best
   * chain, under its anchor id (dht-fallback.ts says why not always the manifest id).
   */
  private syncProvided(): Promise<void> {
    if (!this.dht || this.stopped) return Promise.resolve();
    if (this.syncing) {
      this.resync = true;
      return this.syncing;
    }
    this.nextProvideCheck = this.deps.clock.now() + PROVIDE_CHECK_MS;
    // Cleared in a `.finally` callback, which always runs after this assignment (a body with no
    // await would otherwise clear it first, and no later check would ever run).
    this.syncing = (async () => {
      try {
        do {
          this.resync = false;
          const keys = new Map<string, Uint8Array>();
          for (const f of [...this.store.files.values()])
            if (f.complete && (await this.anchored(f))) keys.set(toHex(f.commitment), f.commitment);
          if (!this.stopped) this.dht?.provideOnly(keys);
        } while (this.resync && !this.stopped);
      } catch (e) {
        this.deps.log.warn('checking the files to announce failed', { error: (e as Error).message });
      }
    })().finally(() => {
      this.syncing = null;
    });
    return this.syncing;
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

  private startDownload(f: StoredFile): void {
    if (this.downloads.has(f.idHex)) return;
    const d = new Download(f, {
      store: this.store,
      clock: this.deps.clock,
      random: this.deps.random,
      log: this.deps.log,
      counters: this.counters,
      request: (p: Provider, indexes) =>
        this.byKey.get(p.key)?.send({ command: 'getchunks', id: f.id, indexes }),
      punish: (p, code, message) => this.byKey.get(p.key)?.offence(new P2PError(code, message)),
      finished: () => {
        void this.finished(f).catch((e) =>
          this.deps.log.error('finishing a download failed', { error: (e as Error).message }),
        );
      },
    });
    this.downloads.set(f.idHex, d);
    for (const fp of this.peers.values()) {
      if (fp.holdings.has(f.idHex)) this.addProvider(d, fp, fp.holdings.get(f.idHex) ?? null);
    }
    if (f.manifest.chunkCount === 0) {
      d.done = true;
      void this.finished(f);
      return;
    }
    d.schedule();
  }

  private async finished(f: StoredFile): Promise<void> {
    if (!f.complete) await this.store.finish(f);
    const d = this.downloads.get(f.idHex);
    if (d) {
      const info = await this.info(f);
      this.fetchedFrom.set(f.idHex, {
        from: info.fromPeers,
        rate: info.rate,
        dhtProviders: info.dhtProviders,
      });
    }
    this.downloads.delete(f.idHex);
    this.dht?.end(f.idHex);
    void this.syncProvided();
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
    this.announceAll();
    const ws = this.waiters.get(f.idHex) ?? [];
    this.waiters.delete(f.idHex);
    for (const w of ws) w(err);
  }

  /** Writes the file and its `.anchor.json` proof at `output`, each atomically (temp, fsync, rename). */
  async export(f: StoredFile, output: string): Promise<void> {
    const proof = await proofText(this.deps.chain, this.opts.params, f);
    if (!proof) throw new FilesError('NOT_ANCHORED', `${f.idHex} is not anchored on the best chain`);
    const tmp = `${output}.part`;
    // A reflink where the filesystem has them (btrfs, XFS, APFS): no bytes copied; else a copy.
    await copyFile(this.store.dataPath(f.idHex), tmp, constants.COPYFILE_FICLONE);
    await fsyncPath(tmp);
    await rename(tmp, output);
    const ptmp = `${output}.anchor.json.part`;
    await writeFile(ptmp, proof);
    await fsyncPath(ptmp);
    await rename(ptmp, `${output}.anchor.json`);
  }

  private moveWaiters(from: string, to: string): void {
    if (from === to) return;
    const ws = this.waiters.get(from);
    if (!ws) return;
    this.waiters.delete(from);
    this.waiters.set(to, [...(this.waiters.get(to) ?? []), ...ws]);
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
    let proof: ReturnType<typeof parseProof>;
    try {
      proof = parseProof(text, this.opts.params);
    } catch (e) {
      if (e instanceof AnchorError) throw new FilesError('BAD_PROOF', `${pp}: ${e.message}`);
      throw e;
    }
    const id = manifestId(proof.manifest);
    const commitment = commitmentFromPath(id, proof.path);
    if (!commitment || !equal(commitment, proof.commitment)) {
      throw new FilesError('BAD_PROOF', `${pp}: the manifest is not under the proof's commitment`);
    }
    this.checkQuota(proof.manifest.size, toHex(id));
    const f = await this.store.addShared(path, proof.manifest, proof.path, commitment);
    this.announceAll();
    void this.syncProvided();
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
      let proof: ReturnType<typeof parseProof>;
      try {
        proof = parseProof(target.proof, this.opts.params);
      } catch (e) {
        if (e instanceof AnchorError) throw new FilesError('BAD_PROOF', e.message);
        throw e;
      }
      const id = manifestId(proof.manifest);
      const commitment = commitmentFromPath(id, proof.path);
      if (!commitment || !equal(commitment, proof.commitment)) {
        throw new FilesError('BAD_PROOF', "the manifest is not under the proof's commitment");
      }
      if (!(await this.deps.chain.getAnchor(commitment))) {
        throw new FilesError('NOT_ANCHORED', "the proof's commitment is not anchored on the best chain");
      }
      this.checkQuota(proof.manifest.size, toHex(id));
      const f = await this.store.beginDownload(proof.manifest, proof.path, commitment, output);
      if (f.complete) {
        if (output) await this.export(f, output);
      } else this.startDownload(f);
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
    const w = this.wanted.get(idHex) ?? { output, asked: new Set<Peer>() };
    if (output) w.output = output;
    this.wanted.set(idHex, w);
    // Bitswap's order: peers that announced it, else every files peer.
    const announced = [...this.peers.values()].filter((fp) => fp.holdings.has(idHex));
    for (const fp of announced.length > 0 ? announced : this.peers.values()) this.askManifest(fp, idHex, w);
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
    const key = f?.idHex ?? idHex;
    return new Promise((resolve, reject) => {
      let timer: unknown = null;
      const w = (e: Error | null) => {
        if (timer !== null) this.deps.clock.clearTimeout(timer);
        timer = null;
        if (e) reject(e);
        else resolve();
      };
      const ws = this.waiters.get(key) ?? [];
      ws.push(w);
      this.waiters.set(key, ws);
      const ms = opts.findTimeoutMs;
      if (ms === undefined) return;
      timer = this.deps.clock.setTimeout(() => {
        timer = null;
        const err = this.giveUpIfNoProvider(w, ms);
        if (err) reject(err);
      }, ms);
      unref(timer);
    });
  }

  /** The find timeout of waiter `w`: its error if no provider was found (`w` is then dropped). */
  private giveUpIfNoProvider(w: (e: Error | null) => void, ms: number): FilesError | null {
    const key = [...this.waiters].find(([, ws]) => ws.includes(w))?.[0];
    if (key === undefined) return null;
    const d = this.downloads.get(key);
    const none =
      this.wanted.has(key) || (d !== undefined && d.providers.size === 0 && d.fromProvider.size === 0);
    if (!none) return null;
    const rest = (this.waiters.get(key) ?? []).filter((x) => x !== w);
    if (rest.length > 0) this.waiters.set(key, rest);
    else this.waiters.delete(key);
    const found = this.dht?.found(key) ?? 0;
    const lookups = this.dht?.lookups(key) ?? 0;
    if (rest.length === 0 && this.wanted.delete(key)) this.dht?.end(key);
    const s = Math.round(ms / 1000);
    const why = !this.dht
      ? `no connected peer holds ${key} (none answered within ${s} s); the DHT is off: start the node with --dht-port to look beyond connected peers`
      : found > 0
        ? `no connected peer holds ${key}; the DHT named ${found} provider(s), but none served it within ${s} s`
        : `no connected peer holds ${key}, and the DHT found no provider within ${s} s (${lookups} lookup(s))`;
    return new FilesError('NO_PROVIDERS', why);
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
    for (const fp of this.peers.values()) fp.told.delete(f.idHex);
    const removed = await this.store.remove(f.idHex);
    void this.syncProvided();
    return removed;
  }

  /** Connected peers that announced the file `idHex` (a manifest id or single-file anchor). */
  providerCount(id: string): number {
    const idHex = this.lookup(id)?.idHex ?? id;
    let n = 0;
    for (const fp of this.peers.values()) if (fp.holdings.has(idHex)) n++;
    return n;
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
    if (!f) return null;
    const store = this.store;
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < f!.manifest.chunkCount; i++) {
        const c = await store.readChunk(f!, i);
        if (!c) throw new FilesError('FILE_MISMATCH', `stored chunk ${i} of ${f!.idHex} is damaged`);
        yield c.data;
      }
    }
    return { name: f.manifest.name, size: f.manifest.size, stream: chunks() };
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
    const past = this.fetchedFrom.get(f.idHex);
    const fromPeers: Record<string, number> = d ? {} : { ...past?.from };
    if (d) {
      for (const [k, n] of d.fromProvider) fromPeers[this.byKey.get(k)?.addr ?? `peer ${k}`] = n;
    }
    const elapsed = d ? Math.max(1, this.deps.clock.now() - d.startedAt) : 0;
    const got = d ? [...d.fromProvider.values()].reduce((a, b) => a + b, 0) * f.manifest.chunkSize : 0;
    return {
      id: f.idHex,
      commitment: toHex(f.commitment),
      name: f.manifest.name,
      size: f.manifest.size,
      chunkSize: f.manifest.chunkSize,
      chunkCount: f.manifest.chunkCount,
      chunksHeld: f.have.count,
      complete: f.complete,
      source: f.source,
      anchored: await this.anchored(f),
      providers: this.providerCount(f.idHex),
      dhtProviders: d ? (this.dht?.found(f.idHex) ?? 0) : (past?.dhtProviders ?? 0),
      output: f.output,
      fromPeers,
      rate: d ? Math.round((got * 1000) / elapsed) : (past?.rate ?? 0),
    };
  }
}

/** An output path must be new, in a folder that exists (the CLI makes it absolute). */
async function checkOutput(output: string): Promise<void> {
  if (!output.startsWith('/')) throw new FilesError('BAD_OUTPUT', `output ${output} is not an absolute path`);
  if (await stat(output).catch(() => null)) throw new FilesError('BAD_OUTPUT', `${output} exists already`);
  const dir = await stat(dirname(output)).catch(() => null);
  if (!dir?.isDirectory()) throw new FilesError('BAD_OUTPUT', `folder ${dirname(output)} does not exist`);
}
