/**
 * The anchoring commands on the command line (docs/anchors.md): manifest, chunk-path,
 * verify-chunk (offline, no wallet), anchor (needs the wallet), proof / anchor-status and verify
 * (need only a node, or nothing with --offline).
 */
import { type Command, Option } from 'commander';
import { anchor } from '../commands/anchor.js';
import { chunkPath, manifest, verifyChunk } from '../commands/manifest.js';
import { proofStatus } from '../commands/proof.js';
import type { Runner } from '../commands/result.js';
import { verify } from '../commands/verify.js';

const chunkSizeOption = () =>
  new Option('--chunk-size <bytes>', 'chunk size, a power of two from 1k to 64MiB (default 256k)');

export function registerAnchorCommands(
  program: Command,
  run: Runner,
  /** --fee-rate, --target, --max-fee, --max-fee-rate: the same options as send's. */
  feeOptions: readonly Option[],
): void {
  program
    .command('manifest')
    .description("print a file's manifest (chunked Merkle root and id) without anchoring it")
    .argument('<file>', 'the file')
    .addOption(chunkSizeOption())
    .action(run((ctx, file: string, opts: { chunkSize?: string }) => manifest(ctx, file, opts)));

  program
    .command('chunk-path')
    .description("print one chunk's Merkle path to the file's root, in verify-chunk's <path> format")
    .argument('<file>', 'the file')
    .argument('<index>', 'chunk index, from 0')
    .addOption(chunkSizeOption())
    .option('--out <chunk-file>', 'also write the chunk itself to this new file')
    .action(
      run((ctx, file: string, index: string, opts: { chunkSize?: string; out?: string }) =>
        chunkPath(ctx, file, index, opts),
      ),
    );

  program
    .command('verify-chunk')
    .description('check one chunk from an untrusted peer against a manifest; exit 8 if it does not match')
    .argument('<manifest>', "a manifest file ('manifest --json' output) or a proof file")
    .argument('<index>', 'chunk index, from 0')
    .argument('<chunk-file>', "the chunk's bytes")
    .argument(
      '<path>',
      "sibling hashes leaf side first: 64-hex hashes joined by commas ('-' for none), or @FILE with a JSON array",
    )
    .action(
      run((ctx, m: string, index: string, chunk: string, path: string) =>
        verifyChunk(ctx, m, index, chunk, path),
      ),
    );

  const anchorCmd = program
    .command('anchor')
    .description('anchor files in ONE transaction (one OP_RETURN output); writes <file>.anchor.json per file')
    .argument('<file...>', 'files to anchor')
    .addOption(chunkSizeOption());
  for (const o of feeOptions) anchorCmd.addOption(o);
  anchorCmd
    .option(
      '--no-chunk-hashes',
      'leave the chunk hashes out of the proofs (smaller; verify cannot name a bad chunk)',
    )
    .option('--force', 'replace existing proof files')
    .option('--dry-run', 'build, sign and verify, print the transaction; send nothing, write nothing')
    .action(run((ctx, files: string[], opts: Record<string, unknown>) => anchor(ctx, files, opts as never)));

  const status =
    (update: boolean) =>
    (
      ctx: Parameters<Parameters<Runner>[0]>[0],
      files: string[],
      opts: { update?: boolean; rebroadcast?: boolean },
    ) =>
      proofStatus(ctx, files, { ...opts, update: update || opts.update === true });
  program
    .command('proof')
    .description(
      "ask the node about proofs' transactions; --update completes confirmed ones. Exit 9 if any is still pending",
    )
    .argument('<proof...>', 'proof files (<file>.anchor.json)')
    .option('--update', 'write the block data into proofs whose transaction is confirmed')
    .option('--rebroadcast', "send a proof's transaction again if the node does not know it")
    .action(run(status(false)));

  program
    .command('anchor-status')
    .description("same as 'proof --update'")
    .argument('<proof...>', 'proof files (<file>.anchor.json)')
    .option('--rebroadcast', "send a proof's transaction again if the node does not know it")
    .action(run(status(true)));

  program
    .command('verify')
    .description(
      'check a file against its proof, link by link; exit 8 if a link fails, 9 if not (enough) confirmed',
    )
    .argument('<file>', 'the file')
    .option('--proof <file>', 'the proof (default <file>.anchor.json)')
    .option('--offline', 'check proof of work only, without asking a node')
    .option('--min-conf <n>', 'confirmations required online (default 1)')
    .action(
      run((ctx, file: string, opts: { proof?: string; offline?: boolean; minConf?: string }) =>
        verify(ctx, file, opts),
      ),
    );
}
