/**
 * File sharing and the DHT as a FullNode wires them (docs/files.md, docs/dht.md): the file
 * service the P2P layer serves and fetches anchored files through, and the DHT of provider
 * records, whose bootstrap is retried with backoff and whose offenders join the node's ban
 * list. Moved out of node.ts, which still decides when each starts and stops.
 */
import { join } from 'node:path';
import type { NodeNetwork } from './api.js';
import type { Chain } from './chain/chain.js';
import { type Clock, forkRandom, type Random, unref } from './clock.js';
import { Dht } from './dht/dht.js';
import { loadOrCreateIdentity } from './dht/identity.js';
import { FilesService } from './files/service.js';
import type { FilesStorage } from './files/storage.js';
import type { Logger } from './log.js';
import { BAN_THRESHOLD } from './p2p/errors.js';
import { parseHostPort } from './p2p/netaddr.js';
import type { P2P } from './p2p/p2p.js';
import { TcpTransport } from './p2p/transport/tcp.js';
import type { Transport } from './p2p/transport/transport.js';
import { toHex } from './protocol/bytes.js';
import type { NetworkParams } from './protocol/params.js';

/** Tries of a DHT bootstrap whose nodes did not all answer, and the backoff between them. */
const DHT_BOOTSTRAP_TRIES = 6;
const DHT_BOOTSTRAP_RETRY_MS = 2_000;
const DHT_BOOTSTRAP_RETRY_MAX_MS = 60_000;

/** NodeConfig's `dht`: the DHT's port (0: any free one), its address, nodes to join through. */
export interface DhtSettings {
  port: number;
  host: string;
  bootstrap?: string[];
}

/** What of the node the wiring reads; the getters see parts started later or stopped since. */
export interface FilesWiring {
  /** The NodeConfig fields it reads (node-files.ts does not import node.ts: no cycle). */
  config: {
    datadir: string;
    filesMaxBytes?: number;
    filesGroupBytes?: number;
    filesStorage?: FilesStorage;
    p2pTransport?: Transport;
  };
  params: NetworkParams;
  chain: Chain;
  clock: Clock;
  random: Random;
  log: Logger;
  p2p(): P2P | undefined;
  network(): NodeNetwork | undefined;
  files(): FilesService | undefined;
  stopping(): boolean;
}

/** The file service under <datadir>/files (or the configured storage), before P2P starts. */
export function openFiles(node: FilesWiring): Promise<FilesService> {
  const c = node.config;
  return FilesService.open(
    {
      dir: join(c.datadir, 'files'),
      params: node.params,
      maxBytes: c.filesMaxBytes ?? 0,
      groupBytes: c.filesGroupBytes,
      storage: c.filesStorage,
    },
    { chain: node.chain, clock: node.clock, random: forkRandom(node.random), log: node.log.child('files') },
  );
}

/**
 * Starts the DHT, hands it to the file service (after P2P, whose port its records name), and
 * joins through the bootstrap nodes.
 */
export async function startDht(o: DhtSettings, node: FilesWiring): Promise<Dht> {
  const dht = new Dht({
    identity: await loadOrCreateIdentity(join(node.config.datadir, 'dht.key')),
    transport: node.config.p2pTransport ?? new TcpTransport(),
    magic: node.params.magic,
    clock: node.clock,
    random: node.random,
    host: o.host,
    port: o.port,
    isAnchored: async (id) => (await node.chain.getAnchor(id)) !== null,
    // Records name the P2P port: the files protocol runs there, not on the DHT's port.
    servePort: () => node.p2p()?.conns.listenPort ?? 0,
    // The consequence map decides the score; the DHT keeps it per address, and at the
    // threshold the address joins the node's ban list, as a P2P offence would.
    punish: (host, c) => {
      node.log.warn('dht peer misbehaved', { host, reason: c.reason, score: c.score });
      if (c.score >= BAN_THRESHOLD) node.network()?.ban(host, 24 * 3600, c.reason);
    },
    tablePath: join(node.config.datadir, 'dht-table.json'),
  });
  await dht.start();
  const boot = (o.bootstrap ?? []).map((t) => parseHostPort(t));
  node.log.info('dht started', { port: dht.port, nodeId: toHex(dht.id), table: dht.table.size });
  const p2p = node.p2p();
  const files = node.files();
  if (files && p2p)
    files.useDht(dht, {
      open: (host, port) => p2p.conns.openFileConnection(host, port),
      close: (host, port) => p2p.conns.closeFileConnection(host, port),
    });
  // Announcements made before the table was filled reached nobody: make them again.
  if (boot.length > 0) bootstrapDht(node, dht, boot, 1);
  return dht;
}

/**
 * Joins the DHT through its bootstrap nodes, then announces again (announcements made before
 * the table was filled reached nobody). A bootstrap node that did not answer (not up yet, or
 * its answer later than the query timeout on a loaded host) is tried again, with backoff, up
 * to DHT_BOOTSTRAP_TRIES times: a node that gave up after one try kept a table without it,
 * and learned of it only if it happened to query it later.
 */
function bootstrapDht(
  node: FilesWiring,
  dht: Dht,
  boot: { host: string; port: number }[],
  attempt: number,
): void {
  if (node.stopping()) return;
  dht
    .join(boot)
    .then((answered) => {
      if (node.stopping()) return;
      node.files()?.reprovide();
      if (answered >= boot.length || attempt >= DHT_BOOTSTRAP_TRIES) return;
      const delay = Math.min(DHT_BOOTSTRAP_RETRY_MAX_MS, DHT_BOOTSTRAP_RETRY_MS * 2 ** (attempt - 1));
      node.log.info('dht bootstrap nodes did not answer; trying again', {
        answered,
        of: boot.length,
        attempt,
        retryMs: delay,
      });
      unref(node.clock.setTimeout(() => bootstrapDht(node, dht, boot, attempt + 1), delay));
    })
    .catch((e) => node.log.warn('dht bootstrap failed', { error: (e as Error).message }));
}
