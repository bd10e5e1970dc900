/**
 * The node's HTTP server (fastify): the admin JSON-RPC at /rpc and the public, read-only
 * `/api` routes. Until the explorer lands, `/api/blocks/tip/height` and `/api/blocks/tip/hash`
 * answer in Esplora's plain-text form so progress can be read without credentials.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from './log.js';
import { type CookieAuth, type RpcHandler, registerRpc } from './rpc/server.js';

export interface HttpDeps {
  tip(): { height: number; hash: string };
  auth: CookieAuth;
  methods: Record<string, RpcHandler>;
  log: Logger;
}

export function buildHttp(deps: HttpDeps): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 8 * 1024 * 1024 });
  registerRpc(app, { auth: deps.auth, methods: deps.methods, log: deps.log });
  app.get('/api/blocks/tip/height', async (_req, res) => {
    res.type('text/plain').header('cache-control', 'public, max-age=1');
    return String(deps.tip().height);
  });
  app.get('/api/blocks/tip/hash', async (_req, res) => {
    res.type('text/plain').header('cache-control', 'public, max-age=1');
    return deps.tip().hash;
  });
  app.setErrorHandler((err: { statusCode?: number; message?: string }, _req, res) => {
    const code = err.statusCode ?? 500;
    const status = code >= 400 && code < 500 ? code : 500;
    if (status === 500) deps.log.error('http handler failed', { error: err.message });
    res.code(status).send({ error: status === 500 ? 'internal error' : (err.message ?? 'bad request') });
  });
  return app;
}
