/**
 * Key derivation against the published vectors (test/data/wallet/vectors.json, sources noted
 * there): BIP39 English with passphrase "TREZOR", BIP32 test vectors 1-4, BIP84's account and
 * addresses; plus mnemonic checking, WIF import and the keystore's encryption.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HARDENED_OFFSET, HDKey } from '@scure/bip32';
import { entropyToMnemonic, mnemonicToSeedSync } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../node/protocol/bytes.js';
import { regtest } from '../node/protocol/params.js';
import { encodeWif } from '../node/protocol/wif.js';
import { childDeriver, hasNativeDerivation } from '../wallet/ckd.js';
import { Bip84Account, CHANGE, checkMnemonic, mnemonicSeed, RECEIVE } from '../wallet/hd.js';
import { readHeader, seal, unlock, writeAtomic } from '../wallet/keystore.js';
import { importedKey, Wallet } from '../wallet/wallet.js';
import { walletVectors } from './helpers/wallet.js';

const V = walletVectors();
const BITCOIN = { bech32: 'bc', pubkeyHash: 0, scriptHash: 5, wif: 0x80 };
/** SLIP-0132 version bytes of zprv / zpub (BIP84 accounts on Bitcoin mainnet). */
const ZVERSIONS = { private: 0x04b2430c, public: 0x04b24746 };

/** Walks a path as hd.ts does: deriveChild per level, hardened levels by the offset. */
function derive(root: HDKey, path: string): HDKey {
  let k = root;
  for (const part of path.split('/').slice(1)) {
    const hardened = part.endsWith("'");
    k = k.deriveChild(Number.parseInt(part, 10) + (hardened ? HARDENED_OFFSET : 0));
  }
  return k;
}

describe('BIP39 (English, passphrase TREZOR)', () => {
  it.each(V.bip39.english.map((v, i) => [i, ...v] as const))(
    'vector %i',
    (_i, entropy, mnemonic, seed, xprv) => {
      expect(entropyToMnemonic(fromHex(entropy), wordlist)).toBe(mnemonic);
      expect(checkMnemonic(mnemonic.toUpperCase().replaceAll(' ', '  '))).toBe(mnemonic);
      const s = mnemonicSeed(mnemonic, V.bip39.passphrase);
      expect(toHex(s)).toBe(seed);
      expect(toHex(mnemonicToSeedSync(mnemonic, V.bip39.passphrase))).toBe(seed);
      expect(HDKey.fromMasterSeed(s).privateExtendedKey).toBe(xprv);
    },
  );

  it('rejects bad mnemonics with a reason', () => {
    const ok = V.bip39.english[0]![1];
    expect(() => checkMnemonic(ok.replace(/about$/, 'abandon'))).toThrow(/checksum/);
    expect(() => checkMnemonic(ok.replace(/about$/, 'bitcoinz'))).toThrow(/not a BIP39 English word/);
    expect(() => checkMnemonic('abandon abandon')).toThrow(/12, 15, 18, 21 or 24 words/);
  });
});

describe('BIP32 test vectors', () => {
  for (const [n, vec] of V.bip32.vectors.entries()) {
    it(`vector ${n + 1}`, () => {
      const root = HDKey.fromMasterSeed(fromHex(vec.seed));
      for (const [path, xpub, xprv] of vec.chains) {
        const k = derive(root, path);
        expect(k.publicExtendedKey, path).toBe(xpub);
        expect(k.privateExtendedKey, path).toBe(xprv);
      }
    });
  }
});

describe('BIP84 test vectors', () => {
  const seed = mnemonicSeed(V.bip84.mnemonic);
  it('root and account 0 extended keys', () => {
    const root = HDKey.fromMasterSeed(seed, ZVERSIONS);
    expect(root.privateExtendedKey).toBe(V.bip84.rootnode);
    expect(derive(root, "m/84'/0'/0'").privateExtendedKey).toBe(V.bip84.account0_xpriv);
  });

  it('receive and change keys and addresses through Bip84Account', () => {
    const acct = new Bip84Account(seed, BITCOIN, 0);
    for (const v of V.bip84.keys) {
      const [chain, index] = v.path.split('/').slice(-2).map(Number) as [0 | 1, number];
      const k = acct.key(chain, index);
      expect(k.path).toBe(v.path);
      expect(toHex(k.publicKey)).toBe(v.pubkey);
      expect(encodeWif(k.privateKey!, true, BITCOIN.wif)).toBe(v.privkey);
      expect(k.address).toBe(v.address);
    }
  });

  it('uses coin type 1 on regtest', () => {
    const w = new Wallet(regtest, { mnemonic: V.bip84.mnemonic, account: 0, imported: [], createdAt: '' });
    expect(w.key(RECEIVE, 3).path).toBe("m/84'/1'/0'/0/3");
    expect(w.key(CHANGE, 0).address).toMatch(/^bcrt1q/);
    // The same key as an independent derivation of m/84'/1'/0'/0/3.
    const k = derive(HDKey.fromMasterSeed(seed), "m/84'/1'/0'/0/3");
    expect(toHex(w.key(RECEIVE, 3).publicKey)).toBe(toHex(k.publicKey!));
  });
});

