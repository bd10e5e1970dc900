/**
 * Block routes (Esplora API.md, "Blocks"): blocks/tip/{height,hash}, blocks[/:start_height] (10
 * per page, newest first), block/:hash (+ /header /status /txs[/:start_index] /txids
 * /txid/:index /raw), block-height/:height; and mempool.space's /v1/block/:hash and
 * /v1/blocks[/:start_height] aliases, which its JS client reads blocks through; /v1/block/:hash
 * adds mempool.space's `extras` (fees, reward, fee range; block-stats.ts). Beyond Esplora:
 * `?limit=` (1..100) on block/:hash/txs[/:start_index], from any start index.
 */
import type { FastifyInstance } from 'fastify';
import type { BlockEntry } from '../../node/api.js';
import { blockHashFromDisplay } from '../../node/protocol/ids.js';
import { ApiError, notFound } from '../errors.js';
import { parseUint } from '../params.js';
import {
  blockSchema,
  blockStatusSchema,
  DIGITS,
  HEX64,
  hashParam,
  jsonResponses,
  stringListSchema,
  textResponses,
  txListSchema,
  txsLimitQuery,
} from '../schemas.js';
import { blockJson } from '../views.js';
import { cacheByDepth, cacheImmutable, cacheShort, type RouteContext } from './context.js';

const num = { type: 'number' } as const;
const blockV1Schema = {
  ...blockSchema,
  properties: {
    ...blockSchema.properties,
    extras: {
      type: 'object',
      properties: {
        totalFees: num,
        subsidy: num,
        reward: num,
        medianFee: num,
        feeRange: { type: 'array', items: num },
        avgFee: num,
        avgFeeRate: num,
      },
    },
  },
};

const BLOCKS_PER_PAGE = 10;
const TXS_PER_PAGE = 25;
const tags = ['blocks'];

const heightParam = {
  type: 'object',
  required: ['height'],
  properties: { height: { type: 'string', pattern: DIGITS, description: 'block height' } },
};
const startHeightParam = {
  type: 'object',
  properties: { start_height: { type: 'string', pattern: DIGITS } },
};
const hashAnd = (name: string, required = true) => ({
  type: 'object',
  required: required ? ['hash', name] : ['hash'],
  properties: {
    hash: { type: 'string', pattern: HEX64, description: 'block hash' },
    [name]: { type: 'string', pattern: DIGITS },
  },
});

