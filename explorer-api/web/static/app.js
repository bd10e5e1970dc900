/**
 * The explorer page: a small router over path URLs (/block/<hash>, /tx/<txid>, …, which the
 * server answers with this same page so links and reloads work), the search box, and the live
 * chain tip in the header (pushed by the node, tip.js).
 */
import { ApiError } from './api.js';
import { h } from './dom.js';
import { startTip } from './tip.js';
import { setUnit, unit } from './units.js';
import { addressView } from './views/address.js';
import { anchorView } from './views/anchor.js';
import { blockHeightView, blockView } from './views/block.js';
import { blocksView } from './views/blocks.js';
import { errorView } from './views/common.js';
import { homeView } from './views/home.js';
import { mempoolView } from './views/mempool.js';
import { searchView } from './views/search.js';
import { txView } from './views/tx.js';

const routes = [
  [/^\/$/, homeView],
  [/^\/blocks$/, blocksView],
  [/^\/mempool$/, mempoolView],
  [/^\/search$/, searchView],
  [/^\/block\/([^/]+)$/, blockView],
  [/^\/block-height\/([^/]+)$/, blockHeightView],
  [/^\/tx\/([^/]+)$/, txView],
  [/^\/address\/([^/]+)$/, addressView],
  [/^\/anchor\/([^/]+)$/, anchorView],
];

const app = document.getElementById('app');
const tip = startTip();
let current = null;

function decode(part) {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

async function render() {
  current?.abort.abort();
  current?.unsubscribe();
  const abort = new AbortController();
  const listeners = [];
  const route = {
    abort,
    unsubscribe: () => {
      for (const off of listeners) off();
    },
  };
  current = route;
  const url = new URL(location.href);
  const match = routes.map(([re, view]) => [url.pathname.match(re), view]).find(([m]) => m);
  const loading = setTimeout(() => {
    if (current === route)
      app.replaceChildren(h('div', { class: 'loading' }, h('span', { class: 'spinner' }), 'Loading…'));
  }, 150);
  const ctx = {
    params: match ? match[0].slice(1).map(decode) : [],
    query: url.searchParams,
    signal: abort.signal,
    tip,
    navigate,
    setTitle: (title) => {
      document.title = title ? `${title} · gossip-ledger explorer` : 'gossip-ledger explorer';
    },
    /** Calls `fn(height)` when the tip moves, while this page is shown. */
    onTip: (fn) => listeners.push(tip.onChange(fn)),
    /** Calls `fn()` when the node pushes news (a block, a mempool change), while this page is shown. */
    onTick: (fn) => listeners.push(tip.onTick(fn)),
  };
  ctx.setTitle('');
  let node;
  try {
    if (!match) throw new ApiError(404, 'There is no page at this address.', url.pathname);
    node = await match[1](ctx);
  } catch (e) {
    if (e.name === 'AbortError' || current !== route) return;
    node = errorView(e, ctx);
  } finally {
    clearTimeout(loading);
  }
  if (current !== route || !node) return;
  app.replaceChildren(node);
  document.getElementById('search-input').value =
    url.pathname === '/search' ? (url.searchParams.get('q') ?? '') : '';
}

function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  render();
  if (!replace) window.scrollTo(0, 0);
}

document.addEventListener('click', (event) => {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const a = event.target instanceof Element ? event.target.closest('a[data-nav]') : null;
  if (!a || a.target) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin) return;
  event.preventDefault();
  navigate(url.pathname + url.search);
});

document.getElementById('search').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = document.getElementById('search-input');
  const q = input.value.trim();
  if (!q) return;
  input.blur(); // closes a phone's keyboard
  navigate(`/search?q=${encodeURIComponent(q)}`);
});

const unitsToggle = document.getElementById('units-toggle');
function showUnit() {
  const other = unit() === 'sats' ? 'coins' : 'sats';
  unitsToggle.textContent = unit();
  unitsToggle.setAttribute('aria-label', `Amounts in ${unit()}; switch to ${other}`);
  unitsToggle.setAttribute('data-unit', unit());
}
unitsToggle.addEventListener('click', () => {
  setUnit(unit() === 'sats' ? 'coins' : 'sats');
  showUnit();
  render(); // the page again, every amount in the new unit
});
showUnit();

window.addEventListener('popstate', render);
render();
