/**
 * What the P2P layer needs of a network, and nothing more: listen on an address, dial one, and
 * a duplex byte stream per connection. The shape is a subset of Node's net.Socket/net.Server
 * (same event names and meanings, `write` returning false above the buffer's high-water mark,
 * then 'drain'), so the TCP transport hands out real sockets and the in-memory one mimics them.
 *
 * Events of a Stream, as Node's sockets emit them:
 * - 'connect' (dialled streams only): the handshake finished; 'error' instead if it failed
 *   (ECONNREFUSED, or `connect timeout` after DialOptions.timeoutMs);
 * - 'data' with a chunk of bytes, in order, never while paused;
 * - 'end': the other side closed; 'close' follows;
 * - 'error' then 'close' when destroyed with an error; 'close' exactly once in any case;
 * - 'drain': the send buffer emptied after a write returned false.
 */
import type { Clock } from '../../clock.js';

export interface Stream {
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
  /**
   * The sender's backlog: bytes written and not yet sent on (TCP: not yet handed to the kernel;
   * in memory: not yet read by the other end, so a paused reader holds the sender back).
   */
  readonly writableLength: number;
  /** Queues the bytes; false once the backlog is above the high-water mark (wait for 'drain'). */
  write(chunk: Uint8Array): boolean;
  /** Stops 'data' events; bytes wait (and the sender's backlog grows) until `resume`. */
  pause(): this;
  resume(): this;
  isPaused(): boolean;
  /** Closes both directions at once; with an error, 'error' is emitted before 'close'. */
  destroy(err?: Error): this;
  on(event: 'data', fn: (chunk: Uint8Array) => void): this;
  on(event: 'error', fn: (err: Error) => void): this;
  on(event: 'connect' | 'end' | 'close' | 'drain', fn: () => void): this;
  once(event: 'data', fn: (chunk: Uint8Array) => void): this;
  once(event: 'error', fn: (err: Error) => void): this;
  once(event: 'connect' | 'end' | 'close' | 'drain', fn: () => void): this;
  off(event: 'data', fn: (chunk: Uint8Array) => void): this;
  off(event: 'error', fn: (err: Error) => void): this;
  off(event: 'connect' | 'end' | 'close' | 'drain', fn: () => void): this;
}

export interface Listener {
  /** The address as asked for (may be a wildcard such as 0.0.0.0). */
  readonly address: string;
  /** The bound port (the one chosen when 0 was asked for). */
  readonly port: number;
  /** Stops accepting; connections already accepted stay open. */
  close(): Promise<void>;
}

export interface ListenHandlers {
  /** A connection was accepted; attach 'data' before returning. */
  connection(stream: Stream): void;
  /** An error after listening started (binding errors reject `listen` instead). */
  error?(err: Error): void;
}

export interface DialOptions {
  /** The stream is destroyed with Error('connect timeout') if not connected by then. */
  timeoutMs: number;
}

export interface Transport {
  /** Rejects when the address cannot be bound (an error with `code`, e.g. EADDRINUSE). */
  listen(host: string, port: number, handlers: ListenHandlers): Promise<Listener>;
  /** Returns at once; the stream emits 'connect' or 'error'. */
  dial(host: string, port: number, opts: DialOptions): Stream;
  /** The clock the transport's own timers run on, when it has one (the in-memory network's). */
  readonly clock?: Clock;
}

/** Time and timers come from the node's injected clock (`node/clock.ts`). */
export { type Clock, realClock } from '../../clock.js';

export type TransportErrorCode = 'ECONNREFUSED' | 'ECONNRESET' | 'EADDRINUSE' | 'EADDRNOTAVAIL';

/** Errors of the in-memory transport, with the codes Node's sockets use for the same cases. */
export class TransportError extends Error {
  readonly code: TransportErrorCode;
  constructor(code: TransportErrorCode, message: string) {
    super(message);
    this.name = 'TransportError';
    this.code = code;
  }
}
