/**
 * The wallet's money safety against a fake Esplora server on 127.0.0.1 (the server may be
 * someone else's): fee caps (Core's -maxtxfee / maxfeerate, exit 10, nothing signed or sent),
 * coins checked against their funding transactions' bytes and the tip against its header's
 * proof of work (exit 6 naming what did not match), the last-seen tip and --trust-node,
 * getbalances' split with immature coinbase kept out of coin selection, file modes, and the
 * progress rule. The wallet runs in-process (program.ts's main).
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fromHex } from '../node/protocol/bytes.js';
import { regtest } from '../node/protocol/params.js';
import { Tx } from '../node/protocol/tx.js';
import { encodeWif } from '../node/protocol/wif.js';
import { CheckedNode } from '../wallet/esplora/checked.js';
import { EsploraClient } from '../wallet/esplora/client.js';
import { RECEIVE } from '../wallet/hd.js';
import { tipPathOf } from '../wallet/tipstate.js';
import { Wallet } from '../wallet/wallet.js';
import { walletVectors } from './helpers/wallet.js';
import { FakeEsplora, fakeTxid } from './helpers/wallet-esplora.js';
import { runInProcess } from './helpers/wallet-run.js';

const MNEMONIC = walletVectors().bip84.mnemonic;
const PW = { GOSSIP_WALLET_PASSWORD: 'correct horse' };
const COIN = 100_000_000;
const model = new Wallet(regtest, { mnemonic: MNEMONIC, account: 0, imported: [], createdAt: '' });
const TO = model.key(RECEIVE, 30).address;
const FEES = { '1': 5.2, '2': 4.1, '6': 2.5, '144': 1.01 };

let dir: string;
let walletFile: string;
let fake: FakeEsplora;
/** Real txids of the fake's coins by name. */
const txid: Record<string, string> = {};

// --no-cache: these check what the per-address scan checks, on every command (the fake's
// headers do not link, so it cannot serve the blocks a cache would read; that is
// test/wallet-cache.test.ts's, on a real node).
const w = (...args: string[]) =>
  runInProcess(['-w', walletFile, '--node', fake.url, '--no-cache', ...args], PW);

function oneLine(err: string): string {
  const lines = err.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^gossip-wallet: /);
  return lines[0]!;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gl-wallet-safety-'));
  walletFile = join(dir, 'w.json');
  fake = new FakeEsplora();
  await fake.start();
  // Tip 200, maturity 100: a coinbase at 150 is immature (51 confirmations), one at 50 mature.
  const at = (i: number) => model.key(RECEIVE, i).address;
  txid.plain = fake.fund(at(0), { txid: fakeTxid(1), vout: 0, value: 20 * COIN, height: 150 });
  txid.young = fake.fund(at(1), {
    txid: fakeTxid(2),
    vout: 0,
    value: 50 * COIN,
    height: 150,
    coinbase: true,
  });
  txid.old = fake.fund(at(2), { txid: fakeTxid(3), vout: 1, value: 25 * COIN, height: 50, coinbase: true });
  txid.pending = fake.fund(at(3), { txid: fakeTxid(4), vout: 0, value: 0.3 * COIN, height: null });
  const r = await runInProcess(['-n', 'regtest', '-w', walletFile, 'restore', '--scrypt-log-n', '10'], {
    ...PW,
    GOSSIP_WALLET_MNEMONIC: MNEMONIC,
  });
  expect(r.code, r.err).toBe(0);
});

afterAll(async () => {
  await fake?.stop();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  fake.mode = 'ok';
  fake.tip = 200;
  fake.fees = { ...FEES };
});

