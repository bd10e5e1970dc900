/**
 * The devnet's ports. Fixed by default, so a README can name them: node i (1..3) serves its
 * JSON-RPC on base + 10(i-1), P2P on base + 1 + 10(i-1) and the explorer (page, API) on
 * httpBase + 10(i-1); the default bases 18443 and 3002 give node 1 regtest's own ports (RPC
 * 18443, P2P 18444, explorer 3002 as Esplora's regtest), node 2 18453/18454/3012, node 3
 * 18463/18464/3022. Base 0 takes free ephemeral ports for all of them (tests, parallel runs).
 */
import { createServer, type Server } from 'node:net';
import { DevnetError } from './errors.js';

export const DEFAULT_BASE_PORT = 18443;
export const DEFAULT_HTTP_BASE_PORT = 3002;
export const NODE_COUNT = 3;
export const HOST = '127.0.0.1';

export interface NodePorts {
  /** 1-based, as printed. */
  index: number;
  /** The explorer, its API and /metrics. */
  http: number;
  rpc: number;
  p2p: number;
}

/** The fixed layout for the base ports; throws BAD_OPTION when one does not fit below 65536. */
export function fixedLayout(base: number, httpBase = DEFAULT_HTTP_BASE_PORT): NodePorts[] {
  const span = 1 + 10 * (NODE_COUNT - 1);
  if (!Number.isInteger(base) || base < 1 || base + span > 65535) {
    throw new DevnetError('BAD_OPTION', `--base-port must be 0, or 1..${65535 - span}`);
  }
  if (!Number.isInteger(httpBase) || httpBase < 1 || httpBase + span - 1 > 65535) {
    throw new DevnetError('BAD_OPTION', `--http-base-port must be 1..${65535 - span + 1}`);
  }
  return Array.from({ length: NODE_COUNT }, (_, k) => ({
    index: k + 1,
    http: httpBase + 10 * k,
    rpc: base + 10 * k,
    p2p: base + 1 + 10 * k,
  }));
}

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen({ port, host: HOST, exclusive: true }, () => resolve(s));
  });
}

function close(s: Server): Promise<void> {
  return new Promise((resolve) => s.close(() => resolve()));
}

/** Fails with one line naming the first port that is taken. */
export async function checkFree(layout: NodePorts[]): Promise<void> {
  for (const n of layout) {
    for (const [kind, port] of [
      ['HTTP', n.http],
      ['RPC', n.rpc],
      ['P2P', n.p2p],
    ] as const) {
      let s: Server;
      try {
        s = await listen(port);
      } catch (e) {
        const why = (e as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'is in use' : 'cannot be bound';
        throw new DevnetError(
          'PORT_IN_USE',
          `port ${port} (node ${n.index} ${kind}) on ${HOST} ${why}: stop what holds it, or pass --base-port N / --http-base-port N (--base-port 0 picks free ports)`,
        );
      }
      await close(s);
    }
  }
}

/** Free ports picked by the OS: all held open at once so no two are the same, then released. */
export async function ephemeralLayout(): Promise<NodePorts[]> {
  const servers: Server[] = [];
  try {
    for (let k = 0; k < NODE_COUNT * 3; k++) servers.push(await listen(0));
    const port = (k: number) => (servers[k]!.address() as { port: number }).port;
    return Array.from({ length: NODE_COUNT }, (_, k) => ({
      index: k + 1,
      http: port(3 * k),
      rpc: port(3 * k + 1),
      p2p: port(3 * k + 2),
    }));
  } finally {
    await Promise.all(servers.map(close));
  }
}