describe('fast child derivation (libsecp256k1)', () => {
  it('derives the same keys as @scure/bip32 at random indices', () => {
    expect(hasNativeDerivation).toBe(true);
    const parent = HDKey.fromMasterSeed(fromHex(V.bip32.vectors[1]!.seed))
      .deriveChild(HARDENED_OFFSET + 7)
      .deriveChild(1);
    const fast = childDeriver(parent);
    const slow = childDeriver(parent, false);
    for (const i of [
      0,
      1,
      2,
      19,
      20,
      1000,
      65_535,
      0x7fffffff,
      ...Array.from({ length: 30 }, () => Math.floor(Math.random() * 0x80000000)),
    ]) {
      const a = fast(i);
      const b = slow(i);
      expect(toHex(a.privateKey), String(i)).toBe(toHex(b.privateKey));
      expect(toHex(a.publicKey), String(i)).toBe(toHex(b.publicKey));
    }
    expect(() => fast(0x80000000)).toThrow(RangeError);
  });
});

describe('WIF import', () => {
  it('accepts a compressed key of the network, refuses others', () => {
    const key = fromHex('0c28fca386c7a227600b2fe50b7cae11ec86d3bf1fbe471be89827e19d72aa1d');
    const k = importedKey(encodeWif(key, true, regtest.address.wif), regtest);
    expect(k.address).toMatch(/^bcrt1q/);
    expect(() => importedKey(encodeWif(key, false, regtest.address.wif), regtest)).toThrow(/uncompressed/);
    expect(() => importedKey(encodeWif(key, true, 0x80), regtest)).toThrow(/another network/);
    expect(() => importedKey('nonsense', regtest)).toThrow(/invalid WIF key/);
  });
});

describe('keystore', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gl-keystore-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const secrets = { mnemonic: V.bip84.mnemonic, passphrase: 'p', account: 0, imported: [], createdAt: 'now' };

  it('round-trips, writes mode 0600, refuses to overwrite on create', async () => {
    const path = join(dir, 'w.json');
    await writeAtomic(path, await seal(secrets, 'regtest', 'pw', 10), true);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await unlock(path, 'pw')).secrets).toEqual(secrets);
    const before = await readFile(path, 'utf8');
    expect(before).not.toContain('abandon');
    await expect(writeAtomic(path, 'other', true)).rejects.toMatchObject({ code: 'WALLET_EXISTS' });
    expect(await readFile(path, 'utf8')).toBe(before);
  });

  it('a wrong password or an edited header fails authentication', async () => {
    const path = join(dir, 'w2.json');
    await writeAtomic(path, await seal(secrets, 'regtest', 'pw', 10), true);
    await expect(unlock(path, 'PW')).rejects.toMatchObject({ code: 'WRONG_PASSWORD' });
    const f = JSON.parse(await readFile(path, 'utf8'));
    f.network = 'main';
    await writeFile(path, JSON.stringify(f));
    await expect(unlock(path, 'pw')).rejects.toMatchObject({ code: 'WRONG_PASSWORD' });
  });

  it('version 2: the public part is readable, authenticated, and a version 1 file still unlocks', async () => {
    const path = join(dir, 'v2.json');
    const pub = new Wallet(regtest, secrets).toPublic();
    await writeAtomic(path, await seal(secrets, 'regtest', 'pw', 10, pub), true);
    const f = JSON.parse(await readFile(path, 'utf8'));
    expect(f.version).toBe(2);
    expect(f.public).toEqual(pub);
    expect((await readHeader(path)).public).toEqual(pub);
    expect((await unlock(path, 'pw')).secrets).toEqual(secrets);
    // Another address in the readable part fails authentication like a wrong password.
    f.public.descriptors[0].desc = f.public.descriptors[2].desc;
    await writeFile(path, JSON.stringify(f));
    await expect(unlock(path, 'pw')).rejects.toMatchObject({ code: 'WRONG_PASSWORD' });
    // The legacy format (no public part) as older wallets wrote it.
    const v1 = join(dir, 'v1.json');
    await writeAtomic(v1, await seal(secrets, 'regtest', 'pw', 10), true);
    expect(JSON.parse(await readFile(v1, 'utf8')).version).toBe(1);
    expect((await unlock(v1, 'pw')).secrets).toEqual(secrets);
  });

  it('reports missing and corrupt files', async () => {
    await expect(readHeader(join(dir, 'none.json'))).rejects.toMatchObject({ code: 'WALLET_MISSING' });
    const path = join(dir, 'bad.json');
    await writeFile(path, '{"format":"gossip-wallet","version":1}');
    await expect(readHeader(path)).rejects.toMatchObject({ code: 'WALLET_CORRUPT' });
  });
});
