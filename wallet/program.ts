/**
 * The `gossip-wallet` command tree: an HD wallet (BIP39/BIP32; BIP84 P2WPKH, BIP86 P2TR) in an encrypted
 * file, talking to a node only through its Esplora-compatible explorer API, and the file
 * anchoring commands (anchor/commands.ts). The commands live in commands/; this file wires
 * options, prints results (text or --json) and turns errors into one line on stderr and a
 * documented exit code (errors.ts). `main` runs one command line and resolves to its exit code,
 * writing through the given CliIo, so tests can run it in-process; cli.ts is the binary.
 */
import { Command, CommanderError, Option } from 'commander';
import { decodeAddress } from '../node/protocol/address.js';
import { toHex } from '../node/protocol/bytes.js';
import { EncodingError } from '../node/protocol/errors.js';
import { getNetwork } from '../node/protocol/params.js';
import { classifyOutput } from '../node/protocol/script/templates.js';
import { registerAnchorCommands } from './anchor/commands.js';
import { bumpfee, cpfp } from './commands/bump.js';
import { descriptors } from './commands/descriptors.js';
import { freeze } from './commands/freeze.js';
import { importDescriptor } from './commands/import-descriptor.js';
import { create, importWif, MNEMONIC_ENV, PASSPHRASE_ENV, restore, WIF_ENV } from './commands/keys.js';
import { labelsExport, labelsImport } from './commands/labels.js';
import { signMessageCmd, verifyMessageCmd } from './commands/message.js';
import { psbtBroadcast, psbtCombine, psbtDecode, psbtFinalize, psbtSign } from './commands/psbt.js';
import { address, balance, history, rescan, utxos } from './commands/query.js';
import type { Action, Result } from './commands/result.js';
import { type FeeOptions, type SendManyOptions, send as sendCmd, sweep } from './commands/send.js';
import { Context, type GlobalOptions, PASSWORD_ENV } from './context.js';
import { EXIT, EXIT_HELP, WalletError } from './errors.js';

const VERSION = '0.1.0';

/** Where the CLI writes: result lines on stdout, errors and progress on stderr. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Raw text to stderr (no newline), for a status line redrawn in place. */
  stderrRaw(text: string): void;
  stderrIsTTY: boolean;
}

