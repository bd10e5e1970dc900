/**
 * Where users wait (issue 22), each figure for this tree and, with BENCH_BASE=<checkout with a
 * dist/>, for that build too, interleaved in one run so both see the same machine:
 *
 * - `accept-rpc`: 5,000 (ACCEPT_TXS) independent 1-in/1-out P2WPKH txs through
 *   `sendrawtransaction`, one call at a time, then as many again from 8 concurrent clients
 *   (each its own keep-alive connection), the pair ACCEPT_REPEAT times (default once); tx/s,
 *   and the node process's CPU time per tx (user + system, ms; steadier than tx/s when other
 *   work shares the machine), and the bench client's (this process). The node is a
 *   `gossip-node` process.
 * - `sync-rss`: a `gossip-node` syncing a 2,302-block regtest chain (101 maturing blocks, a
 *   fan-out, P2P_BENCH_BLOCKS = 2,200 blocks of 100 P2WPKH spends; p2p-data.ts) over loopback
 *   from another process; its RSS (and peak) when it reaches the tip, blocks/s of the sync.
 *   `sync-rss-parts` says where the settled RSS is (smaps by kind of mapping, threads, the
 *   main isolate's heap spaces); SYNC_RSS_VARIANTS adds runs of this tree with other settings.
 *   ACCEPT_RSS_ONLY=rss (or accept) runs one half.
 *
 * Every line carries the 1-minute load average when the figure was taken (os.loadavg).
 * ACCEPT_RSS_ONLY=accept (or rss) runs only that part.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { encodeAddress } from '../node/protocol/address.js';
import { Block } from '../node/protocol/block.js';
import { fromHex, toHex } from '../node/protocol/bytes.js';
import { regtest } from '../node/protocol/params.js';
import { p2wpkhFor, publicKey } from '../node/protocol/sign.js';
import { OutPoint, TxOut } from '../node/protocol/tx.js';
import { type CliNode, cpuMsOf, rpcClient, rssOf, rssParts, startCli, stopCli } from './cli-proc.js';
import { signedSpend } from './connect-data.js';
import { emit, REPO_ROOT } from './lib.js';
import { loadOrGenerateSync } from './p2p-data.js';
import { startRegtestNode } from './regtest-node.js';

const KEY = new Uint8Array(32).fill(9);
const SPK = p2wpkhFor(publicKey(KEY));
const MiB = 1024 * 1024;

interface Build {
  readonly name: string;
  readonly root: string;
}

function builds(): Build[] {
  const base = process.env.BENCH_BASE;
  const ours = { name: 'this', root: REPO_ROOT };
  return base ? [{ name: 'base', root: resolve(base) }, ours] : [ours];
}

/**
 * The sync's configurations: each build as it is, and for this tree the variants of
 * SYNC_RSS_VARIANTS, a JSON list of `{"name", "args"?, "nodeFlags"?, "env"?}` (node settings,
 * Node.js flags, environment), so settings are compared in one run on the same chain.
 */
