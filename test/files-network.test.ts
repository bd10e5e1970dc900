/**
 * Issue 16, sharing anchored files: five regtest nodes on the in-memory transport (node i at
 * 127.0.0.(10+i), links with latency and a bandwidth limit). Files are anchored by one
 * transaction mined on node 1 (one commitment over all their manifest ids, so each proof
 * carries a commitment path), shared through the admin RPC, and fetched on node 5:
 *
 * - a 4 MiB file shared on nodes 1 and 2 comes from both (chunks counted per provider), is
 *   byte-identical, and its `.anchor.json` proof verifies with `gossip-wallet verify`;
 * - a provider that corrupts every chunk it serves is banned after one chunk, the download
 *   completes from the others, and exactly one chunk was wasted;
 * - a manifest that is not anchored is neither announced nor served, nor fetched by proof;
 * - edge files: 0 bytes, exactly one chunk, a last partial chunk, chunk sizes 2^10 and 2^20
 *   (the latter travels in several pieces).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anchorScript, buildCommitment } from '../node/anchors/commitment.js';
import { digestBytes, type Manifest, makeManifest } from '../node/anchors/manifest.js';
import { manifestId } from '../node/anchors/manifest-codec.js';
import { blockLinkFromBlock, formatProof, newProof, withBlock } from '../node/anchors/proof.js';
import type { FileInfo } from '../node/files/service.js';
import { MemoryNetwork } from '../node/p2p/transport/memory.js';
import { toHex } from '../node/protocol/bytes.js';
import { blockHashFromDisplay } from '../node/protocol/ids.js';
import { TxOut } from '../node/protocol/tx.js';
import { jsonOf, runCli } from './helpers/anchors.js';
import { outpointOf, payTo, signedSpend, testKey } from './helpers/keys.js';
import { type NetNode, startNetNode, stopNetNodes, waitFor } from './helpers/p2p.js';

const MINER = testKey('files network miner');
const PORT = 18444;
const host = (i: number) => `127.0.0.${10 + i}`;

function bytesOf(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed | 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

interface TestFile {
  key: string;
  data: Uint8Array;
  manifest: Manifest;
  chunkHashes: Uint8Array;
  id: string;
  path: string;
}

const SPECS: { key: string; size: number; chunkSize: number }[] = [
  { key: 'main', size: 4 * 1024 * 1024, chunkSize: 65536 },
  { key: 'bad-provider', size: 2 * 1024 * 1024, chunkSize: 65536 },
  { key: 'empty', size: 0, chunkSize: 65536 },
  { key: 'one-chunk', size: 65536, chunkSize: 65536 },
  { key: 'partial-last', size: 3 * 65536 + 1234, chunkSize: 65536 },
  { key: 'kib-chunks', size: 100 * 1024 + 17, chunkSize: 1024 },
  { key: 'mib-chunks', size: 3 * 1024 * 1024 + 5, chunkSize: 1024 * 1024 },
];

let dir: string;
const nodes: NetNode[] = [];
const files = new Map<string, TestFile>();
let unanchored: TestFile;
const at = (i: number) => nodes[i - 1]!;

function makeFile(key: string, size: number, chunkSize: number, seed: number): TestFile {
  const data = bytesOf(size, seed);
  const d = digestBytes(data, { chunkSize, keepChunkHashes: true });
  const manifest = makeManifest(`${key}.bin`, d);
  return {
    key,
    data,
    manifest,
    chunkHashes: d.chunkHashes!,
    id: toHex(manifestId(manifest)),
    path: join(dir, key),
  };
}

/** Chunks a download got from node `i` (a peer is keyed by its address, whichever side dialled). */
function fromHost(from: Record<string, number>, i: number): number {
  return Object.entries(from)
    .filter(([addr]) => addr.startsWith(`${host(i)}:`))
    .reduce((a, [, n]) => a + n, 0);
}

/** Whether the file at `path` holds exactly `data` (vitest's toEqual is slow on megabytes). */
async function sameBytes(path: string, data: Uint8Array): Promise<boolean> {
  return Buffer.from(await readFile(path)).equals(Buffer.from(data.buffer, data.byteOffset, data.length));
}

