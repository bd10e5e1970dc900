/**
 * The wallet file. A small JSON document whose secret part is sealed. Version 2 (written now)
 * keeps what is public readable, as Core's descriptor wallets do, so commands that need no
 * private key (balance, address, history, descriptors, psbt create) need no password:
 *
 *   { "format": "gossip-wallet", "version": 2, "network": "regtest",
 *     "public": { "descriptors": [{ "desc": "wpkh([fp/84h/1h/0h]tpub…/0/*)#…", "internal": false }, …],
 *                 "importedKeys": [<compressed public key hex>, …] },
 *     "kdf": …, "cipher": …, "ciphertext": … }
 *
 * A watch-only wallet (descriptors of xpubs only) has no kdf, cipher or ciphertext: no password
 * at all. Version 1 files (everything sealed, no "public") still open, with the password for
 * every command; a command that rewrites one (import-wif) writes version 2. Version 1:
 *
 *   { "format": "gossip-wallet", "version": 1, "network": "regtest",
 *     "kdf": { "name": "scrypt", "logN": 17, "r": 8, "p": 1, "salt": <16 bytes hex> },
 *     "cipher": { "name": "xchacha20-poly1305", "nonce": <24 bytes hex> },
 *     "ciphertext": <hex> }
 *
 * key = scrypt(NFKC(password), salt, N = 2^logN, r, p, 32 bytes) (RFC 7914, node:crypto's native
 * implementation); the payload (mnemonic, BIP39 passphrase, imported keys) is sealed with
 * XChaCha20-Poly1305 (@noble/ciphers) under a random 24-byte nonce, with the header above as
 * associated data (in version 2 the public part too), so editing the network, the KDF parameters
 * or the public descriptors breaks authentication like a wrong password does. (A watch-only file
 * has nothing to authenticate it: whoever can write it can change its addresses.) Writes are atomic: a temp file (mode 0600) in the same directory is fsynced,
 * then renamed (or hard-linked, for a new wallet, so an existing file is never overwritten).
 */
