/**
 * Every setting of `gossip-node` in one table: the command-line flags are generated from it, the
 * config file uses the same names as keys (`http-port = 18443`), and the environment variables
 * are derived from them (`GOSSIP_HTTP_PORT`). Adding a setting here adds all three at once.
 */
import { DEFAULT_WORKER_YOUNG_GEN_MB } from '../chain/script-pool.js';
import { LEVELS, LOG_FORMATS, type LogFormat, type LogLevel } from '../log.js';
import { DEFAULT_MAX_INBOUND, DEFAULT_MAX_OUTBOUND } from '../p2p/config.js';
import { DEFAULT_TX_RELAY } from '../p2p/tx-relay.js';
import { defaultDataDir } from '../protocol/datadir.js';
import { main, type NetworkName, type NetworkParams, regtest } from '../protocol/params.js';
import { DEFAULT_V8_FLAGS } from '../v8-flags.js';

/** The effective settings, keyed by their file names. Optional ones have no default. */
export interface ConfigValues {
  network: NetworkName;
  datadir: string;
  config?: string;
  port: number;
  bind: string;
  listen: boolean;
  seeds?: string;
  connect: string[];
  addnode: string[];
  'max-inbound': number;
  'max-outbound': number;
  'relay-delay': number;
  'max-fee-rate': number;
  'dht-port'?: number;
  'dht-host': string;
  'dht-bootstrap': string[];
  'files-max-bytes': number;
  'coin-cache': number;
  dbcache: number;
  'script-cache': number;
  'sig-cache': number;
  'leveldb-cache': number;
  'leveldb-write-buffer': number;
  'script-young-gen': number;
  'v8-flags': string;
  'http-port': number;
  'http-host': string;
  'http-event-streams': number;
  'http-rate-limit': number;
  'http-rate-limit-local': boolean;
  'http-block-template': boolean;
  'address-search': boolean;
  'rpc-port': number;
  'rpc-bind': string;
  'rpc-allow-ip': string[];
  'rpc-cookie-file'?: string;
  'rpc-user'?: string;
  'rpc-password'?: string;
  rpcauth: string[];
  mine: boolean;
  'mine-address'?: string;
  'mine-workers'?: number;
  assumevalid: string;
  'log-level': LogLevel;
  'log-format': LogFormat;
  'systemd-notify': string;
}

export type ConfigKey = keyof ConfigValues;
export type ConfigValue = string | number | boolean | string[];

/**
 * How a value is read and checked. `peers` is a list of "host:port" (port defaulting to the
 * network's); `path` is resolved against the file's folder when it comes from a config file.
 */
export type ValueKind =
  | 'enum'
  | 'path'
  | 'port'
  | 'count'
  | 'positive'
  | 'host'
  | 'peers'
  | 'boolean'
  | 'address'
  | 'feerate'
  | 'subnets'
  | 'rpcauth'
  | 'blockhash'
  | 'v8flags'
  | 'text';

/** Kinds whose value is a list (repeatable flags, comma-separated in the environment). */
export const LIST_KINDS: readonly ValueKind[] = ['peers', 'subnets', 'rpcauth'];

/** Kinds whose value `gossip-node config` must not print. */
export const SECRET_KEYS: readonly string[] = ['rpc-password'];

/** What a default may depend on: the effective network, and what locates the default data dir. */
export interface DefaultContext {
  params: NetworkParams;
  env: Readonly<Record<string, string | undefined>>;
  platform: string;
  home: string;
}

export interface KeySpec {
  key: ConfigKey;
  kind: ValueKind;
  description: string;
  /** Placeholder in `--help` (`<port>`); booleans take none. */
  arg?: string;
  short?: string;
  choices?: readonly string[];
  /** The largest value a number may take, where its target has a limit. */
  max?: number;
  /**
   * A constant, or computed from the context. Absent for settings that are unset unless given
   * (seeds, mine-address, ...).
   */
  default?: ConfigValue | ((ctx: DefaultContext) => ConfigValue);
  /** The default as `--help` and docs/config.md say it, when it is computed or absent. */
  defaultText?: string;
  /**
   * False for the settings that locate the config file (network, datadir, config): a file
   * cannot move itself. The file may repeat `network` only with the effective value.
   */
  inFile: boolean;
}

