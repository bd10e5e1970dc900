/**
 * The JSON-RPC layer of Bitcoin Core (v27+, httprpc.cpp HTTPReq_JSONRPC and rpc/request.cpp),
 * without HTTP: a request body in, a status and a body out.
 *
 * - A request with "jsonrpc": "2.0" is answered in 2.0: "jsonrpc", then "result" or "error"
 *   (never both), HTTP 200 even for an error; without an "id" key it is a notification: it runs
 *   and gets 204 with no body. "1.0" or no "jsonrpc" is the legacy form: "result" and "error"
 *   both present, one null; a failed lone legacy request gets HTTP 400 (invalid request), 404
 *   (no such method) or 500 (anything else). Any other "jsonrpc" is -32600.
 * - The reply carries "id" as the request had it, none if it had no "id" key, null if the request
 *   could not be read that far (JSONRPCRequest's id starts as null; parse() replaces it).
 * - A body that is not JSON: -32700 "Parse error"; JSON that is neither object nor array:
 *   -32700 "Top-level object parse error"; both legacy, HTTP 500, "id": null.
 * - A batch is 200; each element answers in its own version, errors caught; notifications in it
 *   get no element, and a non-empty batch of notifications only gets 204. As in Core, one request
 *   object serves the whole batch, so an element that is not an object answers with the id and
 *   version of the element before it.
 * - "params" may be an array, an object (named arguments, as `bitcoin-cli -named`), or absent;
 *   anything else is -32600 "Params must be an array or object".
 * - An error thrown by a method that is not an RPC error is -1 (RPC_MISC_ERROR, as Core's
 *   ExecuteCommand turns a std::exception into one).
 */
import { RPC, RpcError } from './errors.js';

export type RpcHandler = (params: unknown[]) => Promise<unknown> | unknown;

/** Runs one method with positional or named params; throws RpcError. */
export type Executor = (method: string, params: unknown[] | Record<string, unknown>) => Promise<unknown>;

export interface HttpReply {
  status: number;
  /** Undefined: no body (a notification's 204). */
  body?: string;
}

type Version = '1.0' | '2.0';

/** What parse() learned before it failed, so the error still carries the id and version. */
interface Parsed {
  version: Version;
  hasId: boolean;
  id: unknown;
  method?: string;
  params?: unknown[] | Record<string, unknown>;
}

interface RpcErrorObj {
  code: number;
  message: string;
}

/** Core's JSONRPCReplyObj: key order jsonrpc, result, error, id. */
function replyObj(p: Pick<Parsed, 'version' | 'hasId' | 'id'>, result: unknown, error?: RpcErrorObj) {
  const out: Record<string, unknown> = {};
  if (p.version === '2.0') out.jsonrpc = '2.0';
  if (!error) {
    out.result = result === undefined ? null : result;
    if (p.version === '1.0') out.error = null;
  } else {
    if (p.version === '1.0') out.result = null;
    out.error = error;
  }
  if (p.hasId) out.id = p.id;
  return out;
}

/** Core's JSONRPCRequest::parse; fills `into` as it goes and throws RpcError at the first fault. */
function parse(req: unknown, into: Parsed): void {
  if (typeof req !== 'object' || req === null || Array.isArray(req))
    throw new RpcError(RPC.INVALID_REQUEST, 'Invalid Request object');
  const r = req as Record<string, unknown>;
  into.hasId = Object.hasOwn(r, 'id');
  into.id = r.id;
  into.version = '1.0';
  const v = r.jsonrpc;
  if (v !== undefined && v !== null) {
    if (typeof v !== 'string') throw new RpcError(RPC.INVALID_REQUEST, 'jsonrpc field must be a string');
    if (v === '2.0') into.version = '2.0';
    else if (v !== '1.0') throw new RpcError(RPC.INVALID_REQUEST, 'JSON-RPC version not supported');
  }
  if (r.method === undefined || r.method === null) throw new RpcError(RPC.INVALID_REQUEST, 'Missing method');
  if (typeof r.method !== 'string') throw new RpcError(RPC.INVALID_REQUEST, 'Method must be a string');
  into.method = r.method;
  const params = r.params;
  if (Array.isArray(params)) into.params = params;
  else if (typeof params === 'object' && params !== null) into.params = params as Record<string, unknown>;
  else if (params === undefined || params === null) into.params = [];
  else throw new RpcError(RPC.INVALID_REQUEST, 'Params must be an array or object');
}

const isNotification = (p: Parsed) => p.version === '2.0' && !p.hasId;

function errorObj(e: unknown, onOther: (e: unknown) => void): RpcErrorObj {
  if (e instanceof RpcError) return { code: e.code, message: e.message };
  onOther(e);
  return { code: RPC.MISC_ERROR, message: (e as Error)?.message ?? String(e) };
}

/** Core's JSONErrorReply: the HTTP status of a failed lone request outside 2.0's catch. */
function errorStatus(code: number): number {
  if (code === RPC.INVALID_REQUEST) return 400;
  if (code === RPC.METHOD_NOT_FOUND) return 404;
  return 500;
}

/** BigInt-safe JSON (handlers convert amounts already; this is a guard). */
function stringify(value: unknown): string {
  return `${JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? Number(v) : v))}\n`;
}

/**
 * Answers one HTTP body. `onInternal` hears about errors that were not RpcErrors (bugs or
 * I/O failures), for the log; the client gets them as -1.
 */
export async function handleJsonRpc(
  text: string,
  exec: Executor,
  onInternal: (e: unknown) => void = () => undefined,
): Promise<HttpReply> {
  const fresh = (): Parsed => ({ version: '1.0', hasId: true, id: null });
  const fatal = (p: Parsed, err: RpcErrorObj): HttpReply => ({
    status: errorStatus(err.code),
    body: stringify(replyObj(p, null, err)),
  });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return fatal(fresh(), { code: RPC.PARSE_ERROR, message: 'Parse error' });
  }
  if (Array.isArray(body)) {
    const out: unknown[] = [];
    const p = fresh();
    for (const req of body) {
      let reply: object;
      try {
        parse(req, p);
        reply = replyObj(p, await exec(p.method!, p.params!));
      } catch (e) {
        reply = replyObj(p, null, errorObj(e, onInternal));
      }
      if (!isNotification(p)) out.push(reply);
    }
    if (out.length === 0 && body.length > 0) return { status: 204 };
    return { status: 200, body: stringify(out) };
  }
  if (typeof body !== 'object' || body === null)
    return fatal(fresh(), { code: RPC.PARSE_ERROR, message: 'Top-level object parse error' });
  const p = fresh();
  try {
    parse(body, p);
  } catch (e) {
    return fatal(p, errorObj(e, onInternal));
  }
  let reply: object;
  try {
    reply = replyObj(p, await exec(p.method!, p.params!));
  } catch (e) {
    const err = errorObj(e, onInternal);
    // Legacy requests fail with an HTTP error; 2.0 ones carry the error in a 200.
    if (p.version === '1.0') return fatal(p, err);
    reply = replyObj(p, null, err);
  }
  if (isNotification(p)) return { status: 204 };
  return { status: 200, body: stringify(reply) };
}
