/**
 * Issue 17, file sharing through the DHT: regtest nodes on the in-memory transport, each with
 * its DHT on the same host as its P2P port. The P2P links are a line A - B - C (and D - B);
 * nobody makes other outbound connections (maxOutbound 0, addnode only), so C can reach the
 * provider A only because the DHT names it:
 *
 * - a file anchored alone is shared on A, which announces it in the DHT under its manifest id
 *   (= its anchor id); C fetches it by anchor id, finds no connected provider, looks it up in
 *   the DHT, dials A as a file connection (outside the full-relay slots), gets every chunk from
 *   A, byte-identical, closes the connection when done, and announces the file itself;
 * - a file anchored in a batch is announced under its batch's commitment (the id other nodes'
 *   anchor index knows) and fetched by that anchor id the same way;
 * - a node without the DHT (D) fails NO_PROVIDERS with a clear message, and writes nothing;
 *   with the DHT on, an id no one provides fails saying the DHT found no provider.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anchorScript, buildCommitment, type Commitment } from '../node/anchors/commitment.js';
import { digestBytes, type Manifest, makeManifest } from '../node/anchors/manifest.js';
import { manifestId } from '../node/anchors/manifest-codec.js';
import { blockLinkFromBlock, formatProof, newProof, withBlock } from '../node/anchors/proof.js';
import type { FileInfo } from '../node/files/service.js';
import { type FileDial, MAX_FILE_CONNECTIONS } from '../node/p2p/connections.js';
import { MemoryNetwork } from '../node/p2p/transport/memory.js';
import { toHex } from '../node/protocol/bytes.js';
import { blockHashFromDisplay } from '../node/protocol/ids.js';
import type { Tx } from '../node/protocol/tx.js';
import { TxOut } from '../node/protocol/tx.js';
import { outpointOf, payTo, signedSpend, testKey } from './helpers/keys.js';
import { RpcCallError } from './helpers/node.js';
import { type NetNode, startNetNode, stopNetNodes, waitFor } from './helpers/p2p.js';

const MINER = testKey('files dht miner');
const PORT = 18444;
const DHT_PORT = 7000;
const HOSTS = { a: '10.0.7.1', b: '10.0.7.2', c: '10.0.7.3', d: '10.0.7.4' };

interface TestFile {
  data: Uint8Array;
  manifest: Manifest;
  chunkHashes: Uint8Array;
  id: string;
  path: string;
}

let dir: string;
let a: NetNode;
let b: NetNode;
let c: NetNode;
let d: NetNode;
let alone: TestFile;
let batched: TestFile;
let unshared: TestFile;
let batchCommitment: string;
/** Every openFileConnection call C's files service made, with its result. */
const dials: { host: string; port: number; result: FileDial }[] = [];

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

function makeFile(key: string, size: number, seed: number): TestFile {
  const data = bytesOf(size, seed);
  const dg = digestBytes(data, { chunkSize: 65536, keepChunkHashes: true });
  const manifest = makeManifest(`${key}.bin`, dg);
  return {
    data,
    manifest,
    chunkHashes: dg.chunkHashes!,
    id: toHex(manifestId(manifest)),
    path: join(dir, key),
  };
}

async function sameBytes(path: string, data: Uint8Array): Promise<boolean> {
  return Buffer.from(await readFile(path)).equals(Buffer.from(data.buffer, data.byteOffset, data.length));
}

/** A tx spending the coinbase at `height` with one anchor output of `commitment`. */
async function anchorTx(height: number, commitment: Uint8Array): Promise<Tx> {
  const n = a.node;
  const cb = (await n.chain.getBlock(n.chain.entryAt(height)!.hash))!.txs[0]!;
  const value = cb.outputs[0]!.value;
  return signedSpend(
    [{ prevout: outpointOf(cb, 0), value, key: MINER }],
    [new TxOut(0n, anchorScript(commitment)), payTo(MINER, value - 20_000n)],
  );
}

const dhtOf = (host: string, boot: string[]) => ({
  port: DHT_PORT,
  host,
  bootstrap: boot.map((h) => `${h}:${DHT_PORT}`),
});

