#!/usr/bin/env node
/**
 * The `gossip-node` command: runs a full node (the default action), and offers protocol tools
 * (network parameters, transaction decoding), `config` (the effective settings) and `rpc` (one
 * JSON-RPC call to a running node, as bitcoin-cli). Settings come from flags, GOSSIP_* variables
 * and a config file (node/config, docs/config.md). Exit codes: 0 ok, 1 failure or bad input (a
 * bad setting, an RPC error), 2 usage error, 130 forced stop.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { Command, CommanderError } from 'commander';
import { loadConfig } from './config/file.js';
import { addConfigOptions, CONFIG_HELP, givenFlags } from './config/flags.js';
import { locateConfig, type ResolvedConfig } from './config/load.js';
import { configJson, formatConfigText } from './config/print.js';
import type { ConfigValues } from './config/schema.js';
import { runDhtCommand } from './dht-cli.js';
import { registerFilesCommands } from './files/cli.js';
import { createLogger, stderrTerminal } from './log.js';
import { FullNode, VERSION } from './node.js';
import { P2PConfigError } from './p2p/errors.js';
import { readSeedsFile } from './p2p/seeds.js';
import { decodeAddress } from './protocol/address.js';
import { fromHex } from './protocol/bytes.js';
import { describeTx } from './protocol/describe.js';
import { EncodingError } from './protocol/errors.js';
import { blockHashFromDisplay } from './protocol/ids.js';
import { getNetwork, type NetworkName } from './protocol/params.js';
import { Tx } from './protocol/tx.js';
import { cookiePath } from './rpc/auth.js';
import { formatResult, RpcCallFailed, rpcCall, rpcParams } from './rpc-call.js';
import { handleShutdown } from './shutdown.js';
import { systemdNotifier } from './systemd-notify.js';
import { applyV8Flags } from './v8-flags.js';

class UserError extends Error {}

const MiB = 1024 * 1024;

function readHexArg(arg: string): Uint8Array {
  const text = (arg === '-' ? readFileSync(0, 'utf8') : arg).trim();
  try {
    return fromHex(text);
  } catch {
    throw new UserError('input is not hex');
  }
}

function print(value: Record<string, unknown>, json: boolean): void {
  if (json) {
    console.log(JSON.stringify(value, null, 2));
    return;
  }
  for (const [k, v] of Object.entries(value))
    console.log(`${k.padEnd(20)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
}

/** The settings from flags, GOSSIP_* variables, the config file and defaults (docs/config.md). */
function settings(): ResolvedConfig {
  return loadConfig({
    flags: givenFlags(program),
    env: process.env,
    platform: process.platform,
    home: homedir(),
  });
}

/**
 * The network a tool subcommand works on: the one global -n/--network (before or after the
 * subcommand), else GOSSIP_NETWORK, else main, exactly as the node itself would pick it.
 */
function toolNetwork(): NetworkName {
  return locateConfig({
    flags: givenFlags(program),
    env: process.env,
    platform: process.platform,
    home: homedir(),
  }).network;
}

/** The seeds file is read here, not by the loader: it is data the node uses, not a setting. */
function checkSeedsFile(c: ConfigValues): void {
  if (!c.seeds) return;
  try {
    readSeedsFile(c.seeds, c.network);
  } catch (e) {
    if (e instanceof P2PConfigError) throw new UserError(e.message);
    throw e;
  }
}