describe('fee caps (-maxtxfee)', () => {
  it('refuses an absurd fee estimate from the node: exit 10, what it would have paid, nothing signed or sent', async () => {
    fake.fees = { '6': 9999999 };
    const posted = fake.posted.length;
    const r = await w('send', TO, '0.1', '--json');
    expect(r.code).toBe(10);
    expect(r.out).toBe('');
    expect(oneLine(r.err)).toMatch(
      /fee rate 9999999 sat\/vB is above --max-fee-rate 1000 sat\/vB: it would have paid 1[45]\.\d{8} \(\d+ vB at 9999999 sat\/vB, the node's estimate for 6 blocks\); nothing signed, nothing sent/,
    );
    expect(fake.posted.length).toBe(posted);
  });

  it('refuses a fee above --max-fee even at an accepted rate, and each cap can be raised', async () => {
    fake.fees = { '6': 9999999 };
    const posted = fake.posted.length;
    const r = await w('send', TO, '0.1', '--max-fee-rate', '9999999', '--dry-run');
    expect(r.code).toBe(10);
    expect(r.out).toBe('');
    expect(oneLine(r.err)).toMatch(
      /fee 1[45]\.\d{8} is above --max-fee 0\.10000000: it would have paid 1[45]\.\d{8} \(\d+ vB at 9999999 sat\/vB/,
    );
    const ok = await w(
      'send',
      TO,
      '0.1',
      '--max-fee-rate',
      '9999999',
      '--max-fee',
      '15',
      '--dry-run',
      '--json',
    );
    expect(ok.code, ok.err).toBe(0);
    expect(JSON.parse(ok.out).fee_sat).toBeGreaterThan(14 * COIN);
    expect(fake.posted.length).toBe(posted);
  });

  it('caps the rate given with --fee-rate too, and says it is the rate when the fee would eat the wallet', async () => {
    const own = await w('sweep', TO, '--fee-rate', '1001', '--dry-run');
    expect(own.code).toBe(10);
    expect(oneLine(own.err)).toMatch(
      /fee rate 1001 sat\/vB is above --max-fee-rate 1000 sat\/vB.*from --fee-rate/,
    );
    // 44 coins at 9999999 sat/vB are beyond the 45.3 spendable: the answer is the rate, not the funds.
    fake.fees = { '6': 9999999 };
    const big = await w('send', TO, '44', '--dry-run');
    expect(big.code).toBe(10);
    expect(oneLine(big.err)).toMatch(/fee rate 9999999 sat\/vB is above --max-fee-rate.*it would have paid/);
  });

  it('anchor honours the caps too, and bad cap values are input errors', async () => {
    const file = join(dir, 'note.txt');
    await writeFile(file, 'minutes\n');
    fake.fees = { '6': 9999999 };
    const a = await w('anchor', file, '--dry-run');
    expect(a.code).toBe(10);
    expect((await w('send', TO, '0.1', '--max-fee', 'lots')).code).toBe(1);
    expect((await w('send', TO, '0.1', '--max-fee-rate', '0.5')).code).toBe(1);
  });

  it('documents exit 10 in --help', async () => {
    const r = await runInProcess(['--help']);
    expect(r.out).toMatch(/10 +fee above --max-fee or fee rate above --max-fee-rate/);
    const s = await runInProcess(['send', '--help']);
    expect(s.out).toContain('--max-fee <amount>');
    expect(s.out).toContain('--max-fee-rate <sat/vB>');
  });
});

describe('balances (getbalances)', () => {
  it('splits trusted, untrusted_pending and immature, in JSON and text, keeping the older fields', async () => {
    const r = await w('balance', '--json');
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({
      trusted: '45.00000000',
      untrusted_pending: '0.30000000',
      immature: '50.00000000',
      trusted_sat: 45 * COIN,
      untrusted_pending_sat: 0.3 * COIN,
      immature_sat: 50 * COIN,
      confirmed_sat: 95 * COIN,
      unconfirmed_sat: 0.3 * COIN,
      total_sat: 95.3 * COIN,
    });
    const t = await w('balance');
    expect(t.out).toMatch(/^trusted +45\.00000000 /m);
    expect(t.out).toMatch(/^untrusted_pending +0\.30000000 /m);
    expect(t.out).toMatch(/^immature +50\.00000000 +coinbase, fewer than 100 confirmations$/m);
    expect(t.out).toMatch(/^total +95\.30000000$/m);
  });

  it('never selects immature coinbase: insufficient funds names it, a sweep leaves it out', async () => {
    const r = await w('send', TO, '46', '--fee-rate', '1');
    expect(r.code).toBe(3);
    expect(oneLine(r.err)).toMatch(/\(50\.00000000 more is immature coinbase\)/);
    const s = await w('sweep', TO, '--fee-rate', '1', '--dry-run', '--json');
    expect(s.code, s.err).toBe(0);
    const tx = Tx.fromBytes(fromHex(JSON.parse(s.out).hex));
    const spent = tx.inputs.map((i) => Buffer.from(i.prevout.txid).reverse().toString('hex')).sort();
    expect(spent).toEqual([txid.plain, txid.old, txid.pending].sort());
  });
});

describe('what the node says is checked', () => {
  it.each([
    [
      'lie-value',
      /coin [0-9a-f]{64}:0: the node says it is worth 21\.00000000, its transaction pays 20\.00000000/,
    ],
    [
      'lie-script',
      /coin [0-9a-f]{64}:\d: its transaction pays script 0014(33){20}, not this wallet's 0014[0-9a-f]{40}/,
    ],
    ['other-tx', /asked for tx [0-9a-f]{64}, the raw bytes served hash to [0-9a-f]{64}/],
    ['bad-pow', /tip [0-9a-f]{64}: its hash does not meet its own target \(bits 0x207fffff\)/],
    [
      'high-bits',
      /tip [0-9a-f]{64}: bits 0x21008000 are not a valid target within the regtest proof-of-work limit/,
    ],
  ] as const)('%s: exit 6, one line naming the mismatch, nothing signed or sent', async (mode, msg) => {
    fake.mode = mode;
    const posted = fake.posted.length;
    const b = await w('balance', '--json');
    expect(b.code).toBe(6);
    expect(b.out).toBe('');
    expect(oneLine(b.err)).toMatch(msg);
    const s = await w('send', TO, '0.1', '--fee-rate', '1', '--json');
    expect(s.code).toBe(6);
    expect(s.out).toBe('');
    expect(oneLine(s.err)).toMatch(/does not check out: .*; nothing signed$/);
    expect(fake.posted.length).toBe(posted);
  });

  it('fetches each funding transaction once per command', async () => {
    const client = new EsploraClient({ url: fake.url });
    try {
      const node = new CheckedNode(client, regtest);
      const before = client.requests;
      const script = model.key(RECEIVE, 0).script;
      await Promise.all([
        node.tx(txid.plain!),
        node.checkCoin(txid.plain!, 0, 20n * BigInt(COIN), script),
        node.checkCoin(txid.plain!, 0, 20n * BigInt(COIN), script),
      ]);
      expect(client.requests - before).toBe(1);
    } finally {
      client.close();
    }
  });
});

describe('the last tip seen', () => {
  it('is kept beside the wallet (0600); a tip 1,001 blocks past it is refused unless --trust-node', async () => {
    const tipFile = tipPathOf(walletFile);
    expect((await w('balance')).code).toBe(0);
    expect(JSON.parse(await readFile(tipFile, 'utf8'))).toEqual({
      network: 'regtest',
      height: 200,
      hash: fake.blockHash(200),
    });
    expect((await stat(tipFile)).mode & 0o777).toBe(0o600);

    fake.tip = 1201;
    const before = await readFile(tipFile, 'utf8');
    const posted = fake.posted.length;
    const r = await w('send', TO, '0.1', '--fee-rate', '1');
    expect(r.code).toBe(6);
    expect(oneLine(r.err)).toMatch(
      /the node's tip is at height 1201, 1001 blocks past the last tip this wallet saw \(200, [0-9a-f]{64}\).*--trust-node/,
    );
    expect(fake.posted.length).toBe(posted);
    expect(await readFile(tipFile, 'utf8')).toBe(before);

    const trusted = await w('--trust-node', 'balance', '--json');
    expect(trusted.code, trusted.err).toBe(0);
    // At 1201 the young coinbase is mature too.
    expect(JSON.parse(trusted.out)).toMatchObject({ immature_sat: 0, trusted_sat: 95 * COIN });
    expect(JSON.parse(await readFile(tipFile, 'utf8')).height).toBe(1201);
    expect((await stat(tipFile)).mode & 0o777).toBe(0o600);

    // Up to 1,000 blocks on is accepted; so is a lower tip (a reorg, another node), recorded.
    fake.tip = 2201;
    expect((await w('balance')).code).toBe(0);
    fake.tip = 200;
    expect((await w('balance')).code).toBe(0);
    expect(JSON.parse(await readFile(tipFile, 'utf8')).height).toBe(200);
  });

  it('a corrupt record is a wallet file error unless --trust-node rewrites it', async () => {
    const tipFile = tipPathOf(walletFile);
    await writeFile(tipFile, 'garbage', { mode: 0o600 });
    const r = await w('balance');
    expect(r.code).toBe(4);
    expect(oneLine(r.err)).toMatch(/last-seen tip file .* is corrupt/);
    expect((await w('--trust-node', 'balance')).code).toBe(0);
    expect(JSON.parse(await readFile(tipFile, 'utf8')).height).toBe(200);
  });
});

describe('file modes', () => {
  it('the wallet file is 0600 after create and after import-wif rewrites it; balance leaves it alone', async () => {
    const file = join(dir, 'modes.json');
    const c = await runInProcess(['-n', 'regtest', '-w', file, 'create', '--scrypt-log-n', '10'], PW);
    expect(c.code, c.err).toBe(0);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const wif = encodeWif(new Uint8Array(32).fill(7), true, regtest.address.wif);
    const i = await runInProcess(['-w', file, 'import-wif', wif], PW);
    expect(i.code, i.err).toBe(0);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const before = await readFile(file, 'utf8');
    expect((await runInProcess(['-w', file, '--node', fake.url, 'balance'], PW)).code).toBe(0);
    expect(await readFile(file, 'utf8')).toBe(before);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(tipPathOf(file))).mode & 0o777).toBe(0o600);
  });
});

