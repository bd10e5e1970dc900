/** address, balance, utxos, history: what the node knows about the wallet, read-only. */
import { formatCoins } from '../amount.js';
import type { Context } from '../context.js';
import { CHANGE, RECEIVE, type WalletKey } from '../hd.js';
import { balanceOf, discover, listCoins, history as walletHistory } from '../scan.js';
import { type Result, table } from './result.js';

export async function address(ctx: Context, opts: { change?: boolean }): Promise<Result> {
  const { wallet } = await ctx.open();
  const client = ctx.client(wallet.network);
  const chain = opts.change ? CHANGE : RECEIVE;
  let key: WalletKey;
  if (wallet.account) {
    const scan = await discover(wallet, client, ctx.io.progress);
    key = wallet.key(chain, scan.next[chain]);
  } else {
    key = wallet.imported[0]!;
  }
  return { json: { address: key.address, path: key.path }, text: key.address };
}

export async function balance(ctx: Context): Promise<Result> {
  const { wallet } = await ctx.open();
  const scan = await discover(wallet, ctx.client(wallet.network), ctx.io.progress);
  const b = balanceOf(scan);
  const total = b.confirmed + b.unconfirmed;
  return {
    json: {
      network: wallet.network.name,
      confirmed_sat: Number(b.confirmed),
      unconfirmed_sat: Number(b.unconfirmed),
      total_sat: Number(total),
      confirmed: formatCoins(b.confirmed),
      unconfirmed: formatCoins(b.unconfirmed),
      total: formatCoins(total),
    },
    text: table([
      ['confirmed', formatCoins(b.confirmed)],
      ['unconfirmed', formatCoins(b.unconfirmed)],
      ['total', formatCoins(total)],
    ]),
  };
}

export async function utxos(ctx: Context): Promise<Result> {
  const { wallet } = await ctx.open();
  const client = ctx.client(wallet.network);
  const scan = await discover(wallet, client, ctx.io.progress);
  const coins = await listCoins(client, scan, wallet.network.coinbaseMaturity, ctx.io.progress);
  coins.sort((a, b) => b.confirmations - a.confirmations || a.txid.localeCompare(b.txid) || a.vout - b.vout);
  const json = coins.map((c) => ({
    txid: c.txid,
    vout: c.vout,
    value_sat: Number(c.value),
    value: formatCoins(c.value),
    address: c.key.address,
    path: c.key.path,
    confirmations: c.confirmations,
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
  const { wallet } = await ctx.open();
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
