/**
 * The steady network: 60-s blocks from miners weighted by hash share and a Poisson payment
 * load, on a network left alone. `tx-relay` and `blocks` are this with different default tx
 * rates (5/s, the load; and 1/s, to look at blocks). At the end the loads stop and the
 * network gets quiet time for the last items to spread, then one last block confirms the rest.
 */

import { blockLoad, txLoad } from '../load.js';
import { SIM_EPOCH_MS } from '../network.js';
import { type Scenario, WARMUP_MS } from './types.js';

/** Quiet virtual time at the end for the last items to reach everyone. */
export const COOLDOWN_MS = 2 * 60_000;

function steady(name: string, summary: string, txRate: number): Scenario {
  return {
    name,
    summary,
    defaults: { nodes: 50, hours: 1, txRate },
    async run(p, make) {
      const sim = await make(p.nodes, '');
      const from = SIM_EPOCH_MS + WARMUP_MS;
      const until = from + p.hours * 3_600_000;
      blockLoad(sim, { from, until });
      txLoad(sim, { from, until, perSecond: p.txRate });
      await sim.runUntil(until + COOLDOWN_MS);
      return { sim, from, until, findings: {}, notes: [] };
    },
  };
}

export const txRelay = steady('tx-relay', 'Poisson payments at 5 tx/s with 60-s blocks', 5);
export const blocks = steady('blocks', '60-s blocks from miners weighted by hash share, 1 tx/s', 1);
