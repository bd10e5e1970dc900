/**
 * The `gossip-wallet` binary as a user runs it (dist/wallet/cli.js in a child process; build
 * with `npx tsc -p tsconfig.build.json`), against a fake Esplora server on 127.0.0.1: help,
 * create/restore, --json output, sending, messages, and every error the issue lists with its
 * exit code, one line on stderr, nothing broadcast and the wallet file unchanged.
 */

import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as bitcoin from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeAddress } from '../node/protocol/address.js';
import { toHex } from '../node/protocol/bytes.js';
import { main, regtest } from '../node/protocol/params.js';
import { p2wpkh } from '../node/protocol/script/templates.js';
import { encodeWif } from '../node/protocol/wif.js';
import { CHANGE, RECEIVE } from '../wallet/hd.js';
import { importedKey, Wallet } from '../wallet/wallet.js';
import { walletVectors } from './helpers/wallet.js';
import { runWallet, WALLET_BIN } from './helpers/wallet-cli.js';
import { FakeEsplora, fakeTxid } from './helpers/wallet-esplora.js';

const MNEMONIC = walletVectors().bip84.mnemonic;
const PW = { GOSSIP_WALLET_PASSWORD: 'correct horse' };
const model = new Wallet(regtest, { mnemonic: MNEMONIC, account: 0, imported: [], createdAt: '' });
const MAIN_ADDRESS = encodeAddress(p2wpkh(new Uint8Array(20).fill(1)), main.address)!;

let dir: string;
let walletFile: string;
let fake: FakeEsplora;
/** Real txids of the fake's coins, by the seed number each was funded with. */
const txidOf = new Map<number, string>();

/** The file's bytes and mtime, to show an error changed nothing. */
async function snapshot(path: string): Promise<string> {
  return `${(await stat(path)).mtimeMs}:${await readFile(path, 'utf8')}`;
}

// --no-cache: these check the per-address scan and its requests on every command (the fake's
// headers do not link, so it cannot serve a cache's blocks; test/wallet-cache.test.ts has those).
const w = (...args: string[]) => ['-w', walletFile, '--node', fake.url, '--no-cache', ...args];

function oneLine(err: string): string {
  const lines = err.trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gl-wallet-cli-'));
  walletFile = join(dir, 'a.json');
  fake = new FakeEsplora();
  await fake.start();
  // Coins at receive 0, 1 and 5 (a gap), change 0; receive 2 used but empty.
  const fund = (chain: 0 | 1, index: number, value: number, n: number, height: number | null) => {
    const k = model.key(chain, index);
    fake.scripts.set(k.address, toHex(k.script));
    txidOf.set(n, fake.fund(k.address, { txid: fakeTxid(n), vout: 0, value, height }));
  };
  fund(RECEIVE, 0, 50_000_000, 1, 150);
  fund(RECEIVE, 1, 20_000_000, 2, 190);
  fund(RECEIVE, 5, 7_000, 3, 199);
  fund(CHANGE, 0, 3_000_000, 4, null);
  fake.spentOnly.add(model.key(RECEIVE, 2).address);
  const r = await runWallet(
    ['-n', 'regtest', '-w', walletFile, 'restore', '--scrypt-log-n', '10', '--json'],
    {
      env: PW,
      input: `${MNEMONIC}\n`,
    },
  );
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
});

