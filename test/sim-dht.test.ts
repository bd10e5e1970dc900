/**
 * The DHT scenario of the simulator (sim/dht-sim.ts) on a small network: every lookup by an
 * honest node finds an online provider in both networks (churn with silent nodes; hostile ids
 * answering wrong), the first provider's arrival is recorded for each, and the same seed replays
 * the same lookups. No timing is asserted.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDhtScenario, runDhtVariant } from '../sim/dht-sim.js';

const dirs: string[] = [];
const out = () => {
  const d = mkdtempSync(join(tmpdir(), 'gl-simdht-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const RUN = { nodes: 20, hours: 0.1, lookupsPerSecond: 0.2, files: 4, restMs: 65 * 60_000 };
const read = (dir: string) =>
  ['dht.jsonl', 'summary.md', 'lookup-latency.svg'].map((f) => readFileSync(join(dir, f), 'utf8'));

describe('npm run sim -- dht', () => {
  it('finds a live provider on every lookup, in both networks, and replays from its seed', async () => {
    const a = out();
    const report = await runDhtScenario({ ...RUN, seed: '7', out: a });
    expect(report.variants.map((v) => v.variant)).toEqual(['churn', 'hostile']);
    const [churn, hostile] = report.variants as [(typeof report.variants)[0], (typeof report.variants)[0]];
    expect(churn.silent).toBe(2);
    expect(hostile.hostile).toBe(2);
    for (const v of report.variants) {
      expect(v.lookups, v.variant).toBeGreaterThan(20);
      expect(v.succeeded, v.variant).toBe(v.lookups);
      expect(v.firstProviderMs.max, v.variant).not.toBeNull();
      expect(v.meanTableSize, v.variant).toBeGreaterThan(10);
      expect(v.restBytesPerNodeHour.sent, v.variant).toBeGreaterThan(0);
    }
    const rows = readFileSync(join(a, 'dht.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const lookups = rows.filter((r) => r.type === 'lookup');
    expect(lookups).toHaveLength(churn.lookups + hostile.lookups);
    for (const r of lookups)
      expect(r.firstMs === null ? Number.POSITIVE_INFINITY : r.firstMs).toBeLessThanOrEqual(r.ms);

    // The same seed replays the churn network's lookups exactly (one network, to keep it short).
    const again = await runDhtVariant('churn', { ...RUN, seed: '7' });
    expect(again.rows.map((r) => JSON.stringify({ type: 'lookup', ...r }))).toEqual(
      read(a)[0]!.trim().split('\n').slice(0, churn.lookups),
    );
  }, 900_000);
});
