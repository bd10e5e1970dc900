import { defineConfig } from 'vitest/config';
import { TIERS } from './test/tiers.js';

// One project per test tier (test/tiers.ts): `vitest run --project unit`, or all of them.
export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: Object.entries(TIERS).map(([name, files]) => ({
      extends: true as const,
      test: { name, include: [...files] },
    })),
  },
});
