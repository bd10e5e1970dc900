/**
 * `import-descriptor DESC [CHANGE_DESC]`: a new wallet from output descriptors (BIP380, with
 * checksums), as Core's `importdescriptors` into a fresh descriptor wallet: one multipath
 * descriptor `…/<0;1>/*` (BIP389) or a receive and a change descriptor, of type `wpkh()`,
 * `tr()` (key path) or `wsh(multi|sortedmulti(k, …))` (BIP383). All xpubs: a watch-only
 * wallet, written without a password (balance, address, history, psbt create; it cannot sign).
 * Any xprv among the keys: its descriptors are sealed under a password, their public form kept
 * readable (keystore.ts). Everything is checked before the password prompt; bad input writes
 * no file (exit 1).
 */

import { getNetwork } from '../../node/protocol/params.js';
import type { Context } from '../context.js';
import { checkImport, keyNetOf } from '../desc-account.js';
import { WalletError } from '../errors.js';
import { RECEIVE } from '../hd.js';
import { DEFAULT_LOG_N, MAX_LOG_N, MIN_LOG_N, seal, sealPublic, writeAtomic } from '../keystore.js';
import { Wallet } from '../wallet.js';
import { type Result, table } from './result.js';

export async function importDescriptor(
  ctx: Context,
  descs: readonly string[],
  opts: { scryptLogN?: string },
): Promise<Result> {
  const name = ctx.requestedNetwork ?? 'main';
  const network = getNetwork(name);
  let cost = DEFAULT_LOG_N;
  if (opts.scryptLogN !== undefined) {
    cost = Number(opts.scryptLogN);
    if (!Number.isInteger(cost) || cost < MIN_LOG_N || cost > MAX_LOG_N)
      throw new WalletError('BAD_INPUT', `--scrypt-log-n must be an integer ${MIN_LOG_N}..${MAX_LOG_N}`);
  }
  const checked = checkImport(descs, keyNetOf(network));
  const path = ctx.walletPath(name);
  const secrets = {
    account: 0,
    imported: [],
    createdAt: new Date().toISOString(),
    descriptors: [checked.texts],
  };
  const wallet = new Wallet(network, secrets);
  const pub = wallet.toPublic();
  if (checked.hasPrivate) {
    const password = await ctx.password(true);
    ctx.io.progress('encrypting the wallet (scrypt)');
    await writeAtomic(path, await seal(secrets, name, password, cost, pub), true);
  } else {
    await writeAtomic(path, sealPublic(name, pub), true);
  }
  const first = wallet.key(RECEIVE, 0, checked.type).address;
  return {
    json: {
      wallet: path,
      network: name,
      type: checked.type,
      watch_only: !checked.hasPrivate,
      descriptors: checked.public,
      firstAddress: first,
    },
    text: table([
      ['imported', `${checked.type} ${checked.hasPrivate ? 'signing' : 'watch-only'} wallet ${path}`],
      ['first address', first],
    ]),
  };
}