const peersAt = (t: NetNode, host: string) => t.node.peerInfo().filter((p) => p.host === host);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gl-files-dht-'));
  const net = new MemoryNetwork({ link: { latencyMs: 2, bandwidth: 40_000_000, burstBytes: 256_000 } });
  const opts = (host: string) => ({
    p2pHost: host,
    p2pPort: PORT,
    p2pTransport: net.transport(host),
    // No outbound connection but the addnode ones: C can reach A only through the DHT.
    maxOutbound: 0,
    addNodes: host === HOSTS.b ? [] : [`${HOSTS.b}:${PORT}`],
  });
  b = await startNetNode({ ...opts(HOSTS.b), dht: dhtOf(HOSTS.b, []) });
  a = await startNetNode({ ...opts(HOSTS.a), dht: dhtOf(HOSTS.a, [HOSTS.b]) });
  c = await startNetNode({ ...opts(HOSTS.c), dht: dhtOf(HOSTS.c, [HOSTS.b]) });
  d = await startNetNode(opts(HOSTS.d));

  alone = makeFile('alone', 1024 * 1024 + 77, 1);
  batched = makeFile('batched', 300_000, 2);
  unshared = makeFile('unshared', 100_000, 3);
  for (const f of [alone, batched, unshared]) await writeFile(f.path, f.data);

  // Two anchors in one block: `alone` by itself (commitment = its manifest id), and a batch of
  // `batched` and `unshared` under one commitment.
  await a.node.generate(102, MINER.p2wpkh);
  const single = buildCommitment([manifestId(alone.manifest)]);
  const batch = buildCommitment([manifestId(batched.manifest), manifestId(unshared.manifest)]);
  batchCommitment = toHex(batch.commitment);
  expect(toHex(single.commitment)).toBe(alone.id);
  const tx1 = await anchorTx(1, single.commitment);
  const tx2 = await anchorTx(2, batch.commitment);
  await a.node.submitTx(tx1);
  await a.node.submitTx(tx2);
  const [hash] = await a.node.generate(1, MINER.p2wpkh);
  const block = (await a.node.chain.getBlock(blockHashFromDisplay(hash!)))!;
  expect(block.txs.length).toBe(3);
  const proofs: [TestFile, Tx, Commitment, number][] = [
    [alone, tx1, single, 0],
    [batched, tx2, batch, 0],
    [unshared, tx2, batch, 1],
  ];
  for (const [f, tx, cm, k] of proofs) {
    const link = blockLinkFromBlock(block, a.node.chain.height, tx.txid())!;
    const proof = newProof({
      network: 'regtest',
      manifest: f.manifest,
      chunkHashes: f.chunkHashes,
      commitment: cm.commitment,
      path: cm.paths[k]!,
      tx,
      vout: 0,
    });
    await writeFile(`${f.path}.anchor.json`, formatProof(withBlock(proof, link)));
  }
  await waitFor(
    'every node at A tip, A, C and D connected to B, DHT tables of the other two',
    () =>
      [a, b, c, d].every((t) => t.node.chain.tip.hashHex === hash) &&
      b.node.peerInfo().length === 3 &&
      [a, b, c].every((t) => t.node.dht!.table.size === 2),
    120_000,
  );
  const conns = c.node.p2p!.conns;
  const open = conns.openFileConnection.bind(conns);
  conns.openFileConnection = (host, port) => {
    const result = open(host, port);
    dials.push({ host, port, result });
    return result;
  };
}, 240_000);

