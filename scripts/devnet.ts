#!/usr/bin/env node
/**
 * `npm run devnet`: a local regtest network of three real gossip-node processes on 127.0.0.1,
 * seeded through a temporary seeds file that names only node 1 (so bootstrap and addr gossip
 * are real), node 1 mining. It creates two wallets with the real gossip-wallet CLI, funds one,
 * sends a payment, anchors a file and verifies it, shares that file from node 1 and fetches it
 * on node 3, printing each step, then keeps running until Ctrl-C. `--once` stops after the
 * steps (CI). The parts live in scripts/devnet/.
 *
 * Exit codes: 0 all steps passed (--once) or stopped by Ctrl-C after "devnet ready"; 1 a step
 * failed, a node died, a port is taken or the directory is refused; 2 usage error; 130
 * interrupted before the steps were done, or forced by a second Ctrl-C.
 */
import { resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import type { Devnet } from './devnet/context.js';
import { DevnetError } from './devnet/errors.js';
import { errorText, Output } from './devnet/output.js';
import { shown } from './devnet/paths.js';
import {
  checkFree,
  DEFAULT_BASE_PORT,
  DEFAULT_HTTP_BASE_PORT,
  ephemeralLayout,
  fixedLayout,
  NODE_COUNT,
} from './devnet/ports.js';
import { Children, type DevnetNode, logTail, stopNodes } from './devnet/processes.js';
import { readyLines } from './devnet/ready.js';
import { handleSignals } from './devnet/signals.js';
import { prepareStateDir } from './devnet/statedir.js';
import { STEPS } from './devnet/steps.js';
import { abortError } from './devnet/wait.js';
import { WalletCli } from './devnet/wallet.js';

const STOP_TIMEOUT_MS = 10_000;
const LOG_TAIL_LINES = 15;

interface Options {
  once?: boolean;
  dir: string;
  basePort: number;
  httpBasePort: number;
  blockInterval: number;
  timeout: number;
  verbose?: boolean;
}

function integer(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('not a non-negative integer');
  return Number(value);
}

function seconds(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || n <= 0)
    throw new InvalidArgumentError('not a positive number of seconds');
  return n;
}

/** A step failed; its cross and reason are printed already. */
class StepFailed extends Error {
  readonly reason: Error;
  constructor(step: number, title: string, reason: Error) {
    super(`step ${step}/${STEPS.length} (${title}) failed`);
    this.reason = reason;
  }
}

/** Runs the steps in order; on a failure prints the cross, the reason and the node's log tail. */
async function runSteps(d: Devnet): Promise<void> {
  for (const [k, step] of STEPS.entries()) {
    const t0 = Date.now();
    let detail: string[];
    try {
      detail = await step.run(d);
    } catch (e) {
      // After an abort, whatever the step tripped over (a refused connection) is only a symptom.
      const err = d.signal.aborted ? abortError(d.signal) : (e as Error);
      d.out.failed(k + 1, step.title, errorText(err));
      const own = err instanceof DevnetError ? err : undefined;
      // A Ctrl-C needs no log; otherwise the node the error names, else the step's own.
      const index = own?.code === 'INTERRUPTED' ? undefined : (own?.node ?? step.node);
      const node = d.nodes.find((n) => n.index === index);
      if (node) {
        d.out.info(`last lines of ${shown(node.logPath)}:`);
        for (const l of await logTail(node, LOG_TAIL_LINES)) d.out.info(`  ${l}`);
      }
      throw new StepFailed(k + 1, step.title, err);
    }
    d.out.ok(k + 1, step.title, Date.now() - t0, detail);
  }
}

async function stopAll(d: Devnet): Promise<void> {
  await d.miner?.stop();
  if (d.nodes.length > 0) {
    d.out.line(`stopping ${d.nodes.length} node(s)...`);
    const killed = await stopNodes(d.nodes, STOP_TIMEOUT_MS);
    if (killed.length > 0)
      d.out.info(`node(s) ${killed.join(', ')} did not stop within ${STOP_TIMEOUT_MS / 1000} s: killed`);
  }
  d.children.killAll();
  if (d.nodes.length > 0) d.out.line('stopped');
}

/** The shared state of one run; `isStopping` tells a node's exit apart from a crash. */
function newDevnet(opts: Options, password: string, isStopping: () => boolean): Devnet {
  const abort = new AbortController();
  const children = new Children();
  const fail = (e: Error) => {
    if (!abort.signal.aborted) abort.abort(e);
  };
  return {
    dir: resolve(opts.dir),
    password,
    layout: [],
    blockIntervalMs: opts.blockInterval * 1000,
    children,
    wallet: new WalletCli(password, children, abort.signal),
    signal: abort.signal,
    abort,
    out: new Output(STEPS.length),
    nodes: [],
    clients: [],
    watch: (node: DevnetNode) =>
      node.child.once('exit', (code, sig) => {
        if (isStopping()) return;
        const how = sig ?? `code ${code}`;
        fail(new DevnetError('NODE_FAILED', `node ${node.index} exited unexpectedly (${how})`, node.index));
      }),
    fail,
  };
}

function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((r) => signal.addEventListener('abort', () => r(), { once: true }));
}

