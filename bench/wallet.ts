/**
 * Wallet benchmarks: building and signing a 100-input P2WPKH transaction (and its local script
 * verification), and `balance` / coin listing for a wallet holding 1,000 coins, against the
 * in-memory Esplora server (wallet-esplora.ts) on loopback: in-process (scan only) and as the
 * real CLI process (node start-up and the scrypt unlock included), with request counts.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '../node/protocol/bytes.js';
import { regtest } from '../node/protocol/params.js';
import { TxOut } from '../node/protocol/tx.js';
import { buildSigned, verifySigned } from '../wallet/build.js';
import { CheckedNode } from '../wallet/esplora/checked.js';
import { EsploraClient } from '../wallet/esplora/client.js';
import { CHANGE, RECEIVE } from '../wallet/hd.js';
import { DEFAULT_LOG_N, seal, unlock, writeAtomic } from '../wallet/keystore.js';
import { balancesOf, discover, listCoins } from '../wallet/scan.js';
import { Wallet } from '../wallet/wallet.js';
import { emit, REPO_ROOT } from './lib.js';
import { FakeEsplora, fakeTxid } from './wallet-esplora.js';

const MNEMONIC =
  'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const secrets = { mnemonic: MNEMONIC, account: 0, imported: [], createdAt: 'bench' };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timed<T>(fn: () => T): [T, number] {
  const t = process.hrtime.bigint();
  const r = fn();
  return [r, Number(process.hrtime.bigint() - t) / 1e6];
}

function signBench(): void {
  const wallet = new Wallet(regtest, secrets);
  const coins = Array.from({ length: 100 }, (_, i) => ({
    txid: fakeTxid(i + 1),
    vout: i % 3,
    value: 1_000_000n + BigInt(i),
    key: wallet.key(RECEIVE, i),
  }));
  const outputs = [
    new TxOut(90_000_000n, wallet.key(RECEIVE, 500).script),
    new TxOut(9_990_000n, wallet.key(CHANGE, 0).script),
  ];
  const build: number[] = [];
  const verify: number[] = [];
  let vsize = 0;
  for (let i = 0; i < 7; i++) {
    const [tx, b] = timed(() => buildSigned(coins, outputs, 100));
    const [, v] = timed(() => verifySigned(tx, coins));
    build.push(b);
    verify.push(v);
    vsize = tx.vsize();
  }
  emit('wallet.sign100', {
    inputs: 100,
    vsize,
    buildSignMs: Number(median(build).toFixed(1)),
    localVerifyMs: Number(median(verify).toFixed(1)),
    runs: build.length,
  });
}

/** A fake node holding `coins` coins spread over `addresses` receive addresses of the wallet. */
async function fundedFake(wallet: Wallet, coins: number, addresses: number): Promise<FakeEsplora> {
  const fake = new FakeEsplora();
  for (let i = 0; i < coins; i++) {
    const k = wallet.key(RECEIVE, i % addresses);
    fake.scripts.set(k.address, toHex(k.script));
    fake.fund(k.address, { txid: fakeTxid(i + 1), vout: 0, value: 10_000 + i, height: 100 + (i % 50) });
  }
  await fake.start();
  return fake;
}

async function scanBench(addresses: number): Promise<void> {
  const wallet = new Wallet(regtest, secrets);
  const fake = await fundedFake(wallet, 1000, addresses);
  try {
    const balance: number[] = [];
    const coinList: number[] = [];
    let balReq = 0;
    let coinReq = 0;
    for (let i = 0; i < 5; i++) {
      // A fresh wallet each run, so key derivation is measured too (as in a CLI run).
      const w = new Wallet(regtest, secrets);
      const client = new EsploraClient({ url: fake.url });
      let t = process.hrtime.bigint();
      // balanceMs: the discovery scan; listCoinsMs: the coins, each checked against its raw tx.
      const scan = await discover(w, client);
      balance.push(Number(process.hrtime.bigint() - t) / 1e6);
      balReq = client.requests;
      t = process.hrtime.bigint();
      const coins = await listCoins(
        new CheckedNode(client, regtest),
        scan,
        fake.tip,
        regtest.coinbaseMaturity,
      );
      balancesOf(coins);
      coinList.push(Number(process.hrtime.bigint() - t) / 1e6);
      coinReq = client.requests - balReq;
      client.close();
      if (coins.length !== 1000) throw new Error(`expected 1000 coins, got ${coins.length}`);
    }
    emit('wallet.balance1000', {
      coins: 1000,
      addresses,
      balanceMs: Number(median(balance).toFixed(1)),
      balanceRequests: balReq,
      listCoinsMs: Number(median(coinList).toFixed(1)),
      listCoinsRequests: coinReq,
      runs: balance.length,
    });
    await cliBench(fake, addresses);
  } finally {
    await fake.stop();
  }
}

/** The whole `gossip-wallet balance` process, default scrypt cost, against the fake node. */
async function cliBench(fake: FakeEsplora, addresses: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'gl-wallet-bench-'));
  try {
    const file = join(dir, 'w.json');
    await writeAtomic(file, await seal(secrets, 'regtest', 'bench', DEFAULT_LOG_N), true);
    const unlockRuns: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = process.hrtime.bigint();
      await unlock(file, 'bench');
      unlockRuns.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    const runs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = process.hrtime.bigint();
      const code = await new Promise<number | null>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          [join(REPO_ROOT, 'dist', 'wallet', 'cli.js'), '-w', file, '--node', fake.url, 'balance', '--json'],
          { env: { ...process.env, GOSSIP_WALLET_PASSWORD: 'bench' }, stdio: 'ignore' },
        );
        child.on('error', reject);
        child.on('close', resolve);
      });
      if (code !== 0) throw new Error(`gossip-wallet balance exited ${code}`);
      runs.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    emit('wallet.cliBalance1000', {
      coins: 1000,
      addresses,
      scryptLogN: DEFAULT_LOG_N,
      unlockMs: Math.round(median(unlockRuns)),
      processMs: Math.round(median(runs)),
      runs: runs.length,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  signBench();
  await scanBench(1000);
  await scanBench(100);
}