afterAll(async () => {
  await fake?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('help', () => {
  it('lists the commands and documents exit codes', async () => {
    const r = await runWallet(['--help']);
    expect(r.code).toBe(0);
    for (const c of [
      'create',
      'restore',
      'import-wif',
      'import-descriptor',
      'address',
      'balance',
      'utxos',
      'history',
      'send',
      'sweep',
      'sign-message',
      'verify-message',
    ]) {
      expect(r.out).toContain(`  ${c} `);
    }
    expect(r.out).toMatch(/Exit codes:[\s\S]*3 +insufficient funds[\s\S]*6 +malformed node response/);
    expect(r.out).toContain('GOSSIP_WALLET_PASSWORD');
  });

  it('has --help on every command', async () => {
    for (const c of [
      'create',
      'restore',
      'import-wif',
      'address',
      'balance',
      'utxos',
      'history',
      'send',
      'sweep',
      'sign-message',
      'verify-message',
      'address-info',
    ]) {
      const r = await runWallet([c, '--help']);
      expect(r.code, c).toBe(0);
      expect(r.out).toContain(`Usage: gossip-wallet ${c}`);
    }
  });

  it('usage errors exit 2', async () => {
    expect((await runWallet(['no-such-command'])).code).toBe(2);
    expect((await runWallet(['send'])).code).toBe(2);
    expect((await runWallet(['--network', 'moon', 'balance'])).code).toBe(2);
  });
});

describe('create and restore', () => {
  it('creates an encrypted 0600 file, shows the mnemonic once, and restores to the same keys', async () => {
    const file = join(dir, 'new.json');
    const r = await runWallet(['-n', 'regtest', '-w', file, 'create', '--scrypt-log-n', '10', '--json'], {
      env: PW,
    });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.mnemonic.split(' ')).toHaveLength(12);
    expect(j.firstAddress).toMatch(/^bcrt1q/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).not.toContain(`${j.mnemonic.split(' ')[0]} `);
    const again = await runWallet(['-n', 'regtest', '-w', file, 'create', '--scrypt-log-n', '10'], {
      env: PW,
    });
    expect(again.code).toBe(4);
    expect(oneLine(again.err)).toMatch(/already exists/);
    const file2 = join(dir, 'restored.json');
    const rr = await runWallet(['-n', 'regtest', '-w', file2, 'restore', '--scrypt-log-n', '10', '--json'], {
      env: { ...PW, GOSSIP_WALLET_MNEMONIC: j.mnemonic },
    });
    expect(rr.code).toBe(0);
    expect(JSON.parse(rr.out).firstAddress).toBe(j.firstAddress);
  });

  it('refuses a bad mnemonic (exit 1) and a missing password (exit 4)', async () => {
    const bad = await runWallet(['-n', 'regtest', '-w', join(dir, 'x.json'), 'restore'], {
      env: PW,
      input: MNEMONIC.replace('about', 'abandon'),
    });
    expect(bad.code).toBe(1);
    expect(oneLine(bad.err)).toMatch(/checksum/);
    // Signing needs the password; reading public data (balance, descriptors) does not.
    const nopw = await runWallet(w('sign-message', model.key(RECEIVE, 0).address, 'hi'));
    expect(nopw.code).toBe(4);
    expect(oneLine(nopw.err)).toMatch(/GOSSIP_WALLET_PASSWORD/);
    const pub = await runWallet(w('descriptors'));
    expect(pub.code).toBe(0);
  });
});

describe('password prompt on a terminal', () => {
  it('reads the password without echoing it (util-linux script gives the child a pty)', async () => {
    // A command that signs (balance needs no password since the version 2 wallet file).
    const addr = model.key(RECEIVE, 0).address;
    const cmd = `${process.execPath} ${WALLET_BIN} -w ${walletFile} --node ${fake.url} sign-message ${addr} hi --json`;
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { env: { PATH: process.env.PATH ?? '' } });
    let out = '';
    let typed = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!typed && out.includes('Wallet password: ')) {
        typed = true;
        child.stdin.write('correct horse\r');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(typed).toBe(true);
    expect(out).not.toContain('correct horse');
    expect(out).toContain('"signature"');
    expect(code).toBe(0);
  });
});

