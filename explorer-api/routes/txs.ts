/**
 * Transaction routes (Esplora API.md, "Transactions"): tx/:txid (+ /status /hex /raw
 * /merkle-proof /merkleblock-proof /outspend/:vout /outspends). Confirmed txs come from the tx
 * index, unconfirmed ones from the mempool. The merkle proof is Electrum's
 * blockchain.transaction.get_merkle: sibling hashes bottom up (display hex) and the tx's
 * position; the merkleblock proof is Core's `gettxoutproof` bytes (BIP37 CMerkleBlock) as hex,
 * as electrs answers it. The outspend of an output the tx does not have is `{"spent":false}`,
 * as electrs answers (it looks the outpoint up without checking the tx has it).
 */
import type { FastifyInstance } from 'fastify';
import { toHex } from '../../node/protocol/bytes.js';
import { hashToDisplay } from '../../node/protocol/hash.js';
import { merkleBranch } from '../../node/protocol/merkle.js';
import { buildMerkleBlock } from '../../node/protocol/merkle-block.js';
import { ApiError, notFound } from '../errors.js';
import { lowerHash, parseUint } from '../params.js';
import {
  DIGITS,
  HEX64,
  hashParam,
  jsonResponses,
  merkleProofSchema,
  outspendSchema,
  statusSchema,
  textResponses,
  txSchema,
} from '../schemas.js';
import { cacheByDepth, cacheShort, type RouteContext } from './context.js';

const tags = ['transactions'];
type TxParams = { Params: { txid: string } };
const txidParam = hashParam('txid', 'transaction id');

export function registerTxRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { data } = ctx;

  const locate = async (txid: string) => {
    const found = await data.locate(lowerHash(txid));
    if (!found) throw notFound('transaction');
    return found;
  };

  app.get<TxParams>(
    '/tx/:txid',
    { schema: { tags, summary: 'A transaction', params: txidParam, response: jsonResponses(txSchema) } },
    async (req, res) => {
      const found = await data.txJson(lowerHash(req.params.txid));
      if (!found) throw notFound('transaction');
      cacheByDepth(res, ctx, found.block);
      return found.json;
    },
  );

  app.get<TxParams>(
    '/tx/:txid/status',
    {
      schema: {
        tags,
        summary: 'Confirmation status',
        params: txidParam,
        response: jsonResponses(statusSchema),
      },
    },
    async (req, res) => {
      const s = await data.status(lowerHash(req.params.txid));
      if (!s) throw notFound('transaction');
      cacheByDepth(res, ctx, s.block);
      return s.status;
    },
  );

  app.get<TxParams>(
    '/tx/:txid/hex',
    {
      schema: {
        tags,
        summary: 'Serialized transaction, hex',
        params: txidParam,
        response: textResponses('hex'),
      },
    },
    async (req, res) => {
      const found = await locate(req.params.txid);
      cacheByDepth(res, ctx, found.block).type('text/plain');
      return toHex(found.tx.toBytes());
    },
  );

  app.get<TxParams>(
    '/tx/:txid/raw',
    {
      schema: {
        tags,
        summary: 'Serialized transaction (binary)',
        params: txidParam,
        response: { 200: { type: 'string', format: 'binary' } },
      },
    },
    async (req, res) => {
      const found = await locate(req.params.txid);
      cacheByDepth(res, ctx, found.block).type('application/octet-stream');
      return Buffer.from(found.tx.toBytes());
    },
  );

  app.get<TxParams>(
    '/tx/:txid/merkle-proof',
    {
      schema: {
        tags,
        summary: "Merkle inclusion proof (Electrum's get_merkle format)",
        params: txidParam,
        response: jsonResponses(merkleProofSchema),
      },
    },
    async (req, res) => {
      const found = await locate(req.params.txid);
      if (!found.block || found.index === undefined)
        throw new ApiError('NOT_FOUND', 'Transaction not found or is unconfirmed');
      const block = await data.block(found.block);
      const branch = merkleBranch(
        block.txs.map((t) => t.txid()),
        found.index,
      );
      cacheByDepth(res, ctx, found.block);
      return { block_height: found.block.height, merkle: branch.map(hashToDisplay), pos: found.index };
    },
  );

  app.get<TxParams>(
    '/tx/:txid/merkleblock-proof',
    {
      schema: {
        tags,
        summary: "Merkle inclusion proof as Core's gettxoutproof (BIP37 merkleblock), hex",
        params: txidParam,
        response: textResponses('hex'),
      },
    },
    async (req, res) => {
      const found = await locate(req.params.txid);
      if (!found.block || found.index === undefined)
        throw new ApiError('NOT_FOUND', 'Transaction not found or is unconfirmed');
      const block = await data.block(found.block);
      const proof = buildMerkleBlock(
        block.header,
        block.txs.map((t) => t.txid()),
        new Set([found.index]),
      );
      cacheByDepth(res, ctx, found.block).type('text/plain');
      return toHex(proof);
    },
  );

  app.get<{ Params: { txid: string; vout: string } }>(
    '/tx/:txid/outspend/:vout',
    {
      schema: {
        tags,
        summary: 'Spending status of one output',
        params: {
          type: 'object',
          required: ['txid', 'vout'],
          properties: { txid: { type: 'string', pattern: HEX64 }, vout: { type: 'string', pattern: DIGITS } },
        },
        response: jsonResponses(outspendSchema),
      },
    },
    async (req, res) => {
      const vout = parseUint(req.params.vout, 'BAD_INDEX', 'output index');
      const found = await locate(req.params.txid);
      // electrs: no such output is simply not spent (an Esplora client asks before it knows).
      if (vout >= found.tx.outputs.length) return cacheShort(res).send({ spent: false });
      const spend = await data.outspend(found.tx, vout);
      cacheShort(res);
      return spend;
    },
  );

  app.get<TxParams>(
    '/tx/:txid/outspends',
    {
      schema: {
        tags,
        summary: 'Spending status of every output',
        params: txidParam,
        response: jsonResponses({ type: 'array', items: outspendSchema }),
      },
    },
    async (req, res) => {
      const found = await locate(req.params.txid);
      const out = [];
      for (let v = 0; v < found.tx.outputs.length; v++) out.push(await data.outspend(found.tx, v));
      cacheShort(res);
      return out;
    },
  );
}
