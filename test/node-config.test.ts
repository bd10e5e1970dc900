/**
 * gossip-node's settings: the pure loader (precedence of flags > GOSSIP_* > file > defaults,
 * list and boolean parsing, every kind of error with its message), the file lookup, the flags
 * generated from the schema, and the built CLI's `config` command and start-up with a file.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, type ConfigErrorCode, nearest } from '../node/config/errors.js';
import { readConfigFile } from '../node/config/file.js';
import { addConfigOptions, givenFlags } from '../node/config/flags.js';
import { type ConfigInput, type FlagValues, locateConfig, resolveConfig } from '../node/config/load.js';
import { configJson, formatConfigText } from '../node/config/print.js';
import { envName, KEYS } from '../node/config/schema.js';
import { NODE_BIN } from './helpers/wallet-cli.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ADDR = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080';
const dirs: string[] = [];
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'gl-config-'));
  dirs.push(d);
  return d;
}

function input(flags: FlagValues = {}, env: Record<string, string> = {}): ConfigInput {
  return { flags, env, platform: 'linux', home: '/home/u' };
}

const TOML = (text: string) => ({ path: '/etc/gl/gossip.toml', text });

/** Runs `fn`, expecting a ConfigError with this code and exactly this message. */
function fails(fn: () => unknown, code: ConfigErrorCode, message: string): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).message).toBe(message);
    expect((e as ConfigError).code).toBe(code);
    return;
  }
  throw new Error(`expected ConfigError ${code}: ${message}`);
}