describe('import-wif', () => {
  it('makes a key-only wallet that sees and spends its coins, and refuses bad keys', async () => {
    const file = join(dir, 'wif.json');
    const key = new Uint8Array(32).fill(0x42);
    const wif = encodeWif(key, true, regtest.address.wif);
    const r = await runWallet(['-n', 'regtest', '-w', file, 'import-wif', '--scrypt-log-n', '10', '--json'], {
      env: { ...PW, GOSSIP_WALLET_WIF: wif },
    });
    expect(r.code).toBe(0);
    const { address } = JSON.parse(r.out);
    expect(address).toBe(importedKey(wif, regtest).address);
    fake.fund(address, { txid: fakeTxid(77), vout: 1, value: 123_456, height: 100 });
    const b = await runWallet(['-w', file, '--node', fake.url, 'balance', '--json'], { env: PW });
    expect(JSON.parse(b.out).confirmed_sat).toBe(123_456);
    const s = await runWallet(
      [
        '-w',
        file,
        '--node',
        fake.url,
        'sweep',
        model.key(RECEIVE, 32).address,
        '--fee-rate',
        '1',
        '--dry-run',
        '--json',
      ],
      { env: PW },
    );
    expect(s.code).toBe(0);
    expect(JSON.parse(s.out).inputs).toBe(1);
    const dup = await runWallet(['-w', file, 'import-wif', wif], { env: PW });
    expect(dup.code).toBe(1);
    expect(oneLine(dup.err)).toMatch(/already in the wallet/);
    const bad = await runWallet(['-w', file, 'import-wif', encodeWif(key, true, 0x80)], { env: PW });
    expect(bad.code).toBe(1);
    expect(oneLine(bad.err)).toMatch(/another network/);
  });
});

describe('reading the wallet through the node', () => {
  it('balance, utxos, history and address as JSON', async () => {
    const before = fake.requests;
    const b = await runWallet(w('balance', '--json'), { env: PW });
    expect(b.code).toBe(0);
    expect(JSON.parse(b.out)).toMatchObject({
      confirmed_sat: 70_007_000,
      unconfirmed_sat: 3_000_000,
      total_sat: 73_007_000,
      total: '0.73007000',
    });
    // Gap limit: receive 0..25 (last used 5) and change 0..20, one request per address; the
    // unused BIP86 (P2TR) receive and change chains, 20 each; the tip (hash, header, status);
    // the coins of the 4 funded addresses and each coin's raw tx.
    expect(fake.requests - before).toBe(26 + 21 + 20 + 20 + 3 + 4 + 4);

    const u = JSON.parse((await runWallet(w('utxos', '--json'), { env: PW })).out);
    expect(u.map((x: { value_sat: number }) => x.value_sat).sort()).toEqual(
      [20_000_000, 3_000_000, 50_000_000, 7_000].sort(),
    );
    expect(u.find((x: { value_sat: number }) => x.value_sat === 50_000_000).confirmations).toBe(51);

    const h = JSON.parse((await runWallet(w('history', '--json'), { env: PW })).out);
    expect(h[0].confirmed).toBe(false);
    expect(h).toHaveLength(4);

    const a = JSON.parse((await runWallet(w('address', '--json'), { env: PW })).out);
    expect(a).toEqual({ address: model.key(RECEIVE, 6).address, path: "m/84'/1'/0'/0/6", type: 'p2wpkh' });
    const c = JSON.parse((await runWallet(w('address', '--change', '--json'), { env: PW })).out);
    expect(c.address).toBe(model.key(CHANGE, 1).address);
  });
});

