/**
 * JSON-RPC 2.0 over HTTP at POST /rpc, authenticated like Bitcoin Core: HTTP Basic with the
 * user `__cookie__` and the secret in `<datadir>/.cookie` (written 0600 at start, removed at
 * clean shutdown). Single and batch requests; malformed JSON gets -32700, never a crash.
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

function reply(id: unknown, result: unknown) {
  return { jsonrpc: '2.0', id: id ?? null, result: result === undefined ? null : result };
}

function fail(id: unknown, code: number, message: string) {
  return { jsonrpc: '2.0', id: id ?? null, error: { code, message } };
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

  const call = async (req: Request): Promise<object> => {
    if (typeof req !== 'object' || req === null || Array.isArray(req) || typeof req.method !== 'string') {
      return fail(req?.id, RPC.INVALID_REQUEST, 'invalid request');
    }
    const handler = Object.hasOwn(methods, req.method) ? methods[req.method] : undefined;
    if (!handler) return fail(req.id, RPC.METHOD_NOT_FOUND, 'Method not found');
    if (req.params !== undefined && !Array.isArray(req.params)) {
      return fail(req.id, RPC.INVALID_PARAMS, 'params must be an array');
    }
    try {
      return reply(req.id, await handler((req.params as unknown[] | undefined) ?? []));
    } catch (e) {
      if (e instanceof RpcError) return fail(req.id, e.code, e.message);
      log.error('rpc method failed', { method: req.method, error: (e as Error).message });
      return fail(req.id, RPC.INTERNAL_ERROR, (e as Error).message);
    }
  };

  app.register(async (scope) => {
    // Core's clients send any content type; parse the raw text ourselves so bad JSON is -32700.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    scope.post('/rpc', async (request, res) => {
      if (!auth.check(request.headers.authorization)) {
        res.header('www-authenticate', 'Basic realm="jsonrpc"');
        return res.code(401).send({ error: 'unauthorized' });
      }
      let body: unknown;
      try {
        body = JSON.parse(String(request.body ?? ''));
      } catch {
        return res.type('application/json').send(stringify(fail(null, RPC.PARSE_ERROR, 'Parse error')));
      }
      const out = Array.isArray(body)
        ? await Promise.all(body.map((r) => call(r as Request)))
        : await call(body as Request);
      return res.type('application/json').send(stringify(out));
    });
  });
}
