/**
 * One address: confirmed and unconfirmed balance from Esplora's chain_stats / mempool_stats, a
 * QR code of its BIP21 URI (`bitcoin:<address>`), its unspent outputs (/utxo), and its history
 * newest first: the first page holds the mempool txs and 25 confirmed ones, later pages continue
 * after the last txid seen (/txs/chain/:last_seen_txid).
 */
import { getJson, seg } from '../api.js';
import { copyButton, fields, h, heading, link, panel, paths, table } from '../dom.js';
import { integer } from '../format.js';
import { qrSvg } from '../qr.js';
import { amount, pager, txCard } from './common.js';

const UTXOS_SHOWN = 100;

/** BIP21: the URI a wallet scans; bech32 addresses are case-insensitive, so left as given. */
export function bip21(address) {
  return `bitcoin:${address}`;
}

function receive(address) {
  const uri = bip21(address);
  let code;
  try {
    code = qrSvg(uri, { label: `QR code of ${uri}` });
  } catch {
    code = h('p', { class: 'muted' }, 'Too long for a QR code.');
  }
  return h(
    'section',
    { class: 'panel receive', id: 'address-receive' },
    h('div', { class: 'qr', id: 'address-qr' }, code),
    h(
      'div',
      { class: 'receive-text' },
      h('h2', null, 'Pay to this address'),
      h('p', { class: 'muted' }, 'Scan the code with a wallet, or copy the payment URI (BIP21).'),
      h(
        'div',
        { class: 'page-id' },
        h('span', { class: 'mono break', id: 'address-uri' }, uri),
        copyButton(uri),
      ),
    ),
  );
}

/** Unspent outputs, unconfirmed first, then the newest confirmed. */
function utxoPanel(utxos) {
  if (!utxos) return panel('Unspent outputs', h('p', { class: 'muted' }, 'The node cannot list them.'));
  const sorted = [...utxos].sort(
    (a, b) => (b.status?.block_height ?? Infinity) - (a.status?.block_height ?? Infinity) || a.vout - b.vout,
  );
  const rows = sorted
    .slice(0, UTXOS_SHOWN)
    .map((u) =>
      h(
        'tr',
        { 'data-outpoint': `${u.txid}:${u.vout}` },
        h('td', null, link(paths.tx(u.txid), `${u.txid.slice(0, 12)}…${u.txid.slice(-8)}:${u.vout}`, 'mono')),
        h(
          'td',
          null,
          u.status?.confirmed
            ? link(paths.block(u.status.block_hash), `#${integer(u.status.block_height)}`)
            : h('span', { class: 'badge warn' }, 'Unconfirmed'),
        ),
        h('td', { class: 'num' }, amount(u.value)),
      ),
    );
  const total = utxos.reduce((s, u) => s + BigInt(u.value), 0n);
  return h(
    'section',
    { class: 'panel', id: 'address-utxos' },
    h('h2', null, `Unspent outputs (${integer(utxos.length)})`),
    utxos.length === 0
      ? h('p', { class: 'empty' }, 'None: everything received has been spent.')
      : [
          table(['Output', 'Block', { label: 'Value', cls: 'num' }], rows, 'utxos'),
          h(
            'p',
            { class: 'muted' },
            utxos.length > UTXOS_SHOWN ? `Showing ${UTXOS_SHOWN} of ${integer(utxos.length)}. ` : null,
            'Total ',
            amount(total),
          ),
        ],
  );
}

const CHAIN_PAGE = 25;
const TXID = /^[0-9a-fA-F]{64}$/;

function balanceOf(stats) {
  return BigInt(stats?.funded_txo_sum ?? 0) - BigInt(stats?.spent_txo_sum ?? 0);
}

