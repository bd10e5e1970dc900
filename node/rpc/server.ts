/**
 * JSON-RPC over HTTP at POST /rpc, as Bitcoin Core's httprpc.cpp: HTTP Basic with the user
 * `__cookie__` and the secret in `<datadir>/.cookie` (written 0600 at start, removed at clean
 * shutdown), checked before the body is read. Single and batch requests. A request with
 * "jsonrpc": "2.0" gets a 2.0 reply (errors in a 200); one with "1.0" or no jsonrpc field gets
 * Core's legacy reply, `{"result", "error", "id"}` with both keys, and a lone failed legacy
 * request an HTTP error status (400 invalid request, 404 unknown method, 500 otherwise; rpc/
 * request.cpp JSONRPCReplyObj, httprpc.cpp JSONErrorReply). Malformed JSON gets -32700 in the
 * legacy form with 500, never a crash.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../api.js';
import { RPC, RpcError } from './errors.js';

export type RpcHandler = (params: unknown[]) => Promise<unknown> | unknown;

export const COOKIE_USER = '__cookie__';

/** Where a node with this data dir keeps its RPC cookie. */
export function cookiePath(datadir: string): string {
  return join(datadir, '.cookie');
}

export class CookieAuth {
  readonly path: string;
  readonly secret: string;
  constructor(datadir: string) {
    this.path = cookiePath(datadir);
    this.secret = randomBytes(32).toString('hex');
  }
  async write(): Promise<void> {
    await writeFile(this.path, `${COOKIE_USER}:${this.secret}`, { mode: 0o600 });
    await chmod(this.path, 0o600);
  }
  async remove(): Promise<void> {
    await rm(this.path, { force: true });
  }
  /** Checks an Authorization header in constant time. */
  check(header: string | undefined): boolean {
    if (!header?.startsWith('Basic ')) return false;
    const given = Buffer.from(Buffer.from(header.slice(6), 'base64').toString('utf8'));
    const want = Buffer.from(`${COOKIE_USER}:${this.secret}`);
    return given.length === want.length && timingSafeEqual(given, want);
  }
}

interface Request {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

/** Core's JSONRPCVersion: "2.0" asks for 2.0; "1.0" or no jsonrpc field is the legacy 1.0 form. */
type Version = '1.0' | '2.0';

/** A reply and the HTTP status a lone legacy request gets for it (Core's JSONErrorReply). */
interface Outcome {
  body: object;
  status: number;
}

/**
 * Core's JSONRPCReplyObj: 2.0 has "jsonrpc" and only one of result / error; 1.0 has both,
 * one of them null. The id is always there (null when the request had none).
 */
function replyObj(version: Version, id: unknown, result: unknown, error?: { code: number; message: string }) {
  const value = result === undefined ? null : result;
  if (version === '2.0')
    return error
      ? { jsonrpc: '2.0', id: id ?? null, error }
      : { jsonrpc: '2.0', id: id ?? null, result: value };
  return error ? { result: null, error, id: id ?? null } : { result: value, error: null, id: id ?? null };
}

/** Core's HTTP status for a failed legacy request: 400 invalid request, 404 no such method, else 500. */
function legacyStatus(code: number): number {
  if (code === RPC.INVALID_REQUEST) return 400;
  if (code === RPC.METHOD_NOT_FOUND) return 404;
  return 500;
}

/** BigInt-safe JSON (values are already converted by handlers; this is a guard). */
function stringify(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? Number(v) : v));
}

export function registerRpc(
  app: FastifyInstance,
  opts: { auth: CookieAuth; methods: Record<string, RpcHandler>; log: Logger },
): void {
  const { auth, methods, log } = opts;

  const call = async (req: Request): Promise<Outcome> => {
    let version: Version = '1.0';
    const fail = (code: number, message: string): Outcome => ({
      body: replyObj(version, req?.id, null, { code, message }),
      // 2.0 errors travel in a 200, as they always have here and as Core does after parsing.
      status: version === '2.0' ? 200 : legacyStatus(code),
    });
    if (typeof req !== 'object' || req === null || Array.isArray(req))
      return fail(RPC.INVALID_REQUEST, 'Invalid Request object');
    if (req.jsonrpc !== undefined && req.jsonrpc !== null) {
      if (typeof req.jsonrpc !== 'string') return fail(RPC.INVALID_REQUEST, 'jsonrpc field must be a string');
      if (req.jsonrpc === '2.0') version = '2.0';
      else if (req.jsonrpc !== '1.0') return fail(RPC.INVALID_REQUEST, 'JSON-RPC version not supported');
    }
    if (typeof req.method !== 'string') return fail(RPC.INVALID_REQUEST, 'invalid request');
    const handler = Object.hasOwn(methods, req.method) ? methods[req.method] : undefined;
    if (!handler) return fail(RPC.METHOD_NOT_FOUND, 'Method not found');
    if (req.params !== undefined && req.params !== null && !Array.isArray(req.params)) {
      return fail(RPC.INVALID_PARAMS, 'params must be an array');
    }
    try {
      const result = await handler((req.params as unknown[] | undefined | null) ?? []);
      return { body: replyObj(version, req.id, result), status: 200 };
    } catch (e) {
      if (e instanceof RpcError) return fail(e.code, e.message);
      log.error('rpc method failed', { method: req.method, error: (e as Error).message });
      return fail(RPC.INTERNAL_ERROR, (e as Error).message);
    }
  };

  app.register(async (scope) => {
    // Before fastify reads the body: an unauthenticated client gets its 401 and the connection
    // is closed, so it cannot make the node buffer and parse megabytes first.
    scope.addHook('onRequest', async (request, res) => {
      if (auth.check(request.headers.authorization)) return;
      res.header('www-authenticate', 'Basic realm="jsonrpc"').header('connection', 'close');
      return res.code(401).send({ error: 'unauthorized' });
    });
    // Core's clients send any content type; parse the raw text ourselves so bad JSON is -32700.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    scope.post('/rpc', async (request, res) => {
      const send = (status: number, body: unknown) =>
        res.code(status).type('application/json').send(stringify(body));
      let body: unknown;
      try {
        body = JSON.parse(String(request.body ?? ''));
      } catch {
        // Core answers a body it cannot parse in the legacy form, with HTTP 500.
        return send(500, replyObj('1.0', null, null, { code: RPC.PARSE_ERROR, message: 'Parse error' }));
      }
      if (!Array.isArray(body)) {
        const one = await call(body as Request);
        return send(one.status, one.body);
      }
      // Each element answers in its own version; a batch is always a 200 (Core).
      const all = await Promise.all(body.map((r) => call(r as Request)));
      return send(
        200,
        all.map((o) => o.body),
      );
    });
  });
}
