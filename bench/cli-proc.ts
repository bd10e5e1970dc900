/**
 * A `gossip-node` process for benchmarks, from any build (this tree's dist/ or another checkout's,
 * BENCH_BASE, so a before/after pair runs in one session): start on a data dir, JSON-RPC over a
 * keep-alive socket with the cookie, RSS from /proc, stop. BENCH_NODE_FLAGS adds flags for the
 * node's own Node.js (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`, to profile it under the load).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';

export interface CliNode {
  readonly child: ChildProcess;
  readonly url: URL;
  readonly auth: string;
  /** The P2P port it listens on, when listening. */
  readonly p2pPort?: number;
  /** The explorer's HTTP server (/metrics), when it logged one. */
  readonly httpUrl?: URL;
  /** ms from spawn to answering RPC. */
  readonly startMs: number;
}

export function post(url: URL, auth: string, body: string, agent: Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { authorization: auth, 'content-type': 'application/json' } },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          data += c;
        });
        res.on('end', () => resolve(data));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** One RPC client: its own keep-alive connection, so N clients are N sockets. */
export function rpcClient(node: CliNode): {
  call: (method: string, params?: unknown[]) => Promise<unknown>;
  close: () => void;
} {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  let id = 0;
  return {
    call: async (method, params = []) => {
      const body = JSON.stringify({ jsonrpc: '2.0', id: id++, method, params });
      const reply = JSON.parse(await post(node.url, node.auth, body, agent)) as {
        result?: unknown;
        error?: { message: string };
      };
      if (reply.error) throw new Error(`${method}: ${reply.error.message}`);
      return reply.result;
    },
    close: () => agent.destroy(),
  };
}

/**
 * Starts `root`/dist/node/cli.js on `dir` (regtest, free ports, 127.0.0.1) with `extra` flags
 * (and `nodeFlags` for Node.js itself, `env` added to the environment); resolves once it answers RPC (and, with `p2p`, once it listens for peers).
 */
export function startCli(
  root: string,
  dir: string,
  extra: string[] = [],
  opts: { p2p?: boolean; nodeFlags?: readonly string[]; env?: Readonly<Record<string, string>> } = {},
): Promise<CliNode> {
  const t0 = process.hrtime.bigint();
  const args = [
    '-n',
    'regtest',
    '-d',
    dir,
    '--http-port',
    '0',
    '--rpc-port',
    '0',
    '--port',
    '0',
    '--bind',
    '127.0.0.1',
  ];
  const nodeFlags = [
    ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
    ...(opts.nodeFlags ?? []),
  ];
  const cli = join(root, 'dist', 'node', 'cli.js');
  const child = spawn(process.execPath, [...nodeFlags, cli, ...args, ...extra], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...opts.env },
  });
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node did not start: ${log}`));
    }, 120_000);
    child.stderr!.setEncoding('utf8');
    const onData = (c: string) => {
      log += c;
      const m = /rpc listening url=(http:\/\/[^\s]+)/.exec(log);
      const p2p = /p2p started listen=127\.0\.0\.1:(\d+)/.exec(log);
      const http = /http listening url=(http:\/\/[^\s]+)/.exec(log);
      if (!m || (opts.p2p && !p2p)) return;
      child.stderr!.off('data', onData);
      // Keep draining stderr so the child never blocks on a full pipe.
      child.stderr!.resume();
      clearTimeout(timer);
      const secret = readFileSync(join(dir, '.cookie'), 'utf8');
      resolve({
        child,
        url: new URL(`${m[1]}/`),
        auth: `Basic ${Buffer.from(secret).toString('base64')}`,
        ...(p2p ? { p2pPort: Number(p2p[1]) } : {}),
        ...(http ? { httpUrl: new URL(`${http[1]}/`) } : {}),
        startMs: Number(process.hrtime.bigint() - t0) / 1e6,
      });
    };
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`node exited ${code}: ${log}`));
    });
  });
}

export async function stopCli(node: CliNode): Promise<void> {
  const { child } = node;
  if (child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Resident set size and its peak (bytes) of a running process. */
/**
 * CPU time the process has used, user + system, in ms (/proc/<pid>/stat, all its threads): on a
 * loaded machine this moves less than wall time does.
 */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
}

export function rssOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') * 1024, peak: kb('VmHWM') * 1024 };
}

/**
 * Where a process's resident memory is (bytes), from /proc/<pid>/smaps: the brk heap (glibc's
 * main malloc arena), anonymous mappings (V8's heap pages, the other threads' malloc arenas,
 * LevelDB's and ICU's allocations), the files mapped (the node binary and shared libraries);
 * and the number of threads.
 */
export function rssParts(pid: number): { brk: number; anon: number; files: number; threads: number } {
  const parts = { brk: 0, anon: 0, files: 0 };
  let where: keyof typeof parts = 'anon';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (head) {
      const name = head[1]!;
      where = name === '[heap]' ? 'brk' : name === '' || name.startsWith('[') ? 'anon' : 'files';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) parts[where] += Number(rss[1]) * 1024;
  }
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { ...parts, threads: Number(/Threads:\s+(\d+)/.exec(status)?.[1] ?? 0) };
}
