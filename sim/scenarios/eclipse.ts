/**
 * Eclipse (Heilman et al., "Eclipse Attacks on Bitcoin's Peer-to-Peer Network", USENIX
 * Security 2015): an attacker runs K% of the network's nodes (so K% of the addresses gossiped)
 * and points every one of them at one victim (`addnode`), taking its inbound slots. The victim
 * is eclipsed when none of its peers is honest. Attacker nodes run the same code (they relay
 * honestly; only their placement is hostile): this measures whether the victim's outbound
 * choice, one per /16 from a gossiped address book, finds an honest node. Not modelled: address
 * flooding beyond one address per attacker node, restarts of the victim (the simulated address
 * book is not persisted), and attackers withholding blocks.
 *
 * One network per K (default 10, 30, 50, 70, 90%), each with the scenario's node count and
 * duration; the report's figures are those of the last one.
 */
import { blockLoad, txLoad } from '../load.js';
import { SIM_EPOCH_MS, type SimNetwork } from '../network.js';
import { type Scenario, WARMUP_MS } from './types.js';

export const ATTACKER_SHARES = [0.1, 0.3, 0.5, 0.7, 0.9];

export interface EclipseRow {
  attackerShare: number;
  attackers: number;
  victimOutbound: number;
  victimOutboundHonest: number;
  victimInbound: number;
  victimInboundHonest: number;
  eclipsed: boolean;
}

export const eclipse: Scenario = {
  name: 'eclipse',
  summary: 'an attacker with K% of the nodes surrounds one victim; does the victim keep an honest peer?',
  defaults: { nodes: 60, hours: 0.5, txRate: 0.2 },
  async run(p, make) {
    const rows: EclipseRow[] = [];
    let last: { sim: SimNetwork; from: number; until: number } | null = null;
    for (const share of ATTACKER_SHARES) {
      const victim = p.nodes - 1;
      // Attackers among the non-seed nodes, chosen by a seeded draw in `make`'s network.
      let attackers = new Set<number>();
      const sim = await make(p.nodes, `eclipse-${share}`, (s) => {
        const pool = s.nodes.map((n) => n.index).filter((i) => i >= s.opts.seedNodes && i !== victim);
        const k = Math.min(pool.length, Math.round(share * p.nodes));
        for (let j = pool.length - 1; j > 0; j--) {
          const r = Math.floor(s.random.float() * (j + 1));
          [pool[j], pool[r]] = [pool[r]!, pool[j]!];
        }
        attackers = new Set(pool.slice(0, k));
        return (i) => (attackers.has(i) ? { addNodes: [`${s.nodes[victim]!.host}:18444`] } : {});
      });
      const from = SIM_EPOCH_MS + WARMUP_MS;
      const until = from + p.hours * 3_600_000;
      blockLoad(sim, { from, until });
      txLoad(sim, { from, until, perSecond: p.txRate });
      await sim.runUntil(until);
      const hostToIndex = new Map(sim.nodes.map((n) => [n.host, n.index]));
      const peers = sim.nodes[victim]!.node!.peerInfo();
      const honest = (addr: string) => !attackers.has(hostToIndex.get(addr.replace(/:\d+$/, '')) ?? -1);
      const out = peers.filter((x) => x.direction === 'outbound');
      const inb = peers.filter((x) => x.direction === 'inbound');
      const row: EclipseRow = {
        attackerShare: share,
        attackers: attackers.size,
        victimOutbound: out.length,
        victimOutboundHonest: out.filter((x) => honest(x.addr)).length,
        victimInbound: inb.length,
        victimInboundHonest: inb.filter((x) => honest(x.addr)).length,
        eclipsed: false,
      };
      row.eclipsed = row.victimOutboundHonest + row.victimInboundHonest === 0;
      rows.push(row);
      if (last) await last.sim.stopAll();
      last = { sim, from, until };
    }
    const firstEclipsed = rows.find((r) => r.eclipsed)?.attackerShare ?? null;
    return {
      ...last!,
      findings: { rows, eclipsedAt: firstEclipsed },
      notes: [
        '| attacker share | attackers | victim outbound (honest) | victim inbound (honest) | eclipsed |',
        '| --- | --- | --- | --- | --- |',
        ...rows.map(
          (r) =>
            `| ${r.attackerShare * 100}% | ${r.attackers} (${Math.round((100 * r.attackers) / p.nodes)}% of nodes) | ${r.victimOutbound} (${r.victimOutboundHonest}) | ${r.victimInbound} (${r.victimInboundHonest}) | ${r.eclipsed ? 'yes' : 'no'} |`,
        ),
        'Attackers are drawn from the nodes that are neither seeds nor the victim, so a small network caps their real share.',
        firstEclipsed === null
          ? 'The victim kept an honest peer at every attacker share tried.'
          : `The victim was eclipsed at an attacker share of ${firstEclipsed * 100}%.`,
      ],
    };
  },
};
