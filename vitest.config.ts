import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { TIERS } from './test/tiers.js';

// One project per test tier (test/tiers.ts): `vitest run --project unit`, or all of them.
export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two files at a time even on 2 cores, where vitest's default (cores - 1) runs one at a time:
    // most files spend much of their run waiting on child processes, sockets and timers, so
    // one at a time left a core idle. Its order still suits two workers on a fresh clone (no
    // cache of durations): tiers run browser, node, process, unit, larger files first, so the
    // many short unit files fill the end. `--maxWorkers` or VITEST_MAX_WORKERS override this.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: Object.entries(TIERS).map(([name, files]) => ({
      extends: true as const,
      test: { name, include: [...files] },
    })),
  },
});
