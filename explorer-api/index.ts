/**
 * The explorer: a fastify app serving the Esplora-compatible REST API under /api (routes/),
 * the mempool.space routes its JS client calls (/api/v1/fees/…, /v1/cpfp, /v1/difficulty-
 * adjustment), a push stream of the node's news (/api/v1/events, Server-Sent Events), its
 * OpenAPI document at /api/openapi.json with a docs page at /api/docs, and the web page at
 * / (web/). It reads only through the node (chain, indexes, mempool, peers); the node adds its
 * admin RPC to the same app.
 *
 * Every route declares JSON schemas: path parameters are validated (a mismatch is a 400 JSON
 * error), responses are serialized from their schema. Unknown /api paths and items are 404
 * JSON errors; nothing a client sends yields a 500 or a stack trace (errors.ts). Every route
 * allows any origin (CORS), POST /tx included as in Esplora (electrs sends
 * Access-Control-Allow-Origin on every reply, so a web wallet can broadcast); POSTs have a
 * body-size limit and a per-client rate limit (429 RATE_LIMITED), from which loopback and
 * clients with the RPC credentials are exempt by default.
 */
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { type ExplorerNode, realClock } from '../node/api.js';
import { ExplorerData } from './data.js';
import { ApiError, installErrorHandlers } from './errors.js';
import { EventFeed } from './event-feed.js';
import { EventHub } from './event-hub.js';
import { FeeEstimator } from './fees.js';
import { MempoolIndex } from './mempool-index.js';
import type { ExplorerOptions } from './options.js';
import { ProjectedBlocks } from './projected.js';
import { registerAddressRoutes } from './routes/address.js';
import { registerAnchorRoutes } from './routes/anchors.js';
import { registerBlockRoutes } from './routes/blocks.js';
import { registerBroadcastRoutes } from './routes/broadcast.js';
import type { RouteContext } from './routes/context.js';
import { registerEventRoutes } from './routes/events.js';
import { registerMempoolRoutes } from './routes/mempool.js';
import { registerMempoolSpaceRoutes } from './routes/mempool-space.js';
import { registerMiningRoutes } from './routes/mining.js';
import { registerNodeRoutes } from './routes/node-info.js';
import { registerTxRoutes } from './routes/txs.js';
import { registerWeb } from './web/index.js';

export type { ExplorerNode } from '../node/api.js';
export type { ExplorerOptions } from './options.js';

const DEFAULTS: Required<ExplorerOptions> = {
  postRateLimit: { max: 100, timeWindow: 60_000 },
  authenticated: () => false,
  txBodyLimit: 1_000_000,
  eventStreams: 100,
  heartbeatMs: 15_000,
  clock: realClock,
  addressSearch: false,
  blockTemplate: false,
};

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 (what a dual-stack listener reports). */
function isLoopback(ip: string): boolean {
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  return v4.startsWith('127.') || ip === '::1';
}

export function buildExplorer(node: ExplorerNode, options: ExplorerOptions = {}): FastifyInstance {
  return buildExplorerApp(node, options).app;
}

/**
 * The app and its fee estimates, which the node's RPC estimatesmartfee reads too, so both
 * answer from one estimator and one cache.
 */
export function buildExplorerApp(
  node: ExplorerNode,
  options: ExplorerOptions = {},
): {
  app: FastifyInstance;
  feeEstimates: () => Promise<Record<string, number>>;
  /** Push streams open now (GET /api/v1/events). */
  eventStreams: () => number;
} {
  // Long path segments reach the schemas (a 400 naming the parameter) rather than a bare 414.
  const app = Fastify({ logger: false, bodyLimit: 8 * 1024 * 1024, routerOptions: { maxParamLength: 1024 } });
  const pool = new MempoolIndex(node.mempool, node.chain);
  const data = new ExplorerData(node, pool);
  const opts = { ...DEFAULTS, ...options };
  const hub = new EventHub({
    maxClients: opts.eventStreams,
    heartbeatMs: opts.heartbeatMs,
    clock: opts.clock,
  });
  const feed = new EventFeed({ node, data, pool, hub, clock: opts.clock });
  const projected = new ProjectedBlocks({ mempool: node.mempool, params: node.params, clock: opts.clock });
  const fees = new FeeEstimator(data, opts.clock);
  const ctx: RouteContext = {
    node,
    data,
    pool,
    fees,
    opts,
    events: { hub, feed },
    projected,
  };
  // Streams end before the server closes: an open one would keep close() waiting on its client.
  app.addHook('preClose', async () => hub.close());
  app.addHook('onClose', async () => {
    feed.close();
    projected.close();
    fees.close();
    pool.close();
  });
  installErrorHandlers(app, node.log.child('explorer'));

  app.register(swagger, {
    // Only the tagged /api routes: not the admin RPC or the web page.
    hideUntagged: true,
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'gossip-ledger explorer API',
        description:
          "Blockstream Esplora's HTTP API (paths, status codes, text or JSON bodies and field names as " +
          'github.com/Blockstream/esplora/blob/master/API.md documents them), plus node-specific routes. ' +
          "Also mempool.space's /v1/fees/recommended, /v1/fees/mempool-blocks, /v1/cpfp/:txid and " +
          '/v1/difficulty-adjustment, and /v1/events, a Server-Sent Events stream of new blocks, ' +
          'mempool summaries, anchors and watched addresses. ' +
          'Amounts are satoshis; bad input is a 400 JSON error, an unknown item a 404.',
        version: '1',
      },
    },
  });
  app.register(swaggerUi, { routePrefix: '/api/docs' });
  app.register(
    async (api) => {
      const limit = opts.postRateLimit;
      await api.register(rateLimit, {
        global: false,
        allowList: (req) =>
          !limit.limitLocal && (isLoopback(req.ip) || opts.authenticated(req.headers.authorization)),
        errorResponseBuilder: (_req, c) =>
          new ApiError(
            'RATE_LIMITED',
            `rate limit exceeded: at most ${c.max} requests per client; retry in ${c.after}`,
          ),
      });
      api.setNotFoundHandler((req, res) => {
        res.code(404).send({ error: `endpoint not found: ${req.method} ${req.url}`, code: 'NOT_FOUND' });
      });
      // Public data any page may read, and POST /tx any web wallet may call (CORS, error
      // replies included), as Esplora allows.
      await api.register(cors, {
        origin: '*',
        methods: ['GET', 'HEAD', 'POST'],
        exposedHeaders: ['X-Next-Cursor'],
      });
      await api.register(async (get) => {
        registerBlockRoutes(get, ctx);
        registerTxRoutes(get, ctx);
        registerAddressRoutes(get, ctx);
        registerMempoolRoutes(get, ctx);
        registerNodeRoutes(get, ctx);
        registerAnchorRoutes(get, ctx);
        registerEventRoutes(get, ctx);
        registerMempoolSpaceRoutes(get, ctx);
        registerMiningRoutes(get, ctx);
      });
      // Its own scope: it replaces the body parsers (any content type is read as text).
      await api.register(async (post) => registerBroadcastRoutes(post, ctx));
      api.get('/openapi.json', { schema: { hide: true } }, async () => api.swagger());
    },
    { prefix: '/api' },
  );
  registerWeb(app);
  return { app, feeEstimates: () => ctx.fees.estimates(), eventStreams: () => hub.size };
}
