/**
 * Issue 16, block relay first: "while a 256 MiB file transfers, a block mined elsewhere still
 * reaches every node within the same bound as with no transfer". Two nodes on the in-memory
 * transport joined by a 40 MB/s link. A 256 MiB file (about 7 s of that link) goes from node 1
 * to node 2; while it flows (chunks held by node 2 counted before the block is mined and after
 * it arrives: more, and not all), node 1 mines a block, which must cross the same congested
 * direction of the link. It reaches node 2 within BOUND_MS, as a block mined with no transfer
 * does (measured first, in the same run). Without the server's rule (files/server.ts: file data
 * only while the send buffer holds under 64 KiB, one 256 KiB piece at a time) the block would
 * wait behind the requested chunks: 2 s of the link at the downloader's queue depth.
 *
 * The file is generated deterministically in 16 MiB blocks straight to a temporary file (its
 * manifest built on the way), never whole in memory; node 2 fetches it into its store only
 * (no output file, so no export copy), and the test waits for it to finish.
 */
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anchorScript } from '../node/anchors/commitment.js';
import { ManifestBuilder } from '../node/anchors/manifest.js';
import { manifestId } from '../node/anchors/manifest-codec.js';
import { blockLinkFromBlock, formatProof, newProof, withBlock } from '../node/anchors/proof.js';
import type { FileInfo } from '../node/files/service.js';
import { MemoryNetwork } from '../node/p2p/transport/memory.js';
import { toHex } from '../node/protocol/bytes.js';
import { blockHashFromDisplay } from '../node/protocol/ids.js';
import { TxOut } from '../node/protocol/tx.js';
import { outpointOf, payTo, signedSpend, testKey } from './helpers/keys.js';
import { type NetNode, startNetNode, stopNetNodes, waitFor } from './helpers/p2p.js';

const MINER = testKey('files priority miner');
const MiB = 1024 * 1024;
const SIZE = 256 * MiB;
/** Block arrival at node 2, idle or during the transfer: the bound the issue asks us to state. */
const BOUND_MS = 1_500;
const host = (i: number) => `127.0.0.${20 + i}`;

let dir: string;
let a: NetNode;
let b: NetNode;
let id: string;
/** Setup phases (ms), reported with the figures: where a 256 MiB test spends its time. */
const setup = { generateMs: 0, shareMs: 0 };

/**
 * Writes SIZE deterministic bytes to `path` in 16 MiB blocks, building their manifest on the way:
 * one xorshift block, its first word in every 4 KiB rewritten with the offset so no two chunks are
 * alike (a byte-by-byte generator took 7 s of the test at load 19).
 */
async function writeBigFile(path: string): Promise<ReturnType<ManifestBuilder['finish']>> {
  const b = new ManifestBuilder({ keepChunkHashes: true });
  const block = Buffer.alloc(16 * MiB);
  const words = new Uint32Array(block.buffer, block.byteOffset, block.length / 4);
  let x = 0x9e3779b9;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  const fh = await open(path, 'w');
  try {
    for (let off = 0; off < SIZE; off += block.length) {
      for (let i = 0; i < block.length; i += 4096) block.writeUInt32LE(off + i, i);
      b.update(block);
      await fh.write(block, 0, block.length, off);
    }
  } finally {
    await fh.close();
  }
  return b.finish('big.bin');
}

/** Mines a block on node 1 and returns how long node 2 took to make it its tip. */
async function propagation(): Promise<number> {
  const [hash] = await a.node.generate(1, MINER.p2wpkh);
  const t0 = Date.now();
  await waitFor('node 2 at node 1 tip', () => b.node.chain.tip.hashHex === hash, 60_000, 5);
  return Date.now() - t0;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gl-files-prio-'));
  const net = new MemoryNetwork({ link: { latencyMs: 5, bandwidth: 40_000_000, burstBytes: 256_000 } });
  a = await startNetNode({ p2pHost: host(1), p2pPort: 18444, p2pTransport: net.transport(host(1)) });
  b = await startNetNode({
    p2pHost: host(2),
    p2pPort: 18444,
    p2pTransport: net.transport(host(2)),
    addNodes: [`${host(1)}:18444`],
  });
  const file = join(dir, 'big.bin');
  let t = Date.now();
  const { manifest, chunkHashes } = await writeBigFile(file);
  setup.generateMs = Date.now() - t;
  id = toHex(manifestId(manifest));
  const n = a.node;
  await n.generate(101, MINER.p2wpkh);
  const cb = (await n.chain.getBlock(n.chain.entryAt(1)!.hash))!.txs[0]!;
  const value = cb.outputs[0]!.value;
  const tx = signedSpend(
    [{ prevout: outpointOf(cb, 0), value, key: MINER }],
    [new TxOut(0n, anchorScript(manifestId(manifest))), payTo(MINER, value - 20_000n)],
  );
  await n.submitTx(tx);
  const [hash] = await n.generate(1, MINER.p2wpkh);
  const block = (await n.chain.getBlock(blockHashFromDisplay(hash!)))!;
  const proof = newProof({
    network: 'regtest',
    manifest,
    chunkHashes,
    commitment: manifestId(manifest),
    path: { index: 0, count: 1, path: [] },
    tx,
    vout: 0,
  });
  await writeFile(
    `${file}.anchor.json`,
    formatProof(withBlock(proof, blockLinkFromBlock(block, 102, tx.txid())!)),
  );
  t = Date.now();
  await a.rpc('sharefile', [file]);
  setup.shareMs = Date.now() - t;
  await waitFor(
    'node 2 synced and told of the file',
    () => b.node.chain.tip.hashHex === hash && b.node.files!.providerCount(id) === 1,
    60_000,
  );
}, 300_000);

afterAll(async () => {
  await stopNetNodes();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a block during a 256 MiB file transfer', () => {
  it(`reaches the downloader within ${BOUND_MS} ms, with or without the transfer`, async () => {
    const idle = await propagation();
    expect(idle).toBeLessThan(BOUND_MS);
    const held = async () => (await b.rpc<FileInfo>('getfileinfo', [id]).catch(() => null))?.chunksHeld ?? 0;
    const t0 = Date.now();
    await b.rpc('fetchfile', [id]);
    await waitFor('the transfer under way (8 MiB held)', async () => (await held()) >= 32, 120_000, 10);
    const before = await held();
    const busy = await propagation();
    const info = await b.rpc<FileInfo>('getfileinfo', [id]);
    // The transfer ran before the block was mined and still ran when it arrived.
    expect(info.chunksHeld).toBeGreaterThan(before);
    expect(info.complete).toBe(false);
    expect(busy).toBeLessThan(BOUND_MS);
    await waitFor('node 2 holds the whole file', () => b.node.files!.readable(id) !== null, 300_000, 50);
    console.log(
      JSON.stringify({
        idleMs: idle,
        duringTransferMs: busy,
        chunksHeldWhenMined: before,
        chunksHeldWhenArrived: info.chunksHeld,
        of: info.chunkCount,
        transferMs: Date.now() - t0,
        ...setup,
      }),
    );
  }, 420_000);
});
