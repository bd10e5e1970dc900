/**
 * Runs `gossip-wallet` in-process (program.ts's `main`), capturing stdout, stderr and the raw
 * status-line writes, with stderr a terminal or not as the test asks. No default wallet file
 * is ever found: the data dir is one nobody creates.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../wallet/program.js';

export interface InProcessRun {
  code: number;
  out: string;
  err: string;
  /** What went to stderr through stderrRaw (status lines redrawn in place). */
  raw: string;
}

export async function runInProcess(
  args: string[],
  env: Record<string, string> = {},
  opts: { tty?: boolean } = {},
): Promise<InProcessRun> {
  const out: string[] = [];
  const err: string[] = [];
  let raw = '';
  const code = await main(
    ['node', 'gossip-wallet', ...args],
    {
      stdout: (t) => out.push(t),
      stderr: (t) => err.push(t),
      stderrRaw: (t) => {
        raw += t;
      },
      stderrIsTTY: opts.tty === true,
    },
    { PATH: process.env.PATH, XDG_DATA_HOME: join(tmpdir(), 'gl-wallet-no-data'), ...env },
  );
  return { code, out: out.join('\n'), err: err.join('\n'), raw };
}
