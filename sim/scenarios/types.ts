/**
 * What a scenario is: a name, defaults, and a `run` that schedules its events on a built
 * network and returns findings of its own (partition outcome, eclipse table) for the report.
 * The file-sharing (issue 12) and DHT (issue 13) scenarios plug in here the same way: a file in
 * sim/scenarios/ and a line in index.ts.
 */
import type { NodeConfig } from '../../node/node.js';
import type { SimNetwork } from '../network.js';

/** Builds the scenario's network (`tag` varies the seed; `configure` as SimOptions.configure). */
export type MakeNetwork = (
  nodes: number,
  tag: string,
  configure?: (sim: SimNetwork) => (index: number) => Partial<NodeConfig>,
) => Promise<SimNetwork>;

export interface ScenarioParams {
  nodes: number;
  hours: number;
  seed: string;
  /** Payments per second (scenario default when undefined). */
  txRate?: number;
}

export interface Scenario {
  name: string;
  summary: string;
  defaults: { nodes: number; hours: number; txRate: number };
  /**
   * Runs the scenario. Simple scenarios use the one network `make` builds; some (eclipse) build
   * several. Returns the network whose figures the report shows, and findings.
   */
  run(p: Required<ScenarioParams>, make: MakeNetwork): Promise<ScenarioOutcome>;
}

export interface ScenarioOutcome {
  sim: SimNetwork;
  /** Virtual ms since the epoch when measured load started (after warm-up) and ended. */
  from: number;
  until: number;
  findings: Record<string, unknown>;
  /** Lines for the markdown summary. */
  notes: string[];
}

/** Virtual minutes for addresses to spread and outbound slots to fill before load starts. */
export const WARMUP_MS = 5 * 60_000;
