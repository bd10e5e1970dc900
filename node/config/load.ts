/**
 * The effective configuration, merged from four layers: flags given on the command line, then
 * GOSSIP_* environment variables, then the config file, then the defaults. Pure: the caller
 * passes the flags, the environment and the file's text (file.ts reads it), so every rule here is
 * testable without a disk. Every layer is checked in full, even where a higher one overrides
 * it, so a broken file or variable is reported at once rather than when the flag goes away.
 */
import { dirname, join } from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import { getNetwork, main, type NetworkName, type NetworkParams } from '../protocol/params.js';
import { ConfigError, nearest } from './errors.js';
import {
  type ConfigKey,
  type ConfigValue,
  type ConfigValues,
  defaultValue,
  ENV_PREFIX,
  envName,
  FOREIGN_ENV_PREFIXES,
  flagName,
  KEYS,
  type KeySpec,
  SPECS,
} from './schema.js';
import { fromFile, fromFlag, fromText } from './values.js';

export type Source = 'flag' | 'env' | 'file' | 'default';

/** Flags actually given on the command line (never commander's defaults), keyed like the file. */
export type FlagValues = Partial<Record<ConfigKey, string | string[] | boolean>>;

export interface ConfigInput {
  flags: FlagValues;
  env: Readonly<Record<string, string | undefined>>;
  /** For the default data dir (process.platform and the home directory). */
  platform: string;
  home: string;
}

/** Where the config file is: named explicitly, or the default names in the data dir. */
export interface ConfigLocation {
  network: NetworkName;
  datadir: string;
  /** A file named by --config or GOSSIP_CONFIG: it must exist. */
  explicit?: { path: string; source: 'flag' | 'env' };
  /** The default files, read when present (at most one may be). */
  candidates: string[];
}

export interface ConfigFile {
  /** Absolute, so relative paths inside it resolve against its folder. */
  path: string;
  text: string;
}

export interface ResolvedConfig {
  values: ConfigValues;
  sources: Record<ConfigKey, Source>;
}

const DEFAULT_FILE_NAMES = ['gossip.toml', 'gossip.json'] as const;

const ENV_NAMES = new Map(KEYS.map((s) => [envName(s.key), s]));

function spec(key: ConfigKey): KeySpec {
  return SPECS.get(key)!;
}

function envText(input: ConfigInput, s: KeySpec): string | undefined {
  const v = input.env[envName(s.key)];
  // An empty variable counts as unset, as shells and compose files often leave them.
  return v === undefined || v.trim() === '' ? undefined : v;
}

/** One setting from the flag and environment layers, each checked; the flag wins. */
function fromFlagOrEnv(
  input: ConfigInput,
  s: KeySpec,
  params: NetworkParams,
): { value: ConfigValue; source: 'flag' | 'env' } | undefined {
  const raw = input.flags[s.key];
  const flag = raw === undefined ? undefined : fromFlag(s, raw, flagName(s.key), params);
  const text = envText(input, s);
  const env = text === undefined ? undefined : fromText(s, text, envName(s.key), params);
  if (flag !== undefined) return { value: flag, source: 'flag' };
  if (env !== undefined) return { value: env, source: 'env' };
  return undefined;
}

/** network, datadir and config: they decide which file is read, so the file cannot set them. */
export function locateConfig(input: ConfigInput): ConfigLocation {
  const net = fromFlagOrEnv(input, spec('network'), main);
  const network = (net?.value ?? 'main') as NetworkName;
  const params = getNetwork(network);
  const ctx = { params, env: input.env, platform: input.platform, home: input.home };
  const dd = fromFlagOrEnv(input, spec('datadir'), params);
  const datadir = (dd?.value ?? defaultValue(spec('datadir'), ctx)) as string;
  const cfg = fromFlagOrEnv(input, spec('config'), params);
  return {
    network,
    datadir,
    explicit: cfg && { path: cfg.value as string, source: cfg.source },
    candidates: DEFAULT_FILE_NAMES.map((n) => join(datadir, n)),
  };
}

