/**
 * Admin RPC methods of file sharing (docs/files.md), beside Core's in methods.ts: sharefile,
 * fetchfile, listfiles, getfileinfo, removefile. A FilesError becomes an RPC error whose
 * message starts with its stable code ("NOT_ANCHORED: ..."), which the CLI prints as one line.
 */
import { type FileInfo, FilesError, type NodeFiles, type RpcNode } from '../api.js';
import { RPC, RpcError } from './errors.js';
import type { RpcHandler } from './jsonrpc.js';

function str(v: unknown, name: string): string {
  if (typeof v !== 'string' || v.length === 0) throw new RpcError(RPC.TYPE_ERROR, `${name} must be a string`);
  return v;
}

function optStr(v: unknown, name: string): string | undefined {
  return v === undefined || v === null ? undefined : str(v, name);
}

async function wrap<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof FilesError) throw new RpcError(RPC.MISC_ERROR, `${e.code}: ${e.message}`);
    throw e;
  }
}

const isId = (s: string) => /^[0-9a-f]{64}$/.test(s);
/** How long a waiting fetchfile looks for a provider before it fails NO_PROVIDERS. */
const DEFAULT_FIND_TIMEOUT_S = 60;

export function filesMethods(node: RpcNode): Record<string, RpcHandler> {
  const files = (): NodeFiles => {
    if (!node.files) throw new RpcError(RPC.MISC_ERROR, 'file sharing is off (it needs the P2P layer)');
    return node.files;
  };
  const id = (v: unknown) => {
    const s = str(v, 'id').toLowerCase();
    if (!isId(s)) throw new RpcError(RPC.INVALID_PARAMETER, 'id must be 64 hex digits');
    return s;
  };
  return {
    /** sharefile "path" ( "proofpath" ): add a file anchored on the chain to the store. */
    sharefile: (params) => wrap(() => files().share(str(params[0], 'path'), optStr(params[1], 'proofpath'))),

    /**
     * fetchfile "id|proof" ( "output" wait timeout ): start fetching by manifest id, anchor id
     * or a proof's JSON text; with wait true, answer once the file is whole and written, or
     * fail NO_PROVIDERS if no provider (connected, or named by the DHT) is found within
     * `timeout` seconds (default 60).
     */
    fetchfile: (params) =>
      wrap(async () => {
        const target = str(params[0], 'target').trim();
        const output = optStr(params[1], 'output') ?? null;
        const timeout = params[3] ?? DEFAULT_FIND_TIMEOUT_S;
        if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0 || timeout > 86_400)
          throw new RpcError(
            RPC.INVALID_PARAMETER,
            'timeout must be a number of seconds, 0 < timeout <= 86400',
          );
        const started = await files().fetch(
          target.startsWith('{') ? { proof: target } : { id: id(target) },
          output,
        );
        if (params[2] === true) {
          await files().whenComplete(started.id, { findTimeoutMs: Math.round(timeout * 1000) });
          return (await files().get(started.id)) as FileInfo;
        }
        return started;
      }),

    listfiles: () => wrap(() => files().list()),

    /** getfilesstats: the files service's counters since start (bytes served, chunks hashed, ...). */
    getfilesstats: () => ({ ...files().counters }),

    getfileinfo: (params) =>
      wrap(async () => {
        const info = await files().get(id(params[0]));
        if (!info) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'NOT_FOUND: no such file in the store');
        return info;
      }),

    removefile: (params) =>
      wrap(async () => {
        if (!(await files().remove(id(params[0]))))
          throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'NOT_FOUND: no such file in the store');
        return null;
      }),
  };
}
