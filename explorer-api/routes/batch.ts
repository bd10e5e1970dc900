/**
 * POST /addresses/balances, beyond Esplora: the balances of up to 50 addresses in one request
 * (a wallet with many addresses would otherwise make one GET per address). The body is a JSON
 * array of this network's addresses; the answer is in the same order, each as
 * GET /address/:address/balance (balance.ts) with its address. One bad address, a duplicate or
 * more than 50 refuse the whole request with a 400; POSTs are rate limited like POST /tx.
 *
 * POST /addresses/utxo: one page of UTXOs (utxo-page.ts) for each of up to 20 addresses. The
 * body is `{"addresses": [address | {"address", "after"}], "limit": N}` (limit 1..1000, default
 * 100; `after` a cursor a previous answer gave for that address); the answer, in order, is
 * `[{address, utxos, next}]`, `next` the cursor of that address's next page or null. The
 * answer is bounded: at most 20 × limit UTXOs.
 */
import type { FastifyInstance } from 'fastify';
import { balanceOf, balanceSchema } from '../balance.js';
import { ApiError } from '../errors.js';
import { addressScripthash } from '../params.js';
import { errorSchema, utxoBatchSchema } from '../schemas.js';
import { DEFAULT_UTXO_PAGE, MAX_UTXO_PAGE, parseLimit, utxoPage } from '../utxo-page.js';
import type { RouteContext } from './context.js';

export const MAX_BATCH_ADDRESSES = 50;
export const MAX_BATCH_UTXO_ADDRESSES = 20;

function parseJson(body: unknown): unknown {
  try {
    return JSON.parse(typeof body === 'string' ? body : '');
  } catch {
    return undefined;
  }
}

interface UtxoRequest {
  items: { address: string; after?: string }[];
  limit: number;
}

function parseUtxoRequest(body: unknown): UtxoRequest {
  const v = parseJson(body) as { addresses?: unknown; limit?: unknown } | undefined;
  const usage = 'body must be {"addresses": [address or {"address", "after"}], "limit": N}';
  if (typeof v !== 'object' || v === null || !Array.isArray(v.addresses))
    throw new ApiError('BAD_REQUEST', usage);
  const items = v.addresses.map((x: unknown) => {
    if (typeof x === 'string') return { address: x };
    const o = x as { address?: unknown; after?: unknown } | null;
    if (
      typeof o !== 'object' ||
      o === null ||
      typeof o.address !== 'string' ||
      (o.after !== undefined && o.after !== null && typeof o.after !== 'string')
    )
      throw new ApiError('BAD_REQUEST', usage);
    return { address: o.address, after: typeof o.after === 'string' ? o.after : undefined };
  });
  if (items.length === 0) throw new ApiError('BAD_REQUEST', 'no addresses');
  if (items.length > MAX_BATCH_UTXO_ADDRESSES)
    throw new ApiError('TOO_MANY_ENTRIES', `at most ${MAX_BATCH_UTXO_ADDRESSES} addresses per request`);
  if (new Set(items.map((i) => i.address)).size !== items.length)
    throw new ApiError('BAD_REQUEST', 'duplicate address');
  const limit = v.limit === undefined ? DEFAULT_UTXO_PAGE : parseLimit(v.limit, MAX_UTXO_PAGE);
  return { items, limit };
}

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

  app.post(
    '/addresses/utxo',
    {
      config,
      schema: {
        tags: ['addresses'],
        summary: `One page of UTXOs (limit, default ${DEFAULT_UTXO_PAGE}, up to ${MAX_UTXO_PAGE}) for each of up to ${MAX_BATCH_UTXO_ADDRESSES} addresses, in order, with each next cursor`,
        body: {
          type: 'string',
          description: 'JSON {"addresses": [address or {"address", "after": cursor}], "limit": N}',
        },
        response: { 200: utxoBatchSchema, 400: errorSchema, 413: errorSchema, 429: errorSchema },
      },
    },
    async (req, res) => {
      const { items, limit } = parseUtxoRequest(req.body);
      // Every address and cursor is checked before any page is read.
      const shs = items.map((i) => addressScripthash(i.address, ctx.node.params));
      const out = [];
      for (let i = 0; i < items.length; i++) {
        const page = await utxoPage(ctx.node, ctx.pool, shs[i]!, limit, items[i]!.after);
        out.push({ address: items[i]!.address, ...page });
      }
      return res.header('cache-control', 'no-store').send(out);
    },
  );
}
