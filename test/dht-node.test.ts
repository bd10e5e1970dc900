/**
 * The DHT inside FullNode (docs/dht.md): three regtest nodes on the in-memory network join
 * through the first one's DHT port; the admin RPC reports the routing table and answers
 * `getproviders` (an unanchored id at once, with no walk); the identity key is kept in the
 * data directory, private to its owner.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDhtCommand } from '../node/dht-cli.js';
import { MemoryNetwork } from '../node/p2p/transport/memory.js';
import { rpcError, startTestNode, stopTestNodes, type TestNode } from './helpers/node.js';

afterAll(stopTestNodes);

async function until(what: string, cond: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the DHT in a node', () => {
  it('joins, reports itself over RPC and answers an unanchored id without a walk', async () => {
    const net = new MemoryNetwork({ link: { latencyMs: 1 } });
    const nodes: TestNode[] = [];
    for (const i of [1, 2, 3]) {
      const host = `10.0.0.${i}`;
      nodes.push(
        await startTestNode({
          p2p: false,
          p2pTransport: net.transport(host),
          dht: { port: 7000, host, bootstrap: i === 1 ? [] : ['10.0.0.1:7000'] },
        }),
      );
    }
    for (const t of nodes)
      await until('a routing table of the other two', async () => {
        const info = await t.rpc<{ routingtablesize: number }>('getdhtinfo');
        return info.routingtablesize === 2;
      });
    const info = await nodes[2]!.rpc<Record<string, unknown>>('getdhtinfo');
    expect(info).toMatchObject({ port: 7000, recordsstored: 0, providing: 0, lookups: 0 });
    expect(info.nodeid).toMatch(/^[0-9a-f]{64}$/);

    const unanchored = 'ab'.repeat(32);
    expect(await nodes[2]!.rpc('getproviders', [unanchored])).toEqual([]);
    expect((await nodes[2]!.rpc<{ lookups: number }>('getdhtinfo')).lookups).toBe(0);
    expect((await rpcError(nodes[2]!.rpc('getproviders', ['zz']))).code).toBe(-8);

    const metrics = await (await fetch(`${nodes[2]!.url}/metrics`)).text();
    expect(metrics).toMatch(/^gossip_dht_routing_table_size 2$/m);
    expect(metrics).toMatch(/^gossip_dht_records_stored 0$/m);
    expect(metrics).toMatch(/^gossip_dht_lookup_latency_p90_ms 0$/m);

    // gossip-node dht status|lookup, as the command runs them.
    const u = new URL(nodes[2]!.rpcUrl);
    const target = { datadir: nodes[2]!.datadir, rpcHost: u.hostname, rpcPort: Number(u.port) };
    const lines: string[] = [];
    expect(await runDhtCommand(target, 'status', undefined, false, (l) => lines.push(l))).toBe(0);
    expect(lines).toContain('routingtablesize: 2');
    expect(await runDhtCommand(target, 'lookup', unanchored, true, (l) => lines.push(l))).toBe(3);
    expect(lines.at(-1)).toBe('[]');
    await expect(runDhtCommand(target, 'lookup', 'zz', false, () => {})).rejects.toThrow(/manifestid/);
    await expect(runDhtCommand(target, 'scan', undefined, false, () => {})).rejects.toThrow(
      /unknown dht action/,
    );

    const key = await stat(join(nodes[0]!.datadir, 'dht.key'));
    expect([key.size, key.mode & 0o777]).toEqual([32, 0o600]);
  }, 120_000);

  it('says the DHT is off when it is', async () => {
    const t = await startTestNode({ p2p: false });
    expect((await rpcError(t.rpc('getdhtinfo'))).code).toBe(-1);
  }, 60_000);
});
