/**
 * The page's only source of data: the node's Esplora-compatible API under /api. Errors carry the
 * HTTP status so pages can tell "not found" (404) from "invalid" (400) and from an unreachable
 * node (status 0).
 *
 * Esplora lets clients cache the tip, the mempool and recent blocks for seconds; a live page must
 * not show such copies, so requests revalidate unless the caller says the data cannot change
 * (`{ cached: true }`: what a block hash names).
 */

export class ApiError extends Error {
  constructor(status, message, path) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.path = path;
  }
}

async function request(path, signal, cached) {
  let res;
  try {
    res = await fetch(`/api${path}`, {
      signal,
      cache: cached ? 'default' : 'no-cache',
      headers: { accept: 'application/json, text/plain' },
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'Cannot reach the node.', path);
  }
  if (!res.ok) {
    const text = await res.text().catch(() => '');
    let message = text;
    try {
      const body = JSON.parse(text);
      message = body.error ?? body.message ?? text;
    } catch {
      // Esplora answers some errors in plain text.
    }
    throw new ApiError(res.status, String(message || res.statusText).slice(0, 300), path);
  }
  return res;
}

export async function getJson(path, signal, { cached = false } = {}) {
  return (await request(path, signal, cached)).json();
}

export async function getText(path, signal, { cached = false } = {}) {
  return (await request(path, signal, cached)).text();
}

/** Like getJson but resolves to null on 404 (for "try this, then that" lookups). */
export async function findJson(path, signal) {
  try {
    return await getJson(path, signal);
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 400)) return null;
    throw e;
  }
}

/** Path segment: encoded so user-typed text cannot change which route is asked. */
export function seg(value) {
  return encodeURIComponent(String(value));
}
