/**
 * The live chain tip: listens to the node's push stream (/api/v1/events, Server-Sent Events),
 * shows the tip in the header and tells the current page when it moves (`block`) or when the
 * mempool changed (`mempool`, at most once a second). EventSource reconnects by itself after a
 * dropped connection; the stream's `hello` then says whether a block was missed. Only if the
 * node refuses the stream (too many open, or an older node without it) does the page fall back
 * to polling /api/blocks/tip/height.
 */
import { getJson, getText } from './api.js';

const POLL_MS = 3000;
const HIDDEN_POLL_MS = 30000;

export function startTip() {
  const changeListeners = new Set();
  const tickListeners = new Set();
  const heightEl = document.getElementById('tip-height');
  const tipEl = document.getElementById('tip');
  const state = {
    height: null,
    network: null,
    /** 'push' while the stream is up, 'poll' after falling back. */
    mode: 'push',
    onChange(fn) {
      changeListeners.add(fn);
      return () => changeListeners.delete(fn);
    },
    onTick(fn) {
      tickListeners.add(fn);
      return () => tickListeners.delete(fn);
    },
    /** Resolves to the height once it is known (pages computing confirmations wait for it). */
    async ready() {
      if (state.height === null) await poll();
      return state.height;
    },
  };
  let timer = null;
  let inflight = null;

  function online(yes) {
    tipEl.classList.toggle('offline', !yes);
    tipEl.title = yes ? 'Chain tip (updates live)' : 'The node is not answering';
  }

  /** True when the height moved (not on the first value). */
  function setHeight(height) {
    if (!Number.isSafeInteger(height) || height === state.height) return false;
    const first = state.height === null;
    state.height = height;
    heightEl.textContent = `#${height.toLocaleString('en-US')}`;
    heightEl.setAttribute('href', `/block-height/${height}`);
    if (!first) {
      tipEl.classList.remove('flash');
      void tipEl.offsetWidth; // restarts the CSS animation
      tipEl.classList.add('flash');
    }
    return !first;
  }

  function notify(changed) {
    for (const fn of [...tickListeners]) fn();
    if (changed) for (const fn of [...changeListeners]) fn(state.height);
  }

  async function fetchHeight() {
    try {
      const text = await getText('/blocks/tip/height');
      online(true);
      return setHeight(Number.parseInt(text, 10));
    } catch {
      online(false);
      return false;
    }
  }

  function poll() {
    inflight ??= fetchHeight()
      .then(notify)
      .finally(() => {
        inflight = null;
      });
    return inflight;
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(
      async () => {
        await poll();
        schedule();
      },
      document.hidden ? HIDDEN_POLL_MS : POLL_MS,
    );
  }

  function fallBackToPolling() {
    state.mode = 'poll';
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden) poll();
      schedule();
    });
    poll();
    schedule();
  }

  function listen() {
    if (typeof EventSource !== 'function') return fallBackToPolling();
    const source = new EventSource('/api/v1/events');
    const data = (event) => {
      try {
        return JSON.parse(event.data);
      } catch {
        return null;
      }
    };
    source.addEventListener('open', () => online(true));
    source.addEventListener('hello', (event) => {
      online(true);
      notify(setHeight(data(event)?.tip?.height));
    });
    source.addEventListener('block', (event) => notify(setHeight(data(event)?.height)));
    source.addEventListener('mempool', () => notify(false));
    source.addEventListener('error', () => {
      // CONNECTING: the browser retries by itself. CLOSED: the node refused the stream.
      if (source.readyState === EventSource.CLOSED) {
        source.close();
        fallBackToPolling();
      } else online(false);
    });
  }

  listen();
  getJson('/chain')
    .then((chain) => {
      if (typeof chain?.network === 'string') {
        state.network = chain.network;
        document.getElementById('tip-network').textContent = chain.network;
      }
    })
    .catch(() => undefined);
  return state;
}
