/**
 * In-process regtest FullNodes for end-to-end tests: each in its own temp datadir, HTTP and P2P
 * and JSON-RPC on ephemeral ports, logs silenced. `rpc(method, params)` speaks the node's
 * JSON-RPC 2.0 on its RPC port with the cookie (Basic `__cookie__:<secret>`, as bitcoin-cli does) and throws an
 * RpcCallError carrying the JSON-RPC error code. `stopTestNodes()` (for afterEach) stops every
 * node started here and removes its datadir.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FullNode, type NodeConfig } from '../../node/node.js';
import { Block } from '../../node/protocol/block.js';
import { fromHex } from '../../node/protocol/bytes.js';
import { COOKIE_USER } from '../../node/rpc/auth.js';

export class RpcCallError extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(`RPC error ${code}: ${message}`);
    this.name = 'RpcCallError';
    this.code = code;
  }
}

export interface TestNode {
  node: FullNode;
  /** Base URL of the HTTP server (explorer, API), e.g. http://127.0.0.1:41234. */
  url: string;
  /** Base URL of the JSON-RPC server. */
  rpcUrl: string;
  /** `__cookie__:<secret>`, the cookie file's content. */
  cookie: string;
  datadir: string;
  /** Calls a method; resolves to `result` or throws RpcCallError with the JSON-RPC code. */
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  /** A raw POST to the RPC server's `/`; `auth` null sends no Authorization header. */
  post(body: string, auth?: string | null): Promise<Response>;
}

const started: { node: FullNode; datadir: string }[] = [];

export function basicAuth(userPass: string): string {
  return `Basic ${Buffer.from(userPass).toString('base64')}`;
}

/** `overrides` change the node's config (e.g. `p2p: false`, `maxFeeRate`). */
export async function startTestNode(overrides: Partial<NodeConfig> = {}): Promise<TestNode> {
  const datadir = await mkdtemp(join(tmpdir(), 'gl-node-'));
  let node: FullNode;
  try {
    node = await FullNode.start({
      network: 'regtest',
      datadir,
      httpHost: '127.0.0.1',
      httpPort: 0,
      rpcPort: 0,
      p2pPort: 0,
      mine: false,
      mineWorkers: 1,
      logLevel: 'silent',
      ...overrides,
    });
  } catch (e) {
    await rm(datadir, { recursive: true, force: true });
    throw e;
  }
  started.push({ node, datadir });
  const url = node.httpUrl;
  const rpcUrl = node.rpcUrl;
  const cookie = `${COOKIE_USER}:${node.auth.secret}`;
  const post = (body: string, auth: string | null = basicAuth(cookie)) =>
    fetch(`${rpcUrl}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(auth === null ? {} : { authorization: auth }) },
      body,
      signal: AbortSignal.timeout(30_000),
    });
  let seq = 0;
  const rpc = async <T>(method: string, params: unknown[] = []): Promise<T> => {
    const id = ++seq;
    const res = await post(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    if (res.status !== 200) throw new Error(`HTTP ${res.status} calling ${method}: ${await res.text()}`);
    const body = (await res.json()) as { id: unknown; result?: T; error?: { code: number; message: string } };
    if (body.id !== id) throw new Error(`response id ${String(body.id)} for request ${id}`);
    if (body.error) throw new RpcCallError(body.error.code, body.error.message);
    return body.result as T;
  };
  return { node, url, rpcUrl, cookie, datadir, rpc, post };
}

/** Stops every node started by startTestNode and removes its datadir. */
export async function stopTestNodes(): Promise<void> {
  for (const { node, datadir } of started.splice(0)) {
    await node.stop().catch(() => undefined);
    await rm(datadir, { recursive: true, force: true });
  }
}

/** Resolves to the RpcCallError a call fails with; fails the test if it succeeds. */
export async function rpcError(call: Promise<unknown>): Promise<RpcCallError> {
  try {
    await call;
  } catch (e) {
    if (e instanceof RpcCallError) return e;
    throw e;
  }
  throw new Error('expected the RPC call to fail');
}

/** Blocks `from`..`to` (heights, inclusive) of `src`'s main chain, read over RPC as raw hex. */
export async function blocksOf(src: TestNode, from: number, to: number): Promise<Block[]> {
  const out: Block[] = [];
  for (let h = from; h <= to; h++) {
    const hash = await src.rpc<string>('getblockhash', [h]);
    out.push(Block.fromBytes(fromHex(await src.rpc<string>('getblock', [hash, 0]))));
  }
  return out;
}

/** Feeds blocks to a node in order (as if from a peer); returns each AddResult status. */
export async function feedBlocks(dst: TestNode, blocks: readonly Block[]): Promise<string[]> {
  const statuses: string[] = [];
  for (const b of blocks) statuses.push((await dst.node.submitBlock(b)).status);
  return statuses;
}
