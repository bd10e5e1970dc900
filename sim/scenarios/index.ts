/** The scenarios by name. File sharing (issue 12) and the DHT (issue 13) add theirs here. */
import { churn } from './churn.js';
import { eclipse } from './eclipse.js';
import { files } from './files.js';
import { partition } from './partition.js';
import { blocks, txRelay } from './steady.js';
import type { Scenario } from './types.js';

export const SCENARIOS: readonly Scenario[] = [txRelay, blocks, churn, partition, eclipse, files];

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
