/**
 * What `files list`, `getfileinfo` and the explorer show of a file (docs/files.md): its
 * manifest, how much of it is held, who provides it, and for a running (or the last finished)
 * download the chunks received from each peer and the rate so far.
 */
import { toHex } from '../protocol/bytes.js';
import type { Download } from './download.js';
import type { StoredFile } from './store.js';

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

/** What a finished download leaves for `getfileinfo`. */
export interface PastFetch {
  from: Record<string, number>;
  rate: number;
  dhtProviders: number;
}

export interface InfoContext {
  anchored: boolean;
  providers: number;
  /** The running download, the providers the DHT named for it, and the time now. */
  download: { d: Download; dhtProviders: number; now: number } | null;
  past: PastFetch | undefined;
  /** A provider key's address while it is connected. */
  addrOf(key: string): string | undefined;
}

export function fileInfo(f: StoredFile, ctx: InfoContext): FileInfo {
  const run = ctx.download;
  const past = ctx.past;
  const fromPeers: Record<string, number> = run ? {} : { ...past?.from };
  // A provider that disconnected before the download ended is still named by its address.
  if (run)
    for (const [k, n] of run.d.fromProvider)
      fromPeers[ctx.addrOf(k) ?? run.d.addrs.get(k) ?? `peer ${k}`] = n;
  const elapsed = run ? Math.max(1, run.now - run.d.startedAt) : 0;
  const got = run ? [...run.d.fromProvider.values()].reduce((a, b) => a + b, 0) * f.manifest.chunkSize : 0;
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
    anchored: ctx.anchored,
    providers: ctx.providers,
    dhtProviders: run ? run.dhtProviders : (past?.dhtProviders ?? 0),
    output: f.output,
    fromPeers,
    rate: run ? Math.round((got * 1000) / elapsed) : (past?.rate ?? 0),
  };
}
