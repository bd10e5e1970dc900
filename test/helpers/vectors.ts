/** Where the shared vectors live: $VECTORS_DIR, else ../shared/vectors beside the repo. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const VECTORS_DIR = process.env.VECTORS_DIR ?? resolve(repoRoot, '..', 'shared', 'vectors');

export function vectorPath(...parts: string[]): string {
  return join(VECTORS_DIR, ...parts);
}

export function readVector<T = unknown>(...parts: string[]): T {
  return JSON.parse(readFileSync(vectorPath(...parts), 'utf8')) as T;
}

/** Every file in a vectors subfolder matching `pattern`, sorted; no names hard-coded. */
export function listVectors(sub: string, pattern: RegExp): string[] {
  const dir = vectorPath(sub);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => pattern.test(f))
    .sort()
    .map((f) => join(sub, f));
}
