/**
 * The live chain tip: polls /api/blocks/tip/height every few seconds (less often while the tab
 * is hidden), shows it in the header and tells the current page when it moves.
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

  async function fetchHeight() {
    try {
      const text = await getText('/blocks/tip/height');
      const height = Number.parseInt(text, 10);
      tipEl.classList.remove('offline');
      tipEl.title = 'Chain tip (updates live)';
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
    } catch {
      tipEl.classList.add('offline');
      tipEl.title = 'The node is not answering';
      return false;
    }
  }

  function poll() {
    inflight ??= fetchHeight()
      .then((changed) => {
        for (const fn of [...tickListeners]) fn();
        if (changed) for (const fn of [...changeListeners]) fn(state.height);
      })
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

  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) poll();
    schedule();
  });
  poll();
  schedule();
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
