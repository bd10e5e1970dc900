/**
 * Node benchmarks: mempool acceptance through sendrawtransaction (independent 1-in/1-out
 * P2WPKH txs, one call at a time, each returning after acceptance), restart time of a node
 * holding 1,000+ blocks (process start to answering RPC), and RSS and disk size after 100k
 * UTXOs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chain } from '../node/chain/chain.js';
import { silentLogger } from '../node/log.js';
import { FullNode } from '../node/node.js';
import { encodeAddress } from '../node/protocol/address.js';
import { Block } from '../node/protocol/block.js';
import { fromHex, toHex } from '../node/protocol/bytes.js';
import { regtest } from '../node/protocol/params.js';
import { p2wpkhFor, publicKey } from '../node/protocol/sign.js';
import { OutPoint, TxOut } from '../node/protocol/tx.js';
import { post, rssOf } from './cli-proc.js';
import { loadOrGenerate, signedSpend } from './connect-data.js';
import { emit, REPO_ROOT } from './lib.js';

const KEY = new Uint8Array(32).fill(9);
const SPK = p2wpkhFor(publicKey(KEY));

const signed = (inputs: { op: OutPoint; value: bigint }[], outputs: TxOut[]) =>
  signedSpend(inputs, outputs, KEY);

async function mempoolAcceptance(count: number): Promise<void> {
  // The node runs in its own process, as in production; this process is only the RPC client.
  const dir = mkdtempSync(join(tmpdir(), 'gl-bench-mempool-'));
  const { child, url, auth } = await startCli(dir);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  let id = 0;
  const rpc = async (method: string, params: unknown[]) => {
    const reply = JSON.parse(
      await post(url, auth, JSON.stringify({ jsonrpc: '2.0', id: id++, method, params }), agent),
    ) as {
      result?: unknown;
      error?: { message: string };
    };
    if (reply.error) throw new Error(`${method}: ${reply.error.message}`);
    return reply.result;
  };
  try {
    // Fund: coinbases of 40 blocks, each fanned out into `count / 40` coins, then confirmed.
    const address = encodeAddress(SPK, regtest.address)!;
    const hashes = (await rpc('generatetoaddress', [140, address])) as string[];
    const perFan = Math.ceil(count / 40);
    const coins: { op: OutPoint; value: bigint }[] = [];
    for (const hash of hashes.slice(0, 40)) {
      const cb = Block.fromBytes(fromHex((await rpc('getblock', [hash, 0])) as string)).txs[0]!;
      const value = cb.outputs[0]!.value;
      const each = (value - 100_000n) / BigInt(perFan);
      const fan = signed(
        [{ op: new OutPoint(cb.txid(), 0), value }],
        Array.from({ length: perFan }, () => new TxOut(each, SPK)),
      );
      await rpc('sendrawtransaction', [toHex(fan.toBytes())]);
      for (let i = 0; i < fan.outputs.length; i++)
        coins.push({ op: new OutPoint(fan.txid(), i), value: fan.outputs[i]!.value });
    }
    await rpc('generatetoaddress', [1, address]);
    const txs = coins.slice(0, count).map((c) => signed([c], [new TxOut(c.value - 500n, SPK)]));
    const hexes = txs.map((tx) => toHex(tx.toBytes()));
    const start = process.hrtime.bigint();
    for (const hex of hexes) await rpc('sendrawtransaction', [hex]);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const info = (await rpc('getmempoolinfo', [])) as { size: number };
    emit('mempool-accept-rpc', {
      txs: count,
      ms: Math.round(ms),
      txsPerSec: Math.round((count * 1000) / ms),
      goalTxsPerSec: 1500,
      mempoolSize: info.size,
    });
  } finally {
    agent.destroy();
    await stopCli(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

function du(dir: string): number {
  let n = 0;
  for (const f of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, f.name);
    n += f.isDirectory() ? du(p) : statSync(p).size;
  }
  return n;
}

/** Starts the CLI on `dir`; resolves when it answers RPC, with the elapsed ms. */
function startCli(dir: string): Promise<{ child: ChildProcess; ms: number; url: URL; auth: string }> {
  const t0 = process.hrtime.bigint();
  const child = spawn(
    process.execPath,
    [
      join(REPO_ROOT, 'dist', 'node', 'cli.js'),
      '-n',
      'regtest',
      '-d',
      dir,
      '--http-port',
      '0',
      '--rpc-port',
      '0',
      '--no-listen',
    ],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`node did not start: ${log}`)), 60_000);
    child.stderr!.on('data', async (c: Buffer) => {
      log += c.toString();
      const m = /rpc listening url=(http:\/\/[^\s]+)/.exec(log);
      if (!m) return;
      child.stderr!.removeAllListeners('data');
      const secret = readFileSync(join(dir, '.cookie'), 'utf8');
      const agent = new Agent();
      const url = new URL(`${m[1]}/`);
      const auth = `Basic ${Buffer.from(secret).toString('base64')}`;
      await post(url, auth, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getblockcount' }), agent);
      agent.destroy();
      clearTimeout(timer);
      resolve({ child, ms: Number(process.hrtime.bigint() - t0) / 1e6, url, auth });
    });
    child.on('exit', (code) => reject(new Error(`node exited ${code}: ${log}`)));
  });
}

