/** Shared bench helpers: one JSON line per figure on stdout, vectors located like the tests. */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** Repo root, whether running from bench/ (sources) or dist/bench/ (compiled). */
export const REPO_ROOT = here.includes(`${join('dist', 'bench')}`)
  ? resolve(here, '..', '..')
  : resolve(here, '..');
export const VECTORS_DIR = process.env.VECTORS_DIR ?? resolve(REPO_ROOT, '..', 'shared', 'vectors');

export function readVector<T>(...parts: string[]): T {
  return JSON.parse(readFileSync(join(VECTORS_DIR, ...parts), 'utf8')) as T;
}

export function listBlockVectors(): string[] {
  return readdirSync(VECTORS_DIR)
    .filter((f) => /^block-\d+\.json$/.test(f))
    .sort();
}

export function emit(bench: string, figures: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ bench, ...figures })}\n`);
}

/** Runs fn repeatedly for at least `minMs`, returns operations per second (fn returns ops done). */
export function rate(fn: () => number, minMs = 1000): { opsPerSec: number; ops: number; ms: number } {
  let ops = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  do {
    ops += fn();
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  } while (elapsed < minMs);
  return { opsPerSec: Math.round((ops * 1000) / elapsed), ops, ms: Math.round(elapsed) };
}

export function timeMs(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Waits until `cond` holds, polling every 20 ms; throws after `ms`. */
export async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The p-th percentile (0-100) of `xs`, nearest rank. */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}
