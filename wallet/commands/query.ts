/** address, balance, utxos, history: what the node knows about the wallet, read-only. */
import { formatCoins } from '../amount.js';
import { walletCoins } from '../coins.js';
import type { Context } from '../context.js';
import { WalletError } from '../errors.js';
import { CHANGE, parseAddressType, RECEIVE, type WalletKey } from '../hd.js';
import { balancesOf, discover, history as walletHistory } from '../scan.js';
import { syncCoins } from '../sync.js';
import { type Result, table } from './result.js';

/**
 * The next unused address of a type: BIP84 P2WPKH by default (a multisig wallet's P2WSH), BIP86
 * P2TR with --type p2tr. Public data only: no password for a version 2 wallet file.
 */
export async function address(ctx: Context, opts: { change?: boolean; type?: string }): Promise<Result> {
  const asked = opts.type === undefined ? undefined : parseAddressType(opts.type);
  const { path, wallet } = await ctx.openPublic();
  const type = asked ?? wallet.defaultType();
  const client = ctx.client(wallet.network);
  const chain = opts.change ? CHANGE : RECEIVE;
  let key: WalletKey;
  if (wallet.accounts().length > 0) {
    const { byType } = await syncCoins(ctx, path, wallet, client);
    key = wallet.key(chain, byType[type][chain], type);
  } else if (type === 'p2wpkh') {
    key = wallet.imported[0]!;
  } else {
    throw new WalletError('BAD_INPUT', 'this wallet has only imported keys; P2TR addresses need a mnemonic');
  }
  return { json: { address: key.address, path: key.path, type }, text: key.address };
}

/**
 * Core's getbalances split (trusted, untrusted_pending, immature), over coins checked against
 * their transactions. The older fields stay: confirmed = trusted + immature, unconfirmed =
 * untrusted_pending, total = all three.
 */
export async function balance(ctx: Context): Promise<Result> {
  const { path, wallet } = await ctx.openPublic();
  const { coins } = await walletCoins(ctx, path, wallet, ctx.client(wallet.network));
  const b = balancesOf(coins);
  const confirmed = b.trusted + b.immature;
  const total = confirmed + b.untrustedPending;
  // Right-aligned on the total, the widest figure.
  const amount = (v: bigint) => formatCoins(v).padStart(formatCoins(total).length);
  return {
    json: {
      network: wallet.network.name,
      trusted: formatCoins(b.trusted),
      untrusted_pending: formatCoins(b.untrustedPending),
      immature: formatCoins(b.immature),
      trusted_sat: Number(b.trusted),
      untrusted_pending_sat: Number(b.untrustedPending),
      immature_sat: Number(b.immature),
      confirmed_sat: Number(confirmed),
      unconfirmed_sat: Number(b.untrustedPending),
      total_sat: Number(total),
      confirmed: formatCoins(confirmed),
      unconfirmed: formatCoins(b.untrustedPending),
      total: formatCoins(total),
    },
    text: table([
      ['trusted', `${amount(b.trusted)}  confirmed, spendable`],
      ['untrusted_pending', `${amount(b.untrustedPending)}  unconfirmed`],
      [
        'immature',
        `${amount(b.immature)}  coinbase, fewer than ${wallet.network.coinbaseMaturity} confirmations`,
      ],
      ['total', amount(total)],
    ]),
  };
}

/**
 * Rebuilds the local cache from a full per-address scan (Core's rescanblockchain): after
 * restoring a wallet elsewhere, or when the cache is in doubt. Prints the tip it reached.
 */
export async function rescan(ctx: Context): Promise<Result> {
  const { path, wallet } = await ctx.openPublic();
  const r = await syncCoins(ctx, path, wallet, ctx.client(wallet.network), { rescan: true });
  const b = balancesOf(r.coins);
  const total = b.trusted + b.untrustedPending + b.immature;
  return {
    json: { height: r.tip.height, hash: r.tip.hash, coins: r.coins.length, total: formatCoins(total) },
    text: `rescanned to height ${r.tip.height} (${r.tip.hash}): ${r.coins.length} coins, ${formatCoins(total)} in all`,
  };
}

export async function utxos(ctx: Context): Promise<Result> {
  const { path, wallet } = await ctx.openPublic();
  const { coins } = await walletCoins(ctx, path, wallet, ctx.client(wallet.network));
  coins.sort((a, b) => b.confirmations - a.confirmations || a.txid.localeCompare(b.txid) || a.vout - b.vout);
  const json = coins.map((c) => ({
    txid: c.txid,
    vout: c.vout,
    value_sat: Number(c.value),
    value: formatCoins(c.value),
    address: c.key.address,
    path: c.key.path,
    confirmations: c.confirmations,
    coinbase: c.coinbase,
    immature: !c.spendable,
    spendable: c.spendable,
  }));
  const text =
    coins.length === 0
      ? 'no coins'
      : coins
          .map(
            (c) =>
              `${c.txid}:${c.vout}  ${formatCoins(c.value).padStart(16)}  ${String(c.confirmations).padStart(6)} conf  ${c.key.address}${c.coinbase ? (c.spendable ? '  coinbase' : '  coinbase, immature') : ''}`,
          )
          .join('\n');
  return { json, text };
}

export async function history(ctx: Context): Promise<Result> {
  const { wallet } = await ctx.openPublic();
  const client = ctx.client(wallet.network);
  const scan = await discover(wallet, client, ctx.io.progress);
  const entries = await walletHistory(client, wallet, scan);
  const json = entries.map((e) => ({
    txid: e.txid,
    net_sat: Number(e.net),
    net: formatCoins(e.net),
    fee_sat: e.fee === null ? null : Number(e.fee),
    confirmed: e.status.confirmed,
    block_height: e.status.blockHeight,
    block_time: e.status.blockTime,
  }));
  const text =
    entries.length === 0
      ? 'no transactions'
      : entries
          .map(
            (e) =>
              `${e.txid}  ${(e.net >= 0n ? `+${formatCoins(e.net)}` : formatCoins(e.net)).padStart(17)}  ${e.status.confirmed ? `block ${e.status.blockHeight}` : 'unconfirmed'}`,
          )
          .join('\n');
  return { json, text };
}
