/**
 * `gossip-node dht status|lookup <manifest id>`: asks a running node over its admin RPC
 * (getdhtinfo, getproviders), with the cookie of its data directory, as bitcoin-cli does.
 * Exit codes: 0 done, 1 the node cannot be reached or answers an error, 3 no provider found.
 */
import { readFile } from 'node:fs/promises';
import { cookiePath } from './rpc/server.js';

export interface DhtCliTarget {
  datadir: string;
  rpcHost: string;
  rpcPort: number;
  cookieFile?: string | undefined;
  /** rpc-user and rpc-password, when set, instead of the cookie. */
  user?: string | undefined;
  password?: string | undefined;
}

async function call(t: DhtCliTarget, method: string, params: unknown[]): Promise<unknown> {
  let cookie: string;
  if (t.user !== undefined && t.password !== undefined) cookie = `${t.user}:${t.password}`;
  else {
    const path = cookiePath(t.datadir, t.cookieFile);
    try {
      cookie = (await readFile(path, 'utf8')).trim();
    } catch {
      throw new Error(`no cookie at ${path}: is the node running with this datadir?`);
    }
  }
  const host = t.rpcHost === '0.0.0.0' ? '127.0.0.1' : t.rpcHost.includes(':') ? `[${t.rpcHost}]` : t.rpcHost;
  const res = await fetch(`http://${host}:${t.rpcPort}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(cookie).toString('base64')}`,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(120_000),
  });
  const body = (await res.json()) as { result?: unknown; error?: { code: number; message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message} (${body.error.code})`);
  return body.result;
}

/** Runs the command; returns the exit code. */
export async function runDhtCommand(
  t: DhtCliTarget,
  action: string,
  id: string | undefined,
  json: boolean,
  out: (line: string) => void,
): Promise<number> {
  if (action === 'status') {
    const info = (await call(t, 'getdhtinfo', [])) as Record<string, unknown>;
    if (json) out(JSON.stringify(info, null, 2));
    else for (const [k, v] of Object.entries(info)) out(`${k}: ${v}`);
    return 0;
  }
  if (action === 'lookup') {
    if (!id) throw new Error('lookup needs a manifest id (64 hex digits)');
    const found = (await call(t, 'getproviders', [id])) as {
      nodeid: string;
      host: string;
      port: number;
      expires: number;
    }[];
    if (json) out(JSON.stringify(found, null, 2));
    else
      for (const p of found)
        out(`${p.host}:${p.port} ${p.nodeid} expires=${new Date(p.expires * 1000).toISOString()}`);
    return found.length > 0 ? 0 : 3;
  }
  throw new Error(`unknown dht action '${action}' (status or lookup)`);
}
