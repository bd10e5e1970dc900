/**
 * In-process regtest FullNodes with the P2P layer on 127.0.0.1, or on the transport and host a
 * test passes (NodeConfig's p2pTransport, p2pHost): ephemeral ports, temp data dirs, short
 * timers, relay delay 0 unless asked, for the network integration tests.
 * `restartP2PNode` stops a node and starts it again on the same data dir; `stopP2PNodes` (for
 * afterAll/afterEach) stops every node started here and removes the data dirs.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FullNode, type NodeConfig } from '../../node/node.js';
import type { P2PTuning } from '../../node/p2p/config.js';
import { addrKey } from '../../node/p2p/netaddr.js';
import { COOKIE_USER } from '../../node/rpc/auth.js';
import { basicAuth, RpcCallError } from './node.js';

/** Timers short enough for tests, long enough for a loaded 2-core machine. */
export const TEST_TUNING: Partial<P2PTuning> = {
  timings: {
    tickMs: 100,
    handshakeTimeoutMs: 5_000,
    seedDelayMs: 500,
    seedRetryBaseMs: 500,
    seedRetryMaxMs: 2_000,
    manualRetryBaseMs: 200,
    manualRetryMaxMs: 1_000,
    connectTimeoutMs: 2_000,
    // Tests count peers and connections; a feeler coming and going would race them.
    // test/p2p-feeler.test.ts turns feelers on.
    feelerIntervalMs: 0,
  },
  sync: { stallTimeoutMs: 3_000, blockTimeoutMs: 15_000 },
  txRelay: { requestTimeoutMs: 5_000 },
  addrbook: { backoffBaseMs: 200, backoffMaxMs: 2_000 },
};

export interface NetNode {
  node: FullNode;
  datadir: string;
  /** "<p2p host>:<p2p port>" (127.0.0.1 unless the test chose another host). */
  addr: string;
  config: NodeConfig;
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
}

const started = new Set<NetNode>();
const dirs = new Set<string>();

export type NetNodeOptions = Partial<Omit<NodeConfig, 'network' | 'datadir'>> & { datadir?: string };

export async function startNetNode(opts: NetNodeOptions = {}): Promise<NetNode> {
  const datadir = opts.datadir ?? (await mkdtemp(join(tmpdir(), 'gl-p2p-')));
  dirs.add(datadir);
  const config: NodeConfig = {
    httpHost: '127.0.0.1',
    httpPort: 0,
    p2pPort: 0,
    p2pHost: '127.0.0.1',
    mine: false,
    mineWorkers: 1,
    logLevel: (process.env.P2P_TEST_LOG as NodeConfig['logLevel']) ?? 'silent',
    relayDelayMs: 0,
    p2pTuning: TEST_TUNING,
    ...opts,
    network: 'regtest',
    datadir,
  };
  const node = await FullNode.start(config);
  const t: NetNode = {
    node,
    datadir,
    config,
    addr: addrKey(config.p2pHost ?? '127.0.0.1', node.p2p!.listenPort),
    rpc: (method, params) => rpcCall(node, method, params),
  };
  started.add(t);
  return t;
}

async function rpcCall<T>(node: FullNode, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(`${node.rpcUrl}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: basicAuth(`${COOKIE_USER}:${node.auth.secret}`),
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await res.json()) as { result?: T; error?: { code: number; message: string } };
  if (body.error) throw new RpcCallError(body.error.code, body.error.message);
  return body.result as T;
}

export async function stopNetNode(t: NetNode): Promise<void> {
  started.delete(t);
  await t.node.stop();
}

/** Stops the node and starts it again on the same data dir and P2P port. */
export async function restartNetNode(t: NetNode, opts: NetNodeOptions = {}): Promise<NetNode> {
  const port = t.node.p2p!.listenPort;
  await stopNetNode(t);
  const { network: _n, datadir: _d, ...rest } = t.config;
  return startNetNode({ ...rest, p2pPort: port, ...opts, datadir: t.datadir });
}

export async function stopNetNodes(): Promise<void> {
  await Promise.all([...started].map((t) => stopNetNode(t).catch(() => undefined)));
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  dirs.clear();
}

/** A temporary seeds file naming `entries` for regtest. */
export async function writeSeeds(entries: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gl-seeds-'));
  dirs.add(dir);
  const path = join(dir, 'seeds.json');
  await writeFile(path, JSON.stringify({ main: [], regtest: entries }));
  return path;
}

/** Polls `cond` every `every` ms; throws naming `what` if it is not true within `ms`. */
export async function waitFor(
  what: string,
  cond: () => boolean | Promise<boolean>,
  ms = 20_000,
  every = 50,
): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

export const tipOf = (t: NetNode) => t.node.chain.tip.hashHex;
