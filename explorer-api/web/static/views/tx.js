/**
 * One transaction: status and confirmations, fee, every input with the output it spends and
 * every output with its address, value and (from /outspends) the input that spent it. While it
 * waits in the mempool: the rate it is projected to be mined at with its relatives (CPFP,
 * mempool.space's /api/v1/cpfp/:txid) and when, from the projected blocks
 * (/api/v1/fees/mempool-blocks). Its raw bytes in hex on request.
 */
import { ApiError, findJson, getJson, getText, seg } from '../api.js';
import { badge, fields, h, hashLink, heading, link, panel, paths } from '../dom.js';
import { bytes, feeRate, integer, utc, vbytes, vsizeOf } from '../format.js';
import { amount, errorView, statusBadge } from './common.js';

const TXID = /^[0-9a-fA-F]{64}$/;

function scriptDetails(summary, rows) {
  const shown = rows.filter(
    ([, v]) => v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0),
  );
  if (shown.length === 0) return null;
  return h(
    'details',
    { class: 'script' },
    h('summary', null, summary),
    h(
      'dl',
      null,
      shown.map(([k, v]) =>
        h(
          'div',
          null,
          h('dt', null, k),
          h('dd', { class: 'mono break' }, Array.isArray(v) ? v.map((x) => h('div', null, x)) : v),
        ),
      ),
    ),
  );
}

/** One input or output: index, who (address or kind), a line of facts, script details, value. */
function ioRow(index, who, meta, details, value, attrs) {
  return h(
    'li',
    { class: 'io-row', ...attrs },
    h('span', { class: 'io-index' }, String(index)),
    h(
      'div',
      { class: 'io-main' },
      h('div', { class: 'io-who' }, who),
      h('div', { class: 'io-meta' }, meta),
      details,
    ),
    h('div', { class: 'io-value' }, value),
  );
}

function addressOf(vout) {
  if (vout.scriptpubkey_address)
    return link(paths.address(vout.scriptpubkey_address), vout.scriptpubkey_address, 'mono break');
  if (vout.scriptpubkey_type === 'op_return') return h('span', null, 'OP_RETURN data');
  return h('span', null, `${vout.scriptpubkey_type ?? 'unknown'} script`);
}

function inputsList(tx) {
  return h(
    'ol',
    { class: 'io-list inputs' },
    tx.vin.map((vin, i) =>
      ioRow(
        i,
        vin.is_coinbase
          ? h('span', null, 'Coinbase (newly created coins)')
          : vin.prevout
            ? addressOf(vin.prevout)
            : '?',
        vin.is_coinbase
          ? null
          : [
              'spends ',
              link(paths.tx(vin.txid), `${vin.txid.slice(0, 8)}…${vin.txid.slice(-8)}:${vin.vout}`, 'mono'),
              vin.prevout?.scriptpubkey_type ? ` · ${vin.prevout.scriptpubkey_type}` : null,
            ],
        scriptDetails('Script', [
          [
            vin.is_coinbase ? 'coinbase data' : 'scriptSig',
            vin.is_coinbase ? vin.scriptsig : vin.scriptsig_asm,
          ],
          ['witness', vin.witness],
          [
            'sequence',
            typeof vin.sequence === 'number' ? `0x${vin.sequence.toString(16).padStart(8, '0')}` : null,
          ],
          ['previous output script', vin.prevout?.scriptpubkey_asm],
        ]),
        vin.prevout ? amount(vin.prevout.value) : null,
      ),
    ),
  );
}

function spentText(vout, spend) {
  if (vout.scriptpubkey_type === 'op_return') return 'unspendable';
  if (!spend) return null;
  if (!spend.spent) return badge('Unspent', 'ok');
  return h(
    'span',
    { class: 'spent' },
    'spent by ',
    link(paths.tx(spend.txid), `${spend.txid.slice(0, 8)}…${spend.txid.slice(-8)}:${spend.vin}`, 'mono'),
    spend.status && !spend.status.confirmed ? badge('unconfirmed', 'warn') : null,
  );
}

function outputsList(tx, outspends) {
  return h(
    'ol',
    { class: 'io-list outputs' },
    tx.vout.map((vout, i) =>
      ioRow(
        i,
        addressOf(vout),
        [vout.scriptpubkey_type ?? '', ' · ', spentText(vout, outspends?.[i])],
        scriptDetails('Script', [
          ['scriptPubKey', vout.scriptpubkey_asm],
          ['hex', vout.scriptpubkey],
        ]),
        amount(vout.value),
        { 'data-vout': i },
      ),
    ),
  );
}

/**
 * What the tx uses, as mempool.space's badges say it: SegWit (an input spends with a witness),
 * Taproot (it spends or creates a v1 P2TR output) and RBF (BIP125: an input's sequence is
 * below 0xfffffffe, so it signals that it may be replaced).
 */
