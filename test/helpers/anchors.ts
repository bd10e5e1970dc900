/**
 * Runs `gossip-wallet` in-process (wallet/program.ts `main`, the binary's own entry) and
 * collects its stdout, stderr and exit code: the anchoring tests make dozens of calls, and a
 * child process each would cost a Node start-up per call. The environment is exactly `env`
 * (no GOSSIP_WALLET_* leaks in from the test runner's).
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../wallet/program.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export async function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  // No default wallet file is ever found: the data dir is one nobody creates.
  const base: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    XDG_DATA_HOME: join(tmpdir(), 'gl-anchors-no-data'),
  };
  const code = await main(
    ['node', 'gossip-wallet', ...args],
    {
      stdout: (t) => out.push(t),
      stderr: (t) => err.push(t),
      stderrRaw: () => undefined,
      stderrIsTTY: false,
    },
    { ...base, ...env },
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Parses a run's --json output, failing with its stderr when it printed none. */
export function jsonOf<T = Record<string, unknown>>(r: CliRun): T {
  if (r.out.trim() === '') throw new Error(`no output (exit ${r.code}): ${r.err}`);
  return JSON.parse(r.out) as T;
}
