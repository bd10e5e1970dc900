/**
 * The file-sharing step (docs/files.md): node 1 shares the file anchored in the steps before
 * (admin RPC `sharefile`, as `gossip-node share` calls it), and node 3 fetches it by its anchor
 * id alone (`fetchfile`), so the manifest, every chunk and its audit path cross the P2P wire and
 * are verified against the anchored root before node 3 writes them. The step passes only if the
 * bytes node 3 wrote, and the bytes its explorer serves at /api/anchors/:id/file (the web page's
 * download link), equal the original.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { client, type Devnet } from './context.js';
import { DevnetError } from './errors.js';
import { shown } from './paths.js';
import { poll } from './wait.js';

const PROVIDER_TIMEOUT_MS = 30_000;
const FETCH_TIMEOUT_MS = 30_000;

/** The fields of the RPC's FileInfo (node/files/service.ts) this step reads. */
interface FileInfo {
  id: string;
  size: number;
  chunkCount: number;
  chunksHeld: number;
  complete: boolean;
  anchored: boolean;
  providers: number;
  /** Chunks received per peer address. */
  fromPeers: Record<string, number>;
}

interface AnchorView {
  providers?: number;
  held?: boolean;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Names node 3's peers "node k" by the node id each reports: a peer's address says nothing when
 * the other node dialled in (its port is then an ephemeral one).
 */
async function peerNamer(d: Devnet): Promise<(addr: string) => string> {
  const ids = await Promise.all(d.clients.map(async (c) => (await c.nodeId()) ?? ''));
  const peers = await client(d, 3).peers();
  return (addr) => {
    const k = ids.indexOf(peers.find((p) => p.addr === addr)?.nodeId ?? '-');
    return k < 0 ? addr : `node ${k + 1}`;
  };
}

export async function shareAndFetch(d: Devnet): Promise<string[]> {
  const id = d.anchorId!;
  const original = await readFile(d.anchorFile!);
  const shared = await client(d, 1).rpc<FileInfo>('sharefile', [d.anchorFile!, d.anchorProof!]);
  if (shared.id !== id || !shared.complete || !shared.anchored) {
    throw new DevnetError(
      'NODE_ERROR',
      `node 1: sharefile gave ${shared.id} (complete ${shared.complete}, anchored ${shared.anchored}), not the anchored ${id}`,
      1,
    );
  }
  // Node 3 accepts a manifest only for a commitment on its own best chain, and a peer that
  // announced the file is asked first: wait for both, as a user would see them on node 3's page.
  await poll(
    async (progress) => {
      const a = await client(d, 3).api<AnchorView>(`anchors/${id}`);
      if (!a) progress('node 3 has not seen the anchor in a block yet');
      else progress(`node 3 sees the anchor; ${a.providers ?? 0} connected peer(s) announced the file`);
      return a && (a.providers ?? 0) > 0 ? true : undefined;
    },
    {
      what: 'provider of the file seen by node 3',
      timeoutMs: PROVIDER_TIMEOUT_MS,
      intervalMs: 250,
      signal: d.signal,
      node: 3,
    },
  );
  const output = join(d.dir, 'hello-devnet.fetched-by-node3.txt');
  await client(d, 3).rpc('fetchfile', [id, output]);
  const got = await poll(
    async (progress) => {
      // Until a manifest arrives the fetch is only a wish, not yet a file in the store.
      const f = (await client(d, 3).rpc<FileInfo[]>('listfiles')).find((x) => x.id === id);
      if (!f) progress('node 3 is waiting for the manifest');
      else progress(`node 3 holds ${f.chunksHeld}/${f.chunkCount} chunks from ${f.providers} provider(s)`);
      return f?.complete ? f : undefined;
    },
    { what: 'whole file on node 3', timeoutMs: FETCH_TIMEOUT_MS, intervalMs: 250, signal: d.signal, node: 3 },
  );
  const written = await readFile(output);
  if (!sameBytes(written, original))
    throw new DevnetError('NODE_ERROR', `node 3 wrote ${shown(output)}, which differs from the original`, 3);
  const served = await client(d, 3).apiBytes(`anchors/${id}/file`);
  if (!served || !sameBytes(served, original))
    throw new DevnetError('NODE_ERROR', `node 3's /api/anchors/${id}/file differs from the original`, 3);
  const from = Object.entries(got.fromPeers).filter(([, n]) => n > 0);
  if (from.length === 0 && got.chunkCount > 0)
    throw new DevnetError('NODE_ERROR', 'node 3 holds the file but names no peer it came from', 3);
  const name = await peerNamer(d);
  const peers = from.map(([addr, n]) => `${name(addr)}: ${n} chunk${n === 1 ? '' : 's'}`);
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  return [
    `from ${plural(from.length, 'peer')} (${peers.join(', ')}); ${plural(got.chunkCount, 'chunk')}, ${got.size} bytes, each verified against the anchored root`,
    `${shown(output)} and node 3's /api/anchors/${id.slice(0, 16)}…/file are byte-identical to ${shown(d.anchorFile!)}`,
  ];
}
