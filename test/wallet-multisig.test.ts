/**
 * Multisig and watch-only wallets from descriptors (BIP380/383, BIP67 key order, BIP174) on a
 * regtest node (in-process FullNode; the wallet run in-process through program.ts's `main`):
 *
 * - 2-of-3 `wsh(sortedmulti(2, …/<0;1>/*))`: three signer wallets (each its own tprv, the
 *   others' tpubs) and a watch-only coordinator (the three tpubs, no password at all). The
 *   coordinator shows an address and a balance, and creates a PSBT; signers 1 and 2 sign,
 *   combine, finalize, broadcast; the node accepts and mines it. bitcoinjs-lib reads the PSBT,
 *   checks both signatures and finalizes to the same transaction. Signer 3 signing the
 *   complete PSBT is refused as redundant.
 * - A watch-only wallet cannot sign (`send`, `psbt sign`: exit 11); a bad checksum writes no file.
 * - A version 1 wallet file (everything sealed, written by the legacy path of `seal`) still
 *   opens; a version 2 file shows its descriptors without the password.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as secp from '@noble/secp256k1';
import { HDKey } from '@scure/bip32';
import * as bitcoin from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAddress, encodeAddress } from '../node/protocol/address.js';
import { regtest } from '../node/protocol/params.js';
import { p2wpkh } from '../node/protocol/script/templates.js';
import { addChecksum } from '../wallet/descriptor.js';
import { TESTNET_VERSIONS } from '../wallet/hd.js';
import { seal, writeAtomic } from '../wallet/keystore.js';
import { startTestNode, stopTestNodes, type TestNode } from './helpers/node.js';
import { runInProcess } from './helpers/wallet-run.js';

const PW = { GOSSIP_WALLET_PASSWORD: 'multisig password' };
const BURN = p2wpkh(new Uint8Array(20).fill(0xee));
const BURN_ADDR = encodeAddress(BURN, regtest.address)!;

let dir: string;
let node: TestNode;
let funder: string;
const signers: string[] = [];
let coordinator: string;

interface Signer {
  fp: string;
  tprv: string;
  tpub: string;
}

/** A BIP48-style multisig account key m/48'/1'/0'/2' of a fresh seed. */
function newSigner(): Signer {
  const master = HDKey.fromMasterSeed(randomBytes(32), TESTNET_VERSIONS);
  const acct = master.derive(`m/48'/1'/0'/2'`);
  return {
    fp: master.fingerprint.toString(16).padStart(8, '0'),
    tprv: acct.privateExtendedKey,
    tpub: acct.publicExtendedKey,
  };
}

const keys = [newSigner(), newSigner(), newSigner()];
/** The multipath descriptor with signer `mine`'s key private (or none: watch-only). */
function descriptor(mine: number | null): string {
  const ks = keys.map((k, i) => `[${k.fp}/48h/1h/0h/2h]${i === mine ? k.tprv : k.tpub}/<0;1>/*`);
  return addChecksum(`wsh(sortedmulti(2,${ks.join(',')}))`);
}

async function run(file: string, env: Record<string, string>, ...args: string[]) {
  return runInProcess(['-n', 'regtest', '-w', file, '--node', node.url, ...args], env);
}

async function json<T = Record<string, unknown>>(
  file: string,
  env: Record<string, string>,
  ...args: string[]
): Promise<T> {
  const r = await run(file, env, ...args, '--json');
  if (r.code !== 0) throw new Error(`gossip-wallet ${args.join(' ')} exited ${r.code}: ${r.err.trim()}`);
  return JSON.parse(r.out) as T;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gl-wallet-multisig-'));
  node = await startTestNode();
  funder = join(dir, 'funder.json');
  await json(funder, PW, 'create', '--scrypt-log-n', '10');
  const { address } = await json<{ address: string }>(funder, PW, 'address');
  await node.node.generate(101, decodeAddress(address, regtest.address));
  for (let i = 0; i < 3; i++) {
    const f = join(dir, `signer${i + 1}.json`);
    const r = await json<{ watch_only: boolean }>(
      f,
      PW,
      'import-descriptor',
      descriptor(i),
      '--scrypt-log-n',
      '10',
    );
    expect(r.watch_only).toBe(false);
    signers.push(f);
  }
  coordinator = join(dir, 'coordinator.json');
  // No password in the environment: a watch-only wallet never asks for one.
  const c = await json<{ watch_only: boolean }>(coordinator, {}, 'import-descriptor', descriptor(null));
  expect(c.watch_only).toBe(true);
}, 300_000);

afterAll(async () => {
  await stopTestNodes();
  await rm(dir, { recursive: true, force: true });
});

