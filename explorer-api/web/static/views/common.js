/** Pieces shared by several pages: error states, amounts, pagers and the compact tx card. */
import { ApiError } from '../api.js';
import { badge, h, hashLink, link, paths } from '../dom.js';
import { coins, feeRate, integer, sats, utc } from '../format.js';
import { unit } from '../units.js';

/** An amount in coins or sats (the header's toggle), digits exact, the unit muted. */
export function amount(units, opts) {
  const inSats = unit() === 'sats';
  const text = inSats ? sats(units, opts) : coins(units, opts);
  const cls = opts?.sign
    ? text.startsWith('-')
      ? 'amount neg'
      : text.startsWith('+')
        ? 'amount pos'
        : 'amount'
    : 'amount';
  return h(
    'span',
    { class: cls, title: inSats ? `${coins(units)} coins` : `${integer(units)} sat` },
    text,
    h('span', { class: 'unit' }, inSats ? ' sat' : ' coins'),
  );
}

export function errorView(e, ctx, what = 'page') {
  ctx?.setTitle(e instanceof ApiError && e.status === 404 ? 'Not found' : 'Error');
  const status = e instanceof ApiError ? e.status : -1;
  const [title, text] =
    status === 404
      ? ['Not found', `No such ${what} is known to this node.`]
      : status === 400
        ? ['Invalid request', e.message || `That is not a valid ${what} identifier.`]
        : status === 0
          ? [
              'Node unreachable',
              'The explorer cannot reach the node right now. It will work again once the node is back.',
            ]
          : status > 0
            ? [`Error ${status}`, e.message || 'The node answered with an error.']
            : ['Something went wrong', String(e?.message ?? e)];
  return h(
    'section',
    {
      class: `panel state state-${status === 404 ? 'notfound' : 'error'}`,
      'data-state': status === 404 ? 'not-found' : 'error',
    },
    h('h1', null, title),
    h('p', null, text),
    e instanceof ApiError && status > 0 && status !== 404 && e.message && text !== e.message
      ? h('p', { class: 'muted mono' }, e.message)
      : null,
    h('p', null, link('/', '← Back to the latest blocks')),
  );
}

/** Address paid by an output, or a description of what its script is. */
export function outputLabel(vout) {
  if (vout.scriptpubkey_address)
    return hashLink(paths.address(vout.scriptpubkey_address), vout.scriptpubkey_address);
  if (vout.scriptpubkey_type === 'op_return') return h('span', { class: 'muted' }, 'OP_RETURN data');
  return h('span', { class: 'muted' }, `${vout.scriptpubkey_type ?? 'unknown'} script`);
}

export function confirmations(status, tipHeight) {
  if (!status?.confirmed) return null;
  if (typeof tipHeight !== 'number' || typeof status.block_height !== 'number') return null;
  return Math.max(0, tipHeight - status.block_height + 1);
}

export function statusBadge(status, tipHeight) {
  if (!status?.confirmed) return badge('Unconfirmed', 'warn');
  const n = confirmations(status, tipHeight);
  return badge(n === null ? 'Confirmed' : `${integer(n)} confirmation${n === 1 ? '' : 's'}`, 'ok');
}

/** Previous / next links for a paged list; a null path leaves that side disabled. */
export function pager(label, prevPath, nextPath, prevText = '← Newer', nextText = 'Older →') {
  const side = (path, text, rel) =>
    path
      ? h('a', { href: path, 'data-nav': true, class: 'button', rel }, text)
      : h('span', { class: 'button disabled', 'aria-disabled': 'true' }, text);
  return h(
    'nav',
    { class: 'pager', 'aria-label': 'Pages' },
    side(prevPath, prevText, 'prev'),
    h('span', { class: 'pager-label' }, label),
    side(nextPath, nextText, 'next'),
  );
}

const CARD_ROWS = 8;

function capped(items, render, txid) {
  const shown = items.slice(0, CARD_ROWS).map(render);
  if (items.length > CARD_ROWS)
    shown.push(h('li', { class: 'more' }, link(paths.tx(txid), `… ${items.length - CARD_ROWS} more`)));
  return shown;
}

/** Net change a tx makes to `address`: paid to it minus spent from it. */
export function netFor(tx, address) {
  let net = 0n;
  for (const o of tx.vout) if (o.scriptpubkey_address === address) net += BigInt(o.value);
  for (const i of tx.vin) if (i.prevout?.scriptpubkey_address === address) net -= BigInt(i.prevout.value);
  return net;
}

/** A compact view of one transaction: inputs → outputs, fee, status. */
export function txCard(tx, { tipHeight, address, showStatus = true } = {}) {
  const input = (vin) =>
    h(
      'li',
      { class: vin.prevout?.scriptpubkey_address === address && address ? 'io mine' : 'io' },
      vin.is_coinbase
        ? h('span', { class: 'muted' }, 'Coinbase (new coins)')
        : vin.prevout
          ? outputLabel(vin.prevout)
          : hashLink(paths.tx(vin.txid), `${vin.txid}:${vin.vout}`),
      vin.prevout ? amount(vin.prevout.value) : null,
    );
  const output = (vout) =>
    h(
      'li',
      { class: vout.scriptpubkey_address === address && address ? 'io mine' : 'io' },
      outputLabel(vout),
      amount(vout.value),
    );
  const total = tx.vout.reduce((s, o) => s + BigInt(o.value), 0n);
  const coinbase = tx.vin.some((i) => i.is_coinbase);
  return h(
    'article',
    { class: 'txcard', 'data-txid': tx.txid },
    h(
      'header',
      null,
      hashLink(paths.tx(tx.txid), tx.txid),
      showStatus
        ? h(
            'span',
            { class: 'txcard-status' },
            tx.status?.confirmed && tx.status.block_time
              ? h('span', { class: 'muted' }, utc(tx.status.block_time))
              : null,
            statusBadge(tx.status, tipHeight),
          )
        : null,
    ),
    h(
      'div',
      { class: 'txcard-body' },
      h('ul', { class: 'ios' }, capped(tx.vin, input, tx.txid)),
      h('div', { class: 'arrow', 'aria-hidden': 'true' }, '→'),
      h('ul', { class: 'ios' }, capped(tx.vout, output, tx.txid)),
    ),
    h(
      'footer',
      null,
      h(
        'span',
        { class: 'muted' },
        coinbase ? 'Coinbase' : ['Fee ', amount(tx.fee), ` · ${feeRate(tx.fee, tx.weight)}`],
      ),
      address
        ? h('span', null, 'Net ', amount(netFor(tx, address), { sign: true }))
        : h('span', null, 'Total ', amount(total)),
    ),
  );
}