async function fetchOn(t: NetNode, id: string, out: string): Promise<FileInfo> {
  return t.rpc<FileInfo>('fetchfile', [id, out, true]);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gl-files-'));
  const net = new MemoryNetwork({ link: { latencyMs: 2, bandwidth: 40_000_000, burstBytes: 256_000 } });
  // Node 5 fetches from nodes 1 and 2 over 2 MB/s links: the 4 MiB file takes at least 1 s
  // from both, 2 s from one, so "from both" holds unless a provider is stalled for seconds (on a
  // 40 MB/s link the whole fetch took ~0.1 s, and one provider's late first answer, at load 15,
  // once left every chunk to the other: both were known, the fetch was over before it answered).
  for (const i of [1, 2]) net.setLink(host(5), host(i), { bandwidth: 2_000_000 });
  const opts = (i: number) => ({
    p2pHost: host(i),
    p2pPort: PORT,
    p2pTransport: net.transport(host(i)),
    addNodes: [1, 2, 3, 4].filter((j) => j < i).map((j) => `${host(j)}:${PORT}`),
  });
  for (const i of [1, 2, 3, 4, 5]) nodes.push(await startNetNode(opts(i)));

  for (const [k, s] of SPECS.entries()) files.set(s.key, makeFile(s.key, s.size, s.chunkSize, k + 1));
  unanchored = makeFile('unanchored', 200_000, 65536, 99);
  for (const f of [...files.values(), unanchored]) await writeFile(f.path, f.data);

  // One transaction anchors every file but `unanchored`, under one commitment.
  const list = [...files.values()];
  const c = buildCommitment(list.map((f) => manifestId(f.manifest)));
  const n1 = at(1).node;
  await n1.generate(101, MINER.p2wpkh);
  const cb = (await n1.chain.getBlock(n1.chain.entryAt(1)!.hash))!.txs[0]!;
  const value = cb.outputs[0]!.value;
  const tx = signedSpend(
    [{ prevout: outpointOf(cb, 0), value, key: MINER }],
    [new TxOut(0n, anchorScript(c.commitment)), payTo(MINER, value - 20_000n)],
  );
  await n1.submitTx(tx);
  const [hash] = await n1.generate(1, MINER.p2wpkh);
  const block = (await n1.chain.getBlock(blockHashFromDisplay(hash!)))!;
  const link = blockLinkFromBlock(block, n1.chain.height, tx.txid())!;
  for (const [k, f] of list.entries()) {
    const proof = newProof({
      network: 'regtest',
      manifest: f.manifest,
      chunkHashes: f.chunkHashes,
      commitment: c.commitment,
      path: c.paths[k]!,
      tx,
      vout: 0,
    });
    await writeFile(`${f.path}.anchor.json`, formatProof(withBlock(proof, link)));
  }
  // The unanchored file's proof: a commitment of its own that no block carries.
  const uc = buildCommitment([manifestId(unanchored.manifest)]);
  await writeFile(
    `${unanchored.path}.anchor.json`,
    formatProof(
      newProof({
        network: 'regtest',
        manifest: unanchored.manifest,
        commitment: uc.commitment,
        path: uc.paths[0]!,
        tx,
        vout: 0,
      }),
    ),
  );
  await waitFor(
    'every node at node 1 tip with its peers',
    () =>
      nodes.every((t) => t.node.chain.tip.hashHex === hash) &&
      at(5).node.peerInfo().length >= 4 &&
      nodes.every((t) => t.node.peerInfo().length >= 1),
    60_000,
  );
}, 180_000);

