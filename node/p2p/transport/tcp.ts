/**
 * The TCP transport: Node's net module, as the P2P layer always used it (Core's CConnman on
 * real sockets). Nagle is off on every connection, since the protocol is request/response
 * and small messages (ping, inv, getdata) must not wait; a dial that has not connected within
 * its timeout is destroyed with Error('connect timeout').
 */
import { connect, createServer, type Socket } from 'node:net';
import type { DialOptions, Listener, ListenHandlers, Stream, Transport } from './transport.js';

export class TcpTransport implements Transport {
  listen(host: string, port: number, handlers: ListenHandlers): Promise<Listener> {
    const server = createServer((socket) => {
      socket.setNoDelay(true);
      handlers.connection(socket);
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        server.on('error', (e) => handlers.error?.(e));
        const a = server.address();
        resolve({
          address: host,
          port: typeof a === 'object' && a ? a.port : port,
          close: () => new Promise<void>((r) => server.close(() => r())),
        });
      });
    });
  }

  dial(host: string, port: number, opts: DialOptions): Stream {
    const socket: Socket = connect({ host, port });
    socket.setNoDelay(true);
    const timer = setTimeout(() => socket.destroy(new Error('connect timeout')), opts.timeoutMs);
    const done = () => clearTimeout(timer);
    socket.once('connect', done);
    socket.once('close', done);
    return socket;
  }
}
