/**
 * A scripted peer on a raw socket, for tests that play a hostile, lazy or foreign node: it
 * speaks the wire format directly (framing and messages from node/p2p), records what it
 * receives, and can send anything, valid or not.
 */
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { encodeFrame, FrameDecoder } from '../../node/p2p/framing.js';
import { decodeMessage, encodePayload, type Message } from '../../node/p2p/messages.js';
import type { Outgoing } from '../../node/p2p/peer.js';
import { regtest } from '../../node/protocol/params.js';

export class RawPeer {
  readonly socket: Socket;
  readonly received: Message[] = [];
  readonly closed: Promise<void>;
  isClosed = false;
  private readonly decoder = new FrameDecoder(regtest.magic);
  private waiters: (() => void)[] = [];
  /** Called for each message; the default answers pings. */
  onMessage: (m: Message, peer: RawPeer) => void = (m, peer) => {
    if (m.command === 'ping') peer.send({ command: 'pong', nonce: m.nonce });
  };

  constructor(socket: Socket) {
    this.socket = socket;
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    void this.closed.then(() => {
      this.isClosed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const f of this.decoder.push(new Uint8Array(chunk))) {
          const m = decodeMessage(f.command, f.payload);
          this.received.push(m);
          this.onMessage(m, this);
        }
      } catch {
        socket.destroy();
      }
      this.wake();
    });
  }

  /** Dials host:port, from `localAddress` if given (any 127.x.y.z works on Linux loopback). */
  static connect(port: number, localAddress = '127.0.0.1'): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port, localAddress });
      s.once('connect', () => resolve(new RawPeer(s)));
      s.once('error', reject);
    });
  }

  /** A server whose accepted connections become RawPeers handled by `onPeer`. */
  static listen(onPeer: (p: RawPeer) => void): Promise<{ server: Server; port: number }> {
    const server = createServer((s) => onPeer(new RawPeer(s)));
    return new Promise((resolve) =>
      server.listen(0, '127.0.0.1', () =>
        resolve({ server, port: (server.address() as { port: number }).port }),
      ),
    );
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  send(msg: Outgoing): void {
    this.socket.write(encodeFrame(regtest.magic, msg.command, encodePayload(msg)));
  }

  sendBytes(b: Uint8Array): void {
    this.socket.write(b);
  }

  version(startHeight = 0): void {
    this.send({
      command: 'version',
      version: 70016,
      services: 9n,
      timestamp: BigInt(Math.floor(Date.now() / 1000)),
      addrRecv: { host: '127.0.0.1', port: 0, services: 0n },
      addrFrom: { host: '::', port: 0, services: 9n },
      nonce: randomBytes(8).readBigUInt64LE(),
      userAgent: '/raw-test-peer/',
      startHeight,
      relay: true,
    });
  }

  /** Resolves with the first received message matching, waiting up to `ms`. */
  async waitFor<C extends Message['command']>(
    command: C,
    ms = 10_000,
    pred: (m: Extract<Message, { command: C }>) => boolean = () => true,
  ): Promise<Extract<Message, { command: C }>> {
    const end = Date.now() + ms;
    for (;;) {
      const m = this.received.find(
        (x) => x.command === command && pred(x as Extract<Message, { command: C }>),
      );
      if (m) return m as Extract<Message, { command: C }>;
      if (this.isClosed) throw new Error(`connection closed while waiting for '${command}'`);
      const left = end - Date.now();
      if (left <= 0) throw new Error(`no '${command}' within ${ms} ms`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** version, then verack once the node's version and verack arrived. */
  async handshake(startHeight = 0): Promise<void> {
    this.version(startHeight);
    await this.waitFor('version');
    this.send({ command: 'verack' });
    await this.waitFor('verack');
  }

  /** Waits until the node closes the connection; false if it is still open after `ms`. */
  async waitClosed(ms = 10_000): Promise<boolean> {
    let t: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((r) => {
      t = setTimeout(() => r(false), ms);
    });
    const r = await Promise.race([this.closed.then(() => true), timeout]);
    clearTimeout(t);
    return r;
  }

  close(): void {
    this.socket.destroy();
  }
}