afterAll(async () => {
  await stopNetNodes();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('sharing anchored files between five nodes', () => {
  it('negotiates the files protocol before verack with every peer (NODE_FILES, sendfiles)', () => {
    for (const t of nodes) {
      for (const p of t.node.peerInfo()) expect(BigInt(`0x${p.services}`) & (1n << 24n)).toBe(1n << 24n);
    }
    const peers = at(5).node.p2p!.conns.ready();
    expect(peers.length).toBe(4);
    for (const p of peers) expect(p.filesVersion).toBe(1);
  });

  it('fetches a file shared on nodes 1 and 2 from both, byte-identical, with a proof the wallet verifies', async () => {
    const f = files.get('main')!;
    for (const i of [1, 2]) {
      const info = await at(i).rpc<FileInfo>('sharefile', [f.path]);
      expect(info).toMatchObject({ id: f.id, complete: true, anchored: true, source: 'shared' });
    }
    await waitFor('node 5 learns both providers', () => at(5).node.files!.providerCount(f.id) === 2);
    const out = join(dir, 'main.fetched');
    const info = await fetchOn(at(5), f.id, out);
    expect(info.complete).toBe(true);
    expect(await sameBytes(out, f.data)).toBe(true);
    const from = info.fromPeers;
    expect(fromHost(from, 1), JSON.stringify(from)).toBeGreaterThan(0);
    expect(fromHost(from, 2), JSON.stringify(from)).toBeGreaterThan(0);
    expect(fromHost(from, 1) + fromHost(from, 2)).toBe(f.manifest.chunkCount);
    const c = at(5).node.files!.counters;
    expect(c.badChunks).toBe(0);
    // The proof written next to it verifies, offline and against node 5's best chain.
    const r = await runCli(['-n', 'regtest', '--node', at(5).node.httpUrl, 'verify', out, '--json']);
    const v = jsonOf<{ ok: boolean; failure: unknown }>(r);
    expect(v.failure).toBeNull();
    expect(v.ok).toBe(true);
    expect(r.code).toBe(0);
    // Its explorer streams the verified bytes, and /metrics counts them.
    const res = await fetch(`${at(5).node.httpUrl}/api/anchors/${f.id}/file`);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(f.data))).toBe(true);
    expect((await fetch(`${at(5).node.httpUrl}/api/anchors/${'00'.repeat(32)}/file`)).status).toBe(404);
    const metrics = await (await fetch(`${at(1).node.httpUrl}/metrics`)).text();
    const served = Number(/^gossip_files_served_bytes_total (\d+)/m.exec(metrics)?.[1]);
    expect(served).toBeGreaterThan(0);
    expect(served).toBe(at(1).node.files!.counters.bytesServed);
    // Node 5 now provides it too.
    await waitFor('node 4 sees node 5 as a provider', () => at(4).node.files!.providerCount(f.id) >= 3);
  }, 120_000);

  it('bans a provider whose chunk does not verify after one chunk, and completes from the others', async () => {
    const f = files.get('bad-provider')!;
    for (const i of [1, 2, 3]) await at(i).rpc('sharefile', [f.path]);
    // Node 3 turns hostile: every chunk it serves has one byte flipped.
    const store3 = at(3).node.files!.store;
    const read = store3.readChunk.bind(store3);
    store3.readChunk = async (file, index) => {
      const c = await read(file, index);
      if (c && file.idHex === f.id) c.data[0]! ^= 0xff;
      return c;
    };
    await waitFor('node 5 learns three providers', () => at(5).node.files!.providerCount(f.id) === 3);
    const before = { ...at(5).node.files!.counters };
    const out = join(dir, 'bad.fetched');
    const info = await fetchOn(at(5), f.id, out);
    expect(await sameBytes(out, f.data)).toBe(true);
    const c = at(5).node.files!.counters;
    expect(c.badChunks - before.badChunks).toBe(1);
    expect(c.chunksWritten - before.chunksWritten).toBe(f.manifest.chunkCount);
    expect(fromHost(info.fromPeers, 3)).toBe(0);
    expect(at(5).node.p2p!.conns.bans.isBanned(host(3))).toBe(true);
    expect(
      at(5)
        .node.peerInfo()
        .some((p) => p.host === host(3)),
    ).toBe(false);
  }, 120_000);

  it('neither announces nor serves a manifest that is not anchored, and refuses to fetch it by proof', async () => {
    const info = await at(1).rpc<FileInfo>('sharefile', [unanchored.path]);
    expect(info.anchored).toBe(false);
    const served = at(1).node.files!.counters.chunksServed;
    const refused = at(1).node.files!.counters.manifestsRefused;
    const started = await at(4).rpc<{ state: string }>('fetchfile', [unanchored.id]);
    expect(started.state).toBe('finding');
    // Node 4 asks every files peer (none announced it); node 1 answers notfile, as do the others.
    // Once node 1 has refused and node 4 has every answer in, node 4 has all it will learn.
    await waitFor(
      'node 1 refuses the manifest and node 4 has every answer',
      () =>
        at(1).node.files!.counters.manifestsRefused > refused &&
        at(4).node.files!.asking(unanchored.id) === 0,
    );
    expect(at(4).node.files!.providerCount(unanchored.id)).toBe(0);
    expect(await at(4).node.files!.get(unanchored.id)).toBeNull();
    expect(at(1).node.files!.counters.chunksServed).toBe(served);
    const proof = await readFile(`${unanchored.path}.anchor.json`, 'utf8');
    await expect(at(5).rpc('fetchfile', [proof, join(dir, 'u.out')])).rejects.toThrow(/NOT_ANCHORED/);
  }, 60_000);

  it('fetches a file whose manifest came before its anchor reached this node, once the anchor does', async () => {
    // Node 5 hides the anchoring block (invalidateblock), so node 1's manifest answer arrives
    // for a commitment not on node 5's best chain; reconsiderblock brings it back, and the
    // fetch must go on from there rather than stall with node 1 marked as already asked.
    const late = makeFile('late', 150_000, 65536, 42);
    await writeFile(late.path, late.data);
    const n1 = at(1).node;
    const c = buildCommitment([manifestId(late.manifest)]);
    const cb = (await n1.chain.getBlock(n1.chain.entryAt(2)!.hash))!.txs[0]!;
    const value = cb.outputs[0]!.value;
    const tx = signedSpend(
      [{ prevout: outpointOf(cb, 0), value, key: MINER }],
      [new TxOut(0n, anchorScript(c.commitment)), payTo(MINER, value - 20_000n)],
    );
    await n1.submitTx(tx);
    const [hash] = await n1.generate(1, MINER.p2wpkh);
    const block = (await n1.chain.getBlock(blockHashFromDisplay(hash!)))!;
    const proof = newProof({
      network: 'regtest',
      manifest: late.manifest,
      chunkHashes: late.chunkHashes,
      commitment: c.commitment,
      path: c.paths[0]!,
      tx,
      vout: 0,
    });
    const link = blockLinkFromBlock(block, n1.chain.height, tx.txid())!;
    await writeFile(`${late.path}.anchor.json`, formatProof(withBlock(proof, link)));
    await waitFor('node 5 has the anchoring block', () => at(5).node.chain.tip.hashHex === hash, 60_000);
    await at(5).rpc('invalidateblock', [hash]);
    expect(at(5).node.chain.tip.hashHex).not.toBe(hash);
    await at(1).rpc('sharefile', [late.path]);

    const svc = at(5).node.files! as unknown as { wanted: Map<string, { early?: Set<unknown> }> };
    const out = join(dir, 'late.fetched');
    const fetched = fetchOn(at(5), late.id, out);
    await waitFor(
      'node 1 answered before the anchor was on node 5',
      () => (svc.wanted.get(late.id)?.early?.size ?? 0) > 0,
      60_000,
    );
    await at(5).rpc('reconsiderblock', [hash]);
    const info = await fetched;
    expect(info).toMatchObject({ complete: true, size: late.data.length });
    expect(await sameBytes(out, late.data)).toBe(true);
  }, 120_000);

  it.each(['empty', 'one-chunk', 'partial-last', 'kib-chunks', 'mib-chunks'])(
    'fetches the edge file %s from two providers, byte-identical',
    async (key) => {
      const f = files.get(key)!;
      for (const i of [1, 2]) await at(i).rpc('sharefile', [f.path]);
      await waitFor(`node 5 learns providers of ${key}`, () => at(5).node.files!.providerCount(f.id) === 2);
      const out = join(dir, `${key}.fetched`);
      const info = await fetchOn(at(5), f.id, out);
      expect(info).toMatchObject({ complete: true, chunkCount: f.manifest.chunkCount, size: f.data.length });
      expect(await sameBytes(out, f.data)).toBe(true);
      const proof = JSON.parse(await readFile(`${out}.anchor.json`, 'utf8')) as {
        manifest: { root: string };
      };
      expect(proof.manifest.root).toBe(toHex(f.manifest.root));
    },
    120_000,
  );
});