describe('2-of-3 wsh(sortedmulti) with a watch-only coordinator', () => {
  it('funds, creates, signs twice, combines, finalizes, broadcasts and confirms; a third signature is redundant', async () => {
    const { address } = await json<{ address: string; type: string }>(coordinator, {}, 'address');
    expect(address).toMatch(/^bcrt1q.{58}$/);
    // Every signer derives the same address.
    for (const s of signers)
      expect((await json<{ address: string }>(s, {}, 'address')).address).toBe(address);
    await json(funder, PW, 'send', address, '2', '--fee-rate', '1');
    await node.node.generate(1, BURN);
    const bal = await json<{ trusted_sat: number }>(coordinator, {}, 'balance');
    expect(bal.trusted_sat).toBe(200_000_000);

    const created = await json<{ psbt: string }>(
      coordinator,
      {},
      'psbt',
      'create',
      BURN_ADDR,
      '1',
      '--fee-rate',
      '2',
    );
    const file = join(dir, 'unsigned.psbt');
    await writeFile(file, created.psbt);
    // bitcoinjs-lib reads it: the witness script and the three keys' origins.
    const p = bitcoin.Psbt.fromBase64(created.psbt, { network: bitcoin.networks.regtest });
    const in0 = p.data.inputs[0]!;
    expect(in0.witnessScript?.length).toBe(3 + 34 * 3);
    expect(in0.bip32Derivation).toHaveLength(3);
    for (const d of in0.bip32Derivation!) expect(d.path).toMatch(/^m\/48'\/1'\/0'\/2'\/0\/0$/);

    const s1 = await json<{ psbt: string; complete: boolean }>(signers[0]!, PW, 'psbt', 'sign', file);
    const s2 = await json<{ psbt: string; complete: boolean }>(signers[1]!, PW, 'psbt', 'sign', file);
    expect([s1.complete, s2.complete]).toEqual([false, false]);
    const f1 = join(dir, 's1.psbt');
    const f2 = join(dir, 's2.psbt');
    await writeFile(f1, s1.psbt);
    await writeFile(f2, s2.psbt);
    const combined = await json<{ psbt: string }>(coordinator, {}, 'psbt', 'combine', f1, f2);
    const fc = join(dir, 'combined.psbt');
    await writeFile(fc, combined.psbt);

    // bitcoinjs-lib checks both signatures and finalizes to the same transaction as ours.
    const validator = (pub: Uint8Array, msg: Uint8Array, sig: Uint8Array) =>
      secp.verify(sig, msg, pub, { prehash: false, format: 'compact' });
    const theirs = bitcoin.Psbt.fromBase64(combined.psbt);
    expect(theirs.validateSignaturesOfInput(0, validator)).toBe(true);
    theirs.finalizeAllInputs();
    const ours = await json<{ hex: string; complete: boolean }>(
      coordinator,
      {},
      'psbt',
      'finalize',
      fc,
      '--extract',
    );
    expect(ours.hex).toBe(theirs.extractTransaction().toHex());

    // Signer 3 has nothing left to sign: refused, nothing printed.
    const r3 = await run(signers[2]!, PW, 'psbt', 'sign', fc);
    expect(r3.code).toBe(1);
    expect(r3.err).toMatch(/redundant/);
    expect(r3.out).toBe('');

    const sent = await json<{ txid: string }>(coordinator, {}, 'psbt', 'broadcast', fc);
    await node.node.generate(1, BURN);
    const st = (await (await fetch(`${node.url}/api/tx/${sent.txid}/status`)).json()) as {
      confirmed: boolean;
    };
    expect(st.confirmed).toBe(true);
    const after = await json<{ trusted_sat: number }>(coordinator, {}, 'balance');
    expect(after.trusted_sat).toBeGreaterThan(99_000_000);
    expect(after.trusted_sat).toBeLessThan(100_000_000);
  }, 300_000);

  it('a watch-only wallet cannot sign (exit 11); a multisig wallet does not send directly', async () => {
    const send = await run(coordinator, {}, 'send', BURN_ADDR, '0.1');
    expect(send.code).toBe(11);
    expect(send.err).toMatch(/watch-only/);
    const sign = await run(coordinator, {}, 'psbt', 'sign', join(dir, 'unsigned.psbt'));
    expect(sign.code).toBe(11);
    const direct = await run(signers[0]!, PW, 'send', BURN_ADDR, '0.1');
    expect(direct.code).toBe(11);
    expect(direct.err).toMatch(/multisig/);
  });

  it('refuses a bad checksum or descriptor with exit 1 and writes no file', async () => {
    const good = descriptor(null);
    const bad = `${good.slice(0, -1)}${good.endsWith('q') ? 'p' : 'q'}`;
    for (const args of [
      [bad],
      [good.replace(/#.*/, '')],
      ['wsh(sortedmulti(2,tpubnotakey/<0;1>/*))#aaaaaaaa'],
      ['pkh(02aa)'],
    ]) {
      const f = join(dir, `bad-${Math.random()}.json`);
      const r = await run(f, {}, 'import-descriptor', ...args);
      expect({ args, code: r.code }).toEqual({ args, code: 1 });
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(existsSync(f)).toBe(false);
    }
  });
});

describe('keystore versions', () => {
  it('opens a version 1 file (password for everything); a version 2 file shows descriptors without it', async () => {
    const v2 = join(dir, 'v2.json');
    const created = await json<{ mnemonic: string }>(v2, PW, 'create', '--scrypt-log-n', '10');
    const open = await json<{ descriptors: { desc: string }[] }>(v2, {}, 'descriptors');
    expect(open.descriptors).toHaveLength(4);
    expect(JSON.parse(await readFile(v2, 'utf8')).version).toBe(2);

    // The same mnemonic in the legacy format, as wallets made before version 2 were written.
    const v1 = join(dir, 'v1.json');
    const secrets = {
      mnemonic: created.mnemonic,
      account: 0,
      imported: [],
      createdAt: new Date().toISOString(),
    };
    await writeAtomic(v1, await seal(secrets, 'regtest', PW.GOSSIP_WALLET_PASSWORD, 10), true);
    expect(JSON.parse(await readFile(v1, 'utf8')).version).toBe(1);
    const locked = await run(v1, {}, 'descriptors');
    expect(locked.code).toBe(4);
    const old = await json<{ descriptors: { desc: string }[] }>(v1, PW, 'descriptors');
    expect(old.descriptors.map((d) => d.desc)).toEqual(open.descriptors.map((d) => d.desc));
    // Addresses agree between the password-less view and the unlocked wallet.
    const a1 = await json<{ address: string }>(v1, PW, 'address');
    const a2 = await json<{ address: string }>(v2, {}, 'address');
    expect(a1.address).toBe(a2.address);
  }, 120_000);
});
