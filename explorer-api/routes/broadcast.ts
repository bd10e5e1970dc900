/**
 * POST /tx and POST /tx/push: a raw transaction as hex in the body (any content type, as
 * Esplora reads the body as text), answered with its txid as text. A rejection is a 400 whose
 * text is what electrs relays from bitcoind: `sendrawtransaction RPC error: {"code":C,"message":M}`
 * with Core's code (-22 decode, -25 missing inputs, -26 policy/consensus, -27 already
 * confirmed) and reject reason. Body size and request rate are limited (ExplorerOptions).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { TxRejectError } from '../../node/api.js';
import { fromHex } from '../../node/protocol/bytes.js';
import { EncodingError } from '../../node/protocol/errors.js';
import { Tx } from '../../node/protocol/tx.js';
import { errorSchema } from '../schemas.js';
import type { RouteContext } from './context.js';

const RPC_DESERIALIZATION_ERROR = -22;
const RPC_VERIFY_ERROR = -25;
const RPC_VERIFY_REJECTED = -26;
const RPC_VERIFY_ALREADY_IN_CHAIN = -27;

class BroadcastError extends Error {
  readonly rpcCode: number;
  constructor(rpcCode: number, message: string) {
    super(message);
    this.rpcCode = rpcCode;
  }
}

function reject(res: FastifyReply, e: BroadcastError) {
  const body = `sendrawtransaction RPC error: ${JSON.stringify({ code: e.rpcCode, message: e.message })}`;
  return res.code(400).type('text/plain').header('cache-control', 'no-store').send(body);
}

async function broadcast(ctx: RouteContext, body: unknown): Promise<string> {
  const hex = typeof body === 'string' ? body.trim() : '';
  let tx: Tx;
  try {
    if (hex === '') throw new EncodingError('BAD_HEX', 'empty body');
    tx = Tx.fromBytes(fromHex(hex));
  } catch (e) {
    if (e instanceof EncodingError)
      throw new BroadcastError(RPC_DESERIALIZATION_ERROR, `TX decode failed: ${e.message}`);
    throw e;
  }
  const txid = tx.txidHex();
  if (ctx.node.mempool.has(txid)) return txid;
  try {
    await ctx.node.submitTx(tx, { orphan: false });
  } catch (e) {
    if (!(e instanceof TxRejectError)) throw e;
    if (e.code === 'ALREADY_KNOWN')
      throw new BroadcastError(RPC_VERIFY_ALREADY_IN_CHAIN, 'Transaction outputs already in utxo set');
    if (e.code === 'MISSING_INPUTS') {
      if (await ctx.node.chain.getTxLocation(tx.txid()))
        throw new BroadcastError(RPC_VERIFY_ALREADY_IN_CHAIN, 'Transaction already in block chain');
      throw new BroadcastError(RPC_VERIFY_ERROR, 'bad-txns-inputs-missingorspent');
    }
    throw new BroadcastError(RPC_VERIFY_REJECTED, e.detail ? `${e.reason} (${e.detail})` : e.reason);
  }
  // Readers that settle the index see it from now on (GET /address/.../txs/mempool).
  await ctx.pool.settle();
  return txid;
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
  const config = { rateLimit: ctx.opts.postRateLimit };
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
