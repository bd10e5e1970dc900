/**
 * The network steps: start three nodes that know only node 1 (a seeds file naming it, so
 * nodes 2 and 3 must find each other through bootstrap and addr gossip), and wait until the
 * peers are connected.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NodeClient } from './client.js';
import { client, type Devnet, type Step } from './context.js';
import { shown } from './paths.js';
import { HOST, NODE_COUNT } from './ports.js';
import { spawnNode, waitReady } from './processes.js';
import { poll } from './wait.js';

const START_TIMEOUT_MS = 30_000;
const PEERS_TIMEOUT_MS = 30_000;

async function startNodes(d: Devnet): Promise<string[]> {
  const seeds = join(d.dir, 'seeds.json');
  await writeFile(seeds, `${JSON.stringify({ main: [], regtest: [`${HOST}:${d.layout[0]!.p2p}`] })}\n`);
  const start = async (i: number) => {
    const node = await spawnNode(d.layout[i]!, d.dir, seeds, d.children);
    const c = new NodeClient(node, d.signal);
    d.nodes.push(node);
    d.clients.push(c);
    d.watch(node);
    return () => waitReady(node, async () => (await c.nodeId()) !== undefined, d.signal, START_TIMEOUT_MS);
  };
  // Node 1 first: the others' only seed, so they find it listening instead of backing off.
  await (await start(0))();
  const rest = [await start(1), await start(2)];
  await Promise.all(rest.map((ready) => ready()));
  return d.nodes.map(
    (n) =>
      `node ${n.index}  ${n.url}/  rpc ${n.ports.rpc}  p2p ${n.ports.p2p}  log ${shown(n.logPath)}${n.index === 1 ? '  (miner)' : ''}`,
  );
}

/** Every node has a peer, and nodes 2 and 3, whose seeds named only node 1, are connected. */
async function waitPeers(d: Devnet): Promise<string[]> {
  const ids = await Promise.all(d.clients.map(async (c) => (await c.nodeId()) ?? ''));
  const peers = await poll(
    async (progress) => {
      const all = await Promise.all(d.clients.map((c) => c.peers()));
      const counts = all.map((p, i) => `node ${i + 1}: ${p.length}`).join(', ');
      const linked = all[1]!.some((p) => p.nodeId === ids[2]) && all[2]!.some((p) => p.nodeId === ids[1]);
      progress(`peers ${counts}; nodes 2 and 3 ${linked ? '' : 'not '}connected`);
      return all.every((p) => p.length > 0) && linked ? all : undefined;
    },
    { what: 'connected peers', timeoutMs: PEERS_TIMEOUT_MS, intervalMs: 250, signal: d.signal },
  );
  const name = (id: string) => {
    const k = ids.indexOf(id);
    return k < 0 ? `other ${id}` : `node ${k + 1}`;
  };
  return [
    ...peers.map(
      (list, i) =>
        `node ${i + 1}: ${list.length} peer(s): ${list.map((p) => `${name(p.nodeId)} (${p.direction})`).join(', ')}`,
    ),
    'nodes 2 and 3 found each other through node 1 (seeds name only node 1)',
  ];
}

/** Waits until nodes 2..3 have node 1's block at `height` in their best chain. */
export async function waitSynced(d: Devnet, height: number, hash: string, timeoutMs: number): Promise<void> {
  await poll(
    async (progress) => {
      const seen = await Promise.all([2, 3].map((i) => client(d, i).hashAt(height)));
      progress(
        seen.map((h, k) => `node ${k + 2} ${h === hash ? 'has' : 'lacks'} block ${height}`).join(', '),
      );
      return seen.every((h) => h === hash) ? true : undefined;
    },
    { what: `block ${height} on nodes 2 and 3`, timeoutMs, intervalMs: 200, signal: d.signal },
  );
}

export const NETWORK_STEPS: Step[] = [
  { title: `${NODE_COUNT} regtest nodes started on 127.0.0.1`, run: startNodes },
  { title: 'peers connected', run: waitPeers },
];
