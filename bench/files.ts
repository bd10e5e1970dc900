/**
 * File sharing over loopback (issue 16, docs/files.md): a FILES_BENCH_MIB (default 256) MiB file
 * fetched by a fresh node from 1, 2 and 4 providers (in-process regtest nodes on 127.0.0.1, the
 * file anchored in a mined block), against a plain TCP copy of the same bytes (socket to file,
 * no fsync) made just before each fetch, as the machine's load drifts. Each provider count is
 * fetched twice: with the store's group commit (`groupBytes` default) and with an fdatasync per
 * chunk (`groupBytes` 0, the store before group commit), side by side.
 *
 * Figures: MiB/s to the file whole and durable in the store (every chunk verified, recorded and
 * fdatasync'ed) and its ratio to the TCP copy; the time until every chunk was verified and
 * written, and until the output file was exported too (a copy and an fsync, as `fetchfile`
 * with an output does); the time to the first verified chunk written after `fetchfile` (which
 * includes finding the manifest: about 2 round trips); the process's CPU time (user + system)
 * for the TCP copy and for each fetch, all nodes being in this one process.
 * Then the same fetch by a node whose only peer holds nothing, through the DHT.
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { anchorScript } from '../node/anchors/commitment.js';
import { ManifestBuilder } from '../node/anchors/manifest.js';
import { manifestId } from '../node/anchors/manifest-codec.js';
import { blockLinkFromBlock, formatProof, newProof, withBlock } from '../node/anchors/proof.js';
import type { FullNode } from '../node/node.js';
import { toHex } from '../node/protocol/bytes.js';
import { blockHashFromDisplay } from '../node/protocol/ids.js';
import { p2wpkhFor, publicKey } from '../node/protocol/sign.js';
import { OutPoint, TxOut } from '../node/protocol/tx.js';
import { signedSpend } from './connect-data.js';
import { emit, until } from './lib.js';
import { startRegtestNode } from './regtest-node.js';

const KEY = new Uint8Array(32).fill(21);
const SPK = p2wpkhFor(publicKey(KEY));
const MiB = 1024 * 1024;

async function tcpCopy(src: string, dst: string): Promise<number> {
  const server = createServer((s) => createReadStream(src).pipe(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const sock = tcpConnect(port, '127.0.0.1');
    const out = createWriteStream(dst);
    sock.pipe(out);
    out.on('finish', () => resolve());
    sock.on('error', reject);
  });
  const ms = performance.now() - t0;
  server.close();
  return ms;
}

export async function run(): Promise<void> {
  const mib = Number(process.env.FILES_BENCH_MIB ?? 256);
  const size = mib * MiB;
  const root = mkdtempSync(join(tmpdir(), 'gl-bench-files-'));
  const nodes: FullNode[] = [];
  try {
    const file = join(root, 'data.bin');
    const data = Buffer.alloc(size);
    for (let i = 0; i < size; i += 8) data.writeUInt32LE((i * 2654435761) >>> 0, i);
    writeFileSync(file, data);
    const b = new ManifestBuilder({ keepChunkHashes: true });
    for (let o = 0; o < size; o += 16 * MiB) b.update(data.subarray(o, o + 16 * MiB));
    const { manifest, chunkHashes } = b.finish('data.bin');
    const id = manifestId(manifest);
    const idHex = toHex(id);

    const miner = await startRegtestNode(join(root, 'p0'), { mineWorkers: 1 });
    nodes.push(miner);
    await miner.generate(101, SPK);
    const cb = (await miner.chain.getBlock(miner.chain.entryAt(1)!.hash))!.txs[0]!;
    const value = cb.outputs[0]!.value;
    const tx = signedSpend(
      [{ op: new OutPoint(cb.txid(), 0), value }],
      [new TxOut(0n, anchorScript(id)), new TxOut(value - 20_000n, SPK)],
      KEY,
    );
    await miner.submitTx(tx);
    const [hash] = await miner.generate(1, SPK);
    const block = (await miner.chain.getBlock(blockHashFromDisplay(hash!)))!;
    const proof = newProof({
      network: 'regtest',
      manifest,
      chunkHashes: chunkHashes!,
      commitment: id,
      path: { index: 0, count: 1, path: [] },
      tx,
      vout: 0,
    });
    writeFileSync(
      `${file}.anchor.json`,
      formatProof(withBlock(proof, blockLinkFromBlock(block, 102, tx.txid())!)),
    );
    const providers: FullNode[] = [miner];
    for (let i = 1; i < 4; i++) {
      const p = await startRegtestNode(join(root, `p${i}`), {
        connect: [`127.0.0.1:${miner.p2p!.listenPort}`],
      });
      nodes.push(p);
      providers.push(p);
    }
    await until(() => providers.every((p) => p.chain.tip.hashHex === hash), 120_000, 'providers synced');
    for (const p of providers) await p.files!.share(file);

    const modes = [
      { mode: 'group commit', groupBytes: undefined },
      { mode: 'fdatasync per chunk', groupBytes: 0 },
    ];
    for (const n of [1, 2, 4]) {
      for (const { mode, groupBytes } of modes) {
        const tcpOut = join(root, 'tcp.out');
        const tcpCpu0 = process.cpuUsage();
        const tcpMs = await tcpCopy(file, tcpOut);
        const tcpCpu = process.cpuUsage(tcpCpu0);
        rmSync(tcpOut, { force: true });
        const tcpMibS = mib / (tcpMs / 1000);
        emit('files', {
          figure: 'tcp copy over loopback',
          mib,
          ms: Math.round(tcpMs),
          mibPerSec: +tcpMibS.toFixed(1),
          cpuMs: Math.round((tcpCpu.user + tcpCpu.system) / 1000),
        });
        const addrs = providers.slice(0, n).map((p) => `127.0.0.1:${p.p2p!.listenPort}`);
        const tag = `d${n}${groupBytes === 0 ? 'sync' : ''}`;
        const d = await startRegtestNode(join(root, tag), {
          connect: addrs,
          listen: false,
          filesGroupBytes: groupBytes,
        });
        nodes.push(d);
        await until(
          () => d.chain.tip.hashHex === hash && d.files!.providerCount(idHex) === n,
          120_000,
          'downloader synced and told of every provider',
        );
        let firstChunk = 0;
        let verified = 0;
        let durable = 0;
        const store = d.files!.store;
        const write = store.writeChunk.bind(store);
        store.writeChunk = async (...args) => {
          await write(...args);
          firstChunk ||= performance.now();
        };
        const finish = store.finish.bind(store);
        store.finish = async (f) => {
          verified = performance.now();
          await finish(f);
          durable = performance.now();
        };
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        await d.files!.fetch({ id: idHex }, join(root, `${tag}.out`));
        await d.files!.whenComplete(idHex);
        const exported = performance.now() - t0;
        const cpu = process.cpuUsage(cpu0);
        const ms = durable - t0;
        const mibS = mib / (ms / 1000);
        emit('files', {
          figure: `fetch from ${n} provider${n > 1 ? 's' : ''} over loopback, ${mode}`,
          mib,
          ms: Math.round(ms),
          mibPerSec: +mibS.toFixed(1),
          ofTcp: +(mibS / tcpMibS).toFixed(2),
          verifiedMs: Math.round(verified - t0),
          exportedMs: Math.round(exported),
          // CPU of the whole process (providers and downloader), less bent by a loaded box.
          cpuMs: Math.round((cpu.user + cpu.system) / 1000),
          firstVerifiedChunkMs: Math.round(firstChunk - t0),
          badChunks: d.files!.counters.badChunks,
          duplicateChunks: d.files!.counters.duplicateChunks,
        });
        await d.stop();
        nodes.pop();
        rmSync(join(root, tag), { recursive: true, force: true });
        rmSync(join(root, `${tag}.out`), { force: true });
      }
    }

    // Through the DHT (issue 17): the downloader's only peer holds no file; the provider is
    // found by a lookup of the anchor id and dialled as a file connection. The time includes
    // the 2 s given to connected peers first (dht-fallback.ts, FALLBACK_WAIT_MS).
    const relay = await startRegtestNode(join(root, 'relay'), {
      connect: [`127.0.0.1:${miner.p2p!.listenPort}`],
    });
    nodes.push(relay);
    const dp = await startRegtestNode(join(root, 'dht-p'), {
      connect: [`127.0.0.1:${miner.p2p!.listenPort}`],
      dht: { port: 0, host: '127.0.0.1' },
    });
    nodes.push(dp);
    const dd = await startRegtestNode(join(root, 'dht-d'), {
      connect: [`127.0.0.1:${relay.p2p!.listenPort}`],
      listen: false,
      dht: { port: 0, host: '127.0.0.1', bootstrap: [`127.0.0.1:${dp.dht!.port}`] },
    });
    nodes.push(dd);
    await until(
      () =>
        [relay, dp, dd].every((n) => n.chain.tip.hashHex === hash) &&
        dp.dht!.table.size === 1 &&
        dd.dht!.table.size === 1,
      120_000,
      'dht nodes synced and joined',
    );
    await dp.files!.share(file);
    await until(() => dd.dht!.records.size === 1, 120_000, 'the provider record stored');
    let firstChunk = 0;
    const store = dd.files!.store;
    const write = store.writeChunk.bind(store);
    store.writeChunk = async (...args) => {
      await write(...args);
      firstChunk ||= performance.now();
    };
    const t0 = performance.now();
    await dd.files!.fetch({ id: idHex }, join(root, 'out-dht'));
    await dd.files!.whenComplete(idHex);
    const ms = performance.now() - t0;
    const lat = dd.dht!.stats.latencies;
    emit('files', {
      figure: 'fetch through the DHT over loopback (no connected provider)',
      mib,
      ms: Math.round(ms),
      mibPerSec: +(mib / (ms / 1000)).toFixed(1),
      firstVerifiedChunkMs: Math.round(firstChunk - t0),
      dhtLookups: dd.files!.counters.dhtLookups,
      dhtConnections: dd.files!.counters.dhtConnections,
      lookupMs: lat.at(-1) ?? null,
    });
  } finally {
    for (const n of nodes.reverse()) await n.stop().catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
