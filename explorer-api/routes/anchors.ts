/**
 * GET /anchors/:id: where a commitment (one file's manifest id, or the Merkle root over many) is
 * anchored on the main chain — the earliest GLA1 output that carries it (node/chain/anchors.ts).
 * Ids are plain SHA-256 outputs, shown in the order they were hashed (not reversed like txids);
 * the txid and block hash are shown as everywhere else. Short cache: a reorg can move or drop
 * the answer.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { fromHex, toHex } from '../../node/protocol/bytes.js';
import { hashToDisplay } from '../../node/protocol/hash.js';
import { notFound } from '../errors.js';
import { errorSchema, hashParam } from '../schemas.js';
import { cacheShort, type RouteContext } from './context.js';

const anchorSchema = {
  type: 'object',
  required: ['id', 'txid', 'vout', 'block_hash', 'height', 'time', 'confirmations'],
  properties: {
    id: { type: 'string' },
    txid: { type: 'string' },
    vout: { type: 'integer' },
    tx_index: { type: 'integer' },
    block_hash: { type: 'string' },
    height: { type: 'integer' },
    time: { type: 'integer' },
    confirmations: { type: 'integer' },
    /** Connected peers that announced the file (docs/files.md); 0 when file sharing is off. */
    providers: { type: 'integer' },
    /** Whether this node holds the whole file (then GET /anchors/:id/file streams it). */
    held: { type: 'boolean' },
  },
};

export function registerAnchorRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.get<{ Params: { id: string } }>(
    '/anchors/:id',
    {
      schema: {
        tags: ['anchors'],
        summary: 'Where a manifest id or anchor commitment is anchored on the best chain',
        params: hashParam('id', 'manifest id or commitment, 64 hex'),
        response: { 200: anchorSchema, 400: errorSchema, 404: errorSchema },
      },
    },
    async (req, res) => {
      const id = req.params.id.toLowerCase();
      const chain = ctx.node.chain;
      const rec = await chain.getAnchor(fromHex(id));
      if (!rec) throw notFound('anchor');
      cacheShort(res);
      return {
        id: toHex(rec.commitment),
        txid: hashToDisplay(rec.txid),
        vout: rec.vout,
        tx_index: rec.txIndex,
        block_hash: hashToDisplay(rec.blockHash),
        height: rec.height,
        time: rec.time,
        confirmations: chain.height - rec.height + 1,
        providers: ctx.node.files?.providerCount(id) ?? 0,
        held: (await ctx.node.files?.get(id))?.complete === true,
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/anchors/:id/file',
    {
      schema: {
        tags: ['anchors'],
        summary: "The anchored file's bytes, when this node holds it whole (each chunk re-verified as read)",
        params: hashParam('id', 'manifest id or commitment, 64 hex'),
      },
    },
    async (req, res) => {
      const id = req.params.id.toLowerCase();
      const file = await ctx.node.files?.openVerified(id);
      if (!file) throw notFound('file');
      res.header('content-type', 'application/octet-stream');
      res.header('content-length', String(file.size));
      // The manifest's name is a label: sent quoted for the browser, never used as a path here.
      res.header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`);
      return res.send(Readable.from(file.stream));
    },
  );
}