const NETWORK_CHOICES: readonly NetworkName[] = ['main', 'regtest'];
const LOG_LEVEL_CHOICES: readonly LogLevel[] = LEVELS.filter((l) => l !== 'silent');

type SpecTable = { [K in ConfigKey]: Omit<KeySpec, 'key'> };

const TABLE = {
  network: {
    kind: 'enum',
    short: '-n',
    arg: '<name>',
    choices: NETWORK_CHOICES,
    description: 'network: main or regtest',
    default: 'main',
    inFile: false,
  },
  datadir: {
    kind: 'path',
    short: '-d',
    arg: '<dir>',
    description: 'data directory',
    default: (c) => defaultDataDir(c.params.name, c.env, c.platform, c.home),
    defaultText: 'per OS and network',
    inFile: false,
  },
  config: {
    kind: 'path',
    arg: '<file>',
    description: 'config file to read instead of <datadir>/gossip.toml or gossip.json (must exist)',
    inFile: false,
  },
  port: {
    kind: 'port',
    arg: '<port>',
    description: 'P2P port',
    default: (c) => c.params.p2pPort,
    defaultText: `main ${main.p2pPort}, regtest ${regtest.p2pPort}`,
    inFile: true,
  },
  bind: {
    kind: 'host',
    arg: '<host>',
    description: 'address the P2P listener binds',
    default: '0.0.0.0',
    inFile: true,
  },
  listen: {
    kind: 'boolean',
    description: 'accept inbound P2P connections',
    default: true,
    inFile: true,
  },
  seeds: {
    kind: 'path',
    arg: '<file>',
    description: 'seeds file replacing seeds.json ({"<network>": ["host:port", ...]})',
    inFile: true,
  },
  connect: {
    kind: 'peers',
    arg: '<host:port>',
    description: 'connect only to this peer (repeatable; no seeds, no address book)',
    default: [],
    inFile: true,
  },
  addnode: {
    kind: 'peers',
    arg: '<host:port>',
    description: 'keep this peer connected besides the others (repeatable)',
    default: [],
    inFile: true,
  },
  'max-inbound': {
    kind: 'count',
    arg: '<n>',
    description: 'most inbound connections',
    default: DEFAULT_MAX_INBOUND,
    inFile: true,
  },
  'max-outbound': {
    kind: 'count',
    arg: '<n>',
    description: 'outbound connections to keep',
    default: DEFAULT_MAX_OUTBOUND,
    inFile: true,
  },
  'relay-delay': {
    kind: 'count',
    arg: '<ms>',
    description: 'mean delay before announcing a new transaction, ms',
    default: DEFAULT_TX_RELAY.relayDelayMs,
    inFile: true,
  },
  'max-fee-rate': {
    kind: 'feerate',
    arg: '<coin/kvB>',
    description:
      'highest fee rate of a tx sent through POST /api/tx or sendrawtransaction without maxfeerate (0: no cap)',
    default: 0.1,
    inFile: true,
  },
  'dht-port': {
    kind: 'port',
    arg: '<port>',
    description: 'run the DHT of provider records on this port (docs/dht.md; off when absent)',
    inFile: true,
  },
  'dht-host': {
    kind: 'host',
    arg: '<host>',
    description: "the IP address other nodes reach this node's DHT at (it listens there too)",
    default: '127.0.0.1',
    inFile: true,
  },
  'dht-bootstrap': {
    kind: 'peers',
    arg: '<host:port>',
    description: 'a DHT node to join through (repeatable)',
    default: [],
    inFile: true,
  },
  'coin-cache': {
    kind: 'count',
    arg: '<entries>',
    description: 'recent coins kept in memory to spare block connects a database read (~330 B each; 0: none)',
    default: 50_000,
    inFile: true,
  },
  dbcache: {
    kind: 'count',
    arg: '<MiB>',
    description:
      "coin changes held in memory and written in large batches, as Core's -dbcache (0: each block writes its own)",
    default: 32,
    inFile: true,
  },
  'script-cache': {
    kind: 'count',
    arg: '<entries>',
    description:
      'transactions whose scripts passed, so a block need not run them again (~75 B each; 0: none)',
    default: 200_000,
    inFile: true,
  },
  'sig-cache': {
    kind: 'count',
    arg: '<entries>',
    description:
      "valid signatures, so a transaction's second script run in the mempool verifies none again (~75 B each; 0: none)",
    default: 200_000,
    inFile: true,
  },
  'leveldb-cache': {
    kind: 'count',
    arg: '<MiB>',
    description: "LevelDB's cache of the chain's table blocks, MiB (0: none)",
    default: 8,
    // LevelDB takes these as 32-bit byte counts.
    max: 4095,
    inFile: true,
  },
  'leveldb-write-buffer': {
    kind: 'positive',
    arg: '<MiB>',
    description: "LevelDB's memtable of the chain, MiB; held up to twice, while the full one is written",
    default: 16,
    // LevelDB takes these as 32-bit byte counts.
    max: 4095,
    inFile: true,
  },
  'script-young-gen': {
    kind: 'count',
    arg: '<MiB>',
    description: "each script-check thread's young generation (V8), MiB (0: V8's own size)",
    default: DEFAULT_WORKER_YOUNG_GEN_MB,
    inFile: true,
  },
  'v8-flags': {
    kind: 'v8flags',
    arg: '<flags>',
    description:
      'V8 flags the node sets as it starts (v8.setFlagsFromString); only those V8 reads while running act (none: no flags)',
    default: DEFAULT_V8_FLAGS,
    inFile: true,
  },
  'files-max-bytes': {
    kind: 'count',
    arg: '<bytes>',
    description: 'quota of the shared-file store in the data dir (0: none; docs/files.md)',
    default: 0,
    inFile: true,
  },
  'http-port': {
    kind: 'port',
    arg: '<port>',
    description: 'HTTP port of the explorer, its API and /metrics (0 picks a free port)',
    default: (c) => c.params.httpPort,
    defaultText: `main ${main.httpPort}, regtest ${regtest.httpPort}`,
    inFile: true,
  },
  'http-host': {
    kind: 'host',
    arg: '<host>',
    description: 'address the HTTP server binds',
    default: '127.0.0.1',
    inFile: true,
  },
  'http-event-streams': {
    kind: 'count',
    arg: '<n>',
    description: 'push streams (GET /api/v1/events) open at once; one more gets a 503',
    default: 100,
    inFile: true,
  },
  'http-rate-limit': {
    kind: 'count',
    arg: '<n>',
    description: 'POSTs to the API (POST /api/tx ...) per client per minute; more get a 429 (0: no limit)',
    default: 100,
    inFile: true,
  },
  'http-rate-limit-local': {
    kind: 'boolean',
    description: 'apply http-rate-limit to loopback clients and to clients sending the RPC credentials too',
    default: false,
    inFile: true,
  },
  'http-block-template': {
    kind: 'boolean',
    description:
      "serve GET /api/block-template, the getblocktemplate of the next block (electrs' --enable-mining-rest)",
    default: false,
    inFile: true,
  },
  'address-search': {
    kind: 'boolean',
    description:
      "index address texts for GET /api/address-prefix/:prefix (electrs' --address-search); from a fresh sync",
    default: false,
    inFile: true,
  },
  'rpc-port': {
    kind: 'port',
    arg: '<port>',
    description: "JSON-RPC port, Core's -rpcport (0 picks a free port)",
    default: (c) => c.params.rpcPort,
    defaultText: `main ${main.rpcPort}, regtest ${regtest.rpcPort}`,
    inFile: true,
  },
  'rpc-bind': {
    kind: 'host',
    arg: '<host>',
    description: "address the JSON-RPC server binds (Core's -rpcbind)",
    default: '127.0.0.1',
    inFile: true,
  },
  'rpc-allow-ip': {
    kind: 'subnets',
    arg: '<ip[/bits]>',
    description: 'also accept RPC clients from this address or subnet (repeatable; loopback always)',
    default: [],
    inFile: true,
  },
  'rpc-cookie-file': {
    kind: 'path',
    arg: '<file>',
    description: 'where the RPC cookie is written, relative to the data dir (none with rpc-password)',
    defaultText: '<datadir>/.cookie',
    inFile: true,
  },
  'rpc-user': {
    kind: 'text',
    arg: '<user>',
    description: 'RPC user name, with rpc-password (replaces the cookie)',
    inFile: true,
  },
  'rpc-password': {
    kind: 'text',
    arg: '<password>',
    description: 'RPC password, with rpc-user (prefer rpcauth: it keeps no password in files)',
    inFile: true,
  },
  rpcauth: {
    kind: 'rpcauth',
    arg: '<user:salt$hash>',
    description: "an RPC user as Core's share/rpcauth/rpcauth.py prints it (repeatable)",
    default: [],
    inFile: true,
  },
  mine: {
    kind: 'boolean',
    description: 'mine blocks with the CPU miner',
    default: false,
    inFile: true,
  },
  'mine-address': {
    kind: 'address',
    arg: '<address>',
    description: 'address the mined coins pay to (needed with mine)',
    inFile: true,
  },
  'mine-workers': {
    kind: 'positive',
    arg: '<n>',
    description: 'miner threads',
    defaultText: 'all cores',
    inFile: true,
  },
  assumevalid: {
    kind: 'blockhash',
    arg: '<hash>',
    description: "skip script checks of this block's ancestors, Core's -assumevalid (0: check every script)",
    default: (c) => c.params.assumeValidHex ?? '0',
    defaultText: 'main 0, regtest 0',
    inFile: true,
  },
  'log-level': {
    kind: 'enum',
    arg: '<level>',
    choices: LOG_LEVEL_CHOICES,
    description: `log verbosity: ${LOG_LEVEL_CHOICES.join(', ')}`,
    default: 'info',
    inFile: true,
  },
  'log-format': {
    kind: 'enum',
    arg: '<format>',
    choices: LOG_FORMATS,
    description: 'log lines: text (time LEVEL module: message key=value) or json (one object per line)',
    default: 'text',
    inFile: true,
  },
  'systemd-notify': {
    kind: 'text',
    arg: '<command>',
    description:
      'command that tells systemd READY=1 / STOPPING=1 when $NOTIFY_SOCKET is set (Type=notify units)',
    default: 'systemd-notify',
    inFile: true,
  },
} satisfies SpecTable;

