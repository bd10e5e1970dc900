/** All blocks, ten at a time, newest first (Esplora's /blocks/:start_height pages). */
import { getJson } from '../api.js';
import { h, panel } from '../dom.js';
import { integer } from '../format.js';
import { blocksTable } from './blocklist.js';
import { pager } from './common.js';

const PAGE = 10;

export async function blocksView(ctx) {
  const raw = ctx.query.get('start');
  const start = raw !== null && /^\d{1,10}$/.test(raw) ? Number(raw) : null;
  const tipHeight = await ctx.tip.ready();
  const blocks = await getJson(start === null ? '/blocks' : `/blocks/${start}`, ctx.signal);
  ctx.setTitle('Blocks');
  const first = blocks[0];
  const last = blocks.at(-1);
  const newerStart = first ? first.height + PAGE : null;
  const prev =
    first && tipHeight !== null && first.height < tipHeight
      ? `/blocks?start=${Math.min(newerStart, tipHeight)}`
      : null;
  const next = last && last.height > 0 ? `/blocks?start=${last.height - 1}` : null;
  const label = first ? `${integer(first.height)} – ${integer(last.height)}` : 'none';
  return h(
    'div',
    null,
    h('div', { class: 'page-head' }, h('h1', null, 'Blocks')),
    panel(
      null,
      blocks.length ? blocksTable(blocks) : h('p', { class: 'empty' }, 'No blocks at this height.'),
      pager(label, prev, next),
    ),
  );
}
