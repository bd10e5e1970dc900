/**
 * Descriptors: the BIP380 checksum against the BIP's own vectors (valid and each kind of
 * invalid), and `descriptors`' export checked by derivation with @scure/bip32 from the printed
 * xpub alone: its first receive key pays to the wallet's first address, its fingerprint and
 * origin are the seed's; the BIP86 `tr(...)` ones' first key, tweaked by bitcoinjs-lib, pays to
 * the wallet's first P2TR address.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HDKey } from '@scure/bip32';
import * as bitcoin from 'bitcoinjs-lib';
import * as tiny from 'tiny-secp256k1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeAddress } from '../node/protocol/address.js';
import { hash160 } from '../node/protocol/hash.js';
import { regtest } from '../node/protocol/params.js';
import { p2wpkh } from '../node/protocol/script/templates.js';
import { checkChecksum, descriptorChecksum } from '../wallet/descriptor.js';
import { WalletError } from '../wallet/errors.js';
import { RECEIVE, TESTNET_VERSIONS } from '../wallet/hd.js';
import { Wallet } from '../wallet/wallet.js';
import { runInProcess } from './helpers/wallet-run.js';

bitcoin.initEccLib(tiny);

const PW = { GOSSIP_WALLET_PASSWORD: 'descriptor password' };
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gl-wallet-desc-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function fails(text: string): boolean {
  try {
    checkChecksum(text);
    return false;
  } catch (e) {
    if (e instanceof WalletError) return true;
    throw e;
  }
}

describe('BIP380 checksums', () => {
  it("passes the BIP's vectors", () => {
    expect(descriptorChecksum('raw(deadbeef)')).toBe('89f8spxm');
    expect(checkChecksum('raw(deadbeef)#89f8spxm')).toBe('raw(deadbeef)');
    expect(checkChecksum('raw(deadbeef)', false)).toBe('raw(deadbeef)');
    // Invalid: missing, too long, too short, wrong checksum, changed body, empty checksum.
    for (const bad of [
      'raw(deadbeef)',
      'raw(deadbeef)#',
      'raw(deadbeef)#89f8spxmx',
      'raw(deadbeef)#89f8spx',
      'raw(deadbeef)#89f8spxn',
      'raw(deedbeef)#89f8spxm',
      'raw(deadbeef)##9f8spxm',
    ]) {
      expect({ bad, fails: fails(bad) }).toEqual({ bad, fails: true });
    }
    // Core's descriptor_tests.cpp: a character outside the input set has no checksum.
    expect(descriptorChecksum('raw(dé)')).toBeNull();
    expect(checkChecksum('addr(mkmZxiEcEd8ZqjQWVZuC6so5dFMKEFpN2j)#02wpgw69')).toBe(
      'addr(mkmZxiEcEd8ZqjQWVZuC6so5dFMKEFpN2j)',
    );
  });
});

describe('descriptors export', () => {
  it('prints receive and change wpkh and tr descriptors whose xpubs derive the wallet addresses', async () => {
    const file = join(dir, 'w.json');
    const c = await runInProcess(
      ['-n', 'regtest', '-w', file, 'create', '--scrypt-log-n', '10', '--json'],
      PW,
    );
    expect(c.code).toBe(0);
    const { firstAddress: first, mnemonic } = JSON.parse(c.out) as { firstAddress: string; mnemonic: string };
    const r = await runInProcess(['-w', file, 'descriptors', '--json'], PW);
    expect(r.code).toBe(0);
    const { descriptors } = JSON.parse(r.out) as { descriptors: { desc: string; internal: boolean }[] };
    expect(descriptors.map((d) => d.internal)).toEqual([false, true, false, true]);
    for (const d of descriptors) checkChecksum(d.desc);
    const m = /^wpkh\(\[([0-9a-f]{8})\/84h\/1h\/0h\](tpub[1-9A-HJ-NP-Za-km-z]+)\/0\/\*\)#[a-z0-9]{8}$/.exec(
      descriptors[0]!.desc,
    );
    expect(m).not.toBeNull();
    const acct = HDKey.fromExtendedKey(m![2]!, TESTNET_VERSIONS);
    const pub = acct.deriveChild(0).deriveChild(0).publicKey!;
    expect(encodeAddress(p2wpkh(hash160(pub)), regtest.address)).toBe(first);
    expect(descriptors[1]!.desc).toContain(`${m![2]}/1/*)`);
    const fp = m![1]!;
    const tr = new RegExp(
      `^tr\\(\\[${fp}/86h/1h/0h\\](tpub[1-9A-HJ-NP-Za-km-z]+)/0/\\*\\)#[a-z0-9]{8}$`,
    ).exec(descriptors[2]!.desc);
    expect(tr).not.toBeNull();
    expect(tr![1]).not.toBe(m![2]);
    expect(descriptors[3]!.desc).toContain(`tr([${fp}/86h/1h/0h]${tr![1]}/1/*)`);
    const internal = HDKey.fromExtendedKey(tr![1]!, TESTNET_VERSIONS).deriveChild(0).deriveChild(0)
      .publicKey!;
    const theirs = bitcoin.payments.p2tr({
      internalPubkey: internal.slice(1),
      network: bitcoin.networks.regtest,
    });
    const wallet = new Wallet(regtest, { mnemonic, account: 0, imported: [], createdAt: '' });
    expect(theirs.address).toBe(wallet.key(RECEIVE, 0, 'p2tr').address);
    expect(theirs.address).toMatch(/^bcrt1p/);
    const t = await runInProcess(['-w', file, 'descriptors'], PW);
    expect(t.out.split('\n')).toEqual(descriptors.map((d) => d.desc));
  });
});
