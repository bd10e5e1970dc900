/**
 * The wallet side of devnet, done by the real `gossip-wallet` CLI (dist/wallet/cli.js) as child
 * processes, with --json output parsed here: exactly what a user types in another terminal.
 * Exit codes are the wallet's documented ones (wallet/README.md): 9 means "not confirmed yet".
 */
import { spawn } from 'node:child_process';
import { DevnetError } from './errors.js';
import { WALLET_CLI } from './paths.js';
import type { Children } from './processes.js';
import { abortError } from './wait.js';

/** scrypt N = 2^10, the wallet's lowest: devnet wallets hold regtest coins, and each command decrypts. */
const SCRYPT_LOG_N = '10';
const COMMAND_TIMEOUT_MS = 60_000;

export interface WalletRun {
  code: number | null;
  out: string;
  err: string;
}

/** `balance --json`: Core's getbalances split (coins as strings, satoshis as numbers). */
export interface Balance {
  trusted: string;
  untrusted_pending: string;
  immature: string;
  trusted_sat: number;
  untrusted_pending_sat: number;
  immature_sat: number;
}

/** A balance on one line, with getbalances' names. */
export function describeBalance(b: Balance): string {
  return `${b.trusted} trusted, ${b.untrusted_pending} untrusted_pending, ${b.immature} immature`;
}

export class WalletCli {
  private readonly password: string;
  private readonly children: Children;
  private readonly signal: AbortSignal;

  constructor(password: string, children: Children, signal: AbortSignal) {
    this.password = password;
    this.children = children;
    this.signal = signal;
  }

  /** Runs `gossip-wallet -n regtest --json <args>`; rejects only on abort or a spawn failure. */
  run(args: string[]): Promise<WalletRun> {
    if (this.signal.aborted) return Promise.reject(abortError(this.signal));
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const k of Object.keys(env)) if (k.startsWith('GOSSIP_WALLET_')) delete env[k];
    env.GOSSIP_WALLET_PASSWORD = this.password;
    const child = spawn(process.execPath, [WALLET_CLI, '-n', 'regtest', '--json', ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own session, like the nodes: a terminal Ctrl-C is devnet's to handle.
      detached: true,
    });
    this.children.add(child);
    return new Promise((resolve, reject) => {
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (s: string) => {
        out += s;
      });
      child.stderr.setEncoding('utf8').on('data', (s: string) => {
        err += s;
      });
      const kill = () => child.kill('SIGKILL');
      const timer = setTimeout(kill, COMMAND_TIMEOUT_MS);
      this.signal.addEventListener('abort', kill, { once: true });
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(new DevnetError('WALLET_FAILED', `cannot run gossip-wallet: ${e.message}`));
      });
      child.once('close', (code, sig) => {
        clearTimeout(timer);
        this.signal.removeEventListener('abort', kill);
        if (this.signal.aborted) reject(abortError(this.signal));
        else if (sig === 'SIGKILL' && code === null)
          reject(new DevnetError('TIMEOUT', `gossip-wallet ${args.join(' ')}: no answer in 60 s`));
        else resolve({ code, out, err });
      });
    });
  }

  /** Runs a command that must succeed and parses its JSON result; `what` names it in errors. */
  async json<T>(what: string, args: string[], node?: number): Promise<T> {
    const r = await this.run(args);
    if (r.code !== 0) throw failure(what, r, node);
    return parseJson<T>(what, r, node);
  }

  async create(file: string): Promise<string> {
    const r = await this.json<{ firstAddress?: unknown }>('create', [
      '-w',
      file,
      'create',
      '--scrypt-log-n',
      SCRYPT_LOG_N,
    ]);
    if (typeof r.firstAddress !== 'string') throw new DevnetError('WALLET_FAILED', 'create: no address');
    return r.firstAddress;
  }

  balance(file: string, node: { index: number; url: string }): Promise<Balance> {
    return this.json<Balance>('balance', ['-w', file, '--node', node.url, 'balance'], node.index);
  }

  async send(file: string, node: { index: number; url: string }, to: string, amount: string) {
    return this.json<{ txid: string; fee: string }>(
      'send',
      ['-w', file, '--node', node.url, 'send', to, amount],
      node.index,
    );
  }

  async anchor(file: string, node: { index: number; url: string }, target: string) {
    return this.json<{ txid: string; commitment: string; files: { proof: string }[] }>(
      'anchor',
      ['-w', file, '--node', node.url, 'anchor', target],
      node.index,
    );
  }
}

/** One line for a failed wallet command: its exit code and its own one-line error. */
export function failure(what: string, r: WalletRun, node?: number): DevnetError {
  const why = r.err.trim().split('\n')[0] ?? '';
  return new DevnetError(
    'WALLET_FAILED',
    `gossip-wallet ${what} exited ${r.code}${why ? `: ${why}` : ''}`,
    node,
  );
}

export function parseJson<T>(what: string, r: WalletRun, node?: number): T {
  try {
    return JSON.parse(r.out) as T;
  } catch {
    throw new DevnetError('WALLET_FAILED', `gossip-wallet ${what}: output is not JSON`, node);
  }
}
