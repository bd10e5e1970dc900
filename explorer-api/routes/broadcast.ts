/**
 * POST /tx and POST /tx/push: a raw transaction as hex in the body (any content type, as
 * Esplora reads the body as text), answered with its txid as text. The node's broadcastTx
 * does the work (node/broadcast.ts: decode, the max-fee-rate cap, the mempool); a rejection is
 * a 400 whose text is what electrs relays from bitcoind:
 * `sendrawtransaction RPC error: {"code":C,"message":M}` with Core's code (-22 decode, -25
 * missing inputs or fee over the cap, -26 policy/consensus, -27 already confirmed) and
 * message. Body size and request rate are limited (ExplorerOptions).
 *
 * POST /txs/package (mempool.space's electrs): a JSON array of raw txs, parents first and the
 * child spending them last, answered with Core's submitpackage result (node/submit-package.ts);
 * what submitpackage throws (size, decoding, topology) is a 400 BAD_PACKAGE naming Core's code.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { BroadcastError, txBytesFromHex } from '../../node/api.js';
import { ApiError } from '../errors.js';
import { errorSchema, submitPackageSchema } from '../schemas.js';
import { registerBatchRoutes } from './batch.js';
import type { RouteContext } from './context.js';

function reject(res: FastifyReply, e: BroadcastError) {
  const body = `sendrawtransaction RPC error: ${JSON.stringify({ code: e.rpcCode, message: e.message })}`;
  return res.code(400).type('text/plain').header('cache-control', 'no-store').send(body);
}

async function broadcast(ctx: RouteContext, body: unknown): Promise<string> {
  const hex = typeof body === 'string' ? body.trim() : '';
  // The node's max-fee-rate applies, as electrs passes Core's default maxfeerate through.
  const { txid, added } = await ctx.node.broadcastTx(txBytesFromHex(hex));
  // Readers that settle the index see it from now on (GET /address/.../txs/mempool).
  if (added) await ctx.pool.settle();
  return txid;
}

/** The body as a JSON array of strings, or a 400. */
function parsePackageBody(body: unknown): string[] {
  let v: unknown;
  try {
    v = JSON.parse(typeof body === 'string' ? body : '');
  } catch {
    throw new ApiError('BAD_PACKAGE', 'body must be a JSON array of raw transactions (hex)');
  }
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
    throw new ApiError('BAD_PACKAGE', 'body must be a JSON array of raw transactions (hex)');
  return v.map((x: string) => x.trim());
}

export function registerBroadcastRoutes(app: FastifyInstance, ctx: RouteContext): void {
  // Esplora reads the body as text whatever its declared type (clients send text/plain, none,
  // or axios' form default).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: ctx.opts.txBodyLimit }, (_req, body, done) =>
    done(null, body),
  );
  const schema = {
    tags: ['transactions'],
    summary: 'Broadcast a raw transaction (hex body); answers its txid',
    consumes: ['text/plain'],
    body: { type: 'string', description: 'raw transaction, hex' },
    response: {
      200: { type: 'string', description: 'txid' },
      400: { type: 'string', description: 'sendrawtransaction RPC error: {"code":..,"message":..}' },
      413: errorSchema,
      429: errorSchema,
    },
  };
  const packageSchema = {
    tags: ['transactions'],
    summary: 'Submit a package (JSON array of raw tx hex, child last): Core submitpackage result',
    body: { type: 'string', description: 'JSON array of raw transactions, hex' },
    response: { 200: submitPackageSchema, 400: errorSchema, 413: errorSchema, 429: errorSchema },
  };
  const { max, timeWindow } = ctx.opts.postRateLimit;
  // max 0 turns the limit off (http-rate-limit 0).
  const config: { rateLimit?: { max: number; timeWindow: number } } =
    max > 0 ? { rateLimit: { max, timeWindow } } : {};
  registerBatchRoutes(app, ctx, config);
  app.post(
    '/txs/package',
    { schema: packageSchema, config, bodyLimit: ctx.opts.txBodyLimit * 25 },
    async (req, res) => {
      const hexes = parsePackageBody(req.body);
      try {
        const result = await ctx.node.submitPackage(hexes);
        await ctx.pool.settle();
        return res.header('cache-control', 'no-store').send(result);
      } catch (e) {
        if (e instanceof BroadcastError)
          throw new ApiError(
            'BAD_PACKAGE',
            `submitpackage RPC error: ${JSON.stringify({ code: e.rpcCode, message: e.message })}`,
          );
        throw e;
      }
    },
  );
  for (const path of ['/tx', '/tx/push']) {
    app.post(path, { schema, config, bodyLimit: ctx.opts.txBodyLimit }, async (req, res) => {
      try {
        const txid = await broadcast(ctx, req.body);
        return res.type('text/plain').header('cache-control', 'no-store').send(txid);
      } catch (e) {
        if (e instanceof BroadcastError) return reject(res, e);
        throw e;
      }
    });
  }
}
