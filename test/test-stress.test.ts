/**
 * `npm run test:stress` (scripts/test-stress.ts, built to dist/): it starts its CPU burners, runs
 * vitest with the arguments given, and whatever vitest's result, stops every burner and exits
 * with vitest's code. Needs `npm run build` first (the full suite builds).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SCRIPT = join(ROOT, 'dist', 'scripts', 'test-stress.js');
const children: ChildProcess[] = [];

// Only if a test timed out: a SIGTERM makes the script stop its burners and vitest.
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
});

/** Running or stopped, but not exited (a zombie has exited: only its parent's wait is missing). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function run(args: string[]): Promise<{ code: number | null; out: string; burners: number[] }> {
  const env = { ...process.env };
  // The inner vitest is a run of its own, not a worker of this one.
  for (const k of Object.keys(env)) if (k.startsWith('VITEST')) delete env[k];
  env.NO_COLOR = '1';
  const child = spawn(process.execPath, [SCRIPT, ...args], { cwd: ROOT, env, stdio: 'pipe' });
  children.push(child);
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return new Promise((res) =>
    child.on('exit', (code) => {
      const pids = /CPU burner\(s\) running \(pids ([\d, ]+)\)/.exec(out)?.[1] ?? '';
      res({ code, out, burners: pids.split(', ').filter(Boolean).map(Number) });
    }),
  );
}

describe('npm run test:stress', () => {
  it("runs vitest beside the burners, stops them, exits with vitest's 0", { timeout: 120_000 }, async () => {
    // One burner: this runs inside the suite, whose other files should not pay for it.
    const r = await run(['--burners', '1', 'test/primitives.test.ts']);
    expect(r.code, r.out).toBe(0);
    expect(r.burners).toHaveLength(1);
    expect(r.out).toMatch(/Tests\s+\d+ passed/);
    expect(r.burners.filter(alive)).toEqual([]);
  });

  it("passes vitest's failure on, and still stops the burners", { timeout: 120_000 }, async () => {
    // No test file matches: vitest exits 1.
    const r = await run(['--burners', '1', 'test/no-such-file-anywhere.test.ts']);
    expect(r.code, r.out).toBe(1);
    expect(r.burners).toHaveLength(1);
    expect(r.burners.filter(alive)).toEqual([]);
  });

  it('refuses a bad --burners with exit 2 and starts nothing', async () => {
    const r = await run(['--burners', 'many']);
    expect(r.code).toBe(2);
    expect(r.out).toContain("test:stress: --burners needs a number from 0 to 64, got 'many'");
    expect(r.burners).toEqual([]);
  });
});
