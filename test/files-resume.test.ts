/**
 * Issue 16, resume: a `gossip-node` child process fetches a file over TCP (127.0.0.1) from an
 * in-process provider that serves slowly (a delay per chunk), is killed with SIGKILL once about
 * half the chunks are held, and is started again on the same data dir. The download completes
 * byte-identical, and the restarted process hashes and writes exactly the chunks that were
 * missing: none held before the kill is fetched or hashed again (its counters, getfilesstats).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anchorScript } from '../node/anchors/commitment.js';
import { digestBytes, makeManifest } from '../node/anchors/manifest.js';
import { manifestId } from '../node/anchors/manifest-codec.js';
import { blockLinkFromBlock, formatProof, newProof, withBlock } from '../node/anchors/proof.js';
import type { FilesCounters } from '../node/files/counters.js';
import type { FileInfo } from '../node/files/service.js';
import { toHex } from '../node/protocol/bytes.js';
import { blockHashFromDisplay } from '../node/protocol/ids.js';
import { TxOut } from '../node/protocol/tx.js';
import { killAll, NodeProcess } from './helpers/crash-node.js';
import { outpointOf, payTo, signedSpend, testKey } from './helpers/keys.js';
import { type NetNode, startNetNode, stopNetNodes, waitFor } from './helpers/p2p.js';

const MINER = testKey('files resume miner');
const CHUNK = 16 * 1024;
const SIZE = 160 * CHUNK + 999;
const DELAY_MS = 25;

let dir: string;
let provider: NetNode;
let data: Uint8Array;
let id: string;
let chunkCount: number;

/** Chunk records (`c` keys, node/files/layout.ts) in a files database. */
async function chunkKeys(path: string): Promise<number> {
  const db = new Level<string, Uint8Array>(path, { keyEncoding: 'utf8', valueEncoding: 'view' });
  await db.open();
  let n = 0;
  for await (const _ of db.keys({ gte: 'c', lt: 'd' })) n++;
  await db.close();
  return n;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gl-files-resume-'));
  data = new Uint8Array(SIZE);
  for (let i = 0; i < SIZE; i++) data[i] = (i * 2654435761) >>> 24;
  const d = digestBytes(data, { chunkSize: CHUNK, keepChunkHashes: true });
  const manifest = makeManifest('resume.bin', d);
  chunkCount = manifest.chunkCount;
  id = toHex(manifestId(manifest));
  provider = await startNetNode();
  const n = provider.node;
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
  const file = join(dir, 'resume.bin');
  await writeFile(file, data);
  await writeFile(
    `${file}.anchor.json`,
    formatProof(withBlock(proof, blockLinkFromBlock(block, 102, tx.txid())!)),
  );
  await provider.rpc('sharefile', [file]);
  // The provider serves slowly, so the kill lands mid-download.
  const store = n.files!.store;
  const read = store.readChunk.bind(store);
  store.readChunk = async (f, i) => {
    await new Promise((r) => setTimeout(r, DELAY_MS));
    return read(f, i);
  };
}, 120_000);

afterAll(async () => {
  await killAll();
  await stopNetNodes();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a download killed with SIGKILL at about half resumes', () => {
  it('fetches no held chunk again and hashes none again', async () => {
    const datadir = join(dir, 'child');
    const out = join(dir, 'resumed.bin');
    const args = ['--connect', provider.addr];
    let child = NodeProcess.spawn({ datadir, extraArgs: args });
    await child.waitListening(120_000);
    await waitFor(
      'the child syncs the anchoring block',
      async () => {
        const info = await child.rpc<{ blocks: number }>('getblockchaininfo');
        return info.blocks === 102;
      },
      120_000,
    );
    await waitFor(
      'the child hears of a provider',
      async () => {
        const started = await child
          .rpc<{ state?: string; chunksHeld?: number }>('fetchfile', [id, out])
          .catch(() => null);
        return started !== null;
      },
      60_000,
    );
    await waitFor(
      'about half the chunks held',
      async () => {
        const info = await child.rpc<FileInfo>('getfileinfo', [id]).catch(() => null);
        return (info?.chunksHeld ?? 0) >= chunkCount / 2;
      },
      120_000,
      20,
    );
    const exit = await child.kill();
    expect(exit.signal).toBe('SIGKILL');
    // What survived the kill, read from the child's files database while it is down.
    const heldAtKill = await chunkKeys(join(datadir, 'files', 'db'));
    expect(heldAtKill).toBeGreaterThanOrEqual(Math.floor(chunkCount / 2));
    expect(heldAtKill).toBeLessThan(chunkCount);

    child = NodeProcess.spawn({ datadir, extraArgs: args });
    await child.waitListening(120_000);
    await waitFor(
      'the file whole',
      async () => {
        const info = await child.rpc<FileInfo>('getfileinfo', [id]).catch(() => null);
        return info?.complete === true;
      },
      120_000,
    );
    await waitFor(
      'the file written',
      async () => !!(await readFile(`${out}.anchor.json`).catch(() => null)),
      30_000,
    );
    expect(Buffer.from(await readFile(out)).equals(Buffer.from(data))).toBe(true);
    const stats = await child.rpc<FilesCounters>('getfilesstats');
    const missing = chunkCount - heldAtKill;
    // Each missing chunk hashed and written once; nothing held before the kill hashed again.
    expect(stats.chunksWritten).toBe(missing);
    expect(stats.chunksHashed).toBe(missing);
    expect(stats.duplicateChunks).toBe(0);
    expect(stats.badChunks).toBe(0);
    console.log(JSON.stringify({ chunkCount, heldAtKill, hashedAfterRestart: stats.chunksHashed }));
    await child.stop(60_000);
  }, 400_000);
});
