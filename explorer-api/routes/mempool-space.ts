/**
 * mempool.space's routes that its JS client (@mempool/mempool.js: fees.getFeesRecommended,
 * getFeesMempoolBlocks, getCPFP, difficulty.getDifficultyAdjustment) calls, in mempool.space's
 * JSON shapes (backend src/api/bitcoin/bitcoin.routes.ts):
 *
 * - /v1/fees/recommended and /v1/fees/mempool-blocks from the cached projection (projected.ts,
 *   recommended.ts);
 * - /v1/difficulty-adjustment for this chain's rule (difficulty-adjustment.ts);
 * - /v1/cpfp/:txid: for a mempool tx its in-mempool ancestors and descendants ({txid, fee,
 *   weight}), the descendant whose package pays the most (`bestDescendant`, or null), and the
 *   rate it is projected to be mined at (`effectiveFeePerVsize`); a confirmed tx answers empty
 *   lists (its package is history), an unknown one 404, a malformed txid 400.
 */
import type { FastifyInstance } from 'fastify';
import type { MempoolEntry } from '../../node/api.js';
import { txidFromDisplay } from '../../node/protocol/ids.js';
import { difficultyAdjustment } from '../difficulty-adjustment.js';
import { notFound } from '../errors.js';
import { recommendedFees } from '../recommended.js';
import { hashParam, jsonResponses } from '../schemas.js';
import { cacheShort, type RouteContext } from './context.js';

const int = { type: 'integer' } as const;
const num = { type: 'number' } as const;

const recommendedSchema = {
  type: 'object',
  properties: { fastestFee: int, halfHourFee: int, hourFee: int, economyFee: int, minimumFee: int },
} as const;

const mempoolBlocksSchema = {
  type: 'array',
  items: {
    type: 'object',
    properties: {
      blockSize: int,
      blockVSize: num,
      nTx: int,
      totalFees: int,
      medianFee: num,
      feeRange: { type: 'array', items: num },
    },
  },
} as const;

const difficultySchema = {
  type: 'object',
  properties: {
    progressPercent: num,
    difficultyChange: num,
    estimatedRetargetDate: int,
    remainingBlocks: int,
    remainingTime: int,
    previousRetarget: num,
    previousTime: int,
    nextRetargetHeight: int,
    timeAvg: int,
    adjustedTimeAvg: int,
    timeOffset: int,
    expectedBlocks: num,
    retargetRule: { type: 'string', enum: ['asert', 'none'] },
  },
} as const;

const relative = { type: 'object', properties: { txid: { type: 'string' }, fee: int, weight: int } } as const;

const cpfpSchema = {
  type: 'object',
  properties: {
    ancestors: { type: 'array', items: relative },
    descendants: { type: 'array', items: relative },
    bestDescendant: { ...relative, nullable: true },
    effectiveFeePerVsize: num,
    sigops: int,
    adjustedVsize: num,
  },
} as const;

const relativeJson = (e: MempoolEntry) => ({ txid: e.txid, fee: Number(e.fee), weight: e.weight });
const round2 = (x: number) => Math.round(x * 100) / 100;

function closure(e: MempoolEntry, next: (x: MempoolEntry) => Iterable<MempoolEntry>): MempoolEntry[] {
  const seen = new Set<MempoolEntry>();
  const stack = [...next(e)];
  while (stack.length > 0) {
    const x = stack.pop()!;
    if (seen.has(x)) continue;
    seen.add(x);
    stack.push(...next(x));
  }
  return [...seen];
}

export function registerMempoolSpaceRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { mempool } = ctx.node;
  const tags = ['mempool.space'];

  app.get(
    '/v1/fees/recommended',
    {
      schema: {
        tags,
        summary: "Recommended fee rates (sat/vB), mempool.space's rule over the projected blocks",
        response: jsonResponses(recommendedSchema),
      },
    },
    async (_req, res) => {
      cacheShort(res);
      return recommendedFees(ctx.projected.get().blocks, Number(mempool.minFeeRate()) / 1000);
    },
  );

  app.get(
    '/v1/fees/mempool-blocks',
    {
      schema: {
        tags,
        summary:
          'The mempool as the next blocks by ancestor fee rate (4,000,000 weight units each, at most 8)',
        response: jsonResponses(mempoolBlocksSchema),
      },
    },
    async (_req, res) => {
      cacheShort(res);
      return ctx.projected.get().blocks;
    },
  );

  app.get(
    '/v1/difficulty-adjustment',
    {
      schema: {
        tags,
        summary: 'Where the next retarget stands; main retargets every block (ASERT), regtest never',
        response: jsonResponses(difficultySchema),
      },
    },
    async (_req, res) => {
      cacheShort(res);
      return difficultyAdjustment(ctx.node.params, ctx.node.chain.tip, ctx.opts.clock.now());
    },
  );

  app.get<{ Params: { txid: string } }>(
    '/v1/cpfp/:txid',
    {
      schema: {
        tags,
        summary: "A mempool tx's in-mempool ancestors and descendants and the rate it is mined at",
        params: hashParam('txid', 'Transaction id'),
        response: jsonResponses(cpfpSchema),
      },
    },
    async (req, res) => {
      const txid = txidFromDisplay(req.params.txid);
      cacheShort(res);
      const e = mempool.get(txid);
      if (!e) {
        if (await ctx.node.chain.getTxLocation(txid))
          return { ancestors: [], descendants: [], bestDescendant: null };
        throw notFound('transaction');
      }
      const ancestors = closure(e, (x) => x.parents);
      const descendants = closure(e, (x) => x.children);
      const packageRate = (x: MempoolEntry) => Number(x.ancestorFee) / x.ancestorSize;
      let best: MempoolEntry | null = null;
      for (const d of descendants) if (packageRate(d) > (best ? packageRate(best) : packageRate(e))) best = d;
      const effective = ctx.projected.get().rates.get(e.txid) ?? packageRate(e);
      return {
        ancestors: ancestors.map(relativeJson),
        descendants: descendants.map(relativeJson),
        bestDescendant: best ? relativeJson(best) : null,
        effectiveFeePerVsize: round2(effective),
        sigops: e.sigopCost,
        adjustedVsize: e.vsize,
      };
    },
  );
}
