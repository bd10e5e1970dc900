/**
 * POST /addresses/balances, beyond Esplora: the balances of up to 50 addresses in one request
 * (a wallet with many addresses would otherwise make one GET per address). The body is a JSON
 * array of this network's addresses; the answer is in the same order, each as
 * GET /address/:address/balance (balance.ts) with its address. One bad address, a duplicate or
 * more than 50 refuse the whole request with a 400; POSTs are rate limited like POST /tx.
 */
import type { FastifyInstance } from 'fastify';
import { balanceOf, balanceSchema } from '../balance.js';
import { ApiError } from '../errors.js';
import { addressScripthash } from '../params.js';
import { errorSchema } from '../schemas.js';
import type { RouteContext } from './context.js';

export const MAX_BATCH_ADDRESSES = 50;

function parseAddresses(body: unknown): string[] {
  let v: unknown;
  try {
    v = JSON.parse(typeof body === 'string' ? body : '');
  } catch {
    v = undefined;
  }
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
    throw new ApiError('BAD_REQUEST', 'body must be a JSON array of addresses');
  if (v.length === 0) throw new ApiError('BAD_REQUEST', 'no addresses');
  if (v.length > MAX_BATCH_ADDRESSES)
    throw new ApiError('TOO_MANY_ENTRIES', `at most ${MAX_BATCH_ADDRESSES} addresses per request`);
  if (new Set(v).size !== v.length) throw new ApiError('BAD_REQUEST', 'duplicate address');
  return v as string[];
}

export function registerBatchRoutes(app: FastifyInstance, ctx: RouteContext, config: object): void {
  app.post(
    '/addresses/balances',
    {
      config,
      schema: {
        tags: ['addresses'],
        summary: `Balances of up to ${MAX_BATCH_ADDRESSES} addresses (JSON array body), in order`,
        body: { type: 'string', description: 'JSON array of addresses' },
        response: {
          200: {
            type: 'array',
            items: {
              ...balanceSchema,
              properties: { address: { type: 'string' }, ...balanceSchema.properties },
            },
          },
          400: errorSchema,
          413: errorSchema,
          429: errorSchema,
        },
      },
    },
    async (req, res) => {
      const addresses = parseAddresses(req.body);
      const shs = addresses.map((a) => addressScripthash(a, ctx.node.params));
      const out = [];
      for (let i = 0; i < shs.length; i++)
        out.push({ address: addresses[i]!, ...(await balanceOf(ctx.node, ctx.pool, shs[i]!)) });
      return res.header('cache-control', 'no-store').send(out);
    },
  );
}