afterAll(async () => {
  await stopNetNodes();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('fetching through the DHT', () => {
  it('fetches by anchor id on a node with no connected provider, from the provider the DHT names', async () => {
    expect(peersAt(c, HOSTS.a)).toEqual([]);
    const shared = await a.rpc<FileInfo>('sharefile', [alone.path]);
    expect(shared).toMatchObject({ id: alone.id, anchored: true, complete: true });
    // A announces it; B and C store A's record (both hold the anchor).
    await waitFor(
      'B and C store A as a provider',
      () => b.node.dht!.records.size >= 1 && c.node.dht!.records.size >= 1,
      60_000,
    );
    const record = (await b.node.dht!.findProviders(manifestId(alone.manifest)))[0]!;
    expect([record.host, record.port]).toEqual([HOSTS.a, PORT]);

    const out = join(dir, 'alone.fetched');
    const started = await c.rpc<{ state: string }>('fetchfile', [alone.id, out]);
    expect(started.state).toBe('finding');
    await c.node.files!.whenComplete(alone.id, { findTimeoutMs: 120_000 });
    expect(await sameBytes(out, alone.data)).toBe(true);

    const info = await c.rpc<FileInfo>('getfileinfo', [alone.id]);
    expect(info).toMatchObject({ complete: true, dhtProviders: 1 });
    const fromA = Object.entries(info.fromPeers).filter(([addr]) => addr === `${HOSTS.a}:${PORT}`);
    expect(fromA).toEqual([[`${HOSTS.a}:${PORT}`, alone.manifest.chunkCount]]);
    // Exactly one connection was made because of the lookup: to A's P2P port, as a file connection.
    expect(dials.filter((x) => x.result === 'dialing')).toEqual([
      { host: HOSTS.a, port: PORT, result: 'dialing' },
    ]);
    const counters = c.node.files!.counters;
    expect(counters.dhtConnections).toBe(1);
    expect(counters.dhtLookups).toBeGreaterThanOrEqual(1);
    // The file connection closes with the download; the full-relay slots (0 here) were never used.
    await waitFor('C closes its file connection to A', () => peersAt(c, HOSTS.a).length === 0, 30_000);
    expect(peersAt(c, HOSTS.b)).toHaveLength(1);
    // C now holds it whole and announces it too.
    await waitFor(
      'C announces the fetched file',
      () => c.node.dht!.status().providing === 1 && a.node.dht!.records.size >= 1,
      60_000,
    );
    const metrics = await (await fetch(`${c.node.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/^gossip_files_dht_connections_total 1$/m);
  }, 180_000);

  it('announces a batched file under its anchor id and fetches it by that id', async () => {
    await a.rpc('sharefile', [batched.path]);
    await waitFor(
      'B stores A as a provider of the batch',
      async () => (await b.node.dht!.findProviders(Buffer.from(batchCommitment, 'hex'))).length >= 1,
      60_000,
    );
    // The batch's manifest id is not in any anchor index: the DHT holds nothing under it.
    expect(await c.node.dht!.findProviders(manifestId(batched.manifest))).toEqual([]);
    const out = join(dir, 'batched.fetched');
    await c.rpc('fetchfile', [batchCommitment, out]);
    await c.node.files!.whenComplete(batchCommitment, { findTimeoutMs: 120_000 });
    expect(await sameBytes(out, batched.data)).toBe(true);
    const info = await c.rpc<FileInfo>('getfileinfo', [batched.id]);
    expect(info).toMatchObject({ complete: true, commitment: batchCommitment });
    expect(info.dhtProviders).toBeGreaterThanOrEqual(1);
    // Every chunk from A, whichever side's port names the connection.
    const fromA = Object.entries(info.fromPeers)
      .filter(([addr]) => addr.startsWith(`${HOSTS.a}:`))
      .reduce((n, [, k]) => n + k, 0);
    expect(fromA, JSON.stringify(info.fromPeers)).toBe(batched.manifest.chunkCount);
    expect(c.node.files!.counters.dhtConnections).toBe(2);
    await waitFor('C closes its file connection to A again', () => peersAt(c, HOSTS.a).length === 0, 30_000);
  }, 180_000);

  it('opens at most MAX_FILE_CONNECTIONS file connections at once, never to itself', async () => {
    const conns = d.node.p2p!.conns;
    // Addresses nobody listens at: each dial fails, and its slot frees again.
    const results = [1, 2, 3, 4, 5].map((i) => conns.openFileConnection(`10.0.8.${i}`, PORT));
    expect(results).toEqual([...Array(MAX_FILE_CONNECTIONS).fill('dialing'), 'full']);
    expect(conns.openFileConnection(HOSTS.d, PORT)).toBe('refused');
    expect(conns.openFileConnection('example.org', PORT)).toBe('refused');
    expect(conns.openFileConnection(HOSTS.b, PORT)).toBe('connected');
    await waitFor(
      'the failed dials free their slots',
      () => conns.openFileConnection('10.0.8.9', PORT) === 'dialing',
      30_000,
    );
  }, 60_000);

  it('fails NO_PROVIDERS on a node without the DHT when no peer holds the file, writing nothing', async () => {
    expect(d.node.dht).toBeUndefined();
    const out = join(dir, 'd.out');
    const err = await d.rpc('fetchfile', [alone.id, out, true, 3]).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RpcCallError);
    expect((err as Error).message).toMatch(
      /NO_PROVIDERS: no connected peer holds [0-9a-f]{64} .*the DHT is off: start the node with --dht-port/,
    );
    expect(await stat(out).catch(() => null)).toBeNull();
    expect(await d.node.files!.get(alone.id)).toBeNull();
    expect(d.node.files!.counters.dhtLookups).toBe(0);
    // A bad timeout is refused before anything starts.
    await expect(d.rpc('fetchfile', [alone.id, out, true, -1])).rejects.toThrow(/timeout must be/);
  }, 60_000);

  it('says the DHT found no provider when nobody announces the file', async () => {
    // `unshared` is anchored in the batch but nobody shares it; its manifest id has no records.
    const err = await c.rpc('fetchfile', [unshared.id, join(dir, 'u.out'), true, 6]).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/NO_PROVIDERS: .*the DHT found no provider within 6 s \(1 lookup/);
  }, 60_000);
});
