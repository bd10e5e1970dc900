/**
 * sd_notify through systemd-notify (node/systemd-notify.ts), on the built `gossip-node`: with
 * $NOTIFY_SOCKET set, the command named by `systemd-notify` (here a script that records its
 * arguments and, on --ready, whether the node's RPC already answers) gets `--ready` with a
 * status line once the servers listen, and `STOPPING=1` on SIGTERM; without $NOTIFY_SOCKET it is
 * never run; a missing command is logged once and the node keeps serving.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
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

/**
 * A stand-in for systemd-notify: appends one JSON line per call, its arguments and, for
 * --ready, the HTTP status the RPC URL in --status answered (401 without credentials: it listens).
 */
const FAKE_NOTIFY = `#!${process.execPath}
const { appendFileSync } = require('node:fs');
const args = process.argv.slice(2);
const out = process.env.FAKE_NOTIFY_OUT;
const status = args.find((a) => a.startsWith('--status=')) || '';
const rpc = /rpc (\\S+?),/.exec(status);
if (args.includes('--ready') && rpc) {
  fetch(rpc[1], { method: 'POST', body: '{}' }).then(
    (r) => appendFileSync(out, JSON.stringify({ args, rpcStatus: r.status }) + '\\n'),
    (e) => appendFileSync(out, JSON.stringify({ args, rpcError: String(e) }) + '\\n'),
  ).finally(() => process.exit(0)); // a kept-alive connection must not hold it (systemd-notify exits)
} else appendFileSync(out, JSON.stringify({ args }) + '\\n');
`;

async function startNode(env: Record<string, string>) {
  const dir = await mkdtemp(join(tmpdir(), 'gl-notify-'));
  dirs.push(dir);
  const script = join(dir, 'fake-notify.cjs');
  await writeFile(script, FAKE_NOTIFY);
  await chmod(script, 0o755);
  const out = join(dir, 'notify.log');
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(base)) if (k.startsWith('GOSSIP_') || k === 'NOTIFY_SOCKET') delete base[k];
  const child = spawn(
    process.execPath,
    [
      NODE_BIN,
      '--network',
      'regtest',
      '--datadir',
      join(dir, 'data'),
      '--http-port',
      '0',
      '--rpc-port',
      '0',
      '--port',
      '0',
      '--bind',
      '127.0.0.1',
      '--no-listen',
    ],
    {
      env: { ...base, GOSSIP_SYSTEMD_NOTIFY: script, FAKE_NOTIFY_OUT: out, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  children.push(child);
  let log = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (s: string) => {
    log += s;
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const calls = () =>
    existsSync(out)
      ? readFileSync(out, 'utf8')
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { args: string[]; rpcStatus?: number; rpcError?: string })
      : [];
  return { child, log: () => log, exited, calls };
}

describe('gossip-node under systemd (Type=notify)', () => {
  it('sends READY=1 once the RPC answers, and STOPPING=1 on SIGTERM', { timeout: 90_000 }, async () => {
    const n = await startNode({ NOTIFY_SOCKET: '/run/fake/notify' });
    await waitFor('the ready notification', () => n.calls().length >= 1, 40_000);
    const [ready] = n.calls();
    expect(ready!.args[0]).toBe('--ready');
    expect(ready!.args[1]).toMatch(/^--status=height 0, rpc http:\/\/127\.0\.0\.1:\d+.*, http http:/);
    expect(ready!.rpcStatus, JSON.stringify(ready)).toBe(401);
    n.child.kill('SIGTERM');
    expect(await n.exited).toBe(0);
    await waitFor('the stopping notification', () => n.calls().length >= 2, 20_000);
    expect(n.calls()[1]!.args).toEqual(['--status=stopping', 'STOPPING=1']);
    expect(n.calls()).toHaveLength(2);
  });

  it('without NOTIFY_SOCKET the command never runs', { timeout: 90_000 }, async () => {
    const n = await startNode({});
    await waitFor('the HTTP server', () => /http listening url=/.test(n.log()), 40_000);
    n.child.kill('SIGTERM');
    expect(await n.exited).toBe(0);
    expect(n.calls()).toEqual([]);
  });

  it('a missing systemd-notify is logged once and the node keeps serving', { timeout: 90_000 }, async () => {
    const n = await startNode({
      NOTIFY_SOCKET: '/run/fake/notify',
      GOSSIP_SYSTEMD_NOTIFY: '/nonexistent/systemd-notify',
    });
    await waitFor('the warning', () => /systemd-notify failed/.test(n.log()), 40_000);
    const url = /http listening url=(\S+)/.exec(n.log())?.[1];
    expect(await (await fetch(`${url}/api/blocks/tip/height`)).text()).toBe('0');
    n.child.kill('SIGTERM');
    expect(await n.exited).toBe(0);
    expect(n.log().match(/systemd-notify failed/g)).toHaveLength(1);
  });
});