export function features(tx) {
  const spends = tx.vin.filter((i) => !i.is_coinbase);
  const out = [];
  if (spends.some((i) => Array.isArray(i.witness) && i.witness.length > 0)) out.push('SegWit');
  if (
    spends.some((i) => i.prevout?.scriptpubkey_type === 'v1_p2tr') ||
    tx.vout.some((o) => o.scriptpubkey_type === 'v1_p2tr')
  )
    out.push('Taproot');
  if (spends.some((i) => typeof i.sequence === 'number' && i.sequence < 0xfffffffe)) out.push('RBF');
  return out;
}

function featureBadges(tx) {
  const list = features(tx);
  if (list.length === 0) return null;
  return h(
    'span',
    { id: 'tx-features', class: 'features' },
    list.map((f) => h('span', { class: 'badge feature', 'data-feature': f.toLowerCase() }, f)),
  );
}

/**
 * How many blocks until a tx paying `rate` (sat/vB, its effective rate) is mined, by the
 * projected blocks: the first whose cheapest rate it meets. `{ blocks, atLeast }` (atLeast when it
 * falls in the last projected block, which holds everything left), or null when no projection
 * has it yet.
 */
export function blocksUntilMined(rate, projected) {
  if (typeof rate !== 'number' || !Array.isArray(projected)) return null;
  for (let i = 0; i < projected.length; i++) {
    const b = projected[i];
    if (rate < (b.feeRange?.[0] ?? 0) - 0.005) continue;
    const last = i === projected.length - 1 && projected.length > 1 && b.blockVSize > 1_000_000;
    return { blocks: i + 1, atLeast: last };
  }
  return null;
}

export function etaText(eta) {
  if (!eta) return null;
  if (eta.atLeast) return `in ${integer(eta.blocks)} blocks or more`;
  return eta.blocks === 1 ? 'in about 1 block (the next one)' : `in about ${integer(eta.blocks)} blocks`;
}

/** Effective rate and ETA of a mempool tx; null for a confirmed one or when the node says nothing. */
async function pendingInfo(tx, signal) {
  if (tx.status?.confirmed || tx.vin.some((i) => i.is_coinbase)) return null;
  const soft = (p) =>
    p.catch((e) => {
      if (e.name === 'AbortError') throw e;
      return null;
    });
  const [cpfp, projected] = await Promise.all([
    soft(getJson(`/v1/cpfp/${seg(tx.txid)}`, signal)),
    soft(getJson('/v1/fees/mempool-blocks', signal)),
  ]);
  if (!cpfp || typeof cpfp.effectiveFeePerVsize !== 'number') return null;
  const rate = cpfp.effectiveFeePerVsize;
  return {
    rate,
    relatives: (cpfp.ancestors?.length ?? 0) + (cpfp.descendants?.length ?? 0),
    eta: blocksUntilMined(rate, projected),
  };
}

function effectiveRate(pending, tx) {
  const own = tx.fee / vsizeOf(tx.weight);
  const lifted = pending.relatives > 0 && Math.abs(pending.rate - own) >= 0.01;
  return h(
    'span',
    { id: 'tx-effective-rate' },
    `${pending.rate.toFixed(2)} sat/vB`,
    lifted
      ? h(
          'span',
          { class: 'muted' },
          ` (CPFP: mined with ${integer(pending.relatives)} related transaction${pending.relatives === 1 ? '' : 's'})`,
        )
      : null,
  );
}

function summary(tx, tipHeight, pending) {
  const coinbase = tx.vin.some((i) => i.is_coinbase);
  const totalIn = tx.vin.reduce((s, i) => s + BigInt(i.prevout?.value ?? 0), 0n);
  const totalOut = tx.vout.reduce((s, o) => s + BigInt(o.value), 0n);
  return fields([
    ['Status', h('span', { id: 'tx-status' }, statusBadge(tx.status, tipHeight))],
    [
      'Block',
      tx.status?.confirmed
        ? h(
            'span',
            null,
            link(paths.block(tx.status.block_hash), `#${integer(tx.status.block_height)}`),
            ' · ',
            utc(tx.status.block_time),
          )
        : h('span', { class: 'muted' }, 'waiting in the mempool'),
    ],
    ['Fee', coinbase ? h('span', { class: 'muted' }, 'none (coinbase)') : amount(tx.fee)],
    ['Fee rate', coinbase ? null : feeRate(tx.fee, tx.weight)],
    ['Effective fee rate', pending ? effectiveRate(pending, tx) : null],
    [
      'Expected',
      pending ? h('span', { id: 'tx-eta' }, etaText(pending.eta) ?? 'not yet in the projected blocks') : null,
    ],
    ['Total in', coinbase ? null : amount(totalIn)],
    ['Total out', amount(totalOut)],
    ['Size', bytes(tx.size)],
    ['Virtual size', vbytes(vsizeOf(tx.weight))],
    ['Weight', `${integer(tx.weight)} WU`],
    ['Version', String(tx.version)],
    ['Lock time', integer(tx.locktime)],
  ]);
}

