/**
 * Bounded waiting that an abort ends at once: every wait in devnet goes through `sleep` or
 * `poll`, so Ctrl-C and the overall --timeout interrupt whatever step is running.
 */
import { DevnetError } from './errors.js';

/** The abort's reason as an error (devnet always aborts with a DevnetError). */
export function abortError(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  return r instanceof Error ? r : new DevnetError('INTERRUPTED', 'interrupted');
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export interface PollOptions {
  /** What is awaited, for the timeout message ("payment confirmed on all nodes"). */
  what: string;
  timeoutMs: number;
  intervalMs: number;
  signal: AbortSignal;
  /** The node whose log to show if the wait runs out. */
  node?: number;
}

/**
 * Calls `check` until it returns a value other than undefined. Errors from `check` end the wait
 * (they are real failures); a check that is merely "not yet" returns undefined. The timeout
 * message carries the last `progress` text, so the user sees how far it got.
 */
export async function poll<T>(
  check: (progress: (text: string) => void) => Promise<T | undefined>,
  opts: PollOptions,
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let last = '';
  const progress = (text: string) => {
    last = text;
  };
  for (;;) {
    if (opts.signal.aborted) throw abortError(opts.signal);
    const value = await check(progress);
    if (value !== undefined) return value;
    if (Date.now() >= deadline) {
      const detail = last ? ` (${last})` : '';
      throw new DevnetError(
        'TIMEOUT',
        `no ${opts.what} after ${Math.round(opts.timeoutMs / 1000)} s${detail}`,
        opts.node,
      );
    }
    await sleep(opts.intervalMs, opts.signal);
  }
}
