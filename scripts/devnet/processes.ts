/**
 * The devnet's child processes: three real `gossip-node` processes (the built dist/node/cli.js,
 * as a user runs it) and the short-lived `gossip-wallet` runs. Every child is registered here, so
 * that no exit path leaves one behind: a clean stop sends the nodes SIGINT (their own graceful
 * shutdown, which removes the RPC cookie last) and waits a bounded time before SIGKILL, and a
 * process 'exit' hook SIGKILLs whatever is still alive (an exception, a forced second Ctrl-C).
 * Nodes run in their own session (detached), so a terminal's Ctrl-C reaches devnet alone and
 * devnet stops them in order, instead of every process racing to exit at once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DevnetError } from './errors.js';
import { NODE_CLI } from './paths.js';
import { HOST, type NodePorts } from './ports.js';
import { poll, sleep } from './wait.js';

const running = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;

/** Every child devnet started and not yet seen exit. */
export class Children {
  private readonly all = new Set<ChildProcess>();
  constructor() {
    process.on('exit', () => this.killAll());
  }
  add(child: ChildProcess): void {
    this.all.add(child);
    child.once('exit', () => this.all.delete(child));
  }
  /** SIGKILL to each child still alive; synchronous, so it also runs inside process 'exit'. */
  killAll(): void {
    for (const c of this.all) {
      if (!running(c) || c.pid === undefined) continue;
      try {
        process.kill(c.pid, 'SIGKILL');
      } catch {
        // Already gone between the check and the kill.
      }
    }
  }
}

export interface DevnetNode {
  index: number;
  ports: NodePorts;
  datadir: string;
  logPath: string;
  /** http://127.0.0.1:<port>, the explorer page and API (/api). */
  url: string;
  /** http://127.0.0.1:<port> of the JSON-RPC. */
  rpcUrl: string;
  child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

function nodeArgs(ports: NodePorts, datadir: string, seedsFile: string): string[] {
  return [
    NODE_CLI,
    '-n',
    'regtest',
    '-d',
    datadir,
    '--bind',
    HOST,
    '--port',
    String(ports.p2p),
    '--http-host',
    HOST,
    '--http-port',
    String(ports.http),
    '--rpc-bind',
    HOST,
    '--rpc-port',
    String(ports.rpc),
    '--seeds',
    seedsFile,
    '--relay-delay',
    '100',
  ];
}

/** Starts node `ports.index` with its log in <dir>/node<i>/node.log; does not wait for it. */
export async function spawnNode(
  ports: NodePorts,
  dir: string,
  seedsFile: string,
  children: Children,
): Promise<DevnetNode> {
  const datadir = join(dir, `node${ports.index}`);
  await mkdir(datadir, { recursive: true });
  const logPath = join(datadir, 'node.log');
  const fd = openSync(logPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, nodeArgs(ports, datadir, seedsFile), {
      stdio: ['ignore', fd, fd],
      detached: true,
    });
  } finally {
    closeSync(fd);
  }
  children.add(child);
  const exited = new Promise<number | null>((resolve) => {
    if (!running(child)) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
  // A spawn failure (ENOENT, EAGAIN) surfaces as 'error'; the readiness wait reports it.
  child.on('error', () => undefined);
  return {
    index: ports.index,
    ports,
    datadir,
    logPath,
    url: `http://${HOST}:${ports.http}`,
    rpcUrl: `http://${HOST}:${ports.rpc}`,
    child,
    exited,
  };
}

/**
 * Waits until `probe` says the node is up (it answers over HTTP and its P2P layer runs; the
 * node opens HTTP first, so an answer alone is not enough). A probe that throws means "not
 * yet"; the process exiting fails at once.
 */
export async function waitReady(
  node: DevnetNode,
  probe: () => Promise<boolean>,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<void> {
  await poll(
    async (progress) => {
      if (!running(node.child)) {
        const how = node.child.signalCode ?? `code ${node.child.exitCode}`;
        throw new DevnetError('NODE_FAILED', `node ${node.index} exited (${how}) while starting`, node.index);
      }
      try {
        return (await probe()) ? true : undefined;
      } catch (e) {
        if (signal.aborted) throw e;
        progress((e as Error).message);
        return undefined;
      }
    },
    {
      what: `answer from node ${node.index} at ${node.url}`,
      timeoutMs,
      intervalMs: 100,
      signal,
      node: node.index,
    },
  );
}

/**
 * SIGINT to every running node, then up to `timeoutMs` for them to exit, then SIGKILL.
 * Resolves with the nodes that had to be killed (empty: all stopped by themselves).
 */
export async function stopNodes(nodes: DevnetNode[], timeoutMs: number): Promise<number[]> {
  for (const n of nodes) if (running(n.child)) n.child.kill('SIGINT');
  const timer = new AbortController();
  const timedOut = Symbol('timeout');
  const killed: number[] = [];
  // Aborted once all have exited, so a quick stop does not wait out the timer.
  const deadline = sleep(timeoutMs, timer.signal).then(
    () => timedOut,
    () => timedOut,
  );
  try {
    await Promise.all(
      nodes.map(async (n) => {
        if ((await Promise.race([n.exited, deadline])) !== timedOut) return;
        killed.push(n.index);
        n.child.kill('SIGKILL');
        await n.exited;
      }),
    );
  } finally {
    timer.abort();
  }
  return killed.sort((a, b) => a - b);
}

/** The last `count` lines of a node's log, for a failure report. */
export async function logTail(node: DevnetNode, count: number): Promise<string[]> {
  try {
    const lines = (await readFile(node.logPath, 'utf8')).split('\n').filter((l) => l !== '');
    return lines.slice(-count);
  } catch {
    return [];
  }
}