async function runNode(r: ResolvedConfig): Promise<void> {
  const c = r.values;
  const params = getNetwork(c.network);
  const log = createLogger(c['log-level'], undefined, 'node', c['log-format']);
  // JSON lines are for a collector: no status line redrawn among them.
  if (c['log-format'] === 'json') stderrTerminal.enabled = false;
  // The loader checked the address against the network (and that mine has one).
  const mineScript = c.mine ? decodeAddress(c['mine-address']!, params.address) : undefined;
  checkSeedsFile(c);
  // Before the heap grows with the chain: V8 applies its growing strategy from the next collection.
  const v8Flags = applyV8Flags(c['v8-flags']);
  log.info(`gossip-node ${VERSION} starting`, {
    network: params.name,
    config: c.config ?? 'none',
    v8Flags: v8Flags.join(' ') || 'none',
  });
  const starting = FullNode.start(
    {
      network: c.network,
      datadir: c.datadir,
      httpHost: c['http-host'],
      httpPort: c['http-port'],
      httpEventStreams: c['http-event-streams'],
      httpRateLimit: c['http-rate-limit'],
      httpRateLimitLocal: c['http-rate-limit-local'],
      httpBlockTemplate: c['http-block-template'],
      addressSearch: c['address-search'],
      rpcPort: c['rpc-port'],
      rpcHost: c['rpc-bind'],
      rpcAllowIp: c['rpc-allow-ip'],
      rpcCookieFile: c['rpc-cookie-file'],
      rpcUser: c['rpc-user'],
      rpcPassword: c['rpc-password'],
      rpcAuth: c.rpcauth,
      p2pPort: c.port,
      mine: c.mine,
      mineScript,
      mineWorkers: c['mine-workers'],
      assumeValid: c.assumevalid === '0' ? null : blockHashFromDisplay(c.assumevalid),
      logLevel: c['log-level'],
      listen: c.listen,
      p2pHost: c.bind,
      seedsFile: c.seeds,
      connect: c.connect,
      addNodes: c.addnode,
      maxInbound: c['max-inbound'],
      maxOutbound: c['max-outbound'],
      relayDelayMs: c['relay-delay'],
      maxFeeRate: BigInt(Math.round(c['max-fee-rate'] * 1e8)),
      ...(c['dht-port'] === undefined
        ? {}
        : { dht: { port: c['dht-port'], host: c['dht-host'], bootstrap: c['dht-bootstrap'] } }),
      filesMaxBytes: c['files-max-bytes'],
      coinCacheEntries: c['coin-cache'],
      coinViewBytes: c.dbcache * 1024 * 1024,
      scriptCacheEntries: c['script-cache'],
      sigCacheEntries: c['sig-cache'],
      dbCacheBytes: c['leveldb-cache'] * MiB,
      dbWriteBufferBytes: c['leveldb-write-buffer'] * MiB,
      scriptYoungGenMb: c['script-young-gen'],
      progressBar: true,
    },
    log,
  );
  // With rpc-password there is no cookie; the path is only removed if it is ours.
  const notifier = systemdNotifier(c['systemd-notify'], process.env, log);
  handleShutdown(
    starting,
    c['rpc-password'] ? undefined : cookiePath(c.datadir, c['rpc-cookie-file']),
    log,
    undefined,
    () => notifier.stopping(),
  );
  const node = await starting;
  // Start resolves once the HTTP, RPC and P2P servers listen.
  notifier.ready(`height ${node.chain.height}, rpc ${node.rpcUrl}, http ${node.httpUrl}`);
}

const NETWORK_HELP = `
The global -n, --network <name> (main or regtest; before or after the command, or
GOSSIP_NETWORK) picks the network, as for the node itself. Default: main.`;

const program = new Command()
  .name('gossip-node')
  .description('gossip-ledger full node: Bitcoin formats and rules, networks of its own')
  .version(VERSION)
  .option('--verbose', 'show stack traces on errors')
  .showHelpAfterError('(run with --help for usage)')
  // Before adding commands, so they inherit it: usage errors then exit 2, not 1.
  .exitOverride()
  .addHelpText('after', CONFIG_HELP)
  .action(() => runNode(settings()));
addConfigOptions(program);

program
  .command('config')
  .description('print the effective settings (flags, environment, config file, defaults) without starting')
  .option('--json', 'print JSON: {"<key>": {"value": ..., "source": "flag|env|file|default"}}')
  .action((opts: { json?: boolean }) => {
    const r = settings();
    if (opts.json) console.log(JSON.stringify(configJson(r), null, 2));
    else console.log(formatConfigText(r));
  });

