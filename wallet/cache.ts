/**
 * The local cache: what the wallet learned from the node, kept beside the wallet file in
 * `<wallet file>.cache.json`, so the next command asks only for what changed (sync.ts).
 *
 * As Bitcoin Core's wallet.dat keeps its transactions and Electrum its wallet's history, the
 * cache holds public data only and is not encrypted (only private keys are: keystore.ts): the
 * tip it was made at, the scripts derived so far and how far each chain is used, the confirmed
 * coins, and the mempool transactions seen. Anyone who can read it learns the wallet's addresses,
 * coins and balance (not its keys), so it is written as the wallet file is: mode 0600, atomically
 * (temp file, fsync, rename). It is bound to one wallet by `walletId` (a hash of its account
 * xpubs and imported scripts: a key imported later changes it) and to one network; a cache of
 * another wallet, network or format version, or one that does not parse, is ignored with a
 * one-line warning and rebuilt by a rescan. Nothing in it is trusted more than the wallet file
 * beside it: a person who can write either can already mislead the wallet.
 */
import { readFile } from 'node:fs/promises';
import { toHex } from '../node/protocol/bytes.js';
import { sha256 } from '../node/protocol/hash.js';
import type { CheckedTip } from './esplora/checked.js';
import type { AddressType, Chain } from './hd.js';
import { writeAtomic } from './keystore.js';
import type { Wallet } from './wallet.js';

export const CACHE_FORMAT = 'gossip-wallet-cache';
export const CACHE_VERSION = 1;
export const CACHE_SUFFIX = '.cache.json';

export function cachePathOf(walletPath: string): string {
  return `${walletPath}${CACHE_SUFFIX}`;
}

/** A confirmed coin: txid, vout, value (sats, decimal), script hex, height, coinbase. */
export type CachedCoin = [
  txid: string,
  vout: number,
  value: string,
  script: string,
  height: number,
  coinbase: boolean,
];

/** A mempool transaction touching the wallet: the outpoints it spends, its outputs to the wallet. */
export interface CachedPending {
  txid: string;
  /** `txid:vout` of every input (whether the wallet's or not, so a coin learned later is seen spent). */
  ins: string[];
  /** [vout, value (decimal sats), script hex] of outputs paying the wallet. */
  outs: [number, string, string][];
}

export interface CacheData {
  format: typeof CACHE_FORMAT;
  version: number;
  network: string;
  walletId: string;
  tip: CheckedTip;
  /**
   * Scripts derived so far, hex, by type and chain, in index order (index = position): the
   * wallet's used addresses and the gap beyond them. Kept so a command does not derive them again.
   */
  scripts: Record<AddressType, [string[], string[]]>;
  /** First index after the last used one, per type and chain (BIP44's gap counts from it). */
  next: Record<AddressType, [number, number]>;
  coins: CachedCoin[];
  /** Mempool txids already looked at (pruned to the node's mempool at each command). */
  seen: string[];
  pending: CachedPending[];
}

/** Binds a cache to a wallet's keys: its public descriptors (seed accounts and imported ones) and imported scripts. */
export function walletIdOf(wallet: Wallet): string {
  const parts = [...wallet.descriptors().map((d) => d.desc), ...wallet.imported.map((k) => toHex(k.script))];
  return toHex(sha256(new TextEncoder().encode(parts.join('\n'))));
}

function isHexOf(v: unknown, bytes?: number): v is string {
  return (
    typeof v === 'string' &&
    (bytes === undefined ? /^([0-9a-f]{2})*$/ : /^[0-9a-f]*$/).test(v) &&
    (bytes === undefined || v.length === bytes * 2)
  );
}

function isCount(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

function isScripts(v: unknown): boolean {
  return Array.isArray(v) && v.length === 2 && v.every((c) => Array.isArray(c) && c.every((s) => isHexOf(s)));
}

function isCoin(c: unknown): c is CachedCoin {
  return (
    Array.isArray(c) &&
    c.length === 6 &&
    isHexOf(c[0], 32) &&
    isCount(c[1]) &&
    typeof c[2] === 'string' &&
    /^\d{1,16}$/.test(c[2]) &&
    isHexOf(c[3]) &&
    isCount(c[4]) &&
    typeof c[5] === 'boolean'
  );
}

function isPending(p: unknown): p is CachedPending {
  const o = p as Partial<CachedPending> | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    isHexOf(o.txid, 32) &&
    Array.isArray(o.ins) &&
    o.ins.every((i) => typeof i === 'string' && /^[0-9a-f]{64}:\d{1,10}$/.test(i)) &&
    Array.isArray(o.outs) &&
    o.outs.every(
      (x) =>
        Array.isArray(x) &&
        x.length === 3 &&
        isCount(x[0]) &&
        typeof x[1] === 'string' &&
        /^\d{1,16}$/.test(x[1]) &&
        isHexOf(x[2]),
    )
  );
}

/** Why `v` is not a usable cache for this wallet, or null when it is. */
function problem(v: unknown, wallet: Wallet, walletId: string): string | null {
  const o = v as Partial<CacheData> | null;
  if (typeof o !== 'object' || o === null || o.format !== CACHE_FORMAT) return 'not a wallet cache';
  if (o.version !== CACHE_VERSION) return `format version ${String(o.version)}, not ${CACHE_VERSION}`;
  if (o.network !== wallet.network.name) return `it is for ${String(o.network)}`;
  if (o.walletId !== walletId) return "it is another wallet's (or keys were imported since)";
  const t = o.tip;
  if (typeof t !== 'object' || t === null || !isCount(t.height) || !isHexOf(t.hash, 32)) return 'bad tip';
  for (const type of ['p2wpkh', 'p2tr', 'p2wsh'] as const) {
    if (!isScripts(o.scripts?.[type])) return 'bad scripts';
    const n = o.next?.[type];
    if (!Array.isArray(n) || n.length !== 2 || !n.every(isCount)) return 'bad used-address counts';
    if (n.some((x, c) => x > (o.scripts![type][c as Chain].length as number)))
      return 'bad used-address counts';
  }
  if (!Array.isArray(o.coins) || !o.coins.every(isCoin)) return 'bad coins';
  if (!Array.isArray(o.seen) || !o.seen.every((s) => isHexOf(s, 32))) return 'bad mempool list';
  if (!Array.isArray(o.pending) || !o.pending.every(isPending)) return 'bad mempool transactions';
  return null;
}

/**
 * The cache for this wallet, or null when there is none, or it cannot be used (then `warn` gets
 * one line saying why, and the caller rescans).
 */
export async function readCache(
  path: string,
  wallet: Wallet,
  warn: (line: string) => void,
): Promise<CacheData | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      warn(`cannot read the wallet cache ${path} (${(e as Error).message}); rescanning`);
    }
    return null;
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    v = null;
  }
  const why = v === null ? 'not JSON' : problem(v, wallet, walletIdOf(wallet));
  if (why !== null) {
    warn(`ignoring the wallet cache ${path}: ${why}; rescanning`);
    return null;
  }
  return v as CacheData;
}

export async function writeCache(path: string, data: CacheData): Promise<void> {
  await writeAtomic(path, `${JSON.stringify(data)}\n`, false, 'wallet cache');
}
