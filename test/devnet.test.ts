/**
 * `npm run devnet`: the built script (dist/scripts/devnet.js) run as a user runs it, as a child
 * process, on ephemeral ports and a temporary state directory. `--once` must pass every step
 * (payment confirmed on all 3 nodes, anchor verified, the file shared by node 1 and fetched
 * byte-identical by node 3), exit 0 and leave no node running (each
 * node removes its RPC cookie only on a clean shutdown); a directory holding a user's file is
 * refused without deleting anything; and the interactive mode, once ready, keeps mining, its
 * printed `gossip-node fetch` line works, and it stops cleanly on SIGINT with exit 0. Needs
 * `npm run build` first (the full suite builds).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SCRIPT = join(ROOT, 'dist', 'scripts', 'devnet.js');
const dirs: string[] = [];

/** Pids of processes whose command line names `dir`: the nodes devnet started there. */
function processesIn(dir: string): number[] {
  if (!existsSync('/proc')) return [];
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').includes(dir))
        pids.push(Number(name));
    } catch {
      // Exited while we looked.
    }
  }
  return pids;
}

afterAll(async () => {
  // Only if a test failed half-way: nothing it started may outlive it.
  for (const d of dirs) {
    for (const pid of processesIn(d)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    await rm(d, { recursive: true, force: true });
  }
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'gl-devnet-'));
  dirs.push(d);
  return d;
}

interface Run {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  done: Promise<number | null>;
}

/** Starts a command in its own process group, killed (group-wide) if it outlives `timeoutMs`. */
function start(cmd: string, args: string[], timeoutMs: number): Run {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('GOSSIP_WALLET_')) delete env[k];
  const child = spawn(cmd, args, { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => {
    out += s;
  });
  child.stderr!.setEncoding('utf8').on('data', (s: string) => {
    err += s;
  });
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }, timeoutMs);
  const done = new Promise<number | null>((res) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      res(code);
    }),
  );
  return { child, out: () => out, err: () => err, done };
}

async function expectNodesStoppedCleanly(dir: string): Promise<void> {
  expect(processesIn(dir)).toEqual([]);
  for (const i of [1, 2, 3]) {
    // The node writes its cookie at start and removes it last in a clean stop.
    expect(existsSync(join(dir, `node${i}`, '.cookie')), `node ${i} cookie`).toBe(false);
    expect(await readFile(join(dir, `node${i}`, 'node.log'), 'utf8')).toMatch(/INFO {2}node: stopped/);
  }
}

