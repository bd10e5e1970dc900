/** The mempool: totals, how much is waiting at which fee rate, and the latest arrivals. */
import { getJson } from '../api.js';
import { fields, h, hashLink, heading, panel, paths, table } from '../dom.js';
import { feeRate, integer, vbytes } from '../format.js';
import { amount } from './common.js';

/** Esplora's fee_histogram: [feerate, vsize] pairs, highest rate first, a bar per bucket. */
function histogram(buckets) {
  if (!Array.isArray(buckets) || buckets.length === 0) return h('p', { class: 'empty' }, 'Nothing waiting.');
  const max = Math.max(...buckets.map(([, vsize]) => vsize));
  return h(
    'div',
    { class: 'histogram' },
    buckets.map(([rate, vsize]) =>
      h(
        'div',
        { class: 'bar-row' },
        h('span', { class: 'bar-label' }, `≥ ${Number(rate).toFixed(1)} sat/vB`),
        h(
          'span',
          { class: 'bar' },
          h('span', {
            class: 'bar-fill',
            style: { width: `${Math.max(1, Math.round((vsize / max) * 100))}%` },
          }),
        ),
        h('span', { class: 'bar-value' }, vbytes(vsize)),
      ),
    ),
  );
}

async function build(ctx) {
  const [mempool, recent] = await Promise.all([
    getJson('/mempool', ctx.signal),
    getJson('/mempool/recent', ctx.signal),
  ]);
  return h(
    'div',
    null,
    heading('Mempool'),
    panel(
      'Summary',
      fields([
        ['Transactions', integer(mempool.count)],
        ['Virtual size', vbytes(mempool.vsize)],
        ['Total fees', amount(mempool.total_fee)],
      ]),
    ),
    panel('Fee rates', histogram(mempool.fee_histogram)),
    panel(
      'Latest arrivals',
      recent.length === 0
        ? h('p', { class: 'empty' }, 'No unconfirmed transactions right now.')
        : table(
            [
              { label: 'Transaction', cls: 'col-hash' },
              { label: 'Value', cls: 'num' },
              { label: 'Fee', cls: 'num hide-sm' },
              { label: 'Fee rate', cls: 'num' },
            ],
            recent.map((t) =>
              h(
                'tr',
                null,
                h('td', { class: 'col-hash' }, hashLink(paths.tx(t.txid), t.txid)),
                h('td', { class: 'num' }, amount(t.value)),
                h('td', { class: 'num hide-sm' }, amount(t.fee)),
                h('td', { class: 'num' }, feeRate(t.fee, t.vsize * 4)),
              ),
            ),
          ),
    ),
  );
}

export async function mempoolView(ctx) {
  ctx.setTitle('Mempool');
  let root = await build(ctx);
  ctx.onTick(async () => {
    try {
      const next = await build(ctx);
      if (root.isConnected) {
        root.replaceWith(next);
        root = next;
      }
    } catch {
      // Keep the last good data.
    }
  });
  return root;
}
