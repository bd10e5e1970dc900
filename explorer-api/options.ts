/**
 * The explorer's tunables: POST /api/tx limits and the push stream's bounds (buildExplorer's
 * options, the routes' `opts`). A module of its own so the routes and index.ts share it without
 * importing each other.
 */
import type { Clock } from '../node/api.js';

export interface ExplorerOptions {
  /**
   * POSTs per client address: at most `max` requests per `timeWindow` ms (`max` 0: no limit).
   * Loopback clients and clients proving the RPC credentials (`authenticated`) are exempt
   * unless `limitLocal`: they are the operator, whose scripts may post many txs.
   */
  postRateLimit?: { max: number; timeWindow: number; limitLocal?: boolean };
  /** True when an Authorization header proves the node's RPC credentials (cookie, rpc-user, rpcauth). */
  authenticated?: (authorization: string | undefined) => boolean;
  /** Largest POST /api/tx body in bytes (hex of a standard tx is at most 800 kB). */
  txBodyLimit?: number;
  /** GET /api/v1/events streams open at once; one more is refused with a 503. */
  eventStreams?: number;
  /** Milliseconds between the streams' heartbeat comments (keeps proxies from timing them out). */
  heartbeatMs?: number;
  /** The node's clock, for the streams' timers (node/clock.ts). */
  clock?: Clock;
  /** GET /address-prefix answers (electrs' --address-search); the node keeps the index. */
  addressSearch?: boolean;
  /** GET /block-template answers (electrs' --enable-mining-rest). */
  blockTemplate?: boolean;
}
