/**
 * Coin control's persistent part: the coins the user froze (Core's `lockunspent` with
 * `persistent=true`, Sparrow's and Electrum's "freeze"), kept in `<wallet file>.coins.json`
 * (mode 0600, written atomically like the wallet file). Frozen coins are never picked by coin
 * selection; naming one with `--utxo` still spends it, as Core's preset inputs do. The file
 * holds outpoints only, public data, so it is not encrypted (Core keeps its locked coins in the
 * wallet database unencrypted too) and reading it needs no password.
 */
import { readFile } from 'node:fs/promises';
import { WalletError } from './errors.js';
import { writeAtomic } from './keystore.js';

export const COINS_SUFFIX = '.coins.json';
const FORMAT = 'gossip-wallet-coins';
const VERSION = 1;

export function coinsPathOf(walletPath: string): string {
  return `${walletPath}${COINS_SUFFIX}`;
}

const OUTPOINT = /^([0-9a-f]{64}):(\d{1,6})$/;

/** `txid:vout` as typed; the txid in lower-case display hex. */
export function parseOutpoint(text: string): string {
  const m = OUTPOINT.exec(text.trim().toLowerCase());
  if (!m || Number(m[2]) > 0xffff) {
    throw new WalletError(
      'BAD_INPUT',
      `invalid coin '${text}': expected TXID:VOUT (64 hex digits, an output index)`,
    );
  }
  return `${m[1]}:${Number(m[2])}`;
}

export async function readFrozen(walletPath: string, network: string): Promise<Set<string>> {
  const path = coinsPathOf(walletPath);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
    throw new WalletError('WALLET_CORRUPT', `cannot read ${path}: ${(e as Error).message}`);
  }
  let v: { format?: unknown; version?: unknown; network?: unknown; frozen?: unknown };
  try {
    v = JSON.parse(text);
  } catch {
    v = {};
  }
  if (
    v?.format !== FORMAT ||
    v.version !== VERSION ||
    v.network !== network ||
    !Array.isArray(v.frozen) ||
    !v.frozen.every((o) => typeof o === 'string' && OUTPOINT.test(o))
  ) {
    throw new WalletError(
      'WALLET_CORRUPT',
      `${path} is not a ${network} coin-control file of version ${VERSION}`,
    );
  }
  return new Set(v.frozen as string[]);
}

export async function writeFrozen(
  walletPath: string,
  network: string,
  frozen: ReadonlySet<string>,
): Promise<void> {
  const body = { format: FORMAT, version: VERSION, network, frozen: [...frozen].sort() };
  await writeAtomic(
    coinsPathOf(walletPath),
    `${JSON.stringify(body, null, 2)}\n`,
    false,
    'coin-control file',
  );
}
