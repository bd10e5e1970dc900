/**
 * Issue 16, block relay first: two nodes on the in-memory transport joined by a 4 MB/s link. A
 * 24 MiB file (6 s of that link) goes from node 1 to node 2; while it flows, node 1 mines a
 * block, which must cross the same congested direction of the link. It reaches node 2 within
 * BOUND_MS, as a block mined with no transfer does (measured first, in the same run). Without
 * the server's rule (files/server.ts: file data only while the send buffer holds under 64 KiB,
 * one 256 KiB piece at a time) the block would wait behind the requested chunks, about 2 s of
 * the link at the downloader's queue depth.
 *
 * The issue names 256 MiB; a memory link at a rate a loaded test machine keeps up with makes 24
 * MiB the same situation (seconds of backlog) in a tenth of the time.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anchorScript } from '../node/anchors/commitment.js';
import { digestBytes, makeManifest } from '../node/anchors/manifest.js';
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
const SIZE = 24 * 1024 * 1024;
const BOUND_MS = 1_500;
const host = (i: number) => `127.0.0.${20 + i}`;

let dir: string;
let a: NetNode;
let b: NetNode;
let id: string;

/** Mines a block on node 1 and returns how long node 2 took to make it its tip. */
async function propagation(): Promise<number> {
  const [hash] = await a.node.generate(1, MINER.p2wpkh);
  const t0 = Date.now();
  await waitFor('node 2 at node 1 tip', () => b.node.chain.tip.hashHex === hash, 60_000, 5);
  return Date.now() - t0;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gl-files-prio-'));
  const net = new MemoryNetwork({ link: { latencyMs: 5, bandwidth: 4_000_000, burstBytes: 64_000 } });
  a = await startNetNode({ p2pHost: host(1), p2pPort: 18444, p2pTransport: net.transport(host(1)) });
  b = await startNetNode({
    p2pHost: host(2),
    p2pPort: 18444,
    p2pTransport: net.transport(host(2)),
    addNodes: [`${host(1)}:18444`],
  });
  const data = new Uint8Array(SIZE);
  for (let i = 0; i < SIZE; i += 4096) data[i] = i & 0xff;
  const d = digestBytes(data, { keepChunkHashes: true });
  const manifest = makeManifest('big.bin', d);
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
    chunkHashes: d.chunkHashes!,
    commitment: manifestId(manifest),
    path: { index: 0, count: 1, path: [] },
    tx,
    vout: 0,
  });
  const file = join(dir, 'big.bin');
  await writeFile(file, data);
  await writeFile(
    `${file}.anchor.json`,
    formatProof(withBlock(proof, blockLinkFromBlock(block, 102, tx.txid())!)),
  );
  await a.rpc('sharefile', [file]);
  await waitFor(
    'node 2 synced and told of the file',
    () => b.node.chain.tip.hashHex === hash && b.node.files!.providerCount(id) === 1,
    60_000,
  );
}, 180_000);

afterAll(async () => {
  await stopNetNodes();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a block during a bulk file transfer', () => {
  it(`reaches the downloader within ${BOUND_MS} ms, with or without the transfer`, async () => {
    const idle = await propagation();
    expect(idle).toBeLessThan(BOUND_MS);
    await b.rpc('fetchfile', [id, join(dir, 'big.out')]);
    await waitFor(
      'the transfer under way (2 MiB held)',
      async () => {
        const info = await b.rpc<FileInfo>('getfileinfo', [id]).catch(() => null);
        return (info?.chunksHeld ?? 0) >= 8;
      },
      60_000,
      10,
    );
    const busy = await propagation();
    const info = await b.rpc<FileInfo>('getfileinfo', [id]);
    // The transfer was still running when the block arrived: the block did not wait for it.
    expect(info.complete).toBe(false);
    expect(busy).toBeLessThan(BOUND_MS);
    console.log(
      JSON.stringify({
        idleMs: idle,
        duringTransferMs: busy,
        chunksHeld: info.chunksHeld,
        of: info.chunkCount,
      }),
    );
  }, 120_000);
});
