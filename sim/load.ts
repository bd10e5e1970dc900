/**
 * The two loads every scenario draws on, as Poisson processes on the virtual clock: blocks found
 * by miners chosen by hash share (mean interval 60 s: the main network's target spacing), and
 * payments submitted at random online nodes. Each arrival schedules the next, all drawn from
 * the network's seeded stream, so a run replays exactly.
 */
import type { SimNetwork } from './network.js';

export interface LoadOptions {
  /** Virtual ms since the epoch to start and stop. */
  from: number;
  until: number;
}

export function blockLoad(
  sim: SimNetwork,
  o: LoadOptions & { meanMs?: number; miner?: () => number | null },
): void {
  const mean = o.meanMs ?? 60_000;
  const next = (t: number) => {
    const at = t + sim.expWait(mean);
    if (at >= o.until) return;
    sim.at(at, async () => {
      next(at);
      const i = (o.miner ?? (() => sim.pickMiner()))();
      if (i !== null) await sim.mine(i);
    });
  };
  next(o.from);
}

export function txLoad(
  sim: SimNetwork,
  o: LoadOptions & { perSecond: number; origin?: () => { node: number | null; lane: number } },
): void {
  if (o.perSecond <= 0) return;
  const mean = 1000 / o.perSecond;
  const next = (t: number) => {
    const at = t + sim.expWait(mean);
    if (at >= o.until) return;
    sim.at(at, async () => {
      next(at);
      const { node, lane } = o.origin ? o.origin() : { node: sim.pickOnline(), lane: 0 };
      if (node !== null) await sim.pay(node, lane);
    });
  };
  next(o.from);
}
