/**
 * The explorer's HTTP errors: a status, a stable code and a message, answered as JSON
 * `{"error": message, "code": code}` (Esplora answers plain text; the API's users asked for
 * JSON on bad input). Anything else thrown by a handler is a bug: logged, answered as a bare
 * 500 without its message or stack.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import type { Logger } from '../node/api.js';

export const API_ERRORS = {
  BAD_HASH: 400,
  BAD_HEIGHT: 400,
  BAD_INDEX: 400,
  BAD_ADDRESS: 400,
  BAD_SCRIPTHASH: 400,
  BAD_REQUEST: 400,
  TOO_MANY_ENTRIES: 400,
  /** A paging cursor (`after`) that is not one a page returned for this address. */
  BAD_CURSOR: 400,
  /** POST /txs/package: what Core's submitpackage throws (size, decoding, topology). */
  BAD_PACKAGE: 400,
  /** A route the node serves only with a setting on (address-search). */
  DISABLED: 400,
  NOT_FOUND: 404,
  /** A client over the POST rate limit (`http-rate-limit`); Retry-After says when to try again. */
  RATE_LIMITED: 429,
  /** The push stream's bound is reached: capacity, not the client's fault (Retry-After says when). */
  TOO_MANY_STREAMS: 503,
  /** The node cannot answer yet: an index not built for this data dir, a template during sync. */
  UNAVAILABLE: 503,
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;

export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly statusCode: number;
  constructor(code: ApiErrorCode, message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.statusCode = API_ERRORS[code];
  }
}

export const notFound = (what: string) => new ApiError('NOT_FOUND', `${what} not found`);

/** Fastify's own 4xx codes (validation, body size, media type, rate limit) keep their status. */
function clientStatus(err: FastifyError & { statusCode?: number }): number | null {
  const s = err.statusCode;
  return typeof s === 'number' && s >= 400 && s < 500 ? s : null;
}

export function installErrorHandlers(app: FastifyInstance, log: Logger): void {
  app.setErrorHandler((err: FastifyError, _req, res) => {
    if (err instanceof ApiError) {
      res.code(err.statusCode).send({ error: err.message, code: err.code });
      return;
    }
    const status = clientStatus(err);
    if (status !== null) {
      const code = err.validation ? 'BAD_REQUEST' : (err.code ?? 'BAD_REQUEST');
      res.code(status).send({ error: err.message, code });
      return;
    }
    log.error('http handler failed', { error: err.message, stack: err.stack });
    res.code(500).send({ error: 'internal error', code: 'INTERNAL' });
  });
}