/**
 * A transaction the node no longer has because another replaced it (RBF): Esplora's /tx answers
 * 404 for it, and the node's /tx/:txid/replacement says by what.
 */
function replacedView(r, ctx) {
  ctx.setTitle(`Transaction ${r.txid.slice(0, 12)}… (replaced)`);
  return h(
    'div',
    null,
    heading('Transaction', r.txid, badge('Replaced', 'warn')),
    h(
      'section',
      { class: 'panel state state-replaced', 'data-state': 'replaced' },
      h('h2', null, 'Replaced'),
      h(
        'p',
        { id: 'tx-replaced' },
        'Replaced by ',
        hashLink(paths.tx(r.replaced_by), r.replaced_by),
        ` at ${utc(r.time)}: a transaction spending the same coins with a higher fee took its place, so it will not confirm.`,
      ),
      r.latest !== r.replaced_by
        ? h(
            'p',
            { id: 'tx-replaced-latest' },
            'That one was replaced in turn; the newest is ',
            hashLink(paths.tx(r.latest), r.latest),
            '.',
          )
        : null,
    ),
  );
}

export async function txView(ctx) {
  const [txid] = ctx.params;
  if (!TXID.test(txid))
    return errorView(new ApiError(400, 'A transaction id is 64 hexadecimal characters.'), ctx, 'transaction');
  let tx;
  let outspends;
  let tipHeight;
  try {
    [tx, outspends, tipHeight] = await Promise.all([
      getJson(`/tx/${seg(txid)}`, ctx.signal),
      getJson(`/tx/${seg(txid)}/outspends`, ctx.signal).catch((e) => {
        if (e.name === 'AbortError') throw e;
        return null; // the page is still useful without spent-by links
      }),
      ctx.tip.ready(),
    ]);
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 404)) throw e;
    // Unknown, or replaced: the node remembers its recent replacements.
    const replaced = await findJson(`/tx/${seg(txid)}/replacement`, ctx.signal);
    return replaced ? replacedView(replaced, ctx) : errorView(e, ctx, 'transaction');
  }
  ctx.setTitle(`Transaction ${txid.slice(0, 12)}…`);
  let pending = await pendingInfo(tx, ctx.signal);
  let shown = tx;
  let height = tipHeight;
  const info = panel('Details', summary(tx, tipHeight, pending));
  const outs = panel(`Outputs (${tx.vout.length})`, outputsList(tx, outspends));
  ctx.onTip(async (tipNow) => {
    // A block may have confirmed it, or spent one of its outputs.
    try {
      const [fresh, spends] = await Promise.all([
        getJson(`/tx/${seg(txid)}`, ctx.signal),
        getJson(`/tx/${seg(txid)}/outspends`, ctx.signal),
      ]);
      pending = await pendingInfo(fresh, ctx.signal);
      shown = fresh;
      height = tipNow;
      info.replaceChildren(h('h2', null, 'Details'), summary(fresh, tipNow, pending));
      outs.replaceChildren(h('h2', null, `Outputs (${fresh.vout.length})`), outputsList(fresh, spends));
    } catch {
      // Keep the last good view (e.g. the tx left the mempool in a reorg).
    }
  });
  ctx.onTick(async () => {
    // The mempool changed: a child may lift it (CPFP), newcomers may push it back.
    if (shown.status?.confirmed) return;
    try {
      pending = await pendingInfo(shown, ctx.signal);
      info.replaceChildren(h('h2', null, 'Details'), summary(shown, height, pending));
    } catch {
      // Keep the last good view.
    }
  });
  const coinbase = tx.vin.some((i) => i.is_coinbase);
  return h(
    'div',
    null,
    heading(coinbase ? 'Coinbase transaction' : 'Transaction', tx.txid, featureBadges(tx)),
    info,
    h('div', { class: 'io-columns' }, panel(`Inputs (${tx.vin.length})`, inputsList(tx)), outs),
    rawPanel(txid, tx.size, ctx),
  );
}

/** The raw transaction in hex, fetched when first opened (/api/tx/:txid/hex). */
function rawPanel(txid, size, ctx) {
  const body = h('div', { class: 'mono break raw-hex', id: 'tx-hex-text' });
  const details = h(
    'details',
    { class: 'raw', id: 'tx-hex' },
    h('summary', null, `Raw transaction (${bytes(size)}, hex)`),
    body,
  );
  let loading = false;
  details.addEventListener('toggle', async () => {
    if (!details.open || loading || body.hasAttribute('data-loaded')) return;
    loading = true;
    body.textContent = 'Loading…';
    try {
      body.textContent = (await getText(`/tx/${seg(txid)}/hex`, ctx.signal, { cached: true })).trim();
      body.setAttribute('data-loaded', '');
    } catch (e) {
      body.textContent = e.name === 'AbortError' ? '' : `Could not load it: ${e.message}`;
    } finally {
      loading = false;
    }
  });
  return panel(null, details);
}
