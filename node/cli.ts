#!/usr/bin/env node
/**
 * The `gossip-node` command. Running a full node arrives with the chain issue; today it offers
 * the protocol tools: network parameters and transaction decoding.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { fromHex } from './protocol/bytes.js';
import { describeTx } from './protocol/describe.js';
import { EncodingError } from './protocol/errors.js';
import { getNetwork, isNetworkName } from './protocol/params.js';
import { Tx } from './protocol/tx.js';

const VERSION = '0.1.0';

/** Exit codes: 0 ok, 1 bad input or failure, 2 usage error. */
class UserError extends Error {}

function networkOption(): Option {
  return new Option('-n, --network <name>', 'network').choices(['main', 'regtest']).default('main');
}

function readHexArg(arg: string): Uint8Array {
  const text = (arg === '-' ? readFileSync(0, 'utf8') : arg).trim();
  try {
    return fromHex(text);
  } catch {
    throw new UserError('input is not hex');
  }
}

function print(value: unknown, json: boolean): void {
  if (json) {
    console.log(JSON.stringify(value, null, 2));
    return;
  }
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    console.log(`${k.padEnd(20)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  }
}

const program = new Command()
  .name('gossip-node')
  .description('gossip-ledger full node (Bitcoin formats and rules, networks of its own)')
  .version(VERSION)
  .option('--verbose', 'show stack traces on errors')
  .showHelpAfterError('(run with --help for usage)')
  // Before adding commands, so they inherit it: usage errors then exit 2, not 1.
  .exitOverride();

program
  .command('params')
  .description("print a network's parameters (magic, ports, genesis, proof-of-work limit, address prefixes)")
  .addOption(networkOption())
  .option('--json', 'print JSON')
  .action((opts: { network: string; json?: boolean }) => {
    if (!isNetworkName(opts.network)) throw new UserError(`unknown network ${opts.network}`);
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
  .action((hex: string, opts: { network: string }) => {
    const tx = Tx.fromBytes(readHexArg(hex));
    console.log(JSON.stringify(describeTx(tx, getNetwork(opts.network)), null, 2));
  });

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // Help and version exit 0; commander has already printed usage errors.
    process.exit(e.exitCode === 0 ? 0 : 2);
  }
  const verbose = program.opts<{ verbose?: boolean }>().verbose === true;
  const msg = e instanceof EncodingError ? `invalid input: ${e.message}` : (e as Error).message;
  console.error(`gossip-node: ${msg}`);
  if (verbose) console.error((e as Error).stack);
  process.exit(1);
}