/** The file's text as a table: JSON when the name ends in .json, TOML otherwise. */
function parseConfigText(file: ConfigFile): Record<string, unknown> {
  let data: unknown;
  if (file.path.toLowerCase().endsWith('.json')) {
    try {
      data = JSON.parse(file.text);
    } catch (e) {
      throw new ConfigError('BAD_FILE', file.path, `invalid JSON: ${(e as Error).message}`);
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data))
      throw new ConfigError('BAD_FILE', file.path, 'expected a JSON object of settings');
  } else {
    try {
      data = parseToml(file.text);
    } catch (e) {
      if (!(e instanceof TomlError)) throw e;
      // smol-toml's message carries a code excerpt after the first line; one line is enough.
      const what = e.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '');
      throw new ConfigError(
        'BAD_FILE',
        file.path,
        `invalid TOML at line ${e.line}, column ${e.column}: ${what}`,
      );
    }
  }
  return data as Record<string, unknown>;
}

function checkEnvNames(env: ConfigInput['env']): void {
  for (const name of Object.keys(env)) {
    if (!name.startsWith(ENV_PREFIX) || ENV_NAMES.has(name)) continue;
    if (FOREIGN_ENV_PREFIXES.some((p) => name.startsWith(p))) continue;
    const near = nearest(name, ENV_NAMES.keys());
    throw new ConfigError('UNKNOWN_KEY', name, `unknown setting${near ? ` (did you mean ${near}?)` : ''}`);
  }
}

/** The file's settings, each checked; network may repeat the effective one as a safeguard. */
function readFileLayer(
  file: ConfigFile,
  loc: ConfigLocation,
  params: NetworkParams,
): Map<ConfigKey, ConfigValue> {
  const table = parseConfigText(file);
  const out = new Map<ConfigKey, ConfigValue>();
  const dir = dirname(file.path);
  for (const [key, raw] of Object.entries(table)) {
    const s = SPECS.get(key);
    const where = `${file.path}: ${key}`;
    if (!s) {
      const near = nearest(key, SPECS.keys());
      throw new ConfigError(
        'UNKNOWN_KEY',
        file.path,
        `unknown key '${key}'${near ? ` (did you mean '${near}'?)` : ''}`,
      );
    }
    if (s.key === 'network') {
      const v = fromFile(s, raw, where, params, dir);
      if (v !== loc.network)
        throw new ConfigError(
          'NOT_IN_FILE',
          where,
          `the file says ${JSON.stringify(v)} but the node runs on ${loc.network}; the network picks the file, so set it with --network or GOSSIP_NETWORK`,
        );
      continue;
    }
    if (!s.inFile)
      throw new ConfigError(
        'NOT_IN_FILE',
        where,
        `cannot be set in the config file (it decides which file is read); use ${flagName(key)} or ${envName(key)}`,
      );
    out.set(s.key, fromFile(s, raw, where, params, dir));
  }
  return out;
}

/**
 * Merges the layers. `file` is the config file's text when one was found (see file.ts);
 * `values.config` then names it, whether it was given or found in the data dir.
 */
export function resolveConfig(input: ConfigInput, file?: ConfigFile): ResolvedConfig {
  checkEnvNames(input.env);
  const loc = locateConfig(input);
  const params = getNetwork(loc.network);
  const ctx = { params, env: input.env, platform: input.platform, home: input.home };
  const fileLayer = file ? readFileLayer(file, loc, params) : new Map<ConfigKey, ConfigValue>();
  const values: Partial<Record<ConfigKey, ConfigValue>> = {};
  const sources = {} as Record<ConfigKey, Source>;
  for (const s of KEYS) {
    const given = fromFlagOrEnv(input, s, params);
    const inFile = fileLayer.get(s.key);
    if (given) {
      values[s.key] = given.value;
      sources[s.key] = given.source;
    } else if (inFile !== undefined) {
      values[s.key] = inFile;
      sources[s.key] = 'file';
    } else {
      values[s.key] = defaultValue(s, ctx);
      sources[s.key] = 'default';
    }
  }
  // The default file is a default too; an explicit one keeps the source that named it.
  if (file) values.config = file.path;
  const result = { values: values as unknown as ConfigValues, sources };
  checkTogether(result);
  return result;
}

/** Where a setting's effective value came from, as an error message names it. */
function whereFrom(r: ResolvedConfig, key: ConfigKey): string {
  switch (r.sources[key]) {
    case 'flag':
      return flagName(key);
    case 'env':
      return envName(key);
    case 'file':
      return `${r.values.config}: ${key}`;
    default:
      return key;
  }
}

function checkTogether(r: ResolvedConfig): void {
  if (r.values.mine && r.values['mine-address'] === undefined)
    throw new ConfigError(
      'CONFLICT',
      whereFrom(r, 'mine'),
      'mining needs mine-address (--mine-address, GOSSIP_MINE_ADDRESS or mine-address in the config file)',
    );
}