describe('the schema', () => {
  it('names every setting once, with a GOSSIP_ variable and the flag name as file key', () => {
    const keys = KEYS.map((k) => k.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toContain('http-port');
    expect(envName('http-port')).toBe('GOSSIP_HTTP_PORT');
    expect(KEYS.filter((k) => !k.inFile).map((k) => k.key)).toEqual(['network', 'datadir', 'config']);
  });

  it('is documented key by key in docs/config.md', () => {
    const doc = readFileSync(resolve(ROOT, 'docs', 'config.md'), 'utf8');
    for (const k of KEYS) expect(doc, k.key).toContain(`| \`${k.key}\` | `);
    for (const k of KEYS) expect(doc, k.key).toContain(`\`${envName(k.key)}\``);
  });

  it('generates the flags, and reports only those given on the command line', () => {
    const cmd = addConfigOptions(new Command().exitOverride());
    for (const k of KEYS)
      expect(
        cmd.options.some((o) => o.long === `--${k.key}`),
        k.key,
      ).toBe(true);
    cmd.parse(['-n', 'regtest', '--http-port', '7', '--connect', 'a:1', '--connect', 'b:2', '--no-listen'], {
      from: 'user',
    });
    expect(givenFlags(cmd)).toEqual({
      network: 'regtest',
      'http-port': '7',
      connect: ['a:1', 'b:2'],
      listen: false,
    });
  });
});

describe('resolveConfig: layers', () => {
  it('falls back to defaults, per network and per OS', () => {
    const r = resolveConfig(input());
    expect(r.values).toMatchObject({
      network: 'main',
      port: 8633,
      'http-port': 8634,
      'rpc-port': 8332,
      'rpc-bind': '127.0.0.1',
      'rpc-allow-ip': [],
      rpcauth: [],
      listen: true,
      mine: false,
    });
    expect(r.values['rpc-cookie-file']).toBeUndefined();
    expect(r.values.datadir).toBe('/home/u/.local/share/gossip-ledger/main');
    expect(r.values.connect).toEqual([]);
    expect(r.values.seeds).toBeUndefined();
    expect(Object.values(r.sources).every((s) => s === 'default')).toBe(true);
    const rt = resolveConfig(input({}, { GOSSIP_NETWORK: 'regtest', XDG_DATA_HOME: '/x' }));
    expect(rt.values).toMatchObject({
      port: 18444,
      'http-port': 3002,
      'rpc-port': 18443,
      datadir: '/x/gossip-ledger/regtest',
    });
  });

  it('takes flags over environment over file over defaults', () => {
    const file = TOML('http-port = 3\nmax-outbound = 3\nmax-inbound = 3\nlog-level = "warn"\n');
    const env = { GOSSIP_HTTP_PORT: '2', GOSSIP_MAX_OUTBOUND: '2' };
    const r = resolveConfig(input({ 'http-port': '1' }, env), file);
    expect(r.values['http-port']).toBe(1);
    expect(r.values['max-outbound']).toBe(2);
    expect(r.values['max-inbound']).toBe(3);
    expect(r.values['log-level']).toBe('warn');
    expect(r.values['relay-delay']).toBe(500);
    expect(r.sources).toMatchObject({
      'http-port': 'flag',
      'max-outbound': 'env',
      'max-inbound': 'file',
      'log-level': 'file',
      'relay-delay': 'default',
      config: 'default',
    });
    expect(r.values.config).toBe('/etc/gl/gossip.toml');
  });

  it('parses lists: repeated flags, comma-separated variables, file arrays; a higher layer replaces', () => {
    const file = TOML('connect = ["1.2.3.4:8633"]\naddnode = ["[::1]:9", "host.example"]\n');
    const r = resolveConfig(input({}, { GOSSIP_CONNECT: ' 5.6.7.8:1, ,9.9.9.9 ' }), file);
    expect(r.values.connect).toEqual(['5.6.7.8:1', '9.9.9.9']);
    expect(r.values.addnode).toEqual(['[::1]:9', 'host.example']);
    const f = resolveConfig(
      input({ connect: ['a.example:1', 'b.example:2'] }, { GOSSIP_CONNECT: '1.1.1.1' }),
    );
    expect(f.values.connect).toEqual(['a.example:1', 'b.example:2']);
  });

  it('parses booleans: 1/0/true/false/yes/no in any case, --no-<key> over everything', () => {
    for (const [text, want] of [
      ['1', true],
      ['0', false],
      ['TRUE', true],
      ['false', false],
      ['Yes', true],
      ['no', false],
    ] as const)
      expect(resolveConfig(input({}, { GOSSIP_LISTEN: text })).values.listen, text).toBe(want);
    const file = TOML(`listen = true\nmine = true\nmine-address = "${ADDR}"\n`);
    const env = { GOSSIP_NETWORK: 'regtest', GOSSIP_LISTEN: 'yes' };
    const r = resolveConfig(input({ listen: false, mine: false }, env), file);
    expect(r.values.listen).toBe(false);
    expect(r.values.mine).toBe(false);
    expect(r.sources.listen).toBe('flag');
  });

  it('reads max-fee-rate in coin/kvB: default 0.1, 0 turns the cap off, 1 or more is refused', () => {
    expect(resolveConfig(input()).values['max-fee-rate']).toBe(0.1);
    expect(resolveConfig(input({ 'max-fee-rate': '0' })).values['max-fee-rate']).toBe(0);
    expect(resolveConfig(input({}, { GOSSIP_MAX_FEE_RATE: '0.5' })).values['max-fee-rate']).toBe(0.5);
    expect(resolveConfig(input(), TOML('max-fee-rate = 0.00001\n')).values['max-fee-rate']).toBe(0.00001);
    for (const bad of ['1', '2', '-0.1', 'x', '0.123456789', '1e-3'])
      expect(() => resolveConfig(input({ 'max-fee-rate': bad })), bad).toThrow(ConfigError);
    expect(() => resolveConfig(input(), TOML('max-fee-rate = "0.1"\n'))).toThrow(/expected a number/);
    expect(() => resolveConfig(input(), TOML('max-fee-rate = 1.5\n'))).toThrow(/fee rate in coin\/kvB/);
  });

  it('reads assumevalid: 0 (off) by default on both networks, a block hash in display hex', () => {
    expect(resolveConfig(input()).values.assumevalid).toBe('0');
    expect(resolveConfig(input({}, { GOSSIP_NETWORK: 'regtest' })).values.assumevalid).toBe('0');
    const hash = `00${'AB'.repeat(31)}`;
    expect(resolveConfig(input({ assumevalid: hash })).values.assumevalid).toBe(hash.toLowerCase());
    expect(resolveConfig(input(), TOML(`assumevalid = "${hash}"\n`)).values.assumevalid).toBe(
      hash.toLowerCase(),
    );
    for (const bad of ['1', 'ab', `${hash}00`, `zz${hash.slice(2)}`])
      expect(() => resolveConfig(input({ assumevalid: bad })), bad).toThrow(
        /block hash \(64 hex digits\) or 0/,
      );
  });

  it('reads the RPC settings: allow-ip subnets and rpcauth entries as lists, the password as given', () => {
    const auth = `alice:0123abcd$${'ab'.repeat(32)}`;
    const r = resolveConfig(
      input(
        { 'rpc-allow-ip': ['10.0.0.0/8', 'fd00::1'], rpcauth: [auth] },
        { GOSSIP_RPC_PASSWORD: ' p w ', GOSSIP_RPC_USER: 'bob' },
      ),
    );
    expect(r.values).toMatchObject({
      'rpc-allow-ip': ['10.0.0.0/8', 'fd00::1'],
      rpcauth: [auth],
      'rpc-user': 'bob',
      'rpc-password': ' p w ',
    });
    const f = resolveConfig(input(), TOML(`rpc-allow-ip = ["192.168.1.0/24"]\nrpcauth = ["${auth}"]\n`));
    expect(f.values['rpc-allow-ip']).toEqual(['192.168.1.0/24']);
    expect(f.values.rpcauth).toEqual([auth]);
    // `gossip-node config` never prints the password.
    expect(configJson(r)['rpc-password']).toEqual({ value: '(set)', source: 'env' });
    expect(formatConfigText(r)).not.toContain('p w');
  });

  it('treats an empty variable as unset', () => {
    const r = resolveConfig(input({}, { GOSSIP_HTTP_PORT: '', GOSSIP_CONNECT: ' ' }), TOML('http-port = 9'));
    expect(r.values['http-port']).toBe(9);
    expect(r.sources.connect).toBe('default');
  });

  it("resolves a file's relative paths against its folder, and keeps flag paths as given", () => {
    expect(resolveConfig(input(), TOML('seeds = "s.json"')).values.seeds).toBe('/etc/gl/s.json');
    expect(resolveConfig(input({ seeds: 'rel.json' }), TOML('seeds = "s.json"')).values.seeds).toBe(
      'rel.json',
    );
  });

  it('reads a JSON file the same way, and lets the file repeat the effective network', () => {
    const json = { path: '/d/gossip.json', text: '{"network": "regtest", "http-port": 5, "listen": false}' };
    const r = resolveConfig(input({ network: 'regtest' }), json);
    expect(r.values).toMatchObject({ network: 'regtest', 'http-port': 5, listen: false });
    expect(r.sources.network).toBe('flag');
  });
});

describe('resolveConfig: errors', () => {
  const FILE = '/etc/gl/gossip.toml';
  const F = `${FILE}: `;
  /** Resolves flags, variables and (when given) a gossip.toml text. */
  const load =
    (flags: FlagValues, env: Record<string, string> = {}, toml?: string) =>
    () =>
      resolveConfig(input(flags, env), toml === undefined ? undefined : TOML(toml));
  const MINE =
    'mining needs mine-address (--mine-address, GOSSIP_MINE_ADDRESS or mine-address in the config file)';
  const cases: [() => unknown, ConfigErrorCode, string][] = [
    // Unknown keys and variables, with a suggestion when one is near.
    [
      load({}, {}, 'http-prot = 1'),
      'UNKNOWN_KEY',
      `${FILE}: unknown key 'http-prot' (did you mean 'http-port'?)`,
    ],
    [
      load({}, {}, 'http_port = 1'),
      'UNKNOWN_KEY',
      `${FILE}: unknown key 'http_port' (did you mean 'http-port'?)`,
    ],
    [load({}, {}, '[p2p]\nport = 1'), 'UNKNOWN_KEY', `${FILE}: unknown key 'p2p'`],
    [
      load({}, { GOSSIP_LOG_LEVL: 'x' }),
      'UNKNOWN_KEY',
      'GOSSIP_LOG_LEVL: unknown setting (did you mean GOSSIP_LOG_LEVEL?)',
    ],
    // Wrong types in the file.
    [load({}, {}, 'http-port = "1"'), 'BAD_TYPE', `${F}http-port: expected a number, got string "1"`],
    [load({}, {}, 'listen = "no"'), 'BAD_TYPE', `${F}listen: expected true or false, got string "no"`],
    [
      load({}, {}, 'connect = "1.2.3.4:1"'),
      'BAD_TYPE',
      `${F}connect: expected an array of "host:port" strings, got string "1.2.3.4:1"`,
    ],
    [load({}, {}, 'bind = 1'), 'BAD_TYPE', `${F}bind: expected a string, got number 1`],
    // Bad values from each layer: ports, numbers, enums, hosts, peers, addresses.
    [load({ port: '65536' }), 'BAD_VALUE', '--port: expected a port number 0-65535, got "65536"'],
    [load({ port: '8e3' }), 'BAD_VALUE', '--port: expected a port number, got "8e3"'],
    [load({}, { GOSSIP_HTTP_PORT: '-1' }), 'BAD_VALUE', 'GOSSIP_HTTP_PORT: expected a port number, got "-1"'],
    [load({}, {}, 'port = 1.5'), 'BAD_VALUE', `${F}port: expected a port number 0-65535, got 1.5`],
    [load({ 'max-inbound': '-1' }), 'BAD_VALUE', '--max-inbound: expected a whole number, got "-1"'],
    [load({}, {}, 'mine-workers = 0'), 'BAD_VALUE', `${F}mine-workers: expected a whole number >= 1, got 0`],
    [load({ network: 'moon' }), 'BAD_VALUE', '--network: expected one of main, regtest, got "moon"'],
    [
      load({}, { GOSSIP_LOG_LEVEL: 'silent' }),
      'BAD_VALUE',
      'GOSSIP_LOG_LEVEL: expected one of debug, info, warn, error, got "silent"',
    ],
    [
      load({}, { GOSSIP_LISTEN: 'maybe' }),
      'BAD_VALUE',
      'GOSSIP_LISTEN: expected 1, 0, true, false, yes or no, got "maybe"',
    ],
    [load({ bind: '1.2.3.4:80' }), 'BAD_VALUE', '--bind: not an IP address or host name: "1.2.3.4:80"'],
    [
      load({ 'rpc-allow-ip': ['10.0.0.0/33'] }),
      'BAD_VALUE',
      '--rpc-allow-ip: prefix length must be 0-32: "10.0.0.0/33"',
    ],
    [
      load({}, { GOSSIP_RPC_ALLOW_IP: 'example.com' }),
      'BAD_VALUE',
      'GOSSIP_RPC_ALLOW_IP: not an IP address or subnet (ip or ip/bits): "example.com"',
    ],
    [
      load({ rpcauth: ['alice:salt$nothex'] }),
      'BAD_VALUE',
      `--rpcauth: the hash after '$' must be 64 hex digits, got "nothex"`,
    ],
    [
      load({}, {}, 'rpcauth = ["nocolon"]'),
      'BAD_VALUE',
      `${F}rpcauth: expected user:salt$hash as rpcauth.py prints it, got "nocolon"`,
    ],
    [
      load({ connect: ['ok.example:1', 'x y'] }),
      'BAD_VALUE',
      "--connect: not a host name or IP address: 'x y'",
    ],
    [
      load({}, { GOSSIP_ADDNODE: '1.2.3.4:99999' }),
      'BAD_VALUE',
      "GOSSIP_ADDNODE: bad or missing port in '1.2.3.4:99999'",
    ],
    [
      load({ 'mine-address': ADDR }),
      'BAD_VALUE',
      "--mine-address: not a main address: address is for another network: bech32 prefix 'bcrt', expected 'gl'",
    ],
    // A layer is checked even where a higher one overrides it.
    [
      load({ 'http-port': '1' }, { GOSSIP_HTTP_PORT: 'x' }),
      'BAD_VALUE',
      'GOSSIP_HTTP_PORT: expected a port number, got "x"',
    ],
    [
      load({ port: '1' }, {}, 'port = 70000'),
      'BAD_VALUE',
      `${F}port: expected a port number 0-65535, got 70000`,
    ],
    // What locates the file cannot be in it.
    [
      load({}, {}, 'datadir = "/x"'),
      'NOT_IN_FILE',
      `${F}datadir: cannot be set in the config file (it decides which file is read); use --datadir or GOSSIP_DATADIR`,
    ],
    [
      load({}, {}, 'config = "/x"'),
      'NOT_IN_FILE',
      `${F}config: cannot be set in the config file (it decides which file is read); use --config or GOSSIP_CONFIG`,
    ],
    [
      load({}, {}, 'network = "regtest"'),
      'NOT_IN_FILE',
      `${F}network: the file says "regtest" but the node runs on main; the network picks the file, so set it with --network or GOSSIP_NETWORK`,
    ],
    // mine without mine-address, named by where mine was set.
    [load({ mine: true }), 'CONFLICT', `--mine: ${MINE}`],
    [load({}, { GOSSIP_MINE: '1' }), 'CONFLICT', `GOSSIP_MINE: ${MINE}`],
    [load({}, {}, 'mine = true'), 'CONFLICT', `${F}mine: ${MINE}`],
    // Files that do not parse.
    [
      load({}, {}, 'port = 1\nbind = [1,\n'),
      'BAD_FILE',
      `${F}invalid TOML at line 3, column 1: invalid value`,
    ],
    [
      () => resolveConfig(input(), { path: '/d/gossip.json', text: '[1]' }),
      'BAD_FILE',
      '/d/gossip.json: expected a JSON object of settings',
    ],
  ];

  it.each(cases.map(([fn, code, msg]) => ({ fn, code, msg })))('$code: $msg', ({ fn, code, msg }) =>
    fails(fn, code, msg),
  );

  it('leaves the wallet its GOSSIP_WALLET_* variables, and takes mine-address with mine', () => {
    expect(() => resolveConfig(input({}, { GOSSIP_WALLET_PASSWORD: 'x' }))).not.toThrow();
    const ok = resolveConfig(input({ network: 'regtest', mine: true }, { GOSSIP_MINE_ADDRESS: ADDR }));
    expect(ok.values['mine-address']).toBe(ADDR);
    expect(() => resolveConfig(input(), { path: '/d/gossip.json', text: '{"port": 1,}' })).toThrow(
      /^\/d\/gossip.json: invalid JSON: /,
    );
  });

  it('suggests only plausible typos', () => {
    expect(nearest('mine-adress', ['mine-address', 'mine'])).toBe('mine-address');
    expect(nearest('HTTP_HOST', ['http-host', 'http-port'])).toBe('http-host');
    expect(nearest('colour', ['bind', 'port'])).toBeUndefined();
  });
});

describe('locating and reading the file', () => {
  it('looks in the data dir unless --config or GOSSIP_CONFIG names a file', () => {
    expect(locateConfig(input({ datadir: '/d' })).candidates).toEqual(['/d/gossip.toml', '/d/gossip.json']);
    expect(locateConfig(input({}, { GOSSIP_CONFIG: '/c.toml' })).explicit).toEqual({
      path: '/c.toml',
      source: 'env',
    });
    expect(locateConfig(input({ config: '/f.toml' }, { GOSSIP_CONFIG: '/c.toml' })).explicit?.source).toBe(
      'flag',
    );
  });

  it('reads the one default file present; none is fine; two, or a missing named file, are errors', async () => {
    const d = await tempDir();
    expect(readConfigFile(input({ datadir: d }))).toBeUndefined();
    await writeFile(join(d, 'gossip.json'), '{"port": 1}');
    expect(readConfigFile(input({ datadir: d }))).toEqual({
      path: join(d, 'gossip.json'),
      text: '{"port": 1}',
    });
    await writeFile(join(d, 'gossip.toml'), 'port = 2');
    fails(
      () => readConfigFile(input({ datadir: d })),
      'BAD_FILE',
      `${d}: both gossip.toml and gossip.json exist; keep one`,
    );
    // A named file replaces the default ones, so their clash does not matter then.
    expect(readConfigFile(input({ datadir: d, config: join(d, 'gossip.toml') }))?.text).toBe('port = 2');
    const missing = join(d, 'nope.toml');
    fails(
      () => readConfigFile(input({ config: missing })),
      'BAD_FILE',
      `${missing}: config file not found (named by --config)`,
    );
    fails(
      () => readConfigFile(input({}, { GOSSIP_CONFIG: missing })),
      'BAD_FILE',
      `${missing}: config file not found (named by GOSSIP_CONFIG)`,
    );
  });
});

describe('printing the effective settings', () => {
  it('prints TOML-looking lines with their sources, and JSON', () => {
    const r = resolveConfig(
      input({ 'http-port': '1' }, { GOSSIP_CONNECT: 'a.example:1,b.example:2' }),
      TOML('listen = false'),
    );
    const lines = formatConfigText(r).split('\n');
    expect(lines).toHaveLength(KEYS.length);
    expect(lines).toContainEqual(expect.stringMatching(/^http-port = 1 +# flag$/));
    expect(lines).toContainEqual(
      expect.stringMatching(/^connect = \["a.example:1", "b.example:2"\] +# env$/),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^listen = false +# file$/));
    expect(lines).toContainEqual(expect.stringMatching(/^# seeds \(not set\) +# default$/));
    expect(configJson(r)['http-port']).toEqual({ value: 1, source: 'flag' });
    expect(configJson(r).seeds).toEqual({ value: null, source: 'default' });
  });
});

/** The environment of a child with none of the caller's GOSSIP_* settings leaking in. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('GOSSIP_')) delete env[k];
  return { ...env, ...extra };
}

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [NODE_BIN, ...args], {
    encoding: 'utf8',
    env: childEnv(env),
    // Generous: node's start-up alone takes seconds when both cores are busy.
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('the built gossip-node', () => {
  it('config --json merges a gossip.toml, the environment and a flag, and creates nothing', async () => {
    const d = join(await tempDir(), 'data');
    await mkdir(d);
    await writeFile(
      join(d, 'gossip.toml'),
      'http-port = 18999\nmax-outbound = 4\nconnect = ["1.2.3.4:8633"]\nlisten = false\n',
    );
    const r = cli(['-n', 'regtest', '-d', d, '--max-outbound', '6', 'config', '--json'], {
      GOSSIP_LOG_LEVEL: 'debug',
      GOSSIP_MAX_OUTBOUND: '5',
    });
    expect(r.code, r.err).toBe(0);
    const c = JSON.parse(r.out);
    expect(c['http-port']).toEqual({ value: 18999, source: 'file' });
    expect(c.connect).toEqual({ value: ['1.2.3.4:8633'], source: 'file' });
    expect(c.listen).toEqual({ value: false, source: 'file' });
    expect(c['log-level']).toEqual({ value: 'debug', source: 'env' });
    expect(c['max-outbound']).toEqual({ value: 6, source: 'flag' });
    expect(c.port).toEqual({ value: 18444, source: 'default' });
    expect(c.config).toEqual({ value: join(d, 'gossip.toml'), source: 'default' });
    const fresh = join(await tempDir(), 'not-yet');
    expect(cli(['-d', fresh, 'config']).code).toBe(0);
    expect(existsSync(fresh)).toBe(false);
  });

  it('reads gossip.json the same way', async () => {
    const d = await tempDir();
    await writeFile(join(d, 'gossip.json'), JSON.stringify({ 'http-port': 7, addnode: ['5.6.7.8:1'] }));
    const r = cli(['-d', d, 'config', '--json']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({
      'http-port': { value: 7, source: 'file' },
      addnode: { value: ['5.6.7.8:1'] },
    });
  });

  it('stops at an unknown key or a bad variable with one line and exit 1, before writing anything', async () => {
    const d = await tempDir();
    await writeFile(join(d, 'gossip.toml'), 'max-outbund = 4\n');
    for (const args of [['config'], ['--http-port', '0', '--port', '0', '--no-listen']]) {
      const r = cli(['-d', d, ...args]);
      expect(r.code).toBe(1);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err.trim()).toBe(
        `gossip-node: ${join(d, 'gossip.toml')}: unknown key 'max-outbund' (did you mean 'max-outbound'?)`,
      );
    }
    expect(existsSync(join(d, 'chain'))).toBe(false);
    const e = cli(['-d', join(d, 'elsewhere'), 'config'], { GOSSIP_HTTP_PORT: 'x' });
    expect(e.code).toBe(1);
    expect(e.err.trim()).toBe('gossip-node: GOSSIP_HTTP_PORT: expected a port number, got "x"');
  });

  it('starts a node with the settings of its config file', { timeout: 120_000 }, async () => {
    const d = await tempDir();
    const file = join(d, 'node.toml');
    await writeFile(
      file,
      'http-port = 0\nrpc-port = 0\nport = 0\nbind = "127.0.0.1"\nlisten = false\nlog-level = "debug"\n',
    );
    const child = spawn(process.execPath, [NODE_BIN, '-d', join(d, 'data')], {
      env: childEnv({ GOSSIP_NETWORK: 'regtest', GOSSIP_CONFIG: file }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(child);
    let log = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => {
      log += s;
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    // Both lines are awaited: the HTTP line comes first, and on a busy machine the P2P line can
    // trail it by seconds. Whatever comes first of the two lines, an exit or the deadline ends it.
    await new Promise<void>((res) => {
      const done = () => {
        clearTimeout(timer);
        child.stderr!.off('data', check);
        res();
      };
      const check = () => {
        if (/rpc listening url=/.test(log) && /p2p started /.test(log)) done();
      };
      const timer = setTimeout(done, 90_000);
      child.stderr!.on('data', check);
      void exited.then(done);
      check();
    });
    // Free ports, not regtest's 3002 and 18443: http-port = 0 and rpc-port = 0 came from the
    // file, as listen = false did.
    const port = Number(/http listening url=http:\/\/127\.0\.0\.1:(\d+)/.exec(log)?.[1]);
    expect(port, log).toBeGreaterThan(0);
    expect(port).not.toBe(3002);
    const rpcPort = Number(/rpc listening url=http:\/\/127\.0\.0\.1:(\d+)/.exec(log)?.[1]);
    expect(rpcPort, log).toBeGreaterThan(0);
    expect(rpcPort).not.toBe(18443);
    expect(log).toContain(`network=regtest config=${file}`);
    expect(log).toMatch(/p2p started listen=off/);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
