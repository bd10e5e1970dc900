/** The table of blocks used by the home page and the block list. */
import { h, hashLink, link, paths, table } from '../dom.js';
import { ago, bytes, integer, utc } from '../format.js';

export function blocksTable(blocks) {
  return table(
    [
      'Height',
      { label: 'Hash', cls: 'col-hash' },
      'Mined',
      { label: 'Txs', cls: 'num' },
      { label: 'Size', cls: 'num hide-sm' },
    ],
    blocks.map((b) =>
      h(
        'tr',
        { 'data-height': b.height },
        h('td', null, link(paths.block(b.id), integer(b.height), 'strong')),
        h('td', { class: 'col-hash' }, hashLink(paths.block(b.id), b.id)),
        h('td', { title: utc(b.timestamp) }, ago(b.timestamp)),
        h('td', { class: 'num' }, integer(b.tx_count)),
        h('td', { class: 'num hide-sm' }, bytes(b.size)),
      ),
    ),
    'blocks',
  );
}
