/**
 * Building the DOM without HTML strings: every piece of API data enters the page as a text node
 * or an attribute value, never through innerHTML, so nothing a block or transaction carries can
 * become markup.
 */

/**
 * h('a', { href: '/tx/…', class: 'mono' }, 'text', child, [more]) — props are attributes except
 * `on*` functions (listeners) and a `style` object; children may be strings, numbers, nodes, arrays, null or false.
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) continue;
      if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
      // Through the CSSOM, which the page's CSP allows (inline style attributes it does not).
      else if (key === 'style' && typeof value === 'object') Object.assign(el.style, value);
      else el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

/** A link handled by the page's router (same-origin path, built from encoded parts). */
export function link(path, text, cls) {
  return h('a', { href: path, 'data-nav': true, class: cls }, text);
}

export const paths = {
  block: (hash) => `/block/${encodeURIComponent(hash)}`,
  height: (height) => `/block-height/${encodeURIComponent(String(height))}`,
  tx: (txid) => `/tx/${encodeURIComponent(txid)}`,
  address: (address) => `/address/${encodeURIComponent(address)}`,
  anchor: (id) => `/anchor/${encodeURIComponent(id)}`,
  search: (q) => `/search?q=${encodeURIComponent(q)}`,
};

/** A hash shown whole where there is room and cut in the middle by CSS where there is not. */
export function hashText(hash) {
  const s = String(hash);
  if (s.length <= 16) return h('span', { class: 'mono' }, s);
  return h(
    'span',
    { class: 'mono hash', title: s },
    h('span', { class: 'hash-head' }, s.slice(0, -8)),
    h('span', { class: 'hash-tail' }, s.slice(-8)),
  );
}

export function hashLink(path, hash) {
  return h('a', { href: path, 'data-nav': true, class: 'hash-link' }, hashText(hash));
}

/** A definition list of [label, value, 'wide'?] rows; rows with a null value are left out. */
export function fields(rows) {
  return h(
    'dl',
    { class: 'fields' },
    rows
      .filter((row) => row && row[1] !== null && row[1] !== undefined)
      .map(([label, value, wide]) =>
        h('div', { class: wide ? 'field wide' : 'field' }, h('dt', null, label), h('dd', null, value)),
      ),
  );
}

export function panel(title, ...children) {
  return h('section', { class: 'panel' }, title ? h('h2', null, title) : null, children);
}

export function table(headers, rows, cls) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: cls },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          headers.map((x) => h('th', { scope: 'col', class: x.cls }, x.label ?? x)),
        ),
      ),
      h('tbody', null, rows),
    ),
  );
}

/** A "Copy" button for a hash or address (no-op where the clipboard API is unavailable). */
export function copyButton(text) {
  const button = h('button', { type: 'button', class: 'copy', title: 'Copy to clipboard' }, 'Copy');
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = 'Copied';
    } catch {
      button.textContent = 'Copy failed';
    }
    setTimeout(() => {
      button.textContent = 'Copy';
    }, 1500);
  });
  return button;
}

/** A page heading with an optional identifier below it. */
export function heading(title, id, extra) {
  return h(
    'div',
    { class: 'page-head' },
    h('h1', null, title, extra ? h('span', { class: 'badge-wrap' }, extra) : null),
    id ? h('div', { class: 'page-id' }, h('span', { class: 'mono break' }, id), copyButton(id)) : null,
  );
}

export function badge(text, kind) {
  return h('span', { class: `badge ${kind ?? ''}`.trim() }, text);
}
