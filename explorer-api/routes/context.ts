/**
 * What every route module gets, and Esplora's cache lifetimes (electrs rest.rs): five years for
 * what a hash names and cannot change, ten seconds for the tip, the mempool and anything within
 * ten blocks of the tip (a reorg could still change it), five seconds for /mempool/recent.
 */
import type { FastifyReply } from 'fastify';
import type { BlockEntry, ExplorerNode } from '../../node/api.js';
import type { ExplorerData } from '../data.js';
import type { EventFeed } from '../event-feed.js';
import type { EventHub } from '../event-hub.js';
import type { FeeEstimator } from '../fees.js';
import type { MempoolIndex } from '../mempool-index.js';
import type { ExplorerOptions } from '../options.js';
import type { ProjectedBlocks } from '../projected.js';

export interface RouteContext {
  node: ExplorerNode;
  data: ExplorerData;
  pool: MempoolIndex;
  fees: FeeEstimator;
  opts: Required<ExplorerOptions>;
  events: { hub: EventHub; feed: EventFeed };
  /** The mempool as projected blocks, cached (mempool-blocks, recommended fees, cpfp). */
  projected: ProjectedBlocks;
}

export const TTL_LONG = 157_784_630;
export const TTL_SHORT = 10;
export const TTL_RECENT = 5;
const CONF_FINAL = 10;

export function cacheImmutable(res: FastifyReply): FastifyReply {
  return res.header('cache-control', `public, max-age=${TTL_LONG}, immutable`);
}

export function cacheShort(res: FastifyReply, ttl = TTL_SHORT): FastifyReply {
  return res.header('cache-control', `public, max-age=${ttl}`);
}

/** Long once the block is CONF_FINAL deep on the main chain, short otherwise. */
export function cacheByDepth(res: FastifyReply, ctx: RouteContext, block: BlockEntry | undefined) {
  const chain = ctx.node.chain;
  const final = block && chain.isMain(block) && chain.height - block.height >= CONF_FINAL;
  return final ? res.header('cache-control', `public, max-age=${TTL_LONG}`) : cacheShort(res);
}