describe('progress: stderr only, on a terminal or with --verbose', () => {
  it('hashing a large file: a bar on a terminal, lines with --verbose, nothing on a pipe', async () => {
    const big = join(dir, 'big.bin');
    await writeFile(big, new Uint8Array(16 * 1024 * 1024).fill(1));
    const pipe = await runInProcess(['manifest', big]);
    expect(pipe.code, pipe.err).toBe(0);
    expect(pipe.err).toBe('');
    expect(pipe.raw).toBe('');
    const verbose = await runInProcess(['--verbose', 'manifest', big]);
    expect(verbose.err.split('\n')).toEqual([
      'gossip-wallet: hashing big.bin: 25% (4/16 MiB)',
      'gossip-wallet: hashing big.bin: 50% (8/16 MiB)',
      'gossip-wallet: hashing big.bin: 75% (12/16 MiB)',
      'gossip-wallet: hashing big.bin: 100% (16/16 MiB)',
    ]);
    expect(verbose.raw).toBe('');
    const tty = await runInProcess(['manifest', big], {}, { tty: true });
    expect(tty.raw).toMatch(/\rbig\.bin \[#+\] 100%/);
    expect(tty.err).toBe('');
    // The result on stdout is the same whichever way progress went.
    expect(verbose.out).toBe(pipe.out);
    expect(tty.out).toBe(pipe.out);
  });

  it('a rescan: lines on a terminal, nothing on a pipe', async () => {
    const tty = await runInProcess(['-w', walletFile, '--node', fake.url, 'rescan'], PW, { tty: true });
    expect(tty.code).toBe(0);
    expect(tty.err).toMatch(/^gossip-wallet: scanned \d+ receive addresses$/m);
    expect(tty.err).toMatch(/^gossip-wallet: checked 4 coins against their transactions$/m);
    const pipe = await w('rescan');
    expect(pipe.err).toBe('');
    expect(pipe.out).toBe(tty.out);
  });
});
