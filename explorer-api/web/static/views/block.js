/**
 * One block: its header fields, place in the chain, its fees (mempool.space's `extras` from
 * /api/v1/block/:hash: total fees, subsidy, reward, fee range and median fee rate) and its
 * transactions, 25 per page.
 */
import { ApiError, getJson, getText, seg } from '../api.js';
import { badge, fields, h, heading, link, panel, paths } from '../dom.js';
import { bytes, difficulty, hex32, integer, utc } from '../format.js';
import { amount, errorView, pager, txCard } from './common.js';

const TXS_PER_PAGE = 25;
const HASH = /^[0-9a-fA-F]{64}$/;

export async function blockHeightView(ctx) {
  const [height] = ctx.params;
  const hash = await getText(`/block-height/${seg(height)}`, ctx.signal);
  ctx.navigate(paths.block(hash.trim()), { replace: true });
  return null;
}

function chainFields(block, status, tipHeight) {
  const confs = status.in_best_chain && tipHeight !== null ? tipHeight - block.height + 1 : null;
  return fields([
    ['Height', integer(block.height)],
    [
      'Status',
      status.in_best_chain
        ? h(
            'span',
            { id: 'block-confirmations' },
            badge(
              confs === null ? 'In best chain' : `${integer(confs)} confirmation${confs === 1 ? '' : 's'}`,
              'ok',
            ),
          )
        : badge('Not in the best chain (stale)', 'warn'),
    ],
    ['Timestamp', utc(block.timestamp)],
    ['Median time', block.mediantime ? utc(block.mediantime) : null],
    ['Transactions', integer(block.tx_count)],
    ['Size', bytes(block.size)],
    ['Weight', `${integer(block.weight)} WU`],
    ['Difficulty', difficulty(block.difficulty)],
    ['Version', hex32(block.version)],
    ['Bits', hex32(block.bits)],
    ['Nonce', integer(block.nonce)],
    ['Merkle root', h('span', { class: 'mono break' }, block.merkle_root), 'wide'],
    [
      'Previous block',
      block.previousblockhash
        ? link(paths.block(block.previousblockhash), block.previousblockhash, 'mono break')
        : 'none (genesis)',
      'wide',
    ],
    [
      'Next block',
      status.next_best ? link(paths.block(status.next_best), status.next_best, 'mono break') : null,
      'wide',
    ],
  ]);
}

const rate = (r) => `${Number(r).toFixed(2)} sat/vB`;

/** Fee figures of a main-chain block; null when the node gave none (a stale block). */
function feeFields(extras) {
  if (!extras) return null;
  const range = extras.feeRange ?? [];
  const span = (id, value) => h('span', { id }, value);
  return fields([
    ['Total fees', span('block-fees', amount(extras.totalFees))],
    ['Subsidy', span('block-subsidy', amount(extras.subsidy))],
    ['Reward', span('block-reward', amount(extras.reward))],
    ['Median fee rate', span('block-median-fee', range.length ? rate(extras.medianFee) : '—')],
    [
      'Fee range',
      span('block-fee-range', range.length ? `${rate(range[0])} – ${rate(range[range.length - 1])}` : '—'),
    ],
  ]);
}

async function txsSection(ctx, block, start, tipHeight) {
  if (block.tx_count === 0) return null;
  const txs = await getJson(`/block/${seg(block.id)}/txs/${start}`, ctx.signal, { cached: true });
  const base = paths.block(block.id);
  const prev = start > 0 ? (start - TXS_PER_PAGE > 0 ? `${base}?start=${start - TXS_PER_PAGE}` : base) : null;
  const next = start + TXS_PER_PAGE < block.tx_count ? `${base}?start=${start + TXS_PER_PAGE}` : null;
  const end = Math.min(start + txs.length, block.tx_count);
  const label = `${integer(start + 1)}–${integer(end)} of ${integer(block.tx_count)}`;
  return panel(
    `Transactions (${integer(block.tx_count)})`,
    block.tx_count > TXS_PER_PAGE ? pager(label, prev, next, '← Previous', 'Next →') : null,
    h(
      'div',
      { class: 'txlist' },
      txs.map((tx) => txCard(tx, { tipHeight, showStatus: false })),
    ),
    block.tx_count > TXS_PER_PAGE ? pager(label, prev, next, '← Previous', 'Next →') : null,
  );
}

export async function blockView(ctx) {
  const [hash] = ctx.params;
  const raw = ctx.query.get('start') ?? '0';
  const start = /^\d{1,7}$/.test(raw) ? Number(raw) : 0;
  if (!HASH.test(hash))
    return errorView(new ApiError(400, 'A block hash is 64 hexadecimal characters.'), ctx, 'block');
  const [block, status, tipHeight] = await Promise.all([
    // mempool.space's form of the block: Esplora's fields plus its fee figures (`extras`).
    getJson(`/v1/block/${seg(hash)}`, ctx.signal, { cached: true }),
    getJson(`/block/${seg(hash)}/status`, ctx.signal),
    ctx.tip.ready(),
  ]);
  ctx.setTitle(`Block ${block.height}`);
  const info = panel('Details', chainFields(block, status, tipHeight));
  ctx.onTip(async (height) => {
    // A new tip changes the confirmation count and may give this block a successor.
    try {
      const fresh = await getJson(`/block/${seg(hash)}/status`, ctx.signal);
      info.replaceChildren(h('h2', null, 'Details'), chainFields(block, fresh, height));
    } catch {
      // Keep the last good view.
    }
  });
  const nav = h(
    'nav',
    { class: 'block-nav' },
    block.previousblockhash
      ? link(paths.block(block.previousblockhash), `← #${integer(block.height - 1)}`, 'button')
      : null,
    status.next_best
      ? link(paths.block(status.next_best), `#${integer(block.height + 1)} →`, 'button')
      : null,
  );
  return h(
    'div',
    null,
    heading(`Block ${integer(block.height)}`, block.id, nav),
    info,
    block.extras ? panel('Fees', feeFields(block.extras)) : null,
    await txsSection(ctx, block, start, tipHeight),
  );
}
