/**
 * Churn: nodes leave and come back while blocks and payments flow. Departures are a Poisson
 * process of 10% of the nodes per hour (the rate; Bitcoin's reachable nodes churn more,
 * Imtiaz et al. 2019); a departed node stays away an exponential time (mean 30 min) and
 * returns with the chain it had, catching up through headers-first sync as a real node does.
 * Seed nodes and miners stay up, so the bootstrap path and the block rate stay what they are.
 */
import { blockLoad, txLoad } from '../load.js';
import { SIM_EPOCH_MS } from '../network.js';
import { COOLDOWN_MS } from './steady.js';
import { type Scenario, WARMUP_MS } from './types.js';

export const CHURN_PER_HOUR = 0.1;
const MEAN_AWAY_MS = 30 * 60_000;

export const churn: Scenario = {
  name: 'churn',
  summary: '10% of nodes leave per hour and return after ~30 min, with 60-s blocks and payments',
  defaults: { nodes: 50, hours: 2, txRate: 1 },
  async run(p, make) {
    const sim = await make(p.nodes, '');
    const from = SIM_EPOCH_MS + WARMUP_MS;
    const until = from + p.hours * 3_600_000;
    blockLoad(sim, { from, until });
    txLoad(sim, { from, until, perSecond: p.txRate });
    const stable = new Set(sim.nodes.filter((n) => n.hashShare > 0).map((n) => n.index));
    for (let i = 0; i < sim.opts.seedNodes; i++) stable.add(i);
    let left = 0;
    let returned = 0;
    const meanGap = 3_600_000 / (CHURN_PER_HOUR * p.nodes);
    const next = (t: number) => {
      const at = t + sim.expWait(meanGap);
      if (at >= until) return;
      sim.at(at, async () => {
        next(at);
        const candidates = sim.online().filter((n) => !stable.has(n.index));
        if (candidates.length === 0) return;
        const n = candidates[Math.floor(sim.random.float() * candidates.length)]!;
        left++;
        await sim.stopNode(n.index);
        sim.at(Math.min(at + sim.expWait(MEAN_AWAY_MS), until), async () => {
          returned++;
          await sim.startNode(n.index);
        });
      });
    };
    next(from);
    await sim.runUntil(until + COOLDOWN_MS);
    return {
      sim,
      from,
      until,
      findings: { departures: left, returns: returned },
      notes: [`${left} departures and ${returned} returns (${CHURN_PER_HOUR * 100}% of nodes per hour).`],
    };
  },
};
