/** Runs one scenario into a report directory: what `npm run sim` and the tests call. */
import { mkdirSync } from 'node:fs';
import { SimNetwork } from './network.js';
import { type Report, writeReport } from './report.js';
import { findScenario } from './scenarios/index.js';

export interface RunOptions {
  scenario: string;
  out: string;
  nodes?: number;
  hours?: number;
  seed?: string;
  txRate?: number;
  /** Called with each network once built, and after each simulated minute (progress lines). */
  progress?: (sim: SimNetwork) => void;
}

export class SimUsageError extends Error {
  readonly code = 'SIM_USAGE';
}

export async function runScenario(o: RunOptions): Promise<Report> {
  const startedAt = Date.now();
  const scenario = findScenario(o.scenario);
  if (!scenario) throw new SimUsageError(`unknown scenario: ${o.scenario}`);
  const p = {
    nodes: o.nodes ?? scenario.defaults.nodes,
    hours: o.hours ?? scenario.defaults.hours,
    seed: o.seed ?? '1',
    txRate: o.txRate ?? scenario.defaults.txRate,
  };
  if (!(Number.isInteger(p.nodes) && p.nodes >= 2))
    throw new SimUsageError(`--nodes must be an integer >= 2, got ${p.nodes}`);
  if (!(p.hours > 0)) throw new SimUsageError(`--hours must be > 0, got ${p.hours}`);
  if (!(p.txRate >= 0)) throw new SimUsageError(`--tx-rate must be >= 0, got ${p.txRate}`);
  mkdirSync(o.out, { recursive: true });
  // A coin comes round again after coins / rate seconds: keep that over ~15 min, so its parent is mined.
  const coins = Math.max(200, Math.ceil(p.txRate * 900));
  const outcome = await scenario.run(p, async (nodes, tag, configure) => {
    const sim = await SimNetwork.create({
      nodes,
      seed: `${p.seed}${tag}`,
      dir: o.out,
      coins,
      ...(configure ? { configure } : {}),
    });
    if (o.progress) {
      sim.onMinute = o.progress;
      o.progress(sim);
    }
    return sim;
  });
  if (outcome.sim.failure) throw outcome.sim.failure;
  return writeReport(o.out, { scenario: scenario.name, ...p }, outcome, { startedAt });
}