export function registerBlockRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { chain } = ctx.node;

  const entryOf = (hash: string): BlockEntry => {
    const e = chain.entry(blockHashFromDisplay(hash));
    if (!e?.haveData) throw notFound('block');
    return e;
  };

  app.get(
    '/blocks/tip/height',
    { schema: { tags, summary: 'Height of the tip', response: textResponses('height') } },
    async (_req, res) => {
      cacheShort(res).type('text/plain');
      return String(chain.height);
    },
  );

  app.get(
    '/blocks/tip/hash',
    { schema: { tags, summary: 'Hash of the tip', response: textResponses('hash') } },
    async (_req, res) => {
      cacheShort(res).type('text/plain');
      return chain.tip.hashHex;
    },
  );

  const blocksPage = async (start: string | undefined) => {
    let e: BlockEntry | null | undefined = chain.tip;
    if (start !== undefined) {
      e = chain.entryAt(parseUint(start, 'BAD_HEIGHT', 'height'));
      if (!e) throw notFound('block');
    }
    const out = [];
    for (let i = 0; e && i < BLOCKS_PER_PAGE; i++, e = e.prev)
      out.push(blockJson(e, (await ctx.data.blockInfo(e)).sizes));
    return out;
  };
  for (const prefix of ['', '/v1']) {
    const schema = {
      tags,
      summary: '10 blocks from start_height (default the tip) down',
      params: startHeightParam,
      response: jsonResponses({ type: 'array', items: blockSchema }),
    };
    for (const path of [`${prefix}/blocks`, `${prefix}/blocks/:start_height`]) {
      app.get<{ Params: { start_height?: string } }>(path, { schema }, async (req, res) => {
        cacheShort(res);
        return blocksPage(req.params.start_height);
      });
    }
    const v1 = prefix === '/v1';
    app.get<{ Params: { hash: string } }>(
      `${prefix}/block/:hash`,
      {
        schema: {
          tags,
          summary: v1
            ? "A block, with mempool.space's fee figures under `extras` (main chain only)"
            : 'A block',
          params: hashParam('hash', 'block hash'),
          response: jsonResponses(v1 ? blockV1Schema : blockSchema),
        },
      },
      async (req, res) => {
        const e = entryOf(req.params.hash);
        const json = blockJson(e, (await ctx.data.blockInfo(e)).sizes);
        if (!v1) {
          cacheImmutable(res);
          return json;
        }
        const extras = await ctx.data.extras(e);
        // Without extras (a side block) a reorg could still bring them: not for ever.
        if (extras) cacheImmutable(res);
        else cacheShort(res);
        return extras ? { ...json, extras } : json;
      },
    );
  }

  app.get<{ Params: { hash: string } }>(
    '/block/:hash/header',
    {
      schema: {
        tags,
        summary: 'The 80-byte header, hex',
        params: hashParam('hash', 'block hash'),
        response: textResponses('header hex'),
      },
    },
    async (req, res) => {
      const e = entryOf(req.params.hash);
      cacheImmutable(res).type('text/plain');
      return Buffer.from(e.header.toBytes()).toString('hex');
    },
  );

  app.get<{ Params: { hash: string } }>(
    '/block/:hash/status',
    {
      schema: {
        tags,
        summary: 'Whether the block is on the best chain',
        params: hashParam('hash', 'block hash'),
        response: jsonResponses(blockStatusSchema),
      },
    },
    async (req, res) => {
      const e = chain.entry(blockHashFromDisplay(req.params.hash));
      // A header whose block has not arrived is not a block yet (the index holds both).
      if (!e || (!e.haveData && !e.failed)) throw notFound('block');
      if (!chain.isMain(e)) {
        cacheShort(res);
        return { in_best_chain: false, height: null, next_best: null };
      }
      cacheByDepth(res, ctx, e);
      return {
        in_best_chain: true,
        height: e.height,
        next_best: chain.entryAt(e.height + 1)?.hashHex ?? null,
      };
    },
  );

  for (const path of ['/block/:hash/txs', '/block/:hash/txs/:start_index']) {
    app.get<{ Params: { hash: string; start_index?: string }; Querystring: { limit?: number } }>(
      path,
      {
        schema: {
          tags,
          summary:
            '25 transactions of the block from start_index (a multiple of 25); with ?limit= (up to 100), that many from any start_index',
          params: hashAnd('start_index', path.endsWith('index')),
          querystring: txsLimitQuery,
          response: jsonResponses(txListSchema),
        },
      },
      async (req, res) => {
        const e = entryOf(req.params.hash);
        const start =
          req.params.start_index === undefined
            ? 0
            : parseUint(req.params.start_index, 'BAD_INDEX', 'start index');
        const limit = req.query.limit;
        if (limit === undefined && start % TXS_PER_PAGE !== 0)
          throw new ApiError('BAD_INDEX', `start index must be a multiple of ${TXS_PER_PAGE}`);
        const { sizes } = await ctx.data.blockInfo(e);
        if (start >= sizes.txCount) throw new ApiError('BAD_INDEX', 'start index out of range');
        cacheByDepth(res, ctx, e);
        return ctx.data.blockTxs(e, start, limit ?? TXS_PER_PAGE);
      },
    );
  }

  app.get<{ Params: { hash: string } }>(
    '/block/:hash/txids',
    {
      schema: {
        tags,
        summary: 'Every txid of the block, in block order',
        params: hashParam('hash', 'block hash'),
        response: jsonResponses(stringListSchema),
      },
    },
    async (req, res) => {
      const e = entryOf(req.params.hash);
      cacheImmutable(res);
      return (await ctx.data.blockInfo(e)).txids;
    },
  );

  app.get<{ Params: { hash: string; index: string } }>(
    '/block/:hash/txid/:index',
    {
      schema: {
        tags,
        summary: 'The txid at a position in the block',
        params: hashAnd('index'),
        response: textResponses('txid'),
      },
    },
    async (req, res) => {
      const e = entryOf(req.params.hash);
      const index = parseUint(req.params.index, 'BAD_INDEX', 'index');
      const txid = (await ctx.data.blockInfo(e)).txids[index];
      if (txid === undefined) throw new ApiError('NOT_FOUND', 'tx index out of range');
      cacheImmutable(res).type('text/plain');
      return txid;
    },
  );

  app.get<{ Params: { hash: string } }>(
    '/block/:hash/raw',
    {
      schema: {
        tags,
        summary: 'The serialized block (binary)',
        params: hashParam('hash', 'block hash'),
        response: { 200: { type: 'string', format: 'binary' } },
      },
    },
    async (req, res) => {
      const e = entryOf(req.params.hash);
      const raw = await chain.getRawBlock(e.hash);
      if (!raw) throw notFound('block');
      cacheImmutable(res).type('application/octet-stream');
      return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    },
  );

  app.get<{ Params: { height: string } }>(
    '/block-height/:height',
    {
      schema: {
        tags,
        summary: 'Hash of the main-chain block at a height',
        params: heightParam,
        response: textResponses('block hash'),
      },
    },
    async (req, res) => {
      const height = parseUint(req.params.height, 'BAD_HEIGHT', 'height');
      const e = chain.entryAt(height);
      if (!e) throw notFound('block');
      cacheByDepth(res, ctx, e).type('text/plain');
      return e.hashHex;
    },
  );
}
