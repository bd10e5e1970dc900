/**
 * Issue 4, `npm start` with unreachable seeds: the built gossip-node on the main network, with a
 * seeds file naming a closed port and a name that cannot resolve (.invalid, RFC 2606), keeps
 * running, logs each retry with a growing delay (no crash, no busy loop), and stops cleanly on
 * SIGINT. Bad P2P flags are one-line errors with exit 1.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'node', 'cli.js');
const children: ChildProcess[] = [];
const dirs: string[] = [];

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'gl-p2p-cli-'));
  dirs.push(d);
  return d;
}

describe('gossip-node with unreachable seeds', () => {
  it('keeps running, retrying with backoff and saying so, then stops on SIGINT', async () => {
    const dir = await tempDir();
    const seeds = join(dir, 'seeds.json');
    await writeFile(
      seeds,
      JSON.stringify({ main: ['127.0.0.1:1', 'seed.unreachable.invalid:8633'], regtest: [] }),
    );
    const child = spawn(
      process.execPath,
      [
        CLI,
        '-d',
        join(dir, 'data'),
        '--http-port',
        '0',
        '--rpc-port',
        '0',
        '--port',
        '0',
        '--bind',
        '127.0.0.1',
        '--seeds',
        seeds,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    children.push(child);
    let log = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => {
      log += s;
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const retries = () =>
      log.split('\n').filter((l) => l.includes('connection failed; will retry') && l.includes('127.0.0.1:1'));
    const end = Date.now() + 30_000;
    while (retries().length < 3 && Date.now() < end && child.exitCode === null)
      await new Promise((r) => setTimeout(r, 200));
    expect(child.exitCode, log).toBeNull();
    expect(log).toMatch(
      /seed lookup found no peers to try; retrying later failed=.*seed\.unreachable\.invalid/,
    );
    const lines = retries();
    expect(lines.length, log).toBeGreaterThanOrEqual(3);
    const waits = lines.map((l) => Number(/retryInSeconds=(\d+)/.exec(l)?.[1]));
    const attempts = lines.map((l) => Number(/attempt=(\d+)/.exec(l)?.[1]));
    expect(attempts.slice(0, 3)).toEqual([1, 2, 3]);
    // Each wait at least as long as the one before, and growing overall: backoff, not a loop.
    for (let i = 1; i < waits.length; i++) expect(waits[i]!).toBeGreaterThanOrEqual(waits[i - 1]!);
    expect(waits[2]!).toBeGreaterThan(waits[0]!);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(log).toMatch(/INFO {2}node: stopped/);
  });

  it('rejects bad P2P flags with a one-line error', async () => {
    const dir = await tempDir();
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{"main": ["no-port-here"]}');
    for (const args of [
      ['--seeds', bad],
      ['--seeds', join(dir, 'missing.json')],
      ['--connect', 'bad host:1'],
      ['--addnode', '1.2.3.4:99999'],
      ['--max-inbound', '-1'],
    ]) {
      const r = spawnSync(
        process.execPath,
        [CLI, '-d', join(dir, 'data'), '--http-port', '0', '--rpc-port', '0', ...args],
        {
          encoding: 'utf8',
          timeout: 30_000,
        },
      );
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stderr.trim().split('\n').length, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/^gossip-node: /);
    }
  });
});
