/**
 * The wallet's local cache (wallet/sync.ts), whole `gossip-wallet` processes against the
 * in-memory Esplora server (wallet-esplora.ts) with the default scrypt cost: `balance` cold (no
 * cache: the per-address scan) and warm (the cache, nothing changed) on a wallet of 1,000 coins
 * over 1,000 addresses, and `send` warm on it and on a devnet-sized wallet (110 coins at one
 * address, as the devnet's miner wallet holds). Medians of 3 runs, with the requests each made.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '../node/protocol/bytes.js';
import { regtest } from '../node/protocol/params.js';
import { cachePathOf } from '../wallet/cache.js';
import { Context } from '../wallet/context.js';
import { CHANGE, RECEIVE } from '../wallet/hd.js';
import { DEFAULT_LOG_N, seal, unlock, writeAtomic } from '../wallet/keystore.js';
import { syncCoins } from '../wallet/sync.js';
import { Wallet } from '../wallet/wallet.js';
import { emit, REPO_ROOT } from './lib.js';
import { FakeEsplora, fakeTxid } from './wallet-esplora.js';

const MNEMONIC =
  'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const secrets = { mnemonic: MNEMONIC, account: 0, imported: [], createdAt: 'bench' };
const RUNS = 3;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** One whole CLI process; resolves to its wall time in ms. */
function cli(file: string, url: string, args: string[]): Promise<number> {
  const t = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(REPO_ROOT, 'dist', 'wallet', 'cli.js'), '-w', file, '--node', url, ...args],
      {
        env: { ...process.env, GOSSIP_WALLET_PASSWORD: 'bench' },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let err = '';
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`gossip-wallet ${args.join(' ')} exited ${code}: ${err.trim()}`));
      else resolve(Number(process.hrtime.bigint() - t) / 1e6);
    });
  });
}

/**
 * The same sync in-process (no process start, no scrypt): a rescan, then a warm command, each
 * with a fresh Wallet (so key derivation counts, as in a CLI run) and the cache write.
 */
async function inProcess(url: string, file: string): Promise<{ coldMs: number; warmMs: number }> {
  const cold: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    for (const [rescan, into] of [
      [true, cold],
      [false, warm],
    ] as const) {
      const ctx = new Context({ node: url }, { out: () => {}, progress: () => {} }, {});
      const t = process.hrtime.bigint();
      await syncCoins(ctx, file, new Wallet(regtest, secrets), ctx.client(regtest), { rescan });
      await ctx.commit();
      into.push(Number(process.hrtime.bigint() - t) / 1e6);
      ctx.close();
    }
  }
  return { coldMs: Math.round(median(cold)), warmMs: Math.round(median(warm)) };
}

/** Median time and the requests of the last run, `prepare` run before each. */
async function measure(
  fake: FakeEsplora,
  file: string,
  args: string[],
  prepare: () => Promise<void>,
): Promise<{ ms: number; requests: number }> {
  const times: number[] = [];
  let requests = 0;
  for (let i = 0; i < RUNS; i++) {
    await prepare();
    const before = fake.requests;
    times.push(await cli(file, fake.url, args));
    requests = fake.requests - before;
  }
  return { ms: Math.round(median(times)), requests };
}

async function wallet(coins: number, addresses: number, sendAmount: string): Promise<void> {
  const model = new Wallet(regtest, secrets);
  const fake = new FakeEsplora();
  for (let i = 0; i < coins; i++) {
    const k = model.key(RECEIVE, i % addresses);
    fake.scripts.set(k.address, toHex(k.script));
    fake.fund(k.address, { txid: fakeTxid(i + 1), vout: 0, value: 10_000 + i, height: 100 + (i % 50) });
  }
  await fake.start();
  const dir = await mkdtemp(join(tmpdir(), 'gl-wallet-cache-bench-'));
  try {
    const file = join(dir, 'w.json');
    // A version 2 file, as `create` writes: public descriptors readable, so `balance` needs no
    // password (and no scrypt unlock); `send` still unlocks.
    const pub = model.toPublic();
    await writeAtomic(file, await seal(secrets, 'regtest', 'bench', DEFAULT_LOG_N, pub), true);
    const cache = cachePathOf(file);
    const noCache = () => rm(cache, { force: true });
    const keep = async () => {};
    const balance = ['balance', '--json'];
    const cold = await measure(fake, file, balance, noCache);
    const warm = await measure(fake, file, balance, keep);
    const to = model.key(CHANGE, 500).address;
    const send = ['send', to, sendAmount, '--fee-rate', '1'];
    const sendCold = await measure(fake, file, send, noCache);
    const sendWarm = await measure(fake, file, send, keep);
    const sync = await inProcess(fake.url, file);
    const unlockRuns: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = process.hrtime.bigint();
      await unlock(file, 'bench');
      unlockRuns.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    const startup = await measure(fake, file, ['--version'], keep);
    emit('wallet-cache.process', {
      coins,
      addresses,
      scryptLogN: DEFAULT_LOG_N,
      balanceColdMs: cold.ms,
      balanceWarmMs: warm.ms,
      balanceColdRequests: cold.requests,
      balanceWarmRequests: warm.requests,
      sendColdMs: sendCold.ms,
      sendWarmMs: sendWarm.ms,
      sendColdRequests: sendCold.requests,
      sendWarmRequests: sendWarm.requests,
      syncColdMs: sync.coldMs,
      syncWarmMs: sync.warmMs,
      unlockMs: Math.round(median(unlockRuns)),
      startupMs: startup.ms,
      runs: RUNS,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
    await fake.stop();
  }
}

export async function run(): Promise<void> {
  await wallet(1000, 1000, '0.0001');
  await wallet(110, 1, '0.0001');
}
