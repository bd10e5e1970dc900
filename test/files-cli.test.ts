/**
 * `gossip-node fetch` as a user runs it when nobody holds the file: the built CLI in a child
 * process against an in-process node with no peers and no DHT. It gives up after
 * --find-timeout with one line saying what it tried and exit 3 (as `dht lookup` when it finds
 * none), prints a JSON result with --json, writes nothing, and refuses a bad timeout with exit 1.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestNode, stopTestNodes } from './helpers/node.js';

const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'node', 'cli.js');
const ID = 'ab'.repeat(32);
const dirs: string[] = [];

afterAll(async () => {
  await stopTestNodes();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('GOSSIP_')) delete env[k];
  return new Promise((res) => {
    execFile(process.execPath, [CLI, ...args], { env, timeout: 90_000 }, (e, out, err) =>
      res({ code: e ? ((e as { code?: number }).code ?? -1) : 0, out, err }),
    );
  });
}

describe('gossip-node fetch without a provider', () => {
  it('gives up after --find-timeout with exit 3 and one line, writing nothing', {
    timeout: 180_000,
  }, async () => {
    const t = await startTestNode();
    const out = await mkdtemp(join(tmpdir(), 'gl-files-cli-'));
    dirs.push(out);
    const at = ['-n', 'regtest', '-d', t.datadir, '--rpc-port', new URL(t.rpcUrl).port];

    const plain = await cli([...at, 'fetch', ID, '-o', join(out, 'f'), '--find-timeout', '2']);
    expect(plain.code).toBe(3);
    expect(plain.out).toBe('');
    expect(plain.err).toMatch(
      new RegExp(`^gossip-node: NO_PROVIDERS: no connected peer holds ${ID} .*the DHT is off.*\\n$`),
    );
    expect(plain.err.split('\n')).toHaveLength(2);

    const json = await cli([...at, 'fetch', ID, '-o', join(out, 'g'), '--find-timeout', '2', '--json']);
    expect(json.code).toBe(3);
    const last = JSON.parse(json.out.trim().split('\n').at(-1)!) as { done: boolean; error: string };
    expect(last.done).toBe(false);
    expect(last.error).toMatch(/^NO_PROVIDERS: /);

    const bad = await cli([...at, 'fetch', ID, '--find-timeout', 'soon']);
    expect([bad.code, bad.err]).toEqual([
      1,
      'gossip-node: --find-timeout must be a number of seconds, 0 < s <= 86400 (got soon)\n',
    ]);
    expect(await readdir(out)).toEqual([]);
    expect(await t.rpc('listfiles')).toEqual([]);
  });
});
