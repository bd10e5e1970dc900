/**
 * GET /v1/events: the node's news pushed as Server-Sent Events (text/event-stream; a browser
 * reads it with EventSource), where mempool.space pushes the same over its websocket
 * (`want: ['blocks', 'mempool-blocks']`, `track-address`). Messages are listed in
 * event-feed.ts; `address=a,b,…` (at most MAX_WATCHED of this network's addresses) adds
 * `address-tx` messages for those addresses. A bad address is a 400 and too many streams a 503
 * (both JSON, before any stream opens); the stream sends `retry` so EventSource waits a few
 * seconds before reconnecting, a heartbeat comment now and then, and ends when the node stops.
 */
import type { FastifyInstance } from 'fastify';
import { shKey } from '../../node/api.js';
import { ApiError } from '../errors.js';
import { addressScripthash } from '../params.js';
import { errorSchema } from '../schemas.js';
import type { RouteContext } from './context.js';

export const MAX_WATCHED = 20;
const RETRY_MS = 3000;

const DESCRIPTION =
  'A text/event-stream of JSON messages. `hello` first: {tip: {id, height, timestamp}, mempool: ' +
  '{count, vsize, total_fee}}. Then `block` (each block connected to the best chain, as ' +
  '/block/:hash), `mempool` (the summary, at most once a second after a change), `anchor` ' +
  '({id, txid, vout, block_hash, height} for each GLA1 output in a new block) and, for watched ' +
  'addresses, `address-tx` ({txid, addresses, status} when a tx paying or spending one enters ' +
  'the mempool and again when it confirms). Comment lines are heartbeats.';

function parseWatch(text: string | undefined, ctx: RouteContext): Map<string, string> {
  const watch = new Map<string, string>();
  if (text === undefined || text === '') return watch;
  const list = text.split(',').map((a) => a.trim());
  if (list.length > MAX_WATCHED)
    throw new ApiError('TOO_MANY_ENTRIES', `at most ${MAX_WATCHED} addresses per stream`);
  for (const address of list) watch.set(shKey(addressScripthash(address, ctx.node.params)), address);
  return watch;
}

export function registerEventRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.get<{ Querystring: { address?: string } }>(
    '/v1/events',
    {
      // A HEAD would open a stream with nothing to carry it.
      exposeHeadRoute: false,
      schema: {
        tags: ['events'],
        summary: 'Push stream (Server-Sent Events): new blocks, mempool summary, anchors, watched addresses',
        description: DESCRIPTION,
        querystring: {
          type: 'object',
          properties: {
            address: {
              type: 'string',
              maxLength: 4096,
              description: `Comma-separated addresses to watch (at most ${MAX_WATCHED})`,
            },
          },
        },
        response: {
          200: {
            description: DESCRIPTION,
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
          400: errorSchema,
          503: errorSchema,
        },
      },
    },
    async (req, res) => {
      const watch = parseWatch(req.query.address, ctx);
      const { hub, feed } = ctx.events;
      if (!hub.hasRoom()) {
        res.header('retry-after', '10');
        throw new ApiError('TOO_MANY_STREAMS', 'too many event streams open; try again later');
      }
      res.hijack();
      const raw = res.raw;
      raw.writeHead(200, {
        ...(res.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        // nginx buffers responses unless told not to, which would hold every message back.
        'x-accel-buffering': 'no',
      });
      const client = hub.add(raw, watch);
      if (!client) {
        raw.end();
        return;
      }
      hub.send(client, `retry: ${RETRY_MS}\n\n`);
      hub.send(client, feed.hello());
    },
  );
}