/** The table in order (the order of `--help`, `gossip-node config` and docs/config.md). */
export const KEYS: readonly KeySpec[] = Object.entries(TABLE as SpecTable).map(([key, spec]) => ({
  key: key as ConfigKey,
  ...spec,
}));

export const SPECS: ReadonlyMap<string, KeySpec> = new Map(KEYS.map((s) => [s.key, s]));

export const ENV_PREFIX = 'GOSSIP_';
/** GOSSIP_WALLET_* belongs to gossip-wallet; the node neither reads nor rejects it. */
export const FOREIGN_ENV_PREFIXES: readonly string[] = ['GOSSIP_WALLET_'];

/** `http-port` -> `GOSSIP_HTTP_PORT`. */
export function envName(key: string): string {
  return ENV_PREFIX + key.toUpperCase().replaceAll('-', '_');
}

export function flagName(key: string): string {
  return `--${key}`;
}

export function defaultValue(spec: KeySpec, ctx: DefaultContext): ConfigValue | undefined {
  const v = typeof spec.default === 'function' ? spec.default(ctx) : spec.default;
  // The table's constant lists are shared; callers get their own.
  return Array.isArray(v) ? [...v] : v;
}

/** The default as text, for `--help` and the docs. */
export function describeDefault(spec: KeySpec): string | undefined {
  if (spec.defaultText !== undefined) return spec.defaultText;
  const v = spec.default;
  if (v === undefined || typeof v === 'function') return undefined;
  return Array.isArray(v) ? (v.length === 0 ? 'none' : v.join(', ')) : String(v);
}
