/**
 * create, restore, import-wif: the commands that write a wallet file. The mnemonic of a new
 * wallet is returned once for printing and otherwise exists only inside the sealed file.
 */
import { getNetwork, type NetworkName } from '../../node/protocol/params.js';
import type { Context } from '../context.js';
import { WalletError } from '../errors.js';
import { checkMnemonic, newMnemonic, RECEIVE } from '../hd.js';
import {
  DEFAULT_LOG_N,
  MAX_LOG_N,
  MIN_LOG_N,
  readHeader,
  seal,
  unlock,
  type WalletSecrets,
  writeAtomic,
} from '../keystore.js';
import { promptHidden, readSecret, readStdin } from '../prompt.js';
import { importedKey, Wallet } from '../wallet.js';
import { type Result, table } from './result.js';

export const MNEMONIC_ENV = 'GOSSIP_WALLET_MNEMONIC';
export const PASSPHRASE_ENV = 'GOSSIP_WALLET_PASSPHRASE';
export const WIF_ENV = 'GOSSIP_WALLET_WIF';

export interface CreateOptions {
  words?: string;
  passphrase?: boolean;
  scryptLogN?: string;
}

function logN(opt: string | undefined): number {
  if (opt === undefined) return DEFAULT_LOG_N;
  const n = Number(opt);
  if (!Number.isInteger(n) || n < MIN_LOG_N || n > MAX_LOG_N) {
    throw new WalletError(
      'BAD_INPUT',
      `--scrypt-log-n must be an integer ${MIN_LOG_N}..${MAX_LOG_N}, got '${opt}'`,
    );
  }
  return n;
}

async function passphrase(ctx: Context, ask: boolean | undefined): Promise<string> {
  if (!ask) return '';
  return readSecret(
    {
      env: PASSPHRASE_ENV,
      prompt: 'BIP39 passphrase: ',
      confirm: true,
      what: 'BIP39 passphrase',
      allowEmpty: true,
    },
    ctx.env,
  );
}

async function writeNew(
  ctx: Context,
  network: NetworkName,
  secrets: WalletSecrets,
  opts: CreateOptions,
): Promise<{ path: string; first: string | null }> {
  const cost = logN(opts.scryptLogN);
  const path = ctx.walletPath(network);
  const password = await ctx.password(true);
  ctx.io.progress('encrypting the wallet (scrypt)');
  const pub = new Wallet(getNetwork(network), secrets).toPublic();
  await writeAtomic(path, await seal(secrets, network, password, cost, pub), true);
  const first = secrets.mnemonic ? new Wallet(getNetwork(network), secrets).key(RECEIVE, 0).address : null;
  return { path, first };
}

/** A fresh wallet's secrets: account 0 of `mnemonic`, no imported keys. */
function newSecrets(mnemonic: string, passphrase: string | undefined): WalletSecrets {
  return {
    mnemonic,
    ...(passphrase ? { passphrase } : {}),
    account: 0,
    imported: [],
    createdAt: new Date().toISOString(),
  };
}

export async function create(ctx: Context, opts: CreateOptions): Promise<Result> {
  const words = opts.words === undefined ? 12 : Number(opts.words);
  if (words !== 12 && words !== 24)
    throw new WalletError('BAD_INPUT', `--words must be 12 or 24, got '${opts.words}'`);
  const network = ctx.requestedNetwork ?? 'main';
  const mnemonic = newMnemonic(words);
  const pass = await passphrase(ctx, opts.passphrase);
  const secrets = newSecrets(mnemonic, pass);
  const { path, first } = await writeNew(ctx, network, secrets, opts);
  return {
    json: { wallet: path, network, mnemonic, firstAddress: first },
    text: [
      `Created ${network} wallet ${path}`,
      '',
      'Write down these words; they are shown only now and restore the wallet anywhere:',
      '',
      `  ${mnemonic}`,
      '',
      `First receive address: ${first}`,
    ].join('\n'),
  };
}

export async function restore(ctx: Context, opts: CreateOptions): Promise<Result> {
  const network = ctx.requestedNetwork ?? 'main';
  let text = ctx.env[MNEMONIC_ENV];
  if (text === undefined)
    text = process.stdin.isTTY ? await promptHidden('Mnemonic words: ') : await readStdin();
  const mnemonic = checkMnemonic(text);
  const pass = await passphrase(ctx, opts.passphrase);
  const secrets = newSecrets(mnemonic, pass);
  const { path, first } = await writeNew(ctx, network, secrets, opts);
  return {
    json: { wallet: path, network, firstAddress: first },
    text: table([
      ['restored', `${network} wallet ${path}`],
      ['first address', first ?? ''],
    ]),
  };
}

/** Adds a WIF key to the wallet, or makes a wallet of that key alone when there is none. */
export async function importWif(
  ctx: Context,
  wifArg: string | undefined,
  opts: CreateOptions,
): Promise<Result> {
  let wif = wifArg ?? ctx.env[WIF_ENV];
  if (wif === undefined || wif === '-')
    wif = process.stdin.isTTY ? await promptHidden('WIF key: ') : await readStdin();
  wif = wif.trim();
  const asked = ctx.requestedNetwork;
  const existing = await ctx.existing().catch((e: unknown) => {
    if (e instanceof WalletError && e.code === 'WALLET_MISSING') return null;
    throw e;
  });
  const network = existing?.network ?? getNetwork(asked ?? 'main');
  const key = importedKey(wif, network);
  let path: string;
  if (existing) {
    path = existing.path;
    const password = await ctx.password();
    const { secrets } = await unlock(path, password);
    if (secrets.imported.some((w) => importedKey(w, network).address === key.address)) {
      throw new WalletError('BAD_KEY', `key for ${key.address} is already in the wallet`);
    }
    secrets.imported.push(wif);
    const cost = (await readHeader(path)).kdf?.logN ?? DEFAULT_LOG_N;
    const pub = new Wallet(network, secrets).toPublic();
    await writeAtomic(path, await seal(secrets, network.name, password, cost, pub), false);
  } else {
    const secrets: WalletSecrets = { account: 0, imported: [wif], createdAt: new Date().toISOString() };
    path = (await writeNew(ctx, network.name, secrets, opts)).path;
  }
  return {
    json: { wallet: path, network: network.name, address: key.address },
    text: table([
      ['imported', key.address],
      ['wallet', path],
    ]),
  };
}
