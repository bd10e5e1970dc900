/**
 * The only part of the configuration that touches the disk: reading the config file that
 * load.ts located. It never creates anything, so `gossip-node config` leaves no trace.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { ConfigError } from './errors.js';
import {
  type ConfigFile,
  type ConfigInput,
  locateConfig,
  type ResolvedConfig,
  resolveConfig,
} from './load.js';

function readIfPresent(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError('BAD_FILE', path, `cannot read: ${(e as Error).message}`);
  }
}

/**
 * The named file (which must exist), else the one default file present in the data dir, else
 * none. Both default files present is an error: silently preferring one would hide the other.
 */
export function readConfigFile(input: ConfigInput): ConfigFile | undefined {
  const loc = locateConfig(input);
  if (loc.explicit) {
    const path = resolve(loc.explicit.path);
    const text = readIfPresent(path);
    const by = loc.explicit.source === 'flag' ? '--config' : 'GOSSIP_CONFIG';
    if (text === undefined) throw new ConfigError('BAD_FILE', path, `config file not found (named by ${by})`);
    return { path, text };
  }
  const found: ConfigFile[] = [];
  for (const c of loc.candidates) {
    const path = resolve(c);
    const text = readIfPresent(path);
    if (text !== undefined) found.push({ path, text });
  }
  if (found.length > 1)
    throw new ConfigError(
      'BAD_FILE',
      dirname(found[0]!.path),
      `both ${found.map((f) => basename(f.path)).join(' and ')} exist; keep one`,
    );
  return found[0];
}

/** Locates and reads the config file, then merges every layer (see load.ts). */
export function loadConfig(input: ConfigInput): ResolvedConfig {
  return resolveConfig(input, readConfigFile(input));
}
