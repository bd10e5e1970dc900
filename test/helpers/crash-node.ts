/**
 * A `gossip-node` in a child process for the crash-safety test: spawns the built CLI on a regtest
 * data dir, reads its stderr log line by line (`rpc listening url=... cookie=...`,
 * `block connected height=N hash=H`), talks JSON-RPC 2.0 to it with the cookie's Basic auth
 * (single and batch calls, each with a timeout), and kills it with SIGKILL or stops it with
 * SIGTERM. Every child ever spawned is tracked so a test's afterAll can kill the survivors.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The built CLI; CRASH_NODE_CLI points elsewhere (a private build while others rebuild dist). */
export const CLI = process.env.CRASH_NODE_CLI ?? resolve(ROOT, 'dist', 'node', 'cli.js');

const LISTENING = /\bnode: rpc listening url=(\S+) .*\bcookie=(\S+)/;
const CONNECTED = /\bnode: block connected height=(\d+) hash=([0-9a-f]{64})\b/;

export interface SpawnOptions {
  datadir: string;
  /** Mine to this address with one worker; no miner when absent. */
  mineAddress?: string;
  /** More command-line arguments (--connect, ...). */
  extraArgs?: string[];
  /** Called for every `block connected` line, as soon as the line is read. */
  onConnected?: (height: number, hash: string) => void;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const live = new Set<ChildProcess>();

/** SIGKILLs every child still running (for afterAll / afterEach). */
export async function killAll(): Promise<void> {
  await Promise.all([...live].map((c) => new NodeProcess(c).kill()));
}

export class RpcCallError extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.name = 'RpcCallError';
    this.code = code;
  }
}

export class NodeProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<Exit>;
  /** Last lines of stderr, for failure messages. */
  readonly tail: string[] = [];
  private listening?: { url: string; auth: string };
  private readonly waiters: ((v: { url: string; auth: string } | Exit) => void)[] = [];

  constructor(child: ChildProcess, opts?: SpawnOptions) {
    this.child = child;
    this.exited = new Promise((res) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        res({ code: child.exitCode, signal: child.signalCode });
        return;
      }
      // 'close', not 'exit': stderr is drained by then, so no late `block connected` line.
      child.once('close', (code, signal) => {
        live.delete(child);
        const exit = { code, signal };
        for (const w of this.waiters.splice(0)) w(exit);
        res(exit);
      });
    });
    if (opts) this.readLog(opts);
  }

  static spawn(opts: SpawnOptions): NodeProcess {
    const args = [
      CLI,
      '-n',
      'regtest',
      '-d',
      opts.datadir,
      '--http-port',
      '0',
      '--rpc-port',
      '0',
      '--port',
      '0',
      '--bind',
      '127.0.0.1',
      '--no-listen',
      '--log-level',
      'info',
    ];
    if (opts.mineAddress) args.push('--mine', '--mine-address', opts.mineAddress, '--mine-workers', '1');
    if (opts.extraArgs) args.push(...opts.extraArgs);
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    live.add(child);
    return new NodeProcess(child, opts);
  }

  private readLog(opts: SpawnOptions): void {
    let partial = '';
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        this.tail.push(line);
        if (this.tail.length > 30) this.tail.shift();
        const c = CONNECTED.exec(line);
        if (c) opts.onConnected?.(Number(c[1]), c[2]!);
        const l = LISTENING.exec(line);
        if (l && !this.listening) {
          // The cookie is written before the server listens, so it is this run's secret.
          const secret = readFileSync(l[2]!, 'utf8').trim();
          this.listening = { url: l[1]!, auth: `Basic ${Buffer.from(secret).toString('base64')}` };
          for (const w of this.waiters.splice(0)) w(this.listening);
        }
      }
    });
  }

  get isListening(): boolean {
    return this.listening !== undefined;
  }

  /** Resolves once `rpc listening` is logged; throws if the process exits or time runs out. */
  async waitListening(timeoutMs: number): Promise<void> {
    if (this.listening) return;
    let timer: NodeJS.Timeout | undefined;
    const got = await new Promise<{ url: string; auth: string } | Exit | 'timeout'>((res) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null)
        return res({ code: this.child.exitCode, signal: this.child.signalCode });
      this.waiters.push(res);
      timer = setTimeout(() => res('timeout'), timeoutMs);
    });
    clearTimeout(timer);
    if (got === 'timeout') throw new Error(`node not listening after ${timeoutMs} ms:\n${this.log()}`);
    if (!('url' in got))
      throw new Error(
        `node exited (code ${got.code}, signal ${got.signal}) before listening:\n${this.log()}`,
      );
  }

  log(): string {
    return this.tail.join('\n');
  }

  /** One JSON-RPC call; throws RpcCallError for a JSON-RPC error reply. */
  async rpc<T>(method: string, params: unknown[] = [], timeoutMs = 60_000): Promise<T> {
    const [r] = await this.post([{ jsonrpc: '2.0', id: 0, method, params }], timeoutMs);
    if (r!.error) throw new RpcCallError(r!.error.code, r!.error.message);
    return r!.result as T;
  }

  /** A batch of calls to one method; any error reply throws. */
  async batch<T>(method: string, paramsList: unknown[][], timeoutMs = 60_000): Promise<T[]> {
    const out: T[] = [];
    for (let i = 0; i < paramsList.length; i += 2000) {
      const chunk = paramsList.slice(i, i + 2000);
      const replies = await this.post(
        chunk.map((params, k) => ({ jsonrpc: '2.0', id: k, method, params })),
        timeoutMs,
      );
      if (replies.length !== chunk.length)
        throw new Error(`batch reply has ${replies.length} of ${chunk.length}`);
      for (const r of replies.sort((a, b) => a.id - b.id)) {
        if (r.error) throw new RpcCallError(r.error.code, `${method}: ${r.error.message}`);
        out.push(r.result as T);
      }
    }
    return out;
  }

  private async post(
    body: object[],
    timeoutMs: number,
  ): Promise<{ id: number; result?: unknown; error?: { code: number; message: string } }[]> {
    if (!this.listening) throw new Error('node is not listening');
    const res = await fetch(`${this.listening.url}/`, {
      method: 'POST',
      headers: { authorization: this.listening.auth, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (res.status !== 200) throw new Error(`rpc HTTP ${res.status}: ${await res.text()}`);
    return (await res.json()) as {
      id: number;
      result?: unknown;
      error?: { code: number; message: string };
    }[];
  }

  /** SIGKILL, then wait for the exit. */
  async kill(): Promise<Exit> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    return this.exited;
  }

  /** SIGTERM (a clean shutdown), then wait up to `timeoutMs` before falling back to SIGKILL. */
  async stop(timeoutMs: number): Promise<Exit> {
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([
      this.exited,
      new Promise<'timeout'>((res) => {
        timer = setTimeout(() => res('timeout'), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (r === 'timeout') {
      await this.kill();
      throw new Error(`node did not stop within ${timeoutMs} ms after SIGTERM:\n${this.log()}`);
    }
    return r;
  }
}