describe('npm run devnet', () => {
  it('--once: every step passes, exit 0, no node left behind', { timeout: 150_000 }, async () => {
    const dir = await tempDir();
    const t0 = Date.now();
    const run = start('npm', ['run', 'devnet', '--', '--once', '--base-port', '0', '--dir', dir], 140_000);
    const code = await run.done;
    const out = run.out();
    const seconds = (Date.now() - t0) / 1000;
    console.log(`devnet --once took ${seconds.toFixed(1)} s`);
    expect(code, `${out}\n${run.err()}`).toBe(0);
    for (const title of [
      '3 regtest nodes started on 127.0.0.1',
      'peers connected',
      'wallets alice and bob created',
      'alice funded',
      'alice paid bob 1.5',
      'payment confirmed on all 3 nodes',
      'file anchored',
      'anchor confirmed and verified',
      'file shared by node 1, fetched on node 3',
    ].entries()) {
      expect(out).toContain(`[${title[0] + 1}/9] ✓ ${title[1]}`);
    }
    expect(out).not.toContain('✗');
    expect(out).toMatch(/nodes 2 and 3 found each other through node 1/);
    expect(out).toMatch(/in block [0-9a-f]{64} at height \d+ on nodes 1, 2 and 3/);
    expect(out).toMatch(
      /bob's balance seen through node 1: 1\.50000000 trusted, 0\.00000000 untrusted_pending, 0\.00000000 immature/,
    );
    expect(out).toMatch(/links checked: file, chunks, commitment, transaction, block, pow, chain/);
    // The chunk came from node 1 (node 2 never held the file), named by its node id.
    expect(out).toMatch(
      /from 1 peer \(node 1: 1 chunk\); 1 chunk, \d+ bytes, each verified against the anchored root/,
    );
    expect(out).toMatch(/node 3's \/api\/anchors\/[0-9a-f]{16}…\/file are byte-identical to /);
    expect(out).toMatch(/devnet: all 9 steps passed in [\d.]+ s\nstopping 3 node\(s\)\.\.\.\nstopped\n/);
    // The state directory is git-ignored: the run says where it left it.
    expect(out).toContain(
      `devnet: state kept in ${dir} (node logs, wallets, proof); the next run wipes it\n`,
    );
    expect(run.err()).not.toMatch(/devnet:/);
    await expectNodesStoppedCleanly(dir);
    // The proof was completed by `proof --update` and the wallets are where the output said.
    const proof = JSON.parse(await readFile(join(dir, 'hello-devnet.txt.anchor.json'), 'utf8'));
    expect(proof.block).not.toBeNull();
    expect(existsSync(join(dir, 'alice.wallet')) && existsSync(join(dir, 'bob.wallet'))).toBe(true);
    // Node 3's copy is where the run said, and is the anchored file itself.
    expect(await readFile(join(dir, 'hello-devnet.fetched-by-node3.txt'))).toEqual(
      await readFile(join(dir, 'hello-devnet.txt')),
    );
  });

  it('refuses a directory devnet did not make, deleting nothing', { timeout: 60_000 }, async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'notes.txt'), 'mine\n');
    const run = start('npm', ['run', 'devnet', '--', '--once', '--base-port', '0', '--dir', dir], 50_000);
    const code = await run.done;
    expect(code, run.out() + run.err()).toBe(1);
    const errLines = run.err().trim().split('\n');
    expect(errLines.filter((l) => l.startsWith('devnet:'))).toEqual([
      expect.stringMatching(/^devnet: refusing to wipe .* no \.devnet marker/),
    ]);
    expect(readdirSync(dir)).toEqual(['notes.txt']);
    expect(await readFile(join(dir, 'notes.txt'), 'utf8')).toBe('mine\n');
    expect(run.out()).not.toContain('[1/9]');
  });

  it('interactive: keeps mining once ready, stops cleanly on SIGINT', { timeout: 150_000 }, async () => {
    const dir = await tempDir();
    // The script itself, as `npm run devnet` runs it: a signal to npm would also kill npm's shell.
    const run = start(process.execPath, [SCRIPT, '--base-port', '0', '--dir', dir], 140_000);
    const deadline = Date.now() + 120_000;
    while (!run.out().includes('devnet ready') && run.child.exitCode === null && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const out = run.out();
    expect(out, out + run.err()).toContain('devnet ready');
    const urls = [...out.matchAll(/^ {4}node (\d) {2}(http:\/\/127\.0\.0\.1:\d+)\/$/gm)].map((m) => m[2]!);
    expect(urls).toHaveLength(3);
    const page = await fetch(`${urls[0]}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    await page.arrayBuffer();
    // Node 1 keeps mining after the steps, and node 3 keeps receiving its blocks.
    const height = async () => Number(await (await fetch(`${urls[2]}/api/blocks/tip/height`)).text());
    const first = await height();
    const grown = Date.now() + 15_000;
    while ((await height()) <= first && Date.now() < grown) await new Promise((r) => setTimeout(r, 250));
    expect(await height()).toBeGreaterThan(first);
    // The ready block's fetch line works as printed: node 2 fetches the anchored file from its peers.
    const line = /^ {4}(node \S+ -n regtest -d \S+ --rpc-port \d+ fetch [0-9a-f]{64} -o (\S+))$/m.exec(out);
    expect(line, out).not.toBeNull();
    const [cmd, ...args] = line![1]!.split(' ');
    const fetched = start(cmd === 'node' ? process.execPath : cmd!, args, 60_000);
    expect(await fetched.done, fetched.out() + fetched.err()).toBe(0);
    expect(await readFile(resolve(ROOT, line![2]!))).toEqual(await readFile(join(dir, 'hello-devnet.txt')));
    run.child.kill('SIGINT');
    expect(await run.done, run.out() + run.err()).toBe(0);
    expect(run.out()).toMatch(/SIGINT: stopping.*\nstopping 3 node\(s\)\.\.\.\nstopped\n$/);
    await expectNodesStoppedCleanly(dir);
  });
});