function balances(info) {
  const confirmed = balanceOf(info.chain_stats);
  const unconfirmed = balanceOf(info.mempool_stats);
  return h(
    'section',
    { class: 'stats balances' },
    h(
      'div',
      { class: 'stat', id: 'balance-confirmed' },
      h('div', { class: 'stat-label' }, 'Confirmed balance'),
      h('div', { class: 'stat-value' }, amount(confirmed)),
    ),
    h(
      'div',
      { class: 'stat', id: 'balance-unconfirmed' },
      h('div', { class: 'stat-label' }, 'Unconfirmed'),
      h('div', { class: 'stat-value' }, amount(unconfirmed, { sign: true })),
    ),
    h(
      'div',
      { class: 'stat', id: 'balance-total' },
      h('div', { class: 'stat-label' }, 'Total'),
      h('div', { class: 'stat-value' }, amount(confirmed + unconfirmed)),
    ),
  );
}

function totals(info) {
  const c = info.chain_stats ?? {};
  const m = info.mempool_stats ?? {};
  return fields([
    ['Transactions', `${integer(c.tx_count ?? 0)} confirmed, ${integer(m.tx_count ?? 0)} unconfirmed`],
    ['Total received', amount(BigInt(c.funded_txo_sum ?? 0) + BigInt(m.funded_txo_sum ?? 0))],
    ['Total sent', amount(BigInt(c.spent_txo_sum ?? 0) + BigInt(m.spent_txo_sum ?? 0))],
    ['Outputs received', integer((c.funded_txo_count ?? 0) + (m.funded_txo_count ?? 0))],
    ['Outputs spent', integer((c.spent_txo_count ?? 0) + (m.spent_txo_count ?? 0))],
  ]);
}

export async function addressView(ctx) {
  const [address] = ctx.params;
  const afterRaw = ctx.query.get('after');
  const after = afterRaw && TXID.test(afterRaw) ? afterRaw : null;
  const nRaw = ctx.query.get('n');
  const seen = after && nRaw && /^\d{1,9}$/.test(nRaw) ? Number(nRaw) : 0;
  const base = `/address/${seg(address)}`;
  const [info, txs, utxos, tipHeight] = await Promise.all([
    getJson(base, ctx.signal),
    getJson(after ? `${base}/txs/chain/${after}` : `${base}/txs`, ctx.signal),
    getJson(`${base}/utxo`, ctx.signal).catch((e) => {
      if (e.name === 'AbortError') throw e;
      return null; // e.g. too many outputs for the node to list
    }),
    ctx.tip.ready(),
  ]);
  ctx.setTitle(`Address ${address}`);
  const confirmedHere = txs.filter((t) => t.status?.confirmed);
  const chainCount = info.chain_stats?.tx_count ?? 0;
  const last = confirmedHere.at(-1);
  const hasMore =
    last && (after && !nRaw ? confirmedHere.length === CHAIN_PAGE : seen + confirmedHere.length < chainCount);
  const next = hasMore
    ? `${paths.address(address)}?after=${last.txid}&n=${seen + confirmedHere.length}`
    : null;
  const prev = after ? paths.address(address) : null;
  const label = confirmedHere.length
    ? `${integer(seen + 1)}–${integer(seen + confirmedHere.length)} of ${integer(chainCount)} confirmed`
    : `${integer(chainCount)} confirmed`;
  const paged = chainCount > CHAIN_PAGE || after;
  const root = h(
    'div',
    null,
    heading('Address', info.address ?? address),
    balances(info),
    h(
      'div',
      { class: 'columns address-columns' },
      receive(info.address ?? address),
      panel('Totals', totals(info)),
    ),
    utxoPanel(utxos),
    panel(
      'Transactions',
      txs.length === 0 ? h('p', { class: 'empty' }, 'No transactions yet.') : null,
      h(
        'div',
        { class: 'txlist' },
        txs.map((tx) => txCard(tx, { tipHeight, address: info.address ?? address })),
      ),
      paged ? pager(label, prev, next, '← Newest', 'Older →') : null,
    ),
  );
  ctx.onTip(async () => {
    // A new block changes balances and confirmations: reload this page's data in place.
    if (root.isConnected) ctx.navigate(location.pathname + location.search, { replace: true });
  });
  return root;
}
