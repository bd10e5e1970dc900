/**
 * An anchored file commitment (GET /api/anchors/:id): which transaction output carries it and
 * in which block, so anyone can check that a file existed, unchanged, by then; and, from the
 * same answer, who can give you the file (docs/files.md): how many connected peers announced
 * it, and a download link (GET /api/anchors/:id/file) when this node holds it whole.
 */
import { ApiError, getJson, seg } from '../api.js';
import { fields, h, heading, link, panel, paths } from '../dom.js';
import { integer, utc } from '../format.js';
import { errorView } from './common.js';

const ID = /^[0-9a-fA-F]{64}$/;

/** Who holds the file; null when the API says nothing about it (an older node). */
function filePanel(anchor, id) {
  if (typeof anchor.providers !== 'number' && typeof anchor.held !== 'boolean') return null;
  const n = anchor.providers ?? 0;
  const providers =
    n === 0
      ? 'no connected peer has announced it'
      : n === 1
        ? '1 connected peer holds it'
        : `${integer(n)} connected peers hold it`;
  const held = anchor.held === true;
  return panel(
    'The file',
    fields([
      ['This node', h('span', { id: 'anchor-held' }, held ? 'holds the whole file' : 'does not hold it')],
      ['Providers', h('span', { id: 'anchor-providers', 'data-providers': String(n) }, providers)],
    ]),
    held
      ? h(
          'p',
          null,
          // A plain link, not the page's router: the browser saves what the node streams.
          h(
            'a',
            { id: 'anchor-download', href: `/api/anchors/${seg(id)}/file`, download: '' },
            'Download the file',
          ),
          h(
            'span',
            { class: 'muted small' },
            ' (every chunk re-checked against the anchored root as it is read)',
          ),
        )
      : h(
          'p',
          { id: 'anchor-fetch-hint', class: 'muted small' },
          'To get it, ask a node to fetch it from its peers: ',
          h('span', { class: 'mono break' }, `gossip-node fetch ${id}`),
        ),
  );
}

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
    filePanel(anchor, (anchor.id ?? id).toLowerCase()),
  );
}
