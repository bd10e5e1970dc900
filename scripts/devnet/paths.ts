/**
 * Where the built binaries are, found from this file's own place (dist/scripts/devnet/), so
 * devnet runs the same gossip-node and gossip-wallet a user runs, whatever the working directory.
 */
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const NODE_CLI = resolve(REPO_ROOT, 'dist', 'node', 'cli.js');
export const WALLET_CLI = resolve(REPO_ROOT, 'dist', 'wallet', 'cli.js');

/** A path as short as it can be shown: relative to the working directory when inside it. */
export function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}
