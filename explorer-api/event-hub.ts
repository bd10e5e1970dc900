/**
 * The open Server-Sent Events streams of GET /api/v1/events (WHATWG HTML "Server-sent events":
 * `event:`/`data:` lines, a blank line per message, `:` lines as comments). It bounds how many
 * streams are open at once, sends a comment every `heartbeatMs` so idle streams survive proxies
 * (as mempool.space's websocket pings its clients), drops a stream whose client stopped
 * reading (its unsent bytes pass `maxBuffered`) or went away, and ends every stream when the
 * server closes, so closing never waits on a client.
 */
import type { ServerResponse } from 'node:http';
import { type Clock, unref } from '../node/api.js';

export interface StreamClient {
  readonly res: ServerResponse;
  /** Watched addresses: scripthash key (shKey) -> the address as the client wrote it. */
  readonly watch: ReadonlyMap<string, string>;
}

export interface EventHubOptions {
  maxClients: number;
  heartbeatMs: number;
  /** Bytes a stream may have queued unsent before it is dropped as a reader that stopped. */
  maxBuffered?: number;
  clock: Clock;
}

const MAX_BUFFERED = 1 << 20;

/** One SSE message: JSON data never holds a raw newline, so one `data:` line is enough. */
export function sseMessage(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export class EventHub {
  private readonly clients = new Set<StreamClient>();
  private readonly opts: Required<EventHubOptions>;
  private heartbeat: unknown = null;
  private closed = false;

  constructor(opts: EventHubOptions) {
    this.opts = { maxBuffered: MAX_BUFFERED, ...opts };
  }

  get size(): number {
    return this.clients.size;
  }

  /** Whether any stream watches an address (else address matching is skipped). */
  get watching(): boolean {
    for (const c of this.clients) if (c.watch.size > 0) return true;
    return false;
  }

  /** False when the hub is full or closed: the caller answers 503 without opening a stream. */
  hasRoom(): boolean {
    return !this.closed && this.clients.size < this.opts.maxClients;
  }

  /** Takes over `res`, whose headers the caller has written; null if there is no room. */
  add(res: ServerResponse, watch: ReadonlyMap<string, string>): StreamClient | null {
    // A client gone before its stream was registered would never fire 'close' again.
    if (!this.hasRoom() || res.destroyed || res.writableEnded) return null;
    const client: StreamClient = { res, watch };
    this.clients.add(client);
    const drop = () => this.remove(client);
    res.on('close', drop);
    res.on('error', drop);
    if (this.heartbeat === null) {
      this.heartbeat = this.opts.clock.setInterval(() => this.beat(), this.opts.heartbeatMs);
      unref(this.heartbeat);
    }
    return client;
  }

  send(client: StreamClient, text: string): void {
    const { res } = client;
    if (res.destroyed || res.writableEnded) {
      this.remove(client);
      return;
    }
    res.write(text);
    // A client that stopped reading would otherwise make us hold every message for it.
    if (res.writableLength > this.opts.maxBuffered) {
      this.remove(client);
      res.destroy();
    }
  }

  broadcast(event: string, data: unknown): void {
    if (this.clients.size === 0) return;
    const text = sseMessage(event, data);
    for (const c of [...this.clients]) this.send(c, text);
  }

  /** Streams that watch an address, with what they watch. */
  watchers(): StreamClient[] {
    return [...this.clients].filter((c) => c.watch.size > 0);
  }

  /** Ends every stream and refuses new ones. */
  close(): void {
    this.closed = true;
    for (const c of [...this.clients]) {
      this.remove(c);
      c.res.end();
    }
  }

  private beat(): void {
    for (const c of [...this.clients]) this.send(c, ': heartbeat\n\n');
  }

  private remove(client: StreamClient): void {
    if (!this.clients.delete(client)) return;
    if (this.clients.size === 0 && this.heartbeat !== null) {
      this.opts.clock.clearInterval(this.heartbeat);
      this.heartbeat = null;
    }
  }
}
