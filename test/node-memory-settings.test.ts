/**
 * The memory settings of issue 22: `leveldb-cache` and `leveldb-write-buffer` (the chain's LevelDB block
 * cache and memtable), `script-young-gen` (each script-check thread's V8 young generation) and
 * `v8-flags` (the V8 flags the node sets on itself):
 * parsed from every source, refused out of range, and reaching their targets, in a script pool
 * and in the built gossip-node, whose /metrics reports the LevelDB bound and use as the
 * `chain-db` cache.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_WORKER_YOUNG_GEN_MB } from '../node/chain/script-pool.js';
import { ConfigError } from '../node/config/errors.js';
import { resolveConfig } from '../node/config/load.js';
import { applyV8Flags, DEFAULT_V8_FLAGS } from '../node/v8-flags.js';
import { NODE_BIN } from './helpers/wallet-cli.js';

const MiB = 1024 * 1024;
/** The built pool: its workers run compiled JavaScript (from the sources there is no pool). */
const POOL = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'dist',
  'node',
  'chain',
  'script-pool.js',
);
const dirs: string[] = [];
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const load = (flags: Record<string, string> = {}, env: Record<string, string> = {}, toml?: string) =>
  resolveConfig(
    { flags, env, platform: 'linux', home: '/home/u' },
    toml === undefined ? undefined : { path: '/etc/gl/gossip.toml', text: toml },
  );

function refused(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

describe('the memory settings', () => {
  it('default to the documented values and are read from flags, variables and the file', () => {
    const d = load().values;
    expect([d['leveldb-cache'], d['leveldb-write-buffer'], d['script-young-gen'], d['v8-flags']]).toEqual([
      8,
      16,
      DEFAULT_WORKER_YOUNG_GEN_MB,
      DEFAULT_V8_FLAGS,
    ]);
    expect(load({ 'v8-flags': 'none' }).values['v8-flags']).toBe('none');
    expect(load({}, { GOSSIP_V8_FLAGS: '--optimize-for-size --stack-size=900' }).values['v8-flags']).toBe(
      '--optimize-for-size --stack-size=900',
    );
    const r = load(
      { 'leveldb-cache': '3' },
      { GOSSIP_LEVELDB_WRITE_BUFFER: '2' },
      'script-young-gen = 6\nleveldb-cache = 5\nleveldb-write-buffer = 9\n',
    );
    expect([
      r.values['leveldb-cache'],
      r.values['leveldb-write-buffer'],
      r.values['script-young-gen'],
    ]).toEqual([3, 2, 6]);
    expect([
      r.sources['leveldb-cache'],
      r.sources['leveldb-write-buffer'],
      r.sources['script-young-gen'],
    ]).toEqual(['flag', 'env', 'file']);
    // 0 turns LevelDB's block cache off and leaves the young generation to V8.
    expect(load({ 'leveldb-cache': '0', 'script-young-gen': '0' }).values).toMatchObject({
      'leveldb-cache': 0,
      'script-young-gen': 0,
    });
  });

  it('refuses values their targets cannot take', () => {
    // A memtable of 0 bytes does not exist; LevelDB takes 32-bit byte counts.
    expect(refused(() => load({ 'leveldb-write-buffer': '0' }))).toBe(
      '--leveldb-write-buffer: expected a whole number >= 1 and <= 4095, got "0"',
    );
    expect(refused(() => load({ 'leveldb-cache': '4096' }))).toBe(
      '--leveldb-cache: expected a whole number >= 0 and <= 4095, got "4096"',
    );
    expect(refused(() => load({}, { GOSSIP_LEVELDB_CACHE: '1.5' }))).toContain('GOSSIP_LEVELDB_CACHE');
    expect(refused(() => load({}, {}, 'script-young-gen = -1\n'))).toContain('script-young-gen');
    expect(refused(() => load({ 'v8-flags': '--optimize-for-size max-old-space-size=9' }))).toBe(
      "--v8-flags: not a V8 flag: 'max-old-space-size=9' (expected --name or --name=value)",
    );
  });

  it('sets the V8 flags on the running V8', () => {
    expect(applyV8Flags('none')).toEqual([]);
    // --expose-gc read at run time: a new context gets gc() once it is set.
    expect(runInNewContext('typeof gc')).toBe('undefined');
    expect(applyV8Flags(' --expose-gc ')).toEqual(['--expose-gc']);
    expect(runInNewContext('typeof gc')).toBe('function');
  });

  it('gives each script worker the young generation asked for', async () => {
    const { ScriptPool } = (await import(POOL)) as typeof import('../node/chain/script-pool.js');
    const sized = ScriptPool.create(2, 6)!;
    const own = ScriptPool.create(1, 0)!;
    try {
      expect(sized.youngGenerationMb()).toEqual([6, 6]);
      // 0 sets no limit: V8's own bound once the thread runs (none to read before: 0).
      const [v8Own] = own.youngGenerationMb();
      expect(v8Own === 0 || v8Own! > 6, String(v8Own)).toBe(true);
    } finally {
      await sized.close();
      await own.close();
    }
  });
});

describe('the built gossip-node', () => {
  it('sizes LevelDB and its script threads as set, and reports the chain-db cache on /metrics', {
    timeout: 120_000,
  }, async () => {
    const d = await mkdtemp(join(tmpdir(), 'gl-memory-'));
    dirs.push(d);
    const child = spawn(
      process.execPath,
      [
        NODE_BIN,
        '-n',
        'regtest',
        '-d',
        d,
        '--http-port',
        '0',
        '--rpc-port',
        '0',
        '--no-listen',
        '--leveldb-cache',
        '3',
        '--leveldb-write-buffer',
        '2',
        '--script-young-gen',
        '5',
        '--v8-flags',
        '--optimize-for-size --stack-size=900',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    children.push(child);
    let log = '';
    child.stderr!.setEncoding('utf8');
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    await new Promise<void>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`node did not start: ${log}`)), 90_000);
      child.stderr!.on('data', (s: string) => {
        log += s;
        if (/rpc listening url=/.test(log)) {
          clearTimeout(timer);
          res();
        }
      });
      void exited.then((code) => rej(new Error(`node exited ${code}: ${log}`)));
    });
    expect(log).toMatch(/script threads threads=\d+ youngGenMb=5(,5)*\s/);
    expect(log).toContain('v8Flags="--optimize-for-size --stack-size=900"');
    const url = /http listening url=(http:\/\/[^\s]+)/.exec(log)![1]!;
    const text = await (await fetch(`${url}/metrics`)).text();
    const figure = (name: string) =>
      Number(new RegExp(`^${name}\\{cache="chain-db"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
    // The bound: the block cache plus the memtable twice (the one filling, the one flushing).
    expect(figure('gossip_cache_max')).toBe(3 * MiB + 2 * 2 * MiB);
    // LevelDB's own count of what it holds: the genesis block's writes, at least.
    expect(figure('gossip_cache_bytes')).toBeGreaterThan(0);
    expect(figure('gossip_cache_bytes')).toBeLessThanOrEqual(3 * MiB + 2 * 2 * MiB);
    // Bytes only: LevelDB reports no entry count, and no figure is made up for it.
    expect(text).not.toMatch(/^gossip_cache_entries\{cache="chain-db"\}/m);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