describe('sending', () => {
  const to = model.key(RECEIVE, 30).address;

  it('--dry-run builds, signs and prints without posting', async () => {
    const r = await runWallet(w('send', to, '0.1', '--fee-rate', '2', '--dry-run', '--json'), { env: PW });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.broadcast).toBe(false);
    expect(fake.posted).toHaveLength(0);
    const tx = bitcoin.Transaction.fromHex(j.hex);
    expect(tx.getId()).toBe(j.txid);
    const pay = tx.outs.find(
      (o) => bitcoin.address.fromOutputScript(o.script, bitcoin.networks.regtest) === to,
    )!;
    expect(BigInt(pay.value)).toBe(10_000_000n);
    expect(j.fee_sat).toBe(Math.ceil(j.vsize * 2));
    // The change goes to a fresh change address (change 1, as change 0 is used).
    const changeOut = tx.outs.find((o) => o !== pay)!;
    expect(bitcoin.address.fromOutputScript(changeOut.script, bitcoin.networks.regtest)).toBe(
      model.key(CHANGE, 1).address,
    );
  });

  it('sends: posts the verified transaction and prints its txid', async () => {
    const r = await runWallet(w('send', to, '50000sat', '--target', '2'), { env: PW });
    expect(r.code).toBe(0);
    expect(fake.posted).toHaveLength(1);
    const tx = bitcoin.Transaction.fromHex(fake.posted[0]!);
    expect(r.out.trim()).toBe(tx.getId());
    // Confirmed coins first: the smallest one that covers it all with change is the 0.2 coin.
    expect(tx.ins).toHaveLength(1);
    expect(Buffer.from(tx.ins[0]!.hash).reverse().toString('hex')).toBe(txidOf.get(2));
    const fee = 20_000_000n - tx.outs.reduce((s, o) => s + BigInt(o.value), 0n);
    // The rate /api/fee-estimates gives for a 2-block target: 4.1 sat/vB, on the estimated size.
    expect(fee).toBeGreaterThanOrEqual(BigInt(Math.ceil(tx.virtualSize() * 4.1)));
    expect(fee).toBeLessThanOrEqual(BigInt(Math.ceil((tx.virtualSize() + 1) * 4.1)));
  });

  it('sweep --dry-run spends every spendable coin with no change', async () => {
    const j = JSON.parse(
      (await runWallet(w('sweep', to, '--fee-rate', '1', '--dry-run', '--json'), { env: PW })).out,
    );
    expect(j.inputs).toBe(4);
    expect(j.change_sat).toBe(0);
    const tx = bitcoin.Transaction.fromHex(j.hex);
    expect(tx.outs).toHaveLength(1);
    expect(BigInt(tx.outs[0]!.value)).toBe(73_007_000n - BigInt(j.fee_sat));
  });
});