/** Builds the command tree afresh (commander keeps parsed values on it) for one run. */
function buildProgram(io: CliIo, env: NodeJS.ProcessEnv, setExit: (code: number) => void): Command {
  const program = new Command()
    .name('gossip-wallet')
    .description(
      'gossip-ledger wallet: BIP84 (P2WPKH) and BIP86 (P2TR) keys from a BIP39 mnemonic in an encrypted file; talks to a node only through its explorer API',
    )
    .version(VERSION)
    .option('-w, --wallet <file>', 'wallet file (default: <data dir>/<network>/wallet.json)')
    .addOption(
      new Option('-n, --network <name>', "network (default: the wallet file's, else main)").choices([
        'main',
        'regtest',
      ]),
    )
    .option('--node <url>', "the node's explorer API (default: http://127.0.0.1:<network's HTTP port>)")
    .option('--timeout <seconds>', 'timeout of each request to the node', '15')
    .option('--json', 'print results as JSON')
    .option('--verbose', 'show progress (also when stderr is not a terminal), and stack traces on errors')
    .option(
      '--trust-node',
      'accept a node tip more than 1000 blocks past the last one this wallet saw (your own node, after a long time offline)',
    )
    .option('--no-cache', 'scan the node from scratch; neither read nor write the local cache')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Environment:
  ${PASSWORD_ENV}    wallet password (otherwise prompted for, without echo)
  ${MNEMONIC_ENV}    mnemonic for 'restore' (otherwise prompted for, or read from stdin)
  ${PASSPHRASE_ENV}  BIP39 passphrase with --passphrase (otherwise prompted for)
  ${WIF_ENV}         key for 'import-wif' when not given as an argument

Amounts: coins with up to 8 decimals (0.5) or base units with a suffix (50000sat).

${EXIT_HELP}`,
    )
    // Before adding commands, so they inherit them: usage errors then exit 2, not 1, and help and
    // usage text go where this run's output goes.
    .configureOutput({
      writeOut: (s) => io.stdout(s.replace(/\n$/, '')),
      writeErr: (s) => io.stderr(s.replace(/\n$/, '')),
    })
    .exitOverride();

  function context(cmd: Command): Context {
    const opts = cmd.optsWithGlobals<GlobalOptions>();
    const progress = opts.verbose === true || io.stderrIsTTY;
    return new Context(
      opts,
      {
        out: (text) => io.stdout(text),
        progress: (text) => {
          if (progress) io.stderr(`gossip-wallet: ${text}`);
        },
        warn: (text) => io.stderr(`gossip-wallet: warning: ${text}`),
        ...(io.stderrIsTTY ? { status: (line: string) => io.stderrRaw(`\r${line}\x1b[K`) } : {}),
      },
      env,
    );
  }

  function print(ctx: Context, r: Result): void {
    ctx.io.out(ctx.opts.json ? JSON.stringify(r.json, null, 2) : r.text);
    if (r.exitCode !== undefined) setExit(r.exitCode);
  }

  /** The action's last argument is its Command; earlier ones are the positional arguments. */
  function run(fn: Action) {
    return async (...args: unknown[]) => {
      const cmd = args[args.length - 1] as Command;
      const ctx = context(cmd);
      try {
        const result = await fn(ctx, ...(args.slice(0, -1) as never[]));
        await ctx.commit();
        print(ctx, result);
      } finally {
        ctx.close();
      }
    };
  }

  const scryptOption = new Option(
    '--scrypt-log-n <n>',
    'scrypt cost: N = 2^n (default 17; lower only for tests)',
  );

  program
    .command('create')
    .description('make a new wallet: a fresh mnemonic (shown once), encrypted with a password')
    .addOption(new Option('--words <n>', 'mnemonic length').choices(['12', '24']).default('12'))
    .option('--passphrase', 'also protect the seed with a BIP39 passphrase')
    .addOption(scryptOption)
    .action(
      run((ctx, opts: { words?: string; passphrase?: boolean; scryptLogN?: string }) => create(ctx, opts)),
    );

  program
    .command('restore')
    .description('make a wallet from an existing BIP39 mnemonic (prompted for, or read from stdin)')
    .option('--passphrase', 'the mnemonic has a BIP39 passphrase')
    .addOption(scryptOption)
    .action(run((ctx, opts: { passphrase?: boolean; scryptLogN?: string }) => restore(ctx, opts)));

  program
    .command('import-wif')
    .description(
      'add a WIF private key (compressed, spent as P2WPKH); makes a key-only wallet if none exists',
    )
    .argument('[wif]', "the key; '-' or omitted reads it from stdin or a prompt")
    .addOption(scryptOption)
    .action(run((ctx, wif: string | undefined, opts: { scryptLogN?: string }) => importWif(ctx, wif, opts)));

  program
    .command('import-descriptor')
    .description(
      'make a wallet from output descriptors (BIP380, with checksums): wpkh(), tr() or wsh(sortedmulti()); xpubs give a watch-only wallet (no password), an xprv a signing one',
    )
    .argument('<descriptors...>', 'one multipath descriptor (…/<0;1>/*) or a receive and a change descriptor')
    .addOption(scryptOption)
    .action(run((ctx, descs: string[], opts: { scryptLogN?: string }) => importDescriptor(ctx, descs, opts)));

  program
    .command('address')
    .description('the next unused receive address (gap-limit scan of the node)')
    .option('--change', 'the next unused change address instead')
    .option(
      '--type <type>',
      "p2wpkh (BIP84, bech32; the default), p2tr (BIP86 taproot, bech32m) or p2wsh (a multisig wallet's, its default)",
    )
    .action(run((ctx, opts: { change?: boolean; type?: string }) => address(ctx, opts)));

  program
    .command('balance')
    .description("trusted, untrusted_pending and immature balance (Core's getbalances)")
    .action(run((ctx) => balance(ctx)));

  program
    .command('rescan')
    .description('scan the node from scratch and rebuild the local cache (<wallet file>.cache.json)')
    .action(run((ctx) => rescan(ctx)));

  program
    .command('utxos')
    .description('unspent outputs, with confirmations and coinbase maturity')
    .action(run((ctx) => utxos(ctx)));

  program
    .command('history')
    .description("the wallet's transactions, newest first, with their net effect")
    .action(run((ctx) => history(ctx)));

  const feeRateOption = new Option(
    '--fee-rate <sat/vB>',
    'fee rate (default: the node estimate for --target)',
  );
  const targetOption = new Option(
    '--target <blocks>',
    'confirmation target for the fee estimate (default 6)',
  );
  // Core's -maxtxfee and maxfeerate: over either, nothing is signed (exit 10).
  const capOptions = [
    new Option('--max-fee <amount>', 'refuse to pay a higher fee (default 0.1 coin)'),
    new Option(
      '--max-fee-rate <sat/vB>',
      "refuse a higher fee rate, the node's estimate or --fee-rate (default 1000)",
    ),
  ];

  const sendFeeOpts = () => [feeRateOption, targetOption, capOptions[0]!, capOptions[1]!];
  const collect = (v: string, prev: string[] = []) => [...prev, v];

  const send = program
    .command('send')
    .description('pay one or more recipients in one transaction; prints the txid')
    .argument(
      '[recipients...]',
      'ADDRESS AMOUNT pairs, or bitcoin: URIs (BIP21; amount and label taken from the URI)',
    )
    .option('--to-file <file>', 'also pay the recipients in FILE: CSV (address,amount[,label]) or JSON')
    .option('--utxo <txid:vout>', 'spend exactly these coins (repeat the option); frozen ones too', collect)
    .option('--subtract-fee', 'the first recipient pays the fee out of its amount')
    .option('--dry-run', 'build, sign and verify, print the transaction, do not send')
    .option('--psbt', 'print an unsigned PSBT (BIP174, base64) instead of signing and sending')
    .option(
      '--change-type <type>',
      'p2wpkh or p2tr change (default: p2tr when any recipient is p2tr, else p2wpkh)',
    );
  for (const o of sendFeeOpts()) send.addOption(o);
  // No recipient at all is a usage error (exit 2), as a missing argument was before --to-file.
  const needRecipients = (c: Command) => {
    if (c.args.length === 0 && c.opts<{ toFile?: string }>().toFile === undefined) {
      c.error('error: missing recipients (ADDRESS AMOUNT [ADDRESS AMOUNT...] or --to-file FILE)');
    }
  };
  send.hook('preAction', needRecipients);
  send.action(run((ctx, rs: string[], opts: SendManyOptions) => sendCmd(ctx, rs, opts)));

  program
    .command('descriptors')
    .description(
      "this wallet's output descriptors (BIP380/382, with checksums): account xpub, receive and change",
    )
    .action(run((ctx) => descriptors(ctx)));

  const labels = program
    .command('labels')
    .description('wallet labels in BIP329 JSON Lines (no password needed)');
  labels
    .command('export')
    .description('print every label, one BIP329 JSON record a line')
    .action(run((ctx) => labelsExport(ctx)));
  labels
    .command('import')
    .description('merge the labels of a BIP329 file (every line checked before anything is written)')
    .argument('<file>', 'BIP329 JSON Lines')
    .action(run((ctx, f: string) => labelsImport(ctx, f)));

  const psbt = program
    .command('psbt')
    .description(
      'partially signed transactions (BIP174): create, sign, combine, finalize, broadcast, decode',
    );
  const psbtCreate = psbt
    .command('create')
    .description('a funded, unsigned PSBT paying the recipients (send --psbt), with UTXO and key-origin data')
    .argument('[recipients...]', 'ADDRESS AMOUNT pairs, or bitcoin: URIs')
    .option('--to-file <file>', 'also pay the recipients in FILE: CSV (address,amount[,label]) or JSON')
    .option('--utxo <txid:vout>', 'spend exactly these coins (repeat the option)', collect)
    .option('--subtract-fee', 'the first recipient pays the fee out of its amount')
    .option(
      '--change-type <type>',
      'p2wpkh or p2tr change (default: p2tr when any recipient is p2tr, else p2wpkh)',
    );
  for (const o of sendFeeOpts()) psbtCreate.addOption(o);
  psbtCreate.hook('preAction', needRecipients);
  psbtCreate.action(
    run((ctx, rs: string[], opts: SendManyOptions) => sendCmd(ctx, rs, { ...opts, psbt: true })),
  );
  const psbtArg = 'a PSBT file, - for stdin, or the base64 text';
  psbt
    .command('sign')
    .description("add this wallet's signatures (needs the password, not the node)")
    .argument('<psbt>', psbtArg)
    .action(run((ctx, a: string) => psbtSign(ctx, a)));
  psbt
    .command('combine')
    .description('merge PSBTs of the same transaction (the signatures of several signers)')
    .argument('<psbts...>', 'two or more PSBTs')
    .action(run((ctx, a: string[]) => psbtCombine(ctx, a)));
  psbt
    .command('finalize')
    .description('turn signatures into final witnesses; --extract prints the network transaction')
    .argument('<psbt>', psbtArg)
    .option('--extract', 'print the signed transaction (hex) instead of the PSBT; fails unless complete')
    .action(run((ctx, a: string, opts: { extract?: boolean }) => psbtFinalize(ctx, a, opts)));
  psbt
    .command('broadcast')
    .description('finalize, check every input locally, and send the transaction to the node')
    .argument('<psbt>', psbtArg)
    .action(run((ctx, a: string) => psbtBroadcast(ctx, a)));
  psbt
    .command('decode')
    .description('what a PSBT spends and pays, its signatures and key origins (offline)')
    .argument('<psbt>', psbtArg)
    .action(run((ctx, a: string) => psbtDecode(ctx, a)));

  for (const [name, fn, what] of [
    [
      'bumpfee',
      bumpfee,
      'replace an unconfirmed transaction of this wallet by one paying a higher fee (BIP125): same recipients, less change or added confirmed coins',
    ],
    [
      'cpfp',
      cpfp,
      "child pays for parent: spend this wallet's outputs of an unconfirmed transaction with a fee that lifts both to the fee rate",
    ],
  ] as const) {
    const c = program
      .command(name)
      .description(what)
      .argument('<txid>', 'the unconfirmed transaction')
      .option('--dry-run', 'build, sign and verify, print the transaction, do not send');
    for (const o of sendFeeOpts()) c.addOption(o);
    c.action(run((ctx, txid: string, opts: FeeOptions) => fn(ctx, txid, opts)));
  }

  for (const un of [false, true]) {
    program
      .command(un ? 'unfreeze' : 'freeze')
      .description(
        un
          ? 'let coin selection use these coins again; lists the frozen coins'
          : 'keep coins out of coin selection (--utxo still spends them); without arguments, list them',
      )
      .argument('[coins...]', 'TXID:VOUT of each coin')
      .action(run((ctx, coins: string[]) => freeze(ctx, coins, un)));
  }

  program
    .command('sweep')
    .description('send every spendable coin to an address, less the fee')
    .argument('<address>', 'recipient address of this network')
    .addOption(feeRateOption)
    .addOption(targetOption)
    .addOption(capOptions[0]!)
    .addOption(capOptions[1]!)
    .option('--dry-run', 'build, sign and verify, print the transaction, do not send')
    .action(
      run(
        (
          ctx,
          to: string,
          opts: { feeRate?: string; target?: string; maxFee?: string; maxFeeRate?: string; dryRun?: boolean },
        ) => sweep(ctx, to, opts),
      ),
    );

  program
    .command('sign-message')
    .description('sign a message with the key of one of your addresses (BIP137 format, base64)')
    .argument('<address>', 'a P2WPKH address of this wallet')
    .argument('<message>', 'the message')
    .action(run((ctx, addr: string, message: string) => signMessageCmd(ctx, addr, message)));

  program
    .command('verify-message')
    .description(
      'check a signed message (BIP137/Electrum headers; P2PKH, P2SH-P2WPKH, P2WPKH); exit 1 if invalid',
    )
    .argument('<address>', 'the signer address')
    .argument('<signature>', 'base64 signature')
    .argument('<message>', 'the message')
    .action(
      run((ctx, addr: string, sig: string, message: string) => verifyMessageCmd(ctx, addr, sig, message)),
    );

  program
    .command('address-info')
    .description('check an address for a network and show the output script it pays to (offline)')
    .argument('<address>', 'a base58 (P2PKH/P2SH) or bech32/bech32m (segwit) address')
    .action(
      run((ctx, addr: string) => {
        const network = ctx.requestedNetwork ?? 'main';
        const script = decodeAddress(addr, getNetwork(network).address);
        const info = {
          address: addr,
          network,
          type: classifyOutput(script).type,
          scriptPubKey: toHex(script),
        };
        return {
          json: info,
          text: Object.entries(info)
            .map(([k, v]) => `${k.padEnd(14)} ${v}`)
            .join('\n'),
        };
      }),
    );

  registerAnchorCommands(program, run, [feeRateOption, targetOption, ...capOptions]);
  return program;
}

/** Runs one command line (`argv` as process.argv: node, script, args...); resolves to the exit code. */
export async function main(
  argv: readonly string[],
  io: CliIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  let exit: number = EXIT.OK;
  const program = buildProgram(io, env, (code) => {
    exit = code;
  });
  try {
    await program.parseAsync([...argv]);
    return exit;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    const verbose = program.opts<{ verbose?: boolean }>().verbose === true;
    let msg: string;
    let code: number;
    if (e instanceof WalletError) {
      msg = e.message;
      code = e.exitCode;
    } else if (e instanceof EncodingError) {
      msg = `invalid input: ${e.message}`;
      code = EXIT.INPUT;
    } else {
      msg = `internal error: ${(e as Error).message}`;
      code = EXIT.INTERNAL;
    }
    io.stderr(`gossip-wallet: ${msg.replace(/\s*\n\s*/g, ' ')}`);
    if (verbose) io.stderr(String((e as Error).stack));
    return code;
  }
}