async function run(opts: Options): Promise<number> {
  const started = Date.now();
  const fromEnv = (process.env.GOSSIP_WALLET_PASSWORD ?? '') !== '';
  const password = fromEnv ? process.env.GOSSIP_WALLET_PASSWORD! : 'devnet';
  let stopping = false;
  let statePrepared = false;
  const d = newDevnet(opts, password, () => stopping);
  const { out } = d;
  handleSignals(d.abort, {
    onFirst: (sig) => out.line(`${sig}: stopping (press Ctrl-C again to force)`),
    onForce: () => {
      out.line('forced: killing everything');
      d.children.killAll();
      process.exit(130);
    },
  });
  try {
    d.layout = opts.basePort === 0 ? await ephemeralLayout() : fixedLayout(opts.basePort, opts.httpBasePort);
    await checkFree(d.layout);
    await prepareStateDir(d.dir);
    statePrepared = true;
    out.line(`devnet: ${NODE_COUNT} regtest nodes on 127.0.0.1, state in ${shown(d.dir)}`);
    const pw = fromEnv
      ? 'from GOSSIP_WALLET_PASSWORD'
      : `'${password}' (set GOSSIP_WALLET_PASSWORD to choose)`;
    out.line(`devnet: wallet password ${pw}`);
    const overall = setTimeout(
      () => d.fail(new DevnetError('TIMEOUT', `the steps took more than ${opts.timeout} s (--timeout)`)),
      opts.timeout * 1000,
    );
    try {
      await runSteps(d);
    } finally {
      clearTimeout(overall);
    }
    const took = (Date.now() - started) / 1000;
    if (opts.once) {
      out.line(`devnet: all ${STEPS.length} steps passed in ${took.toFixed(1)} s`);
      return 0;
    }
    for (const l of readyLines(d, fromEnv, took)) out.line(l);
    await untilAborted(d.signal);
    const why = abortError(d.signal);
    if (why instanceof DevnetError && why.code === 'INTERRUPTED') return 0;
    // A node died or mining failed while devnet ran.
    out.error(why, opts.verbose === true);
    const node = why instanceof DevnetError ? d.nodes.find((n) => n.index === why.node) : undefined;
    if (node) {
      out.info(`last lines of ${shown(node.logPath)}:`);
      for (const l of await logTail(node, LOG_TAIL_LINES)) out.info(`  ${l}`);
    }
    return 1;
  } catch (e) {
    const cause = e instanceof StepFailed ? e.reason : e;
    if (cause instanceof DevnetError && cause.code === 'INTERRUPTED') return 130;
    out.error(e, false);
    if (opts.verbose) out.stack(cause);
    return 1;
  } finally {
    stopping = true;
    await stopAll(d).catch((e: unknown) => out.error(e, opts.verbose === true));
    // `.devnet/` is git-ignored, so nothing else would tell a CI user it is there: its logs are
    // what to read after a failure, and the next run wipes it.
    if (opts.once && statePrepared)
      out.line(`devnet: state kept in ${shown(d.dir)} (node logs, wallets, proof); the next run wipes it`);
  }
}

const program = new Command('devnet')
  .description(
    'a local regtest network of 3 gossip-nodes on 127.0.0.1 (node 1 mining), exercised with two gossip-wallet wallets: fund, pay, anchor a file, verify it; node 1 shares the file, node 3 fetches it',
  )
  .option('--once', 'run the steps, stop everything and exit: 0 only if every step passed (CI)')
  .option(
    '--dir <dir>',
    'state directory, wiped at start (only if absent, empty, or made by devnet)',
    '.devnet',
  )
  .option(
    '--base-port <n>',
    `node i serves JSON-RPC on n+10(i-1) and P2P on n+1+10(i-1); 0 picks free ports for all`,
    integer,
    DEFAULT_BASE_PORT,
  )
  .option('--http-base-port <n>', 'node i serves the explorer on n+10(i-1)', integer, DEFAULT_HTTP_BASE_PORT)
  .option('--block-interval <seconds>', 'node 1 mines a block this often', seconds, 2)
  .option('--timeout <seconds>', 'most time for all the steps', seconds, 120)
  .option('--verbose', 'show stack traces on errors')
  .addHelpText(
    'after',
    `
Default ports (explorer page and /api; JSON-RPC; P2P):
  node 1  http://127.0.0.1:3002/  rpc 18443  p2p 18444  (the miner)
  node 2  http://127.0.0.1:3012/  rpc 18453  p2p 18454
  node 3  http://127.0.0.1:3022/  rpc 18463  p2p 18464

Files in the state directory: node<i>/ (data dir, node.log, .cookie), alice.wallet, bob.wallet,
seeds.json, hello-devnet.txt and its .anchor.json proof, hello-devnet.fetched-by-node3.txt (the
copy node 3 fetched from node 1). Wallet password: GOSSIP_WALLET_PASSWORD,
else 'devnet'.

Exit codes: 0 all steps passed (--once) or stopped by Ctrl-C; 1 failure; 2 usage error;
130 interrupted before the steps were done, or a second Ctrl-C.`,
  )
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride()
  .action(async (opts: Options) => {
    process.exitCode = await run(opts);
  });

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
  console.error(`devnet: ${errorText(e)}`);
  if (program.opts<{ verbose?: boolean }>().verbose) console.error((e as Error).stack);
  process.exitCode = 1;
}
process.exit(process.exitCode ?? 0);