program
  .command('params')
  .description("print a network's parameters (magic, ports, genesis, proof-of-work limit, address prefixes)")
  .option('--json', 'print JSON')
  .addHelpText('after', NETWORK_HELP)
  .action((opts: { json?: boolean }) => {
    const p = getNetwork(toolNetwork());
    print(
      {
        network: p.name,
        magic: Buffer.from(p.magic).toString('hex'),
        p2pPort: p.p2pPort,
        httpPort: p.httpPort,
        rpcPort: p.rpcPort,
        genesis: p.genesisHashHex,
        genesisTime: p.genesis.header.time,
        powLimitBits: `0x${p.powLimitBits.toString(16)}`,
        targetSpacing: p.targetSpacing,
        difficulty: p.difficulty.kind,
        halvingInterval: p.halvingInterval,
        coinbaseMaturity: p.coinbaseMaturity,
        bech32: p.address.bech32,
        pubkeyHashVersion: p.address.pubkeyHash,
        scriptHashVersion: p.address.scriptHash,
      },
      opts.json === true,
    );
  });

program
  .command('rpc')
  .description("call a running node's JSON-RPC, as bitcoin-cli does (rpc-port, cookie or rpc-password)")
  .argument('<method>', "the method, e.g. getblockchaininfo; 'help' lists them")
  .argument('[args...]', 'its arguments: JSON where they parse (numbers, true, [..], {..}), else strings')
  .option('--named', 'arguments are key=value pairs (bitcoin-cli -named)')
  .addHelpText(
    'after',
    `
The node is found with the same settings it runs with (-n, -d, --rpc-port, --rpc-bind,
--rpc-cookie-file, --rpc-user/--rpc-password, GOSSIP_*, the config file). A string result is
printed as is, anything else as JSON. Exit codes: 0 ok, 1 an RPC error (one line: its code
and message) or no node to talk to, 2 usage error.`,
  )
  .action(async (method: string, args: string[], opts: { named?: boolean }) => {
    try {
      const out = formatResult(
        await rpcCall(settings().values, method, rpcParams(args, opts.named === true)),
      );
      if (out !== undefined) console.log(out);
    } catch (e) {
      if (e instanceof RpcCallFailed) throw new UserError(e.message);
      throw e;
    }
  });

program
  .command('decode-tx')
  .description(
    "decode a raw transaction (hex argument, or '-' for stdin) as Bitcoin Core's decoderawtransaction",
  )
  .argument('<hex>', "raw transaction hex, or '-' to read stdin")
  .addHelpText('after', NETWORK_HELP)
  .action((hex: string) => {
    const tx = Tx.fromBytes(readHexArg(hex));
    console.log(JSON.stringify(describeTx(tx, getNetwork(toolNetwork())), null, 2));
  });

program
  .command('dht')
  .description("ask the running node's DHT: 'status', or 'lookup <manifest id>' for the providers of a file")
  .argument('<action>', 'status or lookup')
  .argument('[id]', 'manifest id, 64 hex digits (lookup)')
  .option('--json', 'print JSON')
  .addHelpText(
    'after',
    '\nExit codes: 0 done, 1 error (node not reachable, DHT off, bad id), 3 no provider found.',
  )
  .action(async (action: string, id: string | undefined, opts: { json?: boolean }) => {
    const c = settings().values;
    const code = await runDhtCommand(
      {
        datadir: c.datadir,
        rpcHost: c['rpc-bind'],
        rpcPort: c['rpc-port'],
        cookieFile: c['rpc-cookie-file'],
        user: c['rpc-user'],
        password: c['rpc-password'],
      },
      action,
      id,
      opts.json === true,
      (line) => console.log(line),
    );
    process.exitCode = code;
  });
registerFilesCommands(program, settings);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
  const verbose = program.opts<{ verbose?: boolean }>().verbose === true;
  const msg = e instanceof EncodingError ? `invalid input: ${e.message}` : (e as Error).message;
  console.error(`gossip-node: ${msg}`);
  if (verbose) console.error((e as Error).stack);
  process.exit(1);
}
