/** Home: chain summary, the latest blocks and the mempool, refreshed as the tip moves. */
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

async function load(signal) {
  const [blocks, mempool, recent, chain] = await Promise.all([
    getJson('/blocks', signal),
    getJson('/mempool', signal),
    getJson('/mempool/recent', signal),
    // Node-specific (not Esplora): the page does without it if it is missing.
    getJson('/chain', signal).catch((e) => {
      if (e.name === 'AbortError') throw e;
      return null;
    }),
  ]);
  return { blocks, mempool, recent, chain };
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

function build({ blocks, mempool, recent, chain }, tip) {
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
