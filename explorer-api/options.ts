/**
 * The explorer's tunables: POST /api/tx limits (buildExplorer's options, the routes' `opts`).
 * A module of its own so the routes and index.ts share it without importing each other.
 */
export interface ExplorerOptions {
  /** POST /api/tx per client address: at most `max` requests per `timeWindow` ms. */
  postRateLimit?: { max: number; timeWindow: number };
  /** Largest POST /api/tx body in bytes (hex of a standard tx is at most 800 kB). */
  txBodyLimit?: number;
}