describe('errors: exit code, one line, nothing sent, wallet unchanged', () => {
  const to = model.key(RECEIVE, 31).address;
  const cases: [string, string[], number, RegExp, Record<string, string>?][] = [
    ['invalid address', ['send', 'bcrt1qnotanaddress', '0.1'], 1, /invalid regtest address/],
    ['address of another network', ['send', MAIN_ADDRESS, '0.1'], 1, /another network/],
    ['amount above balance', ['send', to, '5'], 3, /insufficient funds/],
    ['amount below dust', ['send', to, '100sat'], 1, /below the dust threshold/],
    ['malformed amount', ['send', to, '1.123456789'], 1, /more than 8 decimal places/],
    [
      'both fee options',
      ['send', to, '0.1', '--fee-rate', '2', '--target', '3'],
      1,
      /cannot be used together/,
    ],
    ['wrong password', ['send', to, '0.1'], 4, /wrong password/, { GOSSIP_WALLET_PASSWORD: 'wrong' }],
    ['wrong network for the file', ['-n', 'main', 'balance'], 4, /is for regtest, not main/],
  ];
  it.each(cases)('%s', async (_name, args, exit, msg, env) => {
    const before = await snapshot(walletFile);
    const posted = fake.posted.length;
    const r = await runWallet(w(...args), { env: env ?? PW });
    expect(r.code).toBe(exit);
    expect(oneLine(r.err)).toMatch(msg);
    expect(r.err).toMatch(/^gossip-wallet: /);
    expect(fake.posted.length).toBe(posted);
    expect(await snapshot(walletFile)).toBe(before);
  });

  it('unreachable node: exit 5', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const before = await snapshot(walletFile);
    const r = await runWallet(['-w', walletFile, '--node', `http://127.0.0.1:${port}`, 'send', to, '0.1'], {
      env: PW,
    });
    expect(r.code).toBe(5);
    expect(oneLine(r.err)).toMatch(/cannot reach the node .*ECONNREFUSED/);
    expect(await snapshot(walletFile)).toBe(before);
  });

  it('a node that never answers times out: exit 5', async () => {
    const server: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const r = await runWallet(
        ['-w', walletFile, '--node', `http://127.0.0.1:${port}`, '--timeout', '1', 'balance'],
        {
          env: PW,
        },
      );
      expect(r.code).toBe(5);
      expect(oneLine(r.err)).toMatch(/did not answer .* within 1 s/);
    } finally {
      server.close();
    }
  });

  it.each([
    ['not-json', /not JSON/],
    ['bad-shape', /chain_stats.funded_txo_count is not a non-negative integer/],
    ['http-500', /HTTP 500/],
  ] as const)('malformed node response (%s): exit 6', async (mode, msg) => {
    const before = await snapshot(walletFile);
    fake.mode = mode;
    try {
      const r = await runWallet(w('send', to, '0.1'), { env: PW });
      expect(r.code).toBe(6);
      expect(oneLine(r.err)).toMatch(msg);
    } finally {
      fake.mode = 'ok';
    }
    expect(await snapshot(walletFile)).toBe(before);
  });

  it('a transaction the node refuses: exit 7 with its reason', async () => {
    fake.mode = 'reject-tx';
    try {
      const r = await runWallet(w('send', to, '0.1'), { env: PW });
      expect(r.code).toBe(7);
      expect(oneLine(r.err)).toMatch(/node rejected the transaction \(HTTP 400\).*min relay fee not met/);
    } finally {
      fake.mode = 'ok';
    }
  });

  it('--verbose adds the stack', async () => {
    const r = await runWallet(w('--verbose', 'send', to, '5'), { env: PW });
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/at .*\.js:\d+/);
  });
});

describe('messages and offline commands', () => {
  it('sign-message then verify-message; a changed message fails with exit 1', async () => {
    const addr = model.key(RECEIVE, 1).address;
    const s = await runWallet(['-w', walletFile, 'sign-message', addr, 'hello world'], { env: PW });
    expect(s.code).toBe(0);
    const sig = s.out.trim();
    const v = await runWallet(['verify-message', addr, sig, 'hello world', '--json']);
    expect(v.code).toBe(0);
    expect(JSON.parse(v.out)).toEqual({ address: addr, valid: true });
    const bad = await runWallet(['verify-message', addr, sig, 'hello world!']);
    expect(bad.code).toBe(1);
    expect(oneLine(bad.err)).toMatch(/does not verify/);
    const other = await runWallet(['-w', walletFile, 'sign-message', model.key(RECEIVE, 1999).address, 'x'], {
      env: PW,
    });
    expect(other.code).toBe(1);
  });

  it('address-info still explains addresses', async () => {
    const r = await runWallet(['address-info', model.key(RECEIVE, 0).address, '-n', 'regtest', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ type: 'p2wpkh', network: 'regtest' });
  });
});

describe('progress on long work', () => {
  it('a rescan reports its progress on stderr with --verbose, and says nothing to a pipe without it', async () => {
    const loud = await runWallet(w('balance', '--verbose'), { env: PW });
    expect(loud.code, loud.err).toBe(0);
    // Receive 0..5 used, so 26 receive addresses; change 0 used, so 21 change addresses.
    // Batches of 20, growing while used; the last line of each chain is the whole scan.
    expect(loud.err).toMatch(/^gossip-wallet: scanned 26 receive addresses$/m);
    expect(loud.err).toMatch(/^gossip-wallet: scanned 21 change addresses$/m);
    const quiet = await runWallet(w('balance'), { env: PW });
    expect(quiet.code).toBe(0);
    expect(quiet.err).toBe('');
    expect(quiet.out).toBe(loud.out);
  });
});
