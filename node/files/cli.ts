/**
 * `gossip-node share|fetch|files`: the file-sharing commands (docs/files.md), clients of a
 * running node's JSON-RPC (node/rpc-call.ts: its port and credentials as `gossip-node rpc` finds them). Conventions of
 * Core's tools: --help everywhere, --json where scripts read the output, errors as one line,
 * exit 0 ok, 1 failure, 2 usage; `fetch` exits 3 when no provider was found (as `dht lookup`).
 *
 * `fetch` shows a progress bar on a terminal (bytes, rate, peers, ETA) and, with --json, one
 * JSON line per second then the result. Without -o the file is written as ./<manifest id>: a
 * name inside a manifest never becomes a path.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { ResolvedConfig } from '../config/load.js';
import { RpcCallFailed, rpcCall } from '../rpc-call.js';
import type { FileInfo } from './service.js';

export class FilesCliError extends Error {}

async function rpc<T>(cfg: ResolvedConfig, method: string, params: unknown[]): Promise<T> {
  try {
    return (await rpcCall(cfg.values, method, params)) as T;
  } catch (e) {
    if (!(e instanceof RpcCallFailed)) throw e;
    // The files service's errors lead with their stable code ("NOT_ANCHORED: ..."): say that.
    throw new FilesCliError(e.message.replace(/^error -?\d+: /, ''));
  }
}

const MiB = 1024 * 1024;
const mib = (n: number) => `${(n / MiB).toFixed(1)} MiB`;

function progressLine(i: FileInfo): string {
  const held = Math.min(i.size, i.chunksHeld * i.chunkSize);
  const frac = i.chunkCount === 0 ? 1 : i.chunksHeld / i.chunkCount;
  const width = 24;
  const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, ' ');
  const eta = i.rate > 0 ? `${Math.ceil((i.size - held) / i.rate)}s` : '?';
  return `[${bar}] ${(frac * 100).toFixed(0)}% ${mib(held)}/${mib(i.size)} ${mib(i.rate)}/s peers ${i.providers} ETA ${eta}`;
}

function printInfo(i: FileInfo, json: boolean): void {
  if (json) {
    console.log(JSON.stringify(i, null, 2));
    return;
  }
  console.log(
    `${i.id}  ${i.complete ? 'whole' : `${i.chunksHeld}/${i.chunkCount} chunks`}  ${i.size} bytes  ${i.anchored ? 'anchored' : 'NOT anchored (not served)'}  ${i.source}  providers ${i.providers}  "${i.name}"`,
  );
}

export function registerFilesCommands(program: Command, settings: () => ResolvedConfig): void {
  program
    .command('share')
    .description("share a file anchored on the chain from this node's store (needs its .anchor.json proof)")
    .argument('<file>', 'the file; its proof is <file>.anchor.json unless --proof says otherwise')
    .option('--proof <path>', 'the anchor proof (gossip-wallet anchor writes it)')
    .option('--json', 'print JSON')
    .action(async (file: string, opts: { proof?: string; json?: boolean }) => {
      const info = await rpc<FileInfo>(settings(), 'sharefile', [
        resolve(file),
        ...(opts.proof ? [resolve(opts.proof)] : []),
      ]);
      if (opts.json) console.log(JSON.stringify(info, null, 2));
      else
        console.log(
          `shared ${info.id} (${info.size} bytes, ${info.chunkCount} chunk${info.chunkCount === 1 ? '' : 's'})${info.anchored ? '' : '; its anchor is not on the best chain yet: announced once it is'}`,
        );
    });

  program
    .command('fetch')
    .description(
      'fetch a file from peers by anchor id, manifest id or proof file; every chunk verified against the chain',
    )
    .argument('<target>', 'anchor id or manifest id (64 hex), or a .anchor.json proof file')
    .option(
      '-o, --output <file>',
      'where to write it (default ./<manifest id>); the proof goes to <file>.anchor.json',
    )
    .option('--json', 'progress as JSON lines, then the result')
    .option(
      '--find-timeout <seconds>',
      'give up (exit 3) if no provider, connected or found through the DHT, is found within this time',
      '60',
    )
    .action(async (target: string, opts: { output?: string; json?: boolean; findTimeout: string }) => {
      const cfg = settings();
      const findTimeout = Number(opts.findTimeout);
      if (!Number.isFinite(findTimeout) || findTimeout <= 0 || findTimeout > 86_400)
        throw new FilesCliError(
          `--find-timeout must be a number of seconds, 0 < s <= 86400 (got ${opts.findTimeout})`,
        );
      let arg = target.toLowerCase();
      let id = arg;
      if (!/^[0-9a-f]{64}$/.test(arg)) {
        if (!existsSync(target)) throw new FilesCliError(`${target} is neither a 64-hex id nor a proof file`);
        arg = readFileSync(target, 'utf8');
        try {
          id = '';
          JSON.parse(arg);
        } catch {
          throw new FilesCliError(`${target} is not a JSON proof`);
        }
      }
      const output = resolve(opts.output ?? (id || 'fetched-file'));
      const done = rpc<FileInfo>(cfg, 'fetchfile', [arg, output, true, findTimeout]);
      let finished = false;
      done.then(
        () => {
          finished = true;
        },
        () => {
          finished = true;
        },
      );
      const tty = process.stderr.isTTY && !opts.json;
      while (!finished) {
        await new Promise((r) => setTimeout(r, opts.json ? 1000 : 250));
        if (finished || !id) continue;
        const info = await rpc<FileInfo>(cfg, 'getfileinfo', [id]).catch(() => null);
        if (!info) continue;
        if (opts.json)
          console.log(JSON.stringify({ progress: info.chunksHeld / Math.max(1, info.chunkCount), ...info }));
        else if (tty) process.stderr.write(`\r${progressLine(info)}`);
      }
      const info = await done.catch((e: Error) => {
        if (tty) process.stderr.write('\n');
        if (!e.message.startsWith('NO_PROVIDERS')) throw e;
        if (opts.json) console.log(JSON.stringify({ done: false, error: e.message }));
        else console.error(`gossip-node: ${e.message}`);
        process.exitCode = 3;
        return null;
      });
      if (!info) return;
      if (tty) process.stderr.write('\n');
      if (opts.json) console.log(JSON.stringify({ done: true, ...info }));
      else
        console.log(
          `fetched ${info.id} to ${output} (${info.size} bytes, verified; proof in ${output}.anchor.json)${info.dhtProviders > 0 ? `; ${info.dhtProviders} provider(s) found through the DHT` : ''}`,
        );
    });

  const files = program.command('files').description("the node's shared-file store");
  files
    .command('list')
    .description('list the files the node holds, whole or in part')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const list = await rpc<FileInfo[]>(settings(), 'listfiles', []);
      if (opts.json) console.log(JSON.stringify(list, null, 2));
      else if (list.length === 0) console.log('no files');
      else for (const i of list) printInfo(i, false);
    });
  files
    .command('remove')
    .description('remove a file from the store (stops sharing it)')
    .argument('<id>', 'manifest id (64 hex)')
    .action(async (id: string) => {
      await rpc(settings(), 'removefile', [id.toLowerCase()]);
      console.log(`removed ${id.toLowerCase()}`);
    });
}
