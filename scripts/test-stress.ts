#!/usr/bin/env node
/**
 * `npm run test:stress`: the test suite on a loaded machine. Starts CPU-burning child processes
 * (2 by default, one per core of the reference machine), runs `vitest run` with the given
 * arguments, stops the burners and exits with vitest's code. A test that passes only on an
 * idle machine (it reads a log before the line is written, or sleeps instead of waiting for a
 * condition) fails here.
 *
 *   npm run test:stress                          the whole suite under load
 *   npm run test:stress -- test/foo.test.ts      some files (any vitest arguments)
 *   npm run test:stress -- --burners 4 ...       more load
 *
 * The burners are bounded: each ends by itself after MAX_BURN_MS, or as soon as this process is
 * gone (its parent pid changes), so a SIGKILL of this script leaves nothing spinning. On SIGINT,
 * SIGTERM or SIGHUP the signal goes on to vitest, the burners are killed, and the exit code is
 * vitest's (or 128 + the signal's number if vitest died of it).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { constants } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
const VITEST = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const DEFAULT_BURNERS = 2;
const MAX_BURN_MS = 60 * 60 * 1000;

/** Spins until MAX_BURN_MS passed or its parent is gone; the clock and ppid are read rarely. */
const BURNER = `
const parent = process.ppid;
const end = Date.now() + ${MAX_BURN_MS};
for (let i = 1; ; i++) {
  if ((i & 0xfffff) === 0 && (Date.now() > end || process.ppid !== parent)) break;
}
`;

function usage(message: string): never {
  console.error(`test:stress: ${message}`);
  console.error('usage: npm run test:stress -- [--burners N] [vitest arguments...]');
  process.exit(2);
}

function parseArgs(argv: string[]): { burners: number; vitestArgs: string[] } {
  const args = [...argv];
  let burners = DEFAULT_BURNERS;
  const i = args.indexOf('--burners');
  if (i >= 0) {
    const v = args[i + 1] ?? '';
    if (!/^\d+$/.test(v) || Number(v) > 64) usage(`--burners needs a number from 0 to 64, got '${v}'`);
    burners = Number(v);
    args.splice(i, 2);
  }
  if (args.includes('--help') || args.includes('-h')) {
    console.log('usage: npm run test:stress -- [--burners N] [vitest arguments...]');
    console.log(`Runs 'vitest run' while N processes (default ${DEFAULT_BURNERS}) keep the CPUs busy;`);
    console.log("exits with vitest's code.");
    process.exit(0);
  }
  return { burners, vitestArgs: args };
}

function startBurners(n: number): ChildProcess[] {
  const burners: ChildProcess[] = [];
  for (let k = 0; k < n; k++) {
    const b = spawn(process.execPath, ['-e', BURNER], { stdio: 'ignore' });
    b.on('error', () => undefined);
    burners.push(b);
  }
  return burners;
}

function stopBurners(burners: readonly ChildProcess[]): void {
  for (const b of burners) if (b.exitCode === null && b.signalCode === null) b.kill('SIGKILL');
}

/** Kills the burners and resolves once each has exited (reaped by us, not left a zombie). */
function burnersStopped(burners: readonly ChildProcess[]): Promise<void> {
  const exits = burners.map((b) =>
    b.exitCode !== null || b.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((r) => b.once('exit', () => r())),
  );
  stopBurners(burners);
  return Promise.all(exits).then(() => undefined);
}

const { burners: count, vitestArgs } = parseArgs(process.argv.slice(2));
const burners = startBurners(count);
// Also on an exit this script did not plan (an uncaught error): no burner outlives it.
process.on('exit', () => stopBurners(burners));
console.log(
  `test:stress: ${count} CPU burner(s) running (pids ${burners.map((b) => b.pid).join(', ') || 'none'})`,
);

const vitest = spawn(process.execPath, [VITEST, 'run', ...vitestArgs], { cwd: ROOT, stdio: 'inherit' });
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(s, () => {
    stopBurners(burners);
    if (vitest.exitCode === null) vitest.kill(s);
  });
}
vitest.on('error', (e) => {
  console.error(`test:stress: cannot run vitest: ${e.message}`);
  stopBurners(burners);
  process.exit(1);
});
vitest.on('exit', async (code, signal) => {
  await burnersStopped(burners);
  console.log(`test:stress: burners stopped; vitest exited ${code ?? signal}`);
  process.exit(code ?? 128 + (signal ? constants.signals[signal] : 1));
});