interface SyncRun extends Build {
  readonly args: readonly string[];
  readonly nodeFlags: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

function syncRuns(): SyncRun[] {
  const plain = { args: [], nodeFlags: [], env: {} };
  const variants = JSON.parse(process.env.SYNC_RSS_VARIANTS ?? '[]') as Partial<SyncRun>[];
  return [
    ...builds().map((b) => ({ ...b, ...plain })),
    ...variants.map((v) => ({ ...plain, ...v, name: `this+${v.name}`, root: REPO_ROOT })),
  ];
}

const load1 = () => Number(loadavg()[0]!.toFixed(2));

/** A node holding `rounds * count` confirmed P2WPKH coins of KEY, and `rounds` sets of their signed spends. */
export async function fundedNode(build: Build, count: number, rounds = 2) {
  const dir = mkdtempSync(join(tmpdir(), 'gl-bench-accept-'));
  const node = await startCli(build.root, dir, ['--no-listen']);
  const rpc = rpcClient(node);
  const address = encodeAddress(SPK, regtest.address)!;
  const hashes = (await rpc.call('generatetoaddress', [180, address])) as string[];
  const fans = 80;
  const perFan = Math.ceil((rounds * count) / fans);
  const coins: { op: OutPoint; value: bigint }[] = [];
  for (const hash of hashes.slice(0, fans)) {
    const cb = Block.fromBytes(fromHex((await rpc.call('getblock', [hash, 0])) as string)).txs[0]!;
    const value = cb.outputs[0]!.value;
    const each = (value - 100_000n) / BigInt(perFan);
    const fan = signedSpend(
      [{ op: new OutPoint(cb.txid(), 0), value }],
      Array.from({ length: perFan }, () => new TxOut(each, SPK)),
      KEY,
    );
    await rpc.call('sendrawtransaction', [toHex(fan.toBytes())]);
    for (let i = 0; i < fan.outputs.length; i++)
      coins.push({ op: new OutPoint(fan.txid(), i), value: fan.outputs[i]!.value });
  }
  await rpc.call('generatetoaddress', [1, address]);
  const hexes = coins
    .slice(0, rounds * count)
    .map((c) => toHex(signedSpend([c], [new TxOut(c.value - 500n, SPK)], KEY).toBytes()));
  const sets = Array.from({ length: rounds }, (_, r) => hexes.slice(r * count, (r + 1) * count));
  return { build, dir, node, rpc, address, rounds: sets };
}

/**
 * Submits `hexes` from `clients` concurrent connections; tx/s, and this process's CPU time per
 * tx (ms), which says whether the client, sharing the machine's cores, is what limits the rate.
 */
export async function submitAll(
  node: CliNode,
  hexes: string[],
  clients: number,
): Promise<{ txsPerSec: number; clientCpuMsPerTx: number }> {
  const conns = Array.from({ length: clients }, () => rpcClient(node));
  let next = 0;
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await Promise.all(
    conns.map(async (c) => {
      while (next < hexes.length) await c.call('sendrawtransaction', [hexes[next++]!]);
    }),
  );
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const used = process.cpuUsage(cpu);
  for (const c of conns) c.close();
  return {
    txsPerSec: (hexes.length * 1000) / ms,
    clientCpuMsPerTx: Number(((used.user + used.system) / 1000 / hexes.length).toFixed(3)),
  };
}

/** `repeats` times a round of one client then one of 8, each build in turn. */
async function acceptance(count: number, repeats: number): Promise<void> {
  const nodes = [];
  const order = Array.from({ length: repeats }, () => [1, 8]).flat();
  try {
    for (const b of builds()) nodes.push(await fundedNode(b, count, order.length));
    for (const [round, clients] of order.entries()) {
      for (const n of nodes) {
        const loadBefore = load1();
        const cpuBefore = cpuMsOf(n.node.child.pid!);
        const { txsPerSec, clientCpuMsPerTx } = await submitAll(n.node, n.rounds[round]!, clients);
        const cpuMs = cpuMsOf(n.node.child.pid!) - cpuBefore;
        const info = (await n.rpc.call('getmempoolinfo')) as { size: number };
        emit('accept-rpc', {
          build: n.build.name,
          clients,
          txs: count,
          txsPerSec: Math.round(txsPerSec),
          nodeCpuMsPerTx: Number((cpuMs / count).toFixed(3)),
          clientCpuMsPerTx,
          mempoolSize: info.size,
          load1Before: loadBefore,
          load1: load1(),
        });
        // Confirm the round, so the next one starts from an empty mempool.
        await n.rpc.call('generatetoaddress', [1, n.address]);
      }
    }
  } finally {
    for (const n of nodes) {
      n.rpc.close();
      await stopCli(n.node);
      rmSync(n.dir, { recursive: true, force: true });
    }
  }
}

/**
 * Polls until the node's height is `height`. A dropped keep-alive socket (the server timing it
 * out while the loaded machine delays our next call) is retried on a new one while the node runs.
 */
async function waitHeight(node: CliNode, height: number, ms: number): Promise<void> {
  let rpc = rpcClient(node);
  const end = Date.now() + ms;
  try {
    for (;;) {
      const at = await rpc.call('getblockcount').catch((e: Error) => {
        if (node.child.exitCode !== null) throw new Error(`bench: node exited during the sync: ${e.message}`);
        rpc.close();
        rpc = rpcClient(node);
        return undefined;
      });
      if (at === height) return;
      if (Date.now() > end) throw new Error(`bench: sync did not reach ${height}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    rpc.close();
  }
}

/** The main isolate's heap spaces and external memory (MiB), from the node's /metrics. */
async function heapSpaces(node: CliNode): Promise<Record<string, number>> {
  if (!node.httpUrl) return {};
  const text = await fetch(new URL('metrics', node.httpUrl))
    .then((r) => r.text())
    .catch(() => '');
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^nodejs_heap_space_size_total_bytes\{space="(\w+)"\} (\d+)/gm))
    out[`heap_${m[1]}`] = Number((Number(m[2]) / MiB).toFixed(1));
  const ext = /^nodejs_external_memory_bytes (\d+)/m.exec(text);
  if (ext) out.external = Number((Number(ext[1]) / MiB).toFixed(1));
  return out;
}

const mib = (n: number) => Number((n / MiB).toFixed(1));

async function syncRss(spendBlocks: number, repeats: number): Promise<void> {
  const blocks = loadOrGenerateSync(spendBlocks, (m) => process.stderr.write(`${m}\n`));
  const src = mkdtempSync(join(tmpdir(), 'gl-bench-rss-src-'));
  let server: CliNode | undefined;
  try {
    const a = await startRegtestNode(src, { p2p: false });
    for (const b of blocks) await a.submitBlock(b);
    await a.stop();
    server = await startCli(REPO_ROOT, src, [], { p2p: true });
    for (let r = 0; r < repeats; r++) {
      for (const build of syncRuns()) {
        const dst = mkdtempSync(join(tmpdir(), 'gl-bench-rss-dst-'));
        const loadBefore = load1();
        const node = await startCli(
          build.root,
          dst,
          ['--no-listen', '--connect', `127.0.0.1:${server.p2pPort}`, ...build.args],
          { nodeFlags: build.nodeFlags, env: build.env },
        );
        try {
          const t0 = performance.now();
          await waitHeight(node, blocks.length, 30 * 60_000);
          const syncMs = performance.now() - t0;
          const atTip = rssOf(node.child.pid!);
          // And once the last block's work has settled (writes landed, a GC or two).
          await new Promise((r) => setTimeout(r, 5000));
          const settled = rssOf(node.child.pid!);
          // Later samples, SYNC_RSS_LATER seconds after the tip (e.g. "15,30"): V8's memory
          // reducer starts 8 s after the allocation rate falls, so a 5 s figure can miss it.
          const later: Record<string, number> = {};
          let waited = 5;
          for (const s of (process.env.SYNC_RSS_LATER ?? '').split(',').filter(Boolean).map(Number)) {
            await new Promise((r) => setTimeout(r, Math.max(0, s - waited) * 1000));
            waited = Math.max(waited, s);
            later[`rssMiB${s}sLater`] = mib(rssOf(node.child.pid!).rss);
          }
          const parts = rssParts(node.child.pid!);
          emit('sync-rss', {
            build: build.name,
            blocks: blocks.length,
            blocksPerSec: Math.round((blocks.length * 1000) / syncMs),
            rssMiBAtTip: Number((atTip.rss / MiB).toFixed(1)),
            rssMiB5sLater: Number((settled.rss / MiB).toFixed(1)),
            ...later,
            peakRssMiB: Number((settled.peak / MiB).toFixed(1)),
            load1Before: loadBefore,
            load1: load1(),
          });
          // Where the settled RSS is: smaps by kind of mapping, and the main isolate's heap.
          emit('sync-rss-parts', {
            build: build.name,
            brkMiB: mib(parts.brk),
            anonMiB: mib(parts.anon),
            filesMiB: mib(parts.files),
            threads: parts.threads,
            ...(await heapSpaces(node)),
          });
        } finally {
          await stopCli(node);
          rmSync(dst, { recursive: true, force: true });
        }
      }
    }
  } finally {
    if (server) await stopCli(server);
    rmSync(src, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  if (process.env.ACCEPT_RSS_ONLY !== 'rss')
    await acceptance(Number(process.env.ACCEPT_TXS ?? 5000), Number(process.env.ACCEPT_REPEAT ?? 1));
  if (process.env.ACCEPT_RSS_ONLY !== 'accept')
    await syncRss(Number(process.env.P2P_BENCH_BLOCKS ?? 2200), Number(process.env.BENCH_REPEAT ?? 2));
}
