#!/usr/bin/env node
/**
 * The `gossip-wallet` command. Keys, keystore and sending arrive with the wallet issue; today it
 * validates and explains addresses for a network.
 */
import { Command, CommanderError, Option } from 'commander';
import { decodeAddress } from '../node/protocol/address.js';
import { toHex } from '../node/protocol/bytes.js';
import { EncodingError } from '../node/protocol/errors.js';
import { getNetwork } from '../node/protocol/params.js';
import { classifyOutput } from '../node/protocol/script/templates.js';

const VERSION = '0.1.0';

const program = new Command()
  .name('gossip-wallet')
  .description('gossip-ledger wallet')
  .version(VERSION)
  .option('--verbose', 'show stack traces on errors')
  .showHelpAfterError('(run with --help for usage)')
  // Before adding commands, so they inherit it: usage errors then exit 2, not 1.
  .exitOverride();

program
  .command('address-info')
  .description('check an address for a network and show the output script it pays to')
  .argument('<address>', 'a base58 (P2PKH/P2SH) or bech32/bech32m (segwit) address')
  .addOption(new Option('-n, --network <name>', 'network').choices(['main', 'regtest']).default('main'))
  .option('--json', 'print JSON')
  .action((address: string, opts: { network: string; json?: boolean }) => {
    const script = decodeAddress(address, getNetwork(opts.network).address);
    const info = {
      address,
      network: opts.network,
      type: classifyOutput(script).type,
      scriptPubKey: toHex(script),
    };
    if (opts.json) console.log(JSON.stringify(info, null, 2));
    else for (const [k, v] of Object.entries(info)) console.log(`${k.padEnd(14)} ${v}`);
  });

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
  const verbose = program.opts<{ verbose?: boolean }>().verbose === true;
  const msg = e instanceof EncodingError ? `invalid input: ${e.message}` : (e as Error).message;
  console.error(`gossip-wallet: ${msg}`);
  if (verbose) console.error((e as Error).stack);
  process.exit(1);
}
