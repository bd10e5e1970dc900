/**
 * One end of an in-memory connection (memory.ts), behaving as a Node socket does on a quiet
 * TCP connection: 'connect' when the listener's answer arrives, 'data' in order, 'end' and
 * 'close' when the other end is destroyed (after what it had sent), 'error' then 'close' when
 * destroyed with an error, and `write` returning false above Node's 16 KiB high-water mark,
 * then 'drain' once the other end has read everything. A paused end leaves bytes on the link,
 * so the sender's backlog grows as TCP's would when the receiver stops reading.
 */
import { EventEmitter } from 'node:events';
import { addrKey } from '../netaddr.js';
import { Link, type LinkSpec } from './memory-link.js';
import { type Clock, type Stream, TransportError } from './transport.js';

/** Node's default high-water mark for a socket's send buffer. */
const HIGH_WATER_MARK = 16 * 1024;

/** What travels on a link: the dial, the listener's answer, bytes, and the close. */
export type Item =
  | { kind: 'open' }
  | { kind: 'connect' }
  | { kind: 'refused' }
  | { kind: 'data'; bytes: Uint8Array }
  | { kind: 'end' };

/** The network a stream lives in (MemoryNetwork). */
export interface LinkHost {
  readonly clock: Clock;
  linkSpec(from: string, to: string): LinkSpec;
  /** A dial's 'open' reached host:port: accept it (join a new stream) or refuse it. */
  arrive(dialer: MemoryStream, host: string, port: number): void;
  releasePort(host: string, port: number): void;
}

export interface End {
  host: string;
  port: number;
}

/** One end of an in-memory connection; see Stream for the events. */
export class MemoryStream extends EventEmitter implements Stream {
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** @internal What this end sends, and what it receives. */
  outbound!: Link<Item>;
  inbound!: Link<Item>;
  /** @internal */
  readonly local: End;
  private readonly network: LinkHost;
  private readonly dialled: boolean;
  private peer: MemoryStream | null = null;
  private paused = false;
  private destroyed = false;
  private needDrain = false;
  private connectTimer: unknown = null;

  constructor(network: LinkHost, local: End, remote: End, dialled: boolean) {
    super();
    this.network = network;
    this.local = local;
    this.localAddress = local.host;
    this.localPort = local.port;
    this.remoteAddress = remote.host;
    this.remotePort = remote.port;
    this.dialled = dialled;
  }

  /** Bytes written and not yet delivered, less what the link's kernel send buffer holds. */
  get writableLength(): number {
    return Math.max(0, this.outbound.pendingBytes - this.outbound.sendBufferBytes);
  }

  /** @internal Creates both directions and sends the 'open' towards the listener. */
  dial(timeoutMs: number): void {
    const { clock } = this.network;
    const there = this.remoteAddress;
    this.outbound = new Link(this.network.linkSpec(this.localAddress, there), clock, (item) => {
      if (item.kind === 'open') {
        this.network.arrive(this, there, this.remotePort);
        return true;
      }
      return this.peer ? this.peer.receive(item) : true;
    });
    this.inbound = new Link(this.network.linkSpec(there, this.localAddress), clock, (item) =>
      this.receive(item),
    );
    this.connectTimer = clock.setTimeout(() => this.destroy(new Error('connect timeout')), timeoutMs);
    this.outbound.send({ kind: 'open' }, 0);
  }

  /** @internal The accepting end takes the dialler's links, reversed. */
  join(dialer: MemoryStream): void {
    this.outbound = dialer.inbound;
    this.inbound = dialer.outbound;
    this.peer = dialer;
    dialer.peer = this;
  }

  write(chunk: Uint8Array): boolean {
    if (this.destroyed) return false;
    // Copied: the caller may reuse its buffer, and what was sent must not change in flight.
    if (chunk.length > 0) this.outbound.send({ kind: 'data', bytes: chunk.slice() }, chunk.length);
    if (this.writableLength < HIGH_WATER_MARK) return true;
    this.needDrain = true;
    return false;
  }

  pause(): this {
    this.paused = true;
    return this;
  }

  resume(): this {
    this.paused = false;
    this.inbound.unblock();
    return this;
  }

  isPaused(): boolean {
    return this.paused;
  }

  destroy(err?: Error): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    if (this.connectTimer !== null) this.network.clock.clearTimeout(this.connectTimer);
    this.connectTimer = null;
    // What was written still goes out, then the other end learns the connection ended.
    this.outbound.send({ kind: 'end' }, 0);
    this.inbound.clear();
    if (this.dialled) this.network.releasePort(this.localAddress, this.localPort);
    // Node emits these on a later tick, never inside the call.
    queueMicrotask(() => {
      if (err) this.emit('error', err);
      this.emit('close', err !== undefined);
    });
    return this;
  }

  /** @internal An item arriving; false holds it (and what follows) while paused. */
  receive(item: Item): boolean {
    if (this.destroyed) return true;
    switch (item.kind) {
      case 'connect':
        if (this.connectTimer !== null) this.network.clock.clearTimeout(this.connectTimer);
        this.connectTimer = null;
        this.emit('connect');
        return true;
      case 'refused':
        this.destroy(
          new TransportError(
            'ECONNREFUSED',
            `connect ECONNREFUSED ${addrKey(this.remoteAddress, this.remotePort)}`,
          ),
        );
        return true;
      case 'data':
        if (this.paused) return false;
        this.emit('data', item.bytes);
        this.peer?.drained();
        return true;
      case 'end':
        if (this.paused) return false;
        this.emit('end');
        this.destroy();
        return true;
      case 'open':
        return true;
    }
  }

  /** The other end took bytes we sent: 'drain' once all are taken after a full buffer. */
  private drained(): void {
    if (!this.needDrain || this.destroyed || this.writableLength > 0) return;
    this.needDrain = false;
    this.emit('drain');
  }
}
