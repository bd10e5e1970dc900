/**
 * `gossip-node rpc`, the bitcoin-cli of this node, as a user runs it: the built CLI in a child
 * process (asynchronous, so the in-process node keeps answering) finds the node by the same
 * settings it runs with (data dir, rpc-port, cookie), prints strings as is and the rest as JSON,
 * takes --named key=value arguments, and fails with one line and exit 1.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestNode, stopTestNodes } from './helpers/node.js';

const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'node', 'cli.js');
const GENESIS = '0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206';
const dirs: string[] = [];

afterAll(async () => {
  await stopTestNodes();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('GOSSIP_')) delete env[k];
  return new Promise((res) => {
    execFile(process.execPath, [CLI, ...args], { env, timeout: 60_000 }, (e, out, err) =>
      res({ code: e ? ((e as { code?: number }).code ?? -1) : 0, out, err }),
    );
  });
}

describe('gossip-node rpc', () => {
  it('calls the node found by its data dir and port, as bitcoin-cli', { timeout: 120_000 }, async () => {
    const t = await startTestNode();
    const at = ['-n', 'regtest', '-d', t.datadir, '--rpc-port', new URL(t.rpcUrl).port];
    expect(await cli([...at, 'rpc', 'getblockcount'])).toEqual({ code: 0, out: '0\n', err: '' });
    expect((await cli([...at, 'rpc', 'getblockhash', '0'])).out).toBe(`${GENESIS}\n`);
    // "false" is JSON: the header comes back as hex (a string, printed bare).
    expect((await cli([...at, 'rpc', 'getblockheader', GENESIS, 'false'])).out).toMatch(
      /^01000000[0-9a-f]{152}\n$/,
    );
    const named = await cli([...at, 'rpc', '--named', 'getblock', `blockhash=${GENESIS}`, 'verbosity=1']);
    expect(named.code).toBe(0);
    expect(JSON.parse(named.out)).toMatchObject({ hash: GENESIS, height: 0, nTx: 1 });
    expect((await cli([...at, 'rpc', 'help', 'getblock'])).out).toMatch(
      /^getblock "blockhash" \( verbosity \)\n/,
    );

    const bad = await cli([...at, 'rpc', 'getblockhash', '99']);
    expect([bad.code, bad.err]).toEqual([1, 'gossip-node: error -8: Block height out of range\n']);
    const unknown = await cli([...at, 'rpc', 'nosuch']);
    expect([unknown.code, unknown.err]).toEqual([1, 'gossip-node: error -32601: Method not found\n']);
    expect((await cli([...at, 'rpc', '--named', 'getblock', 'nokey'])).code).toBe(1);
    expect((await cli([...at, 'rpc'])).code).toBe(2);
    expect(await t.rpc('getblockcount')).toBe(0);
  });

  it('says in one line when there is no cookie or no node', { timeout: 60_000 }, async () => {
    const d = await mkdtemp(join(tmpdir(), 'gl-cli-rpc-'));
    dirs.push(d);
    const noCookie = await cli(['-n', 'regtest', '-d', d, '--rpc-port', '1', 'rpc', 'getblockcount']);
    expect(noCookie.code).toBe(1);
    expect(noCookie.err).toMatch(
      /^gossip-node: cannot read the RPC cookie .*\.cookie \(ENOENT\): is the node running with this data dir\?\n$/,
    );
    const noNode = await cli([
      '-n',
      'regtest',
      '-d',
      d,
      '--rpc-port',
      '1',
      '--rpc-password',
      'x',
      'rpc',
      'getblockcount',
    ]);
    expect(noNode.code).toBe(1);
    expect(noNode.err).toMatch(
      /^gossip-node: cannot reach the node's RPC at http:\/\/127\.0\.0\.1:1\/ \(ECONNREFUSED\)\n$/,
    );
  });
});
