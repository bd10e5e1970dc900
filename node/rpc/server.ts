/**
 * The JSON-RPC server on its own port (rpc-port, rpc-bind), as Bitcoin Core's httpserver.cpp
 * and httprpc.cpp serve it: a client outside rpc-allow-ip (loopback always allowed) gets 403
 * before anything else; paths other than `/` and `/wallet/<name>` get 404 (the node has no
 * wallet, so `/wallet/<name>` answers as `/` and wallet methods are -32601: bitcoin-cli's
 * -rpcwallet changes nothing); methods other than POST 405; then HTTP Basic auth (auth.ts),
 * checked before the body is read: none or wrong credentials get 401 with
 * `WWW-Authenticate: Basic realm="jsonrpc"`, a wrong one after 250 ms as Core slows guessing.
 * Bodies up to 32 MB (Core's MAX_SIZE), then 413. The JSON-RPC rules are jsonrpc.ts's.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from '../api.js';
import type { AllowIp } from './allow-ip.js';
import type { RpcAuth } from './auth.js';
import { type Executor, handleJsonRpc } from './jsonrpc.js';

export { COOKIE_USER, cookiePath } from './auth.js';

const MAX_BODY = 32 * 1024 * 1024;
const BAD_AUTH_DELAY_MS = 250;

export interface RpcServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  auth: Pick<RpcAuth, 'check'>;
  allow: Pick<AllowIp, 'allows'>;
  exec: Executor;
  log: Logger;
}

function isRpcPath(url: string | undefined): boolean {
  const path = (url ?? '/').split('?')[0]!;
  return path === '/' || /^\/wallet\/[^/]*$/.test(path);
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        resolve(undefined);
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export class RpcServer {
  private readonly server: Server;
  private readonly opts: RpcServerOptions;
  /** rpc-allow-ip's answer per connection: a keep-alive client's address does not change. */
  private readonly allowed = new WeakMap<Socket, boolean>();
  /** http://host:port of the listening server. */
  url = '';

  private constructor(opts: RpcServerOptions) {
    this.opts = opts;
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e) => {
        opts.log.error('rpc request failed', { error: (e as Error).message });
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy();
      });
    });
    // Idle keep-alive connections must not hold stop() up.
    this.server.keepAliveTimeout = 5_000;
  }

  static async start(opts: RpcServerOptions): Promise<RpcServer> {
    const s = new RpcServer(opts);
    await new Promise<void>((resolve, reject) => {
      s.server.once('error', reject);
      s.server.listen({ host: opts.host, port: opts.port }, () => {
        s.server.off('error', reject);
        resolve();
      });
    });
    const a = s.server.address() as AddressInfo;
    s.url = `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
    return s;
  }

  get port(): number {
    return (this.server.address() as AddressInfo | null)?.port ?? 0;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { auth, allow, exec, log } = this.opts;
    let allowed = this.allowed.get(req.socket);
    if (allowed === undefined) {
      allowed = allow.allows(req.socket.remoteAddress);
      this.allowed.set(req.socket, allowed);
    }
    if (!allowed) {
      res.writeHead(403, { connection: 'close' }).end();
      return;
    }
    if (!isRpcPath(req.url)) {
      res.writeHead(404).end();
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { 'content-type': 'text/plain' }).end('JSONRPC server handles only POST requests');
      return;
    }
    const header = req.headers.authorization;
    if (auth.check(header) === undefined) {
      if (header !== undefined) {
        log.warn('rpc: incorrect credentials', { from: req.socket.remoteAddress });
        await new Promise((r) => setTimeout(r, BAD_AUTH_DELAY_MS));
      }
      // Closed, so an unauthenticated client cannot make the node read its body.
      res.writeHead(401, { 'www-authenticate': 'Basic realm="jsonrpc"', connection: 'close' }).end();
      return;
    }
    // An announced length over the limit is refused before a byte is read; a chunked body that
    // grows past it loses its connection.
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY) {
      res.writeHead(413, { connection: 'close' }).end();
      return;
    }
    const body = await readBody(req);
    if (body === undefined) return;
    const reply = await handleJsonRpc(body, exec, (e) =>
      log.error('rpc method failed', { error: (e as Error)?.message ?? String(e) }),
    );
    if (reply.body === undefined) res.writeHead(reply.status).end();
    else res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
