/**
 * An anchored file commitment (GET /api/anchors/:id): which transaction output carries it and
 * in which block, so anyone can check that a file existed, unchanged, by then.
 */
import { ApiError, getJson, seg } from '../api.js';
import { fields, h, heading, link, panel, paths } from '../dom.js';
import { integer, utc } from '../format.js';
import { errorView } from './common.js';

const ID = /^[0-9a-fA-F]{64}$/;

export async function anchorView(ctx) {
  const [id] = ctx.params;
  if (!ID.test(id))
    return errorView(new ApiError(400, 'An anchor id is 64 hexadecimal characters.'), ctx, 'anchor');
  let anchor;
  try {
    anchor = await getJson(`/anchors/${seg(id)}`, ctx.signal);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) {
      ctx.setTitle('Anchor not found');
      return h(
        'section',
        { class: 'panel state state-notfound', 'data-state': 'not-found' },
        h('h1', null, 'Anchor not found'),
        h(
          'p',
          null,
          'No anchor with this id is recorded on the chain this node follows (or the node does not index anchors).',
        ),
        h('p', { class: 'mono break muted' }, id),
        h('p', null, link('/', '← Back to the latest blocks')),
      );
    }
    throw e;
  }
  ctx.setTitle(`Anchor ${id.slice(0, 12)}…`);
  const confirmed = typeof anchor.height === 'number';
  return h(
    'div',
    null,
    heading('Anchor', anchor.id ?? id),
    panel(
      'Where it is anchored',
      fields([
        ['Transaction', anchor.txid ? link(paths.tx(anchor.txid), anchor.txid, 'mono break') : null, 'wide'],
        [
          'Block',
          anchor.block_hash ? link(paths.block(anchor.block_hash), anchor.block_hash, 'mono break') : null,
          'wide',
        ],
        ['Output', typeof anchor.vout === 'number' ? String(anchor.vout) : null],
        ['Height', confirmed ? link(paths.block(anchor.block_hash), integer(anchor.height)) : null],
        ['Time', typeof anchor.time === 'number' ? utc(anchor.time) : null],
        ['Confirmations', typeof anchor.confirmations === 'number' ? integer(anchor.confirmations) : null],
      ]),
      h(
        'p',
        { class: 'muted small' },
        'The block header commits to this transaction, which commits to the anchored id.',
      ),
    ),
  );
}
