import { it } from 'vitest';
import { runScenario } from '../sim/run.js';

it('smoke', async () => {
  const t0 = Date.now();
  const r = await runScenario({
    scenario: 'blocks',
    nodes: 50,
    hours: 2,
    seed: 'seed-1',
    out: '/tmp/h3sim/t1',
    txRate: 0.02,
  });
  console.log(Date.now() - t0, JSON.stringify(r.findings));
}, 600_000);
