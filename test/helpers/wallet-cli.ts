/**
 * Runs the built `gossip-wallet` (dist/wallet/cli.js) as a child process, asynchronously so that
 * servers in the test process keep answering it. Secrets go in through the environment or stdin.
 */
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const WALLET_BIN = resolve(root, 'dist', 'wallet', 'cli.js');
export const NODE_BIN = resolve(root, 'dist', 'node', 'cli.js');

export interface RunResult {
  code: number | null;
  out: string;
  err: string;
}

export function runWallet(
  args: string[],
  opts: { env?: Record<string, string | undefined>; input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('GOSSIP_WALLET_')) delete env[k];
  for (const [k, v] of Object.entries(opts.env ?? {})) if (v !== undefined) env[k] = v;
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [WALLET_BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, out, err });
    });
    child.stdin.end(opts.input ?? '');
  });
}