import { randomBytes, scrypt as scryptCb } from 'node:crypto';
import { constants } from 'node:fs';
import { link, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { fromHex, isHex, toHex } from '../node/protocol/bytes.js';
import { isNetworkName, type NetworkName } from '../node/protocol/params.js';
import { WalletError } from './errors.js';

export const FORMAT = 'gossip-wallet';
export const VERSION = 2;
/** The first format: everything sealed. Still read; written only by `seal` without a public part. */
export const LEGACY_VERSION = 1;
export const DEFAULT_LOG_N = 17;
export const MIN_LOG_N = 10;
export const MAX_LOG_N = 20;

/** What the file keeps secret. */
export interface WalletSecrets {
  /** BIP39 words (normalized); absent for a wallet made of imported keys only. */
  mnemonic?: string;
  /** The optional BIP39 passphrase ("25th word"). */
  passphrase?: string;
  /** BIP84 account number. */
  account: number;
  /** Imported WIF keys (watch-and-spend, P2WPKH). */
  imported: string[];
  /** Imported descriptors with private keys (xprv): each account's receive and change texts. */
  descriptors?: string[][];
  createdAt: string;
}

interface KdfParams {
  name: 'scrypt';
  logN: number;
  r: number;
  p: number;
  salt: string;
}

/** What a version 2 file keeps readable. */
export interface PublicPart {
  /** Every account's descriptors, public (xpubs), with BIP380 checksums. */
  descriptors: { desc: string; internal: boolean }[];
  /** Imported WIF keys' compressed public keys, hex. */
  importedKeys: string[];
}

interface SealedPart {
  kdf: KdfParams;
  cipher: { name: 'xchacha20-poly1305'; nonce: string };
  ciphertext: string;
}

type WalletFile = {
  format: typeof FORMAT;
  version: number;
  network: NetworkName;
  /** Version 2. */
  public?: PublicPart;
} & (SealedPart | { kdf?: undefined; cipher?: undefined; ciphertext?: undefined });

function corrupt(path: string, why: string): WalletError {
  return new WalletError('WALLET_CORRUPT', `wallet file ${path} is not a valid wallet: ${why}`);
}

function deriveKey(password: string, kdf: KdfParams): Promise<Uint8Array> {
  const N = 2 ** kdf.logN;
  return new Promise((resolve, reject) => {
    scryptCb(
      Buffer.from(password.normalize('NFKC'), 'utf8'),
      fromHex(kdf.salt),
      32,
      { N, r: kdf.r, p: kdf.p, maxmem: 256 * N * kdf.r + 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(new Uint8Array(key))),
    );
  });
}

/** Associated data: the header fields in a fixed order. */
function headerBytes(f: {
  format: string;
  version: number;
  network: NetworkName;
  kdf: KdfParams;
  cipher: { name: string };
  public?: PublicPart;
}): Uint8Array {
  const h = { format: f.format, version: f.version, network: f.network, kdf: f.kdf, cipher: f.cipher.name };
  const withPublic = f.public === undefined ? h : { ...h, public: f.public };
  return new TextEncoder().encode(JSON.stringify(withPublic));
}

/**
 * The file text of a wallet: version 2 with `pub` readable, or, without `pub`, version 1 (the
 * legacy format, kept so the tests can make one as older wallets did).
 */
export async function seal(
  secrets: WalletSecrets,
  network: NetworkName,
  password: string,
  logN = DEFAULT_LOG_N,
  pub?: PublicPart,
): Promise<string> {
  const kdf: KdfParams = { name: 'scrypt', logN, r: 8, p: 1, salt: toHex(randomBytes(16)) };
  const nonce = randomBytes(24);
  const head = {
    format: FORMAT as typeof FORMAT,
    version: pub ? VERSION : LEGACY_VERSION,
    network,
    ...(pub ? { public: pub } : {}),
    kdf,
    cipher: { name: 'xchacha20-poly1305' as const },
  };
  const key = await deriveKey(password, kdf);
  const plain = new TextEncoder().encode(JSON.stringify(secrets));
  const sealed = xchacha20poly1305(key, nonce, headerBytes(head)).encrypt(plain);
  const file: WalletFile = {
    ...head,
    cipher: { ...head.cipher, nonce: toHex(nonce) },
    ciphertext: toHex(sealed),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** A watch-only wallet's file: the public part alone, nothing sealed, no password. */
export function sealPublic(network: NetworkName, pub: PublicPart): string {
  const file: WalletFile = { format: FORMAT, version: VERSION, network, public: pub };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** Reads and checks the file's header (no password needed). */
export async function readHeader(path: string): Promise<WalletFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new WalletError(
        'WALLET_MISSING',
        `no wallet file at ${path} (create one with 'gossip-wallet create')`,
      );
    }
    throw new WalletError('WALLET_CORRUPT', `cannot read wallet file ${path}: ${(e as Error).message}`);
  }
  return parseFile(text, path);
}

function parseFile(text: string, path: string): WalletFile {
  let f: unknown;
  try {
    f = JSON.parse(text);
  } catch {
    throw corrupt(path, 'not JSON');
  }
  const o = f as Partial<WalletFile> | null;
  if (typeof o !== 'object' || o === null || o.format !== FORMAT)
    throw corrupt(path, 'not a gossip-wallet file');
  if (o.version !== VERSION && o.version !== LEGACY_VERSION)
    throw corrupt(path, `unsupported version ${String(o.version)}`);
  if (typeof o.network !== 'string' || !isNetworkName(o.network)) throw corrupt(path, 'unknown network');
  if (o.version === VERSION) {
    const p = o.public;
    if (
      typeof p !== 'object' ||
      p === null ||
      !Array.isArray(p.descriptors) ||
      !p.descriptors.every((d) => typeof d?.desc === 'string' && typeof d.internal === 'boolean') ||
      !Array.isArray(p.importedKeys) ||
      !p.importedKeys.every((h) => typeof h === 'string' && isHex(h, 33))
    )
      throw corrupt(path, 'bad public part');
    // Watch-only: nothing sealed at all.
    if (o.kdf === undefined && o.cipher === undefined && o.ciphertext === undefined) return o as WalletFile;
  } else if (o.public !== undefined) throw corrupt(path, 'a version 1 file has no public part');
  const k = o.kdf;
  if (
    k?.name !== 'scrypt' ||
    !Number.isInteger(k.logN) ||
    k.logN < MIN_LOG_N ||
    k.logN > MAX_LOG_N ||
    k.r !== 8 ||
    k.p !== 1 ||
    typeof k.salt !== 'string' ||
    !isHex(k.salt, 16)
  ) {
    throw corrupt(path, 'bad key-derivation parameters');
  }
  const c = o.cipher;
  if (c?.name !== 'xchacha20-poly1305' || typeof c.nonce !== 'string' || !isHex(c.nonce, 24)) {
    throw corrupt(path, 'bad cipher parameters');
  }
  if (typeof o.ciphertext !== 'string' || !isHex(o.ciphertext) || o.ciphertext.length < 34) {
    throw corrupt(path, 'bad ciphertext');
  }
  return o as WalletFile;
}

/** Whether the file holds sealed (private) material, i.e. needs a password to sign. */
export function isSealed(f: WalletFile): f is WalletFile & SealedPart {
  return f.ciphertext !== undefined;
}

/** Decrypts the wallet; a wrong password (or a tampered file) is WalletError('WRONG_PASSWORD'). */
export async function unlock(
  path: string,
  password: string,
): Promise<{ network: NetworkName; secrets: WalletSecrets }> {
  const f = await readHeader(path);
  if (!isSealed(f))
    throw new WalletError('CANNOT_SIGN', `${path} is a watch-only wallet: it holds no private keys`);
  const key = await deriveKey(password, f.kdf);
  let plain: Uint8Array;
  try {
    plain = xchacha20poly1305(key, fromHex(f.cipher.nonce), headerBytes(f)).decrypt(fromHex(f.ciphertext));
  } catch {
    throw new WalletError('WRONG_PASSWORD', `wrong password for ${path} (or the file was altered)`);
  }
  const s = JSON.parse(new TextDecoder().decode(plain)) as WalletSecrets;
  if (!Array.isArray(s.imported) || !Number.isInteger(s.account)) throw corrupt(path, 'bad payload');
  if (s.descriptors !== undefined && !(Array.isArray(s.descriptors) && s.descriptors.every(Array.isArray)))
    throw corrupt(path, 'bad payload');
  return { network: f.network, secrets: s };
}

/**
 * Writes `text` to `path` atomically with mode 0600 (the wallet file, and the last-seen tip
 * beside it). `create` refuses to replace an existing file (WALLET_EXISTS), atomically: the
 * temp file is hard-linked to the name, which fails if taken. `what` names the file in errors.
 */
export async function writeAtomic(
  path: string,
  text: string,
  create: boolean,
  what = 'wallet file',
): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${toHex(randomBytes(6))}.tmp`);
  let fh: Awaited<ReturnType<typeof open>> | undefined;
  try {
    fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    await fh.writeFile(text, 'utf8');
    await fh.sync();
    await fh.close();
    fh = undefined;
    if (create) {
      try {
        await link(tmp, path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
          throw new WalletError(
            'WALLET_EXISTS',
            `a wallet already exists at ${path}; choose another --wallet file`,
          );
        }
        throw e;
      }
      await unlink(tmp);
    } else {
      await rename(tmp, path);
    }
    await syncDir(dir);
  } catch (e) {
    await fh?.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    if (e instanceof WalletError) throw e;
    throw new WalletError('WALLET_CORRUPT', `cannot write ${what} ${path}: ${(e as Error).message}`);
  }
}

/** So the rename itself survives a crash (POSIX); directories cannot be opened on Windows. */
async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}
