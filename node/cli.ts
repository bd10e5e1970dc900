#!/usr/bin/env node
/**
 * The `gossip-node` command: runs a full node (the default action), and offers protocol tools
 * (network parameters, transaction decoding). Exit codes: 0 ok, 1 failure or bad input,
 * 2 usage error, 130 forced stop.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { Command, CommanderError, Option } from 'commander';
import { createLogger, LEVELS, type LogLevel } from './log.js';
import { FullNode, VERSION } from './node.js';
import { P2PConfigError } from './p2p/errors.js';
import { parseHostPort } from './p2p/netaddr.js';
import { readSeedsFile } from './p2p/seeds.js';
import { decodeAddress } from './protocol/address.js';
import { fromHex } from './protocol/bytes.js';
import { defaultDataDir } from './protocol/datadir.js';
import { describeTx } from './protocol/describe.js';
import { EncodingError } from './protocol/errors.js';
import { getNetwork, type NetworkName } from './protocol/params.js';
import { Tx } from './protocol/tx.js';

class UserError extends Error {}

function networkOption(): Option {
  return new Option('-n, --network <name>', 'network').choices(['main', 'regtest']).default('main');
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UserError(`invalid port ${value}`);
  return n;
}

function count(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n))
    throw new UserError(`not a non-negative integer: ${value}`);
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

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

interface RunOptions {
  network: NetworkName;
  datadir?: string;
  port?: number;
  httpPort?: number;
  httpHost: string;
  mine?: boolean;
  mineAddress?: string;
  mineWorkers?: string;
  logLevel: LogLevel;
  listen: boolean;
  bind: string;
  seeds?: string;
  connect: string[];
  addnode: string[];
  maxInbound?: number;
  maxOutbound?: number;
  relayDelay?: number;
}

/** Checks the P2P flags before anything starts, so a typo is a one-line error. */
function checkP2POptions(opts: RunOptions, defaultPort: number): void {
  try {
    if (opts.seeds) readSeedsFile(opts.seeds, opts.network);
    for (const a of [...opts.connect, ...opts.addnode]) parseHostPort(a, defaultPort);
  } catch (e) {
    if (e instanceof P2PConfigError) throw new UserError(e.message);
    throw e;
  }
}

async function runNode(opts: RunOptions): Promise<void> {
  const params = getNetwork(opts.network);
  const log = createLogger(opts.logLevel);
  let mineScript: Uint8Array | undefined;
  if (opts.mine) {
    if (!opts.mineAddress) throw new UserError('--mine needs --mine-address <address>');
    try {
      mineScript = decodeAddress(opts.mineAddress, params.address);
    } catch (e) {
      throw new UserError(`--mine-address: ${(e as Error).message}`);
    }
  }
  const workers = opts.mineWorkers === undefined ? undefined : Number(opts.mineWorkers);
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1))
    throw new UserError('--mine-workers must be a positive integer');
  checkP2POptions(opts, params.p2pPort);
  log.info(`gossip-node ${VERSION} starting`, { network: params.name });
  const node = await FullNode.start(
    {
      network: opts.network,
      datadir: opts.datadir ?? defaultDataDir(opts.network, process.env, process.platform, homedir()),
      httpHost: opts.httpHost,
      httpPort: opts.httpPort ?? params.httpPort,
      p2pPort: opts.port ?? params.p2pPort,
      mine: opts.mine === true,
      mineScript,
      mineWorkers: workers,
      logLevel: opts.logLevel,
      listen: opts.listen,
      p2pHost: opts.bind,
      seedsFile: opts.seeds,
      connect: opts.connect,
      addNodes: opts.addnode,
      maxInbound: opts.maxInbound,
      maxOutbound: opts.maxOutbound,
      relayDelayMs: opts.relayDelay,
    },
    log,
  );
  let signals = 0;
  const shutdown = (why: string) => {
    signals++;
    if (signals > 1) {
      log.warn('second signal: forcing exit');
      process.exit(130);
    }
    log.info('shutting down', { reason: why });
    node.stop().then(
      () => process.exit(0),
      (e: Error) => {
        log.error('shutdown failed', { error: e.message });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  node.onStopRequest = () => shutdown('rpc stop');
}

const program = new Command()
  .name('gossip-node')
  .description('gossip-ledger full node: Bitcoin formats and rules, networks of its own')
  .version(VERSION)
  .option('--verbose', 'show stack traces on errors')
  .showHelpAfterError('(run with --help for usage)')
  // Before adding commands, so they inherit it: usage errors then exit 2, not 1.
  .exitOverride()
  // The node's own options go before any subcommand, so `params --network x` means the subcommand's.
  .enablePositionalOptions()
  .addOption(networkOption())
  .option('-d, --datadir <dir>', 'data directory (default: per OS and network)')
  .option('--port <port>', 'P2P port (default: the network default)', port)
  .option('--bind <host>', 'address the P2P listener binds', '0.0.0.0')
  .option('--listen', 'accept inbound P2P connections (the default)')
  .option('--no-listen', 'do not accept inbound P2P connections')
  .option('--seeds <file>', 'seeds file replacing seeds.json ({"<network>": ["host:port", ...]})')
  .option(
    '--connect <host:port>',
    'connect only to this peer (repeatable; no seeds, no address book)',
    collect,
    [],
  )
  .option('--addnode <host:port>', 'keep this peer connected besides the others (repeatable)', collect, [])
  .option('--max-inbound <n>', 'most inbound connections (default 117)', count)
  .option('--max-outbound <n>', 'outbound connections to keep (default 8)', count)
  .option('--relay-delay <ms>', 'mean delay before announcing a new transaction (default 500)', count)
  .option('--http-port <port>', 'HTTP port for the RPC and API (default: the network default)', port)
  .option('--http-host <host>', 'address the HTTP server binds', '127.0.0.1')
  .option('--mine', 'mine blocks with the CPU miner')
  .option('--mine-address <address>', 'address the mined coins pay to')
  .option('--mine-workers <n>', 'miner threads (default: all cores)')
  .addOption(
    new Option('--log-level <level>', 'log verbosity')
      .choices(LEVELS.filter((l) => l !== 'silent'))
      .default('info'),
  )
  .action((opts: RunOptions) => runNode(opts));

program
  .command('params')
  .description("print a network's parameters (magic, ports, genesis, proof-of-work limit, address prefixes)")
  .addOption(networkOption())
  .option('--json', 'print JSON')
  .action((opts: { network: NetworkName; json?: boolean }) => {
    const p = getNetwork(opts.network);
    print(
      {
        network: p.name,
        magic: Buffer.from(p.magic).toString('hex'),
        p2pPort: p.p2pPort,
        httpPort: p.httpPort,
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
  .command('decode-tx')
  .description(
    "decode a raw transaction (hex argument, or '-' for stdin) as Bitcoin Core's decoderawtransaction",
  )
  .argument('<hex>', "raw transaction hex, or '-' to read stdin")
  .addOption(networkOption())
  .action((hex: string, opts: { network: NetworkName }) => {
    const tx = Tx.fromBytes(readHexArg(hex));
    console.log(JSON.stringify(describeTx(tx, getNetwork(opts.network)), null, 2));
  });

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
