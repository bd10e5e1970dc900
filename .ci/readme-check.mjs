#!/usr/bin/env node
// Runs the README's commands as written, in this clone: `.ci/run` calls it on a fresh clone right
// after `npm ci` and `npm test`, so a README that no longer works fails CI.
//
// What counts as a command: every line of a ```sh block (```text and ```console blocks are only
// shown). The lines run in README order, cwd = the repository, HOME = a new empty directory (so the
// default data dir and wallet start fresh) which is also npm's global prefix (so `npm link` links
// into it, on PATH, and nothing outside is touched), no GOSSIP_* variables. The lines of a section between
// daemons run as one `bash -euo pipefail` script, as typed into one terminal: an `export` or a
// shell function holds for the lines after it. "command not found" anywhere fails the check (bash
// does not stop for it inside `$(…)`).
//
// - `npm ci` and `npm test` are not run again: the check asserts `.ci/run` runs exactly
//   these lines, which it has just done.
// - Long-running commands (DAEMONS) start in the background and must print their ready line; they
//   run until the end of their README section (the next `## ` heading), then the process group
//   gets SIGINT, as from a terminal's Ctrl-C, and the program must say it stopped cleanly within
//   20 s. npm ends by that same SIGINT (or 130) whatever its script did, as in a terminal; so the
//   program's own log of a clean stop is what is checked, and any other exit fails.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RUN_BY_CI = ['npm ci', 'npm test'];
const DAEMONS = new Map([
  ['npm start', { ready: /status: (waiting for peers|syncing|synced)/, stopped: /shutdown complete/ }],
  ['npm run devnet', { ready: /devnet ready/, stopped: /^stopped$/m }],
]);
// A section runs as one script: `npm link` alone builds the project (its prepare script), which
// took 3 minutes on a loaded 2-core machine.
const STEP_TIMEOUT_MS = 600_000;

const home = mkdtempSync(join(tmpdir(), 'gl-readme-'));
const env = {
  ...process.env,
  HOME: home,
  npm_config_prefix: join(home, 'npm'),
  PATH: `${join(home, 'npm', 'bin')}:${process.env.PATH}`,
};
delete env.XDG_DATA_HOME;
for (const k of Object.keys(env)) if (k.startsWith('GOSSIP_')) delete env[k];

/** The README as sections of ```sh lines: [{ title, lines: [{ text }] }]. */
function readCommands(markdown) {
  const sections = [{ title: '(top)', lines: [] }];
  let fence = null;
  for (const line of markdown.split('\n')) {
    const open = /^```(\w*)\s*$/.exec(line);
    if (fence === null && open) {
      fence = open[1];
      continue;
    }
    if (fence !== null && line.startsWith('```')) {
      fence = null;
      continue;
    }
    if (fence === null && line.startsWith('## ')) sections.push({ title: line.slice(3), lines: [] });
    if (fence === 'sh' && line.trim() !== '' && !line.trim().startsWith('#'))
      sections.at(-1).lines.push({ text: line });
  }
  return sections.filter((s) => s.lines.length > 0);
}

/** The command without a trailing comment, for matching. */
const bare = (line) => line.replace(/\s+#.*$/, '').trim();

function fail(message, output = '') {
  console.error(`readme-check: FAILED: ${message}`);
  if (output) console.error(output.split('\n').slice(-60).join('\n'));
  process.exitCode = 1;
  throw new Error(message);
}

function runScript(lines) {
  const script = lines.join('\n');
  console.log(lines.map((l) => `$ ${l}`).join('\n'));
  return new Promise((res) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', script], { cwd: ROOT, env, stdio: 'pipe' });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), STEP_TIMEOUT_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      res({ code, signal, out });
    });
  });
}

function startDaemon(line, { ready, stopped }) {
  console.log(`$ ${line}    (in the background until: ${ready.source})`);
  const child = spawn('bash', ['-c', `exec ${bare(line)}`], {
    cwd: ROOT,
    env,
    stdio: 'pipe',
    detached: true,
  });
  const d = { line, child, out: '', exited: null, stopped };
  child.stdout.on('data', (x) => (d.out += x));
  child.stderr.on('data', (x) => (d.out += x));
  d.exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
  return new Promise((res, rej) => {
    const end = Date.now() + STEP_TIMEOUT_MS;
    const poll = setInterval(() => {
      if (ready.test(d.out)) {
        clearInterval(poll);
        res(d);
      } else if (child.exitCode !== null || Date.now() > end) {
        clearInterval(poll);
        try {
          fail(`'${line}' did not become ready (exit ${child.exitCode})`, d.out);
        } catch (e) {
          // Stopped like the others: a Ctrl-C lets it stop what it started.
          interrupt(d).then(() => rej(e));
        }
      }
    }, 250);
  });
}

/** Ctrl-C to the daemon's process group; SIGKILL only if it is still there 20 s later. */
async function interrupt(d) {
  if (d.child.exitCode !== null || d.child.signalCode !== null) return d.exited;
  process.kill(-d.child.pid, 'SIGINT');
  const timer = setTimeout(() => process.kill(-d.child.pid, 'SIGKILL'), 20_000);
  const result = await d.exited;
  clearTimeout(timer);
  return result;
}

async function stopDaemon(d) {
  console.log(`^C  (${d.line})`);
  const { code, signal } = await interrupt(d);
  const interrupted = code === 0 || code === 130 || signal === 'SIGINT';
  if (!interrupted || !d.stopped.test(d.out))
    fail(`'${d.line}' did not stop cleanly after Ctrl-C (exit ${code ?? signal})`, d.out);
}

async function main() {
  const ci = readFileSync(join(ROOT, '.ci/run'), 'utf8').split('\n').map(bare);
  const sections = readCommands(readFileSync(join(ROOT, 'README.md'), 'utf8'));
  let ran = 0;
  const daemons = [];
  try {
    for (const section of sections) {
      console.log(`\n== ${section.title}`);
      let batch = [];
      const flush = async () => {
        if (batch.length === 0) return;
        const r = await runScript(batch);
        ran += batch.length;
        if (r.code !== 0) fail(`exit ${r.code ?? r.signal}: ${batch.join('; ')}`, r.out);
        if (/command not found/.test(r.out)) fail(`a command was not found: ${batch.join('; ')}`, r.out);
        if (r.out.trim()) console.log(r.out.trimEnd().split('\n').slice(0, 40).join('\n'));
        batch = [];
      };
      for (const { text } of section.lines) {
        const cmd = bare(text);
        if (RUN_BY_CI.includes(cmd)) {
          await flush();
          if (!ci.includes(cmd)) fail(`the README says '${cmd}' but .ci/run does not run it`);
          console.log(`$ ${cmd}    (run by .ci/run before this check)`);
          ran++;
        } else if (DAEMONS.has(cmd)) {
          await flush();
          daemons.push(await startDaemon(text, DAEMONS.get(cmd)));
          ran++;
        } else batch.push(text);
      }
      await flush();
      while (daemons.length > 0) await stopDaemon(daemons.pop());
    }
    console.log(`\nreadme-check: all ${ran} README commands worked`);
  } finally {
    // A failed step still lets each daemon stop what it started (devnet's nodes run in their own
    // sessions, so a SIGKILL of devnet alone would leave them running).
    for (const d of daemons) await interrupt(d);
    rmSync(home, { recursive: true, force: true });
  }
}

main().catch((e) => {
  if (process.exitCode !== 1) console.error(`readme-check: ${e.stack ?? e}`);
  process.exitCode = 1;
});
