/**
 * Issue 8, operating the built `gossip-node` as `npm start` does (main network, default data dir
 * under a temporary HOME): with seeds that never answer it stays up for 10 s, serves the explorer,
 * logs its retries and a status line, and stops cleanly on SIGTERM within 5 s — cookie removed,
 * LevelDB closed (a second start opens the same data dir). The data dir it creates is 0700, the
 * cookie 0600, and a parent directory the user already had keeps its mode.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from './helpers/p2p.js';
import { NODE_BIN } from './helpers/wallet-cli.js';

const children: ChildProcess[] = [];
const dirs: string[] = [];

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

interface Running {
  child: ChildProcess;
  log: () => string;
  exited: Promise<{ code: number | null; at: number }>;
}

function start(home: string, seeds: string): Running {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
  delete env.XDG_DATA_HOME;
  for (const k of Object.keys(env)) if (k.startsWith('GOSSIP_')) delete env[k];
  const child = spawn(
    process.execPath,
    [NODE_BIN, '--http-port', '0', '--rpc-port', '0', '--port', '0', '--bind', '127.0.0.1', '--seeds', seeds],
    { env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  children.push(child);
  let log = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (s: string) => {
    log += s;
  });
  const exited = new Promise<{ code: number | null; at: number }>((r) =>
    child.once('exit', (code) => r({ code, at: Date.now() })),
  );
  return { child, log: () => log, exited };
}

describe('gossip-node as npm start runs it', () => {
  it('stays up 10 s with unreachable seeds, then stops on SIGTERM within 5 s', {
    timeout: 60_000,
  }, async () => {
    const home = await mkdtemp(join(tmpdir(), 'gl-ops-'));
    dirs.push(home);
    const seeds = join(home, 'seeds.json');
    await writeFile(
      seeds,
      JSON.stringify({ main: ['127.0.0.1:1', 'seed.unreachable.invalid:8633'], regtest: [] }),
    );
    const datadir = join(home, '.local', 'share', 'gossip-ledger', 'main');
    // A parent the user already has keeps its mode; what the node creates is private.
    await mkdir(join(home, '.local'));
    await chmod(join(home, '.local'), 0o755);
    const node = start(home, seeds);

    await waitFor('the HTTP server', () => /http listening url=/.test(node.log()), 20_000);
    const url = /http listening url=(\S+)/.exec(node.log())?.[1];
    expect(url, node.log()).toBeDefined();
    expect(existsSync(join(datadir, 'chain')), 'data dir created under HOME').toBe(true);
    expect(existsSync(join(datadir, '.cookie'))).toBe(true);
    const mode = async (p: string) => (await stat(p)).mode & 0o777;
    expect(await mode(datadir), 'data dir 0700').toBe(0o700);
    expect(await mode(join(home, '.local', 'share', 'gossip-ledger')), 'created parent 0700').toBe(0o700);
    expect(await mode(join(home, '.local')), 'existing parent untouched').toBe(0o755);
    expect(await mode(join(datadir, '.cookie')), 'cookie 0600').toBe(0o600);
    const tip = await fetch(`${url}/api/blocks/tip/height`);
    expect(await tip.text()).toBe('0');
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);

    // Alive after 10 s, with retries and status lines in the log.
    await new Promise((r) => setTimeout(r, 10_000));
    expect(node.child.exitCode, node.log()).toBeNull();
    const log = node.log();
    expect(log).toMatch(/connection failed; will retry .*127\.0\.0\.1:1/);
    expect(log).toMatch(/seed lookup found no peers to try; retrying later/);
    const status = log.split('\n').filter((l) => l.includes('status: waiting for peers'));
    expect(status.length, log).toBeGreaterThanOrEqual(1);
    expect(status[0]).toMatch(/height=0 headers=0 peers=0 inbound=0 outbound=0 mempoolTxs=0/);
    // With no seed answering, each waiting line comes with what to do next (once a minute).
    const advice = log.split('\n').filter((l) => l.includes('no peer answers.'));
    expect(advice.length, log).toBe(status.length);
    expect(advice[0]).toMatch(
      /Start a network of your own: --mine --mine-address <address>; join one: --connect host:port or --seeds FILE; or try a local one: npm run devnet$/,
    );
    expect(log).not.toMatch(/ERROR|Unhandled|at .*\.js:\d+/);

    const sentAt = Date.now();
    node.child.kill('SIGTERM');
    const { code, at } = await node.exited;
    expect(code, node.log()).toBe(0);
    expect(at - sentAt).toBeLessThan(5000);
    expect(node.log()).toMatch(/shutting down .*reason=SIGTERM/);
    expect(node.log()).toMatch(/shutdown complete seconds=\d+(\.\d+)?/);
    expect(existsSync(join(datadir, '.cookie')), 'cookie removed').toBe(false);

    // LevelDB was closed properly: the same data dir opens again at once.
    const again = start(home, seeds);
    await waitFor('the chain to load again', () => /chain loaded/.test(again.log()), 20_000);
    expect(again.log()).toMatch(/chain loaded .*height=0/);
    again.child.kill('SIGINT');
    expect((await again.exited).code).toBe(0);
  });
});
