/**
 * Home: chain summary, fee recommendations and the projected next blocks (mempool.space's
 * /v1/fees/recommended and /v1/fees/mempool-blocks), the latest blocks and the mempool,
 * refreshed whenever the node pushes news (a block, a mempool change).
 */
import { getJson } from '../api.js';
import { h, hashLink, link, panel, paths, table } from '../dom.js';
import { difficulty, feeRate, integer, vbytes } from '../format.js';
import { blocksTable } from './blocklist.js';
import { amount } from './common.js';

function stat(label, value, id, sub) {
  return h(
    'div',
    { class: 'stat', id },
    h('div', { class: 'stat-label' }, label),
    h('div', { class: 'stat-value' }, value),
    sub ? h('div', { class: 'stat-sub' }, sub) : null,
  );
}

function mempoolPanel(mempool, recent) {
  return panel(
    h('span', null, 'Mempool ', link('/mempool', 'details →', 'head-link')),
    recent.length === 0
      ? h('p', { class: 'empty' }, 'No unconfirmed transactions right now.')
      : table(
          [
            { label: 'Transaction', cls: 'col-hash' },
            { label: 'Value', cls: 'num' },
            { label: 'Fee rate', cls: 'num hide-sm' },
          ],
          recent
            .slice(0, 10)
            .map((t) =>
              h(
                'tr',
                null,
                h('td', { class: 'col-hash' }, hashLink(paths.tx(t.txid), t.txid)),
                h('td', { class: 'num' }, amount(t.value)),
                h('td', { class: 'num hide-sm' }, feeRate(t.fee, t.vsize * 4)),
              ),
            ),
          'mempool',
        ),
    h(
      'p',
      { class: 'muted small' },
      `${integer(mempool.count)} transaction${mempool.count === 1 ? '' : 's'} waiting, ${vbytes(mempool.vsize)} in all.`,
    ),
  );
}

const FEE_LABELS = [
  ['fastestFee', 'Next block', 'fee-fastest'],
  ['halfHourFee', 'In ~3 blocks', 'fee-halfhour'],
  ['hourFee', 'In ~6 blocks', 'fee-hour'],
  ['economyFee', 'Economy', 'fee-economy'],
  ['minimumFee', 'Minimum', 'fee-minimum'],
];

const rate = (r) => `${Number(r).toFixed(r >= 10 ? 0 : 1)} sat/vB`;

function projectedBlock(b, i) {
  const range = b.feeRange ?? [];
  return h(
    'div',
    { class: 'projected-block', 'data-index': String(i) },
    h('div', { class: 'muted small' }, i === 0 ? 'Next block' : `+${i + 1}`),
    h('div', { class: 'median' }, `~${rate(b.medianFee)}`),
    range.length
      ? h('div', { class: 'small' }, `${rate(range[0])} – ${rate(range[range.length - 1])}`)
      : null,
    h('div', { class: 'muted small' }, `${integer(b.nTx)} tx · ${vbytes(b.blockVSize)}`),
  );
}

/** Null when the node has no mempool.space routes (an Esplora server): the page does without. */
function feesPanel(recommended, projected) {
  if (!recommended && !projected) return null;
  return panel(
    'Fees',
    recommended
      ? h(
          'div',
          { class: 'fee-recs', id: 'fee-recommended' },
          FEE_LABELS.map(([key, label, id]) =>
            h(
              'div',
              { class: 'fee-rec', id },
              h('div', { class: 'stat-label' }, label),
              h('div', { class: 'fee-rec-value' }, rate(recommended[key])),
            ),
          ),
        )
      : null,
    projected
      ? projected.length === 0
        ? h(
            'p',
            { class: 'empty', id: 'projected-blocks' },
            'The mempool is empty: the next block has room for any fee.',
          )
        : h('div', { class: 'projected', id: 'projected-blocks' }, projected.map(projectedBlock))
      : null,
  );
}

/** An optional (non-Esplora) read: null if it fails, unless the page is going away. */
function optional(promise) {
  return promise.catch((e) => {
    if (e.name === 'AbortError') throw e;
    return null;
  });
}

async function load(signal) {
  const [blocks, mempool, recent, chain, recommended, projected] = await Promise.all([
    getJson('/blocks', signal),
    getJson('/mempool', signal),
    getJson('/mempool/recent', signal),
    // Not Esplora's (the node's own, and mempool.space's): the page does without them.
    optional(getJson('/chain', signal)),
    optional(getJson('/v1/fees/recommended', signal)),
    optional(getJson('/v1/fees/mempool-blocks', signal)),
  ]);
  return { blocks, mempool, recent, chain, recommended, projected };
}

/** The node's own words: a node at genesis with no peers is waiting, not "in sync". */
function syncText(chain) {
  const sync = chain?.sync;
  if (!sync || typeof sync.progress !== 'number') return null;
  if (sync.synced) return sync.state === 'waiting for peers' ? 'in sync, no peers' : 'in sync';
  if (sync.state === 'waiting for peers') return 'waiting for peers';
  const pct = `${(Math.floor(sync.progress * 1000) / 10).toFixed(1)}%`;
  return sync.initial_block_download ? `initial block download ${pct}` : `syncing ${pct}`;
}

function build({ blocks, mempool, recent, chain, recommended, projected }, tip) {
  const top = blocks[0];
  const oldest = blocks.at(-1);
  return h(
    'div',
    { class: 'home' },
    h(
      'section',
      { class: 'stats' },
      stat('Tip height', top ? integer(top.height) : '—', 'stat-height'),
      stat('Network', chain?.network ?? tip.network ?? '—'),
      stat(
        'Peers',
        typeof chain?.peers === 'number' ? integer(chain.peers) : '—',
        'stat-peers',
        syncText(chain),
      ),
      stat('Difficulty', top ? difficulty(top.difficulty) : '—'),
      stat('Mempool', `${integer(mempool.count)} tx`, 'stat-mempool', vbytes(mempool.vsize)),
      stat('Mempool fees', amount(mempool.total_fee)),
    ),
    feesPanel(recommended, projected),
    h(
      'div',
      { class: 'columns' },
      panel(
        h('span', null, 'Latest blocks ', top ? link('/blocks', 'all blocks →', 'head-link') : null),
        blocks.length ? blocksTable(blocks) : h('p', { class: 'empty' }, 'No blocks yet.'),
        oldest && oldest.height > 0
          ? h('p', { class: 'small' }, link(`/blocks?start=${oldest.height - 1}`, 'Older blocks →'))
          : null,
      ),
      mempoolPanel(mempool, recent),
    ),
  );
}

export async function homeView(ctx) {
  const data = await load(ctx.signal);
  await ctx.tip.ready();
  let root = build(data, ctx.tip);
  let busy = false;
  const refresh = async () => {
    if (busy || !root.isConnected) return;
    busy = true;
    try {
      const next = build(await load(ctx.signal), ctx.tip);
      if (root.isConnected) {
        root.replaceWith(next);
        root = next;
      }
    } catch {
      // Keep showing the last good data; the header shows when the node is unreachable.
    } finally {
      busy = false;
    }
  };
  ctx.onTick(refresh);
  return root;
}
