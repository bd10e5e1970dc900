/**
 * A Server-Sent Events reader for tests: opens a stream with fetch, parses messages as the
 * WHATWG spec does (`event:`, `data:`, `retry:` lines; `:` comments), and lets a test wait for
 * the first message matching a predicate, within a generous bound.
 */

export interface SseMessage {
  event: string;
  data: string;
}

export interface SseStream {
  status: number;
  headers: Headers;
  /** Every message so far, in order. */
  readonly messages: SseMessage[];
  /** Comment lines received (heartbeats), without the colon. */
  readonly comments: string[];
  /** Resolves with the first message (old or new) of that event for which `match` holds. */
  next<T = unknown>(event: string, match?: (data: T) => boolean, timeoutMs?: number): Promise<T>;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

export async function openSse(url: string): Promise<SseStream> {
  const abort = new AbortController();
  const res = await fetch(url, { signal: abort.signal, headers: { accept: 'text/event-stream' } });
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  let done = false;
  const ended = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buf = '';
    let event = 'message';
    let data: string[] = [];
    try {
      for await (const chunk of res.body) {
        buf += decoder.decode(chunk as Uint8Array, { stream: true });
        let nl = buf.indexOf('\n');
        while (nl >= 0) {
          const line = buf.slice(0, nl).replace(/\r$/, '');
          buf = buf.slice(nl + 1);
          if (line === '') {
            if (data.length > 0) messages.push({ event, data: data.join('\n') });
            event = 'message';
            data = [];
            wake();
          } else if (line.startsWith(':')) {
            comments.push(line.slice(1).trim());
            wake();
          } else if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
          nl = buf.indexOf('\n');
        }
      }
    } catch {
      // Aborted by close(), or the server dropped the connection.
    } finally {
      done = true;
      wake();
    }
  })();

  const next = <T>(name: string, match: (data: T) => boolean = () => true, timeoutMs = 30_000) =>
    new Promise<T>((resolve, reject) => {
      const check = () => {
        for (const m of messages) {
          if (m.event !== name) continue;
          const parsed = JSON.parse(m.data) as T;
          if (match(parsed)) {
            finish();
            resolve(parsed);
            return;
          }
        }
        if (done) {
          finish();
          reject(new Error(`stream ended without a matching "${name}" message`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no matching "${name}" message within ${timeoutMs} ms`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  return {
    status: res.status,
    headers: res.headers,
    messages,
    comments,
    next,
    ended,
    close: () => abort.abort(),
  };
}
