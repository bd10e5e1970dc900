/**
 * The files peers and what we announce to them (docs/files.md, "Wire protocol"): peers that
 * signal NODE_FILES and negotiated `sendfiles` before verack (BIP339's `wtxidrelay` pattern)
 * are tracked here with the holdings they announced, and are told ours in `files` messages:
 * each file we hold at least one chunk of, whose commitment is anchored on the best chain,
 * whole (no bitfield) or as a bitfield of the chunks held. A peer is told a file again only
 * when the count of chunks held changed since, as BitTorrent's `have` tells only news.
 */
import { type FilesEntry, MAX_FILES_ENTRIES } from '../p2p/files-messages.js';
import type { Peer } from '../p2p/peer.js';
import type { FileStore, StoredFile } from './store.js';

export interface FilesPeer {
  readonly peer: Peer;
  /** Announced holdings: null bitfield = whole file. Raw until a manifest gives the size. */
  readonly holdings: Map<string, Uint8Array | null>;
  /** What we last announced to it: chunks held per file. */
  readonly told: Map<string, number>;
  /** getmanifest targets asked of it. */
  readonly asked: Set<string>;
}

export interface FilesPeersDeps {
  store: FileStore;
  /** Whether a file's commitment is anchored on the best chain (only those are announced). */
  anchored(f: StoredFile): Promise<boolean>;
}

export class FilesPeers {
  private readonly deps: FilesPeersDeps;
  private readonly byPeer = new Map<Peer, FilesPeer>();
  /** By `String(peer.id)`: the key a Download names its providers by. */
  private readonly byKey = new Map<string, Peer>();

  constructor(deps: FilesPeersDeps) {
    this.deps = deps;
  }

  add(peer: Peer): FilesPeer {
    const fp: FilesPeer = { peer, holdings: new Map(), told: new Map(), asked: new Set() };
    this.byPeer.set(peer, fp);
    this.byKey.set(String(peer.id), peer);
    return fp;
  }

  /** False if `peer` was not a files peer. */
  remove(peer: Peer): boolean {
    if (!this.byPeer.delete(peer)) return false;
    this.byKey.delete(String(peer.id));
    return true;
  }

  get(peer: Peer): FilesPeer | undefined {
    return this.byPeer.get(peer);
  }

  /** The peer a download's provider key names, while it is connected. */
  byProviderKey(key: string): Peer | undefined {
    return this.byKey.get(key);
  }

  values(): IterableIterator<FilesPeer> {
    return this.byPeer.values();
  }

  /** Connected peers that announced the file `idHex`. */
  providerCount(idHex: string): number {
    let n = 0;
    for (const fp of this.byPeer.values()) if (fp.holdings.has(idHex)) n++;
    return n;
  }

  /** Peers asked for the manifest of `target` that have not answered yet. */
  asking(target: string): number {
    let n = 0;
    for (const fp of this.byPeer.values()) if (fp.asked.has(target)) n++;
    return n;
  }

  /** The file was removed: announce it afresh if it is held again. */
  forget(idHex: string): void {
    for (const fp of this.byPeer.values()) fp.told.delete(idHex);
  }

  async announceTo(fp: FilesPeer): Promise<void> {
    const entries: FilesEntry[] = [];
    for (const f of this.deps.store.files.values()) {
      const held = f.have.count;
      if (held === 0 && f.manifest.chunkCount > 0) continue;
      if (fp.told.get(f.idHex) === held) continue;
      if (!(await this.deps.anchored(f))) continue;
      fp.told.set(f.idHex, held);
      entries.push({ id: f.id, bitfield: f.complete ? null : f.have.bytes.slice() });
    }
    for (let i = 0; i < entries.length && !fp.peer.closed; i += MAX_FILES_ENTRIES) {
      fp.peer.send({ command: 'files', entries: entries.slice(i, i + MAX_FILES_ENTRIES) });
    }
  }

  announceAll(): void {
    for (const fp of this.byPeer.values()) void this.announceTo(fp);
  }
}
