/**
 * `npm test` lints with `biome check .`, which sees every file in the tree unless biome.json
 * tells it otherwise. What a run leaves behind (`npm run devnet` writes `.devnet/`, browser
 * tests `test-artifacts/`) is git-ignored, so biome must follow `.gitignore` (biome.json's `vcs`
 * block): a junk file under `.devnet/` may not fail the lint. The junk is removed afterwards, and
 * `.devnet/` too when this test made it (a developer's own devnet state is left alone).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIOME = join(ROOT, 'node_modules', '.bin', 'biome');
const DEVNET = join(ROOT, '.devnet');
const madeDevnet = !existsSync(DEVNET);
const junkDir = join(DEVNET, `lint-junk-${process.pid}`);

afterAll(async () => {
  await rm(madeDevnet ? DEVNET : junkDir, { recursive: true, force: true });
});

it('biome check . passes with unformatted junk in git-ignored .devnet/', { timeout: 120_000 }, async () => {
  await mkdir(junkDir, { recursive: true });
  // Badly formatted and invalid JSON, and a script breaking lint rules: each would fail the check.
  await writeFile(join(junkDir, 'seeds.json'), '{"seeds":[ "127.0.0.1:1" ,]}');
  await writeFile(join(junkDir, 'junk.ts'), 'var x = 1;console.log( x )\n');
  const r = spawnSync(BIOME, ['check', '.'], { cwd: ROOT, encoding: 'utf8', timeout: 110_000 });
  const out = `${r.stdout}${r.stderr}`;
  expect(out).not.toContain('lint-junk-');
  expect(r.status, out).toBe(0);
});
