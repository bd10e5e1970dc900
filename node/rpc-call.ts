/**
 * `gossip-node rpc`: one JSON-RPC call to a running node, as bitcoin-cli makes it: the node's
 * rpc-port on rpc-bind (127.0.0.1 when it binds every address), the credentials bitcoin-cli
 * would use (rpc-user/rpc-password if a password is set, else the cookie file), arguments read
 * as JSON where they parse and as strings otherwise (bitcoin-cli converts by a per-method table;
 * this is the same for every argument it lists), or `key=value` pairs with `named`. A string
 * result prints as is, anything else as indented JSON, as bitcoin-cli prints it.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import type { ConfigValues } from './config/schema.js';
import { cookiePath } from './rpc/auth.js';

export class RpcCallFailed extends Error {
  /** The JSON-RPC error code, or undefined when no JSON-RPC answer came (connection, HTTP). */
  readonly code: number | undefined;
  constructor(message: string, code?: number) {
    super(message);
    this.name = 'RpcCallFailed';
    this.code = code;
  }
}

function argValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Positional arguments, or with `named` an object of `key=value` pairs (bitcoin-cli -named). */
export function rpcParams(args: readonly string[], named: boolean): unknown[] | Record<string, unknown> {
  if (!named) return args.map(argValue);
  const out: Record<string, unknown> = {};
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq < 1) throw new RpcCallFailed(`named argument is not key=value: ${a}`);
    out[a.slice(0, eq)] = argValue(a.slice(eq + 1));
  }
  return out;
}

function credentials(c: ConfigValues): string {
  if (c['rpc-password']) return `${c['rpc-user'] ?? ''}:${c['rpc-password']}`;
  const file = cookiePath(c.datadir, c['rpc-cookie-file']);
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (e) {
    throw new RpcCallFailed(
      `cannot read the RPC cookie ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): is the node running with this data dir?`,
    );
  }
}

/** One POST with node:http (fetch refuses some ports an operator may pick, such as 6000). */
function post(url: string, auth: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: auth },
        timeout: 15 * 60_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(body);
  });
}

export async function rpcCall(
  c: ConfigValues,
  method: string,
  params: unknown[] | Record<string, unknown>,
): Promise<unknown> {
  const host = c['rpc-bind'] === '0.0.0.0' || c['rpc-bind'] === '::' ? '127.0.0.1' : c['rpc-bind'];
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${c['rpc-port']}/`;
  const auth = `Basic ${Buffer.from(credentials(c)).toString('base64')}`;
  let res: { status: number; text: string };
  try {
    res = await post(url, auth, JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new RpcCallFailed(`cannot reach the node's RPC at ${url} (${why})`);
  }
  if (res.status === 401) throw new RpcCallFailed(`the node at ${url} refused the credentials (HTTP 401)`);
  const text = res.text;
  let body: { result?: unknown; error?: { code: number; message: string } };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new RpcCallFailed(`HTTP ${res.status} from ${url}: ${text.slice(0, 200)}`);
  }
  if (body.error) throw new RpcCallFailed(`error ${body.error.code}: ${body.error.message}`, body.error.code);
  return body.result;
}

/** bitcoin-cli's output: a string as is, null as nothing, anything else as indented JSON. */
export function formatResult(result: unknown): string | undefined {
  if (result === null || result === undefined) return undefined;
  return typeof result === 'string' ? result : JSON.stringify(result, null, 2);
}
