/**
 * The seed list: `seeds.json` at the repository root holds, per network, the "host:port"
 * entries a node with an empty address book starts from (`{"main": [...], "regtest": []}`);
 * `--seeds FILE` replaces it with a file of the same shape. Host names are resolved through
 * DNS at use (every address they resolve to becomes a candidate), IPv4 and IPv6 literals are
 * taken as they are.
 */
import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Clock, realClock } from '../clock.js';
import { P2PConfigError } from './errors.js';
import { canonicalIp, isIp, parseHostPort } from './netaddr.js';

const here = dirname(fileURLToPath(import.meta.url));

/** seeds.json beside package.json, whether running from sources (node/p2p) or dist/node/p2p. */
export const DEFAULT_SEEDS_FILE = here.includes(join('dist', 'node'))
  ? resolve(here, '..', '..', '..', 'seeds.json')
  : resolve(here, '..', '..', 'seeds.json');

/**
 * The entries of `network` in a seeds file, checked ("host:port" each, port required).
 * Throws P2PConfigError BAD_SEEDS_FILE naming the file and the problem.
 */
export function readSeedsFile(path: string, network: string): string[] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new P2PConfigError('BAD_SEEDS_FILE', `seeds file ${path}: ${(e as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new P2PConfigError(
      'BAD_SEEDS_FILE',
      `seeds file ${path}: expected {"<network>": ["host:port", ...]}`,
    );
  const list = (data as Record<string, unknown>)[network];
  if (list === undefined) return [];
  if (!Array.isArray(list) || !list.every((s) => typeof s === 'string'))
    throw new P2PConfigError(
      'BAD_SEEDS_FILE',
      `seeds file ${path}: "${network}" must be an array of "host:port"`,
    );
  for (const s of list) {
    try {
      parseHostPort(s);
    } catch (e) {
      throw new P2PConfigError('BAD_SEEDS_FILE', `seeds file ${path}: ${(e as Error).message}`);
    }
  }
  return list as string[];
}

export type Resolver = (host: string) => Promise<string[]>;

export const dnsResolver: Resolver = async (host) => {
  const found = await lookup(host, { all: true, verbatim: true });
  return found.map((a) => a.address);
};

/** The IP endpoints of seed entries; entries that fail to resolve are reported, not thrown. */
export async function resolveSeeds(
  entries: readonly string[],
  resolver: Resolver = dnsResolver,
  timeoutMs = 10_000,
  clock: Clock = realClock,
): Promise<{ found: { host: string; port: number }[]; failed: { entry: string; error: string }[] }> {
  const found: { host: string; port: number }[] = [];
  const failed: { entry: string; error: string }[] = [];
  await Promise.all(
    entries.map(async (entry) => {
      const { host, port } = parseHostPort(entry);
      if (isIp(host)) {
        found.push({ host, port });
        return;
      }
      try {
        const ips = await withTimeout(resolver(host), timeoutMs, clock);
        for (const ip of ips) if (isIp(ip)) found.push({ host: canonicalIp(ip), port });
        if (ips.length === 0) failed.push({ entry, error: 'no addresses' });
      } catch (e) {
        failed.push({ entry, error: (e as Error).message });
      }
    }),
  );
  return { found, failed };
}

function withTimeout<T>(p: Promise<T>, ms: number, clock: Clock): Promise<T> {
  let timer: unknown;
  const timeout = new Promise<never>((_, reject) => {
    timer = clock.setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clock.clearTimeout(timer));
}
