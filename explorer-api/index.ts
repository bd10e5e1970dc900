/**
 * The explorer: a fastify app serving the Esplora-compatible REST API under /api and the web
 * page at /. It reads only through the node (chain, indexes, mempool, peers); the node adds its
 * admin RPC to the same app.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { FullNode } from '../node/node.js';
import { registerWeb } from './web/index.js';

/** What the explorer may use of a node. */
export type ExplorerNode = Pick<FullNode, 'params' | 'chain' | 'mempool' | 'submitTx' | 'peerInfo' | 'log'>;

export function buildExplorer(node: ExplorerNode): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 8 * 1024 * 1024 });
  app.get('/api/blocks/tip/height', async (_req, res) => {
    res.type('text/plain').header('cache-control', 'public, max-age=1');
    return String(node.chain.height);
  });
  app.get('/api/blocks/tip/hash', async (_req, res) => {
    res.type('text/plain').header('cache-control', 'public, max-age=1');
    return node.chain.tip.hashHex;
  });
  registerWeb(app);
  app.setErrorHandler((err: { statusCode?: number; message?: string }, _req, res) => {
    const code = err.statusCode ?? 500;
    const status = code >= 400 && code < 500 ? code : 500;
    if (status === 500) node.log.error('http handler failed', { error: err.message });
    res.code(status).send({ error: status === 500 ? 'internal error' : (err.message ?? 'bad request') });
  });
  return app;
}
