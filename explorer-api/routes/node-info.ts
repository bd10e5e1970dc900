/**
 * Node-specific routes: GET /chain (network, tip, chain work, difficulty, mempool size, peer
 * count and sync progress), GET /peers (the node's peer list) and GET /tx/:txid/replacement
 * (which transaction replaced a recently replaced one; Esplora's GET /tx/:txid still answers
 * 404 for it, as electrs does, and the web page asks here on that 404). Sync progress compares our
 * height with the best height any peer has announced or shown it has. `synced` also needs the
 * node out of initial block download (Core's IsInitialBlockDownload: a tip older than 24 h
 * that has never been fresh), so a node at genesis with no peers is not "synced"; `state` is
 * the status line's.
 */
import type { FastifyInstance } from 'fastify';
import { txidFromDisplay } from '../../node/protocol/ids.js';
import { difficultyFromBits } from '../../node/protocol/pow.js';
import { notFound } from '../errors.js';
import { chainSchema, hashParam, jsonResponses, peersSchema, replacementSchema } from '../schemas.js';
import { cacheShort, type RouteContext } from './context.js';

export function registerNodeRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { chain, mempool, params } = ctx.node;
  const tags = ['node'];

  app.get(
    '/chain',
    {
      schema: {
        tags,
        summary: 'Network, tip, mempool, peers and sync progress',
        response: jsonResponses(chainSchema),
      },
    },
    async (_req, res) => {
      const tip = chain.tip;
      const peers = ctx.node.peerInfo();
      const best = peers.reduce((m, p) => Math.max(m, p.syncedHeight, p.startHeight), tip.height);
      const info = mempool.info();
      const sync = ctx.node.sync();
      const synced = !sync.ibd && sync.state !== 'syncing' && tip.height >= best;
      cacheShort(res, 1);
      return {
        network: params.name,
        height: tip.height,
        tip_hash: tip.hashHex,
        chainwork: tip.chainWork.toString(16).padStart(64, '0'),
        difficulty: difficultyFromBits(tip.header.bits),
        mediantime: tip.medianTimePast(),
        mempool: { count: info.count, bytes: info.bytes, vsize: info.vsize },
        peers: peers.length,
        sync: {
          best_known_height: best,
          progress: synced ? 1 : best === 0 ? 0 : Math.min(1, tip.height / best),
          synced,
          state: sync.state,
          initial_block_download: sync.ibd,
        },
      };
    },
  );

  app.get<{ Params: { txid: string } }>(
    '/tx/:txid/replacement',
    {
      schema: {
        tags,
        summary: 'Which transaction replaced this one (recent replacements only)',
        description:
          'The node remembers its last 10,000 mempool replacements (RBF) since it started. ' +
          '404 when it remembers none for this txid.',
        params: hashParam('txid', 'transaction id'),
        response: jsonResponses(replacementSchema),
      },
    },
    async (req, res) => {
      const r = mempool.replacedBy(txidFromDisplay(req.params.txid));
      if (!r) throw notFound('replacement');
      cacheShort(res);
      return { txid: r.txid, replaced_by: r.replacedBy, latest: r.latest, time: r.time };
    },
  );

  app.get(
    '/peers',
    { schema: { tags, summary: 'Connected peers', response: jsonResponses(peersSchema) } },
    async (_req, res) => {
      cacheShort(res, 1);
      return ctx.node.peerInfo();
    },
  );
}