async function stopCli(child: ChildProcess): Promise<void> {
  await new Promise<void>((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function restartAndFootprint(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gl-bench-restart-'));
  try {
    const blocks = loadOrGenerate((m) => process.stderr.write(`${m}\n`));
    const chain = await Chain.open(
      { params: regtest, path: join(dir, 'chain') },
      { now: () => 4_000_000_000 },
    );
    for (const b of blocks) await chain.addBlock(b);
    const height = chain.height;
    await chain.close();
    const { child, ms } = await startCli(dir);
    await stopCli(child);
    const again = await startCli(dir);
    emit('restart', {
      blocks: height,
      msToServing: Math.round(again.ms),
      coldFirstStartMs: Math.round(ms),
      goalMs: 2000,
    });
    await stopCli(again.child);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // 100k UTXOs: fan-out transactions, 1,000 outputs each, mined in-process, then measured in the CLI.
  const dir2 = mkdtempSync(join(tmpdir(), 'gl-bench-utxo-'));
  try {
    const node = await FullNode.start(
      {
        network: 'regtest',
        datadir: dir2,
        httpHost: '127.0.0.1',
        httpPort: 0,
        p2pPort: 0,
        mine: false,
        logLevel: 'silent',
      },
      silentLogger,
    );
    await node.generate(200, SPK);
    for (let h = 1; h <= 100; h++) {
      const cb = (await node.chain.getBlock(node.chain.entryAt(h)!.hash))!.txs[0]!;
      const value = cb.outputs[0]!.value;
      const each = (value - 1_000_000n) / 1000n;
      const fan = signed(
        [{ op: new OutPoint(cb.txid(), 0), value }],
        Array.from({ length: 1000 }, () => new TxOut(each, SPK)),
      );
      await node.submitTx(fan);
      if (h % 10 === 0) await node.generate(1, SPK);
    }
    const stats = await node.chain.utxoStats();
    await node.stop();
    const { child, ms } = await startCli(dir2);
    const { rss } = rssOf(child.pid!);
    await stopCli(child);
    emit('utxo-footprint', {
      utxos: stats.count,
      rssMB: Number((rss / 1e6).toFixed(1)),
      diskMB: Number((du(dir2) / 1e6).toFixed(1)),
      msToServing: Math.round(ms),
      address: encodeAddress(SPK, regtest.address),
    });
  } finally {
    rmSync(dir2, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  await mempoolAcceptance(3000);
  await restartAndFootprint();
}
