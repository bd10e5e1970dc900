/**
 * The search box's target (/search?q=…): decides by shape what was typed — a height, a 64-hex
 * hash (tried as a block, then a transaction, then an anchor id) or an address — and replaces
 * itself with that page, or says plainly that nothing matched.
 */
import { ApiError, findJson, getText, seg } from '../api.js';
import { h, link, paths } from '../dom.js';
import { integer } from '../format.js';

const HEX64 = /^[0-9a-fA-F]{64}$/;
const HEIGHT = /^\d{1,10}$/;
// Base58 and bech32 characters only; the node decides whether it is an address of its network.
const ADDRESS = /^[A-Za-z0-9]{14,100}$/;

function nothing(ctx, q, why) {
  ctx.setTitle('Not found');
  return h(
    'section',
    { class: 'panel state state-notfound', 'data-state': 'not-found' },
    h('h1', null, 'Nothing found'),
    h('p', null, why),
    h('p', { class: 'mono break muted query' }, q),
    h(
      'p',
      { class: 'muted small' },
      'Search takes a block height or hash, a transaction id, an address or an anchor id.',
    ),
    h('p', null, link('/', '← Back to the latest blocks')),
  );
}

async function byHeight(ctx, q) {
  try {
    const hash = (await getText(`/block-height/${seg(Number(q))}`, ctx.signal)).trim();
    return paths.block(hash);
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 400)) return null;
    throw e;
  }
}

async function byHash(ctx, q) {
  const hex = q.toLowerCase();
  if (await findJson(`/block/${hex}/status`, ctx.signal)) return paths.block(hex);
  if (await findJson(`/tx/${hex}/status`, ctx.signal)) return paths.tx(hex);
  if (await findJson(`/anchors/${hex}`, ctx.signal)) return paths.anchor(hex);
  return null;
}

export async function searchView(ctx) {
  const q = (ctx.query.get('q') ?? '').trim();
  ctx.setTitle(`Search ${q}`);
  if (!q) return nothing(ctx, q, 'Type something to search for.');
  if (HEIGHT.test(q)) {
    const target = await byHeight(ctx, q);
    if (target) return ctx.navigate(target, { replace: true });
    const tip = ctx.tip.height;
    return nothing(
      ctx,
      q,
      `There is no block at height ${integer(q)}${tip === null ? '' : ` (the tip is at ${integer(tip)})`}.`,
    );
  }
  if (HEX64.test(q)) {
    const target = await byHash(ctx, q);
    if (target) return ctx.navigate(target, { replace: true });
    return nothing(ctx, q, 'No block, transaction or anchor with this id is known to this node.');
  }
  if (ADDRESS.test(q)) {
    try {
      const info = await findJson(`/address/${seg(q)}`, ctx.signal);
      if (info) return ctx.navigate(paths.address(q), { replace: true });
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
    }
    return nothing(ctx, q, 'This is not a valid address on this network.');
  }
  return nothing(ctx, q, 'This does not look like anything the explorer can look up.');
}
