/**
 * Mempool and fee routes (Esplora API.md, "Mempool" and "Fee estimates"): mempool (count,
 * vsize, total_fee, fee_histogram), mempool/txids, mempool/recent (the last 10 arrivals still
 * in the pool: txid, fee, vsize, value = sum of their inputs, as electrs), fee-estimates.
 */
import type { FastifyInstance } from 'fastify';
import { feeHistogram } from '../fees.js';
import {
  feeEstimatesSchema,
  jsonResponses,
  mempoolSchema,
  recentSchema,
  stringListSchema,
} from '../schemas.js';
import { cacheShort, type RouteContext, TTL_RECENT } from './context.js';

export function registerMempoolRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { mempool } = ctx.node;
  const tags = ['mempool'];

  app.get(
    '/mempool',
    { schema: { tags, summary: 'Mempool backlog statistics', response: jsonResponses(mempoolSchema) } },
    async (_req, res) => {
      const info = mempool.info();
      cacheShort(res);
      return {
        count: info.count,
        vsize: info.vsize,
        total_fee: Number(info.totalFee),
        fee_histogram: feeHistogram(mempool.entries()),
      };
    },
  );

  app.get(
    '/mempool/txids',
    { schema: { tags, summary: 'Every txid in the mempool', response: jsonResponses(stringListSchema) } },
    async (_req, res) => {
      cacheShort(res);
      return mempool.txids();
    },
  );

  app.get(
    '/mempool/recent',
    {
      schema: {
        tags,
        summary: 'The last 10 transactions to enter the mempool',
        response: jsonResponses(recentSchema),
      },
    },
    async (_req, res) => {
      await ctx.pool.settle();
      cacheShort(res, TTL_RECENT);
      return ctx.pool.recent();
    },
  );

  app.get(
    '/fee-estimates',
    {
      schema: {
        tags: ['fees'],
        summary: 'Fee rate (sat/vB) to confirm within 1..25, 144, 504 and 1008 blocks',
        response: jsonResponses(feeEstimatesSchema),
      },
    },
    async (_req, res) => {
      cacheShort(res);
      return ctx.fees.estimates();
    },
  );
}
