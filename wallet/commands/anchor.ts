/**
 * `anchor <file...>`: one transaction anchors every file given. Each file's manifest id goes
 * under one commitment (node/anchors commitment.ts: the id itself for one file, the RFC 6962
 * root of the ids for several), carried by ONE `OP_RETURN "GLA1" || commitment` output of an
 * ordinary transaction from the wallet (send's coin selection, change, signing and local
 * script check). A proof per file (`<file>.anchor.json`, block null until confirmed) is written
 * to a temp file before the broadcast and moved into place after it, so a refused transaction
 * leaves no proof behind and a sent one always has its proofs. Everything the user typed, every
 * file and every existing proof is checked before the password prompt and before any request.
 */
import { basename, resolve } from 'node:path';
import { anchorScript, buildCommitment } from '../../node/anchors/commitment.js';
import { AnchorError } from '../../node/anchors/errors.js';
import { checkName } from '../../node/anchors/manifest.js';
import { manifestId } from '../../node/anchors/manifest-codec.js';
import { formatProof, newProof } from '../../node/anchors/proof.js';
import { hashToHex } from '../../node/anchors/tree.js';
import { toHex } from '../../node/protocol/bytes.js';
import { formatCoins, formatRate } from '../amount.js';
import { manifestOfFile } from '../anchor/digest.js';
import { checkInputFile, commit, discard, exists, proofPathOf, type Staged, stage } from '../anchor/files.js';
import { parseChunkSize } from '../anchor/inputs.js';
import { requireSigner } from '../build.js';
import type { Context } from '../context.js';
import { WalletError } from '../errors.js';
import { selectApproved } from '../feecap.js';
import { type Result, table } from './result.js';
import {
  broadcastTx,
  chooseFeeRate,
  type FeeOptions,
  feeInfo,
  minWeight,
  parseFeeOptions,
  selectSpend,
  signSelection,
  spendableCoins,
} from './send.js';

export interface AnchorOptions extends FeeOptions {
  chunkSize?: string;
  force?: boolean;
  /** commander's --no-chunk-hashes */
  chunkHashes?: boolean;
}

/** Far below what one commitment can hold; bounds the work and the proofs written at once. */
export const MAX_FILES = 100_000;

async function checkFiles(files: readonly string[], force: boolean): Promise<string[]> {
  if (files.length > MAX_FILES) throw new WalletError('BAD_INPUT', `at most ${MAX_FILES} files per anchor`);
  const seen = new Set<string>();
  for (const f of files) {
    const abs = resolve(f);
    if (seen.has(abs)) throw new WalletError('BAD_INPUT', `file ${f} is given twice`);
    seen.add(abs);
    try {
      checkName(basename(abs));
    } catch (e) {
      if (e instanceof AnchorError) throw new WalletError('BAD_INPUT', `file ${f}: ${e.message}`);
      throw e;
    }
  }
  for (const f of files) await checkInputFile(f);
  const proofs = files.map(proofPathOf);
  if (!force) {
    for (const p of proofs) {
      if (await exists(p)) {
        throw new WalletError('PROOF_EXISTS', `proof ${p} already exists (use --force to replace it)`);
      }
    }
  }
  return proofs;
}

export async function anchor(ctx: Context, files: string[], opts: AnchorOptions): Promise<Result> {
  const { network } = await ctx.existing();
  const chunkSize = parseChunkSize(opts.chunkSize);
  const { target, caps } = parseFeeOptions(opts, network);
  const force = opts.force === true;
  const dryRun = opts.dryRun === true;
  const proofPaths = await checkFiles(files, force);

  const read = [];
  for (const f of files) read.push(await manifestOfFile(ctx, f, chunkSize, opts.chunkHashes !== false));
  const ids = read.map((r) => manifestId(r.manifest));
  const { commitment, paths } = buildCommitment(ids);
  const script = anchorScript(commitment);

  const { path, wallet } = await ctx.open();
  requireSigner(wallet);
  const client = ctx.client(network);
  const price = await chooseFeeRate(client, opts, target);
  const rate = price.rate;
  const { coins, immature, changeKey, tip } = await spendableCoins(ctx, path, wallet, client);
  const params = { feeRate: rate, recipients: [{ script, value: 0n }], changeScript: changeKey.script };
  const sel = selectApproved(() => selectSpend(coins, immature, params), price, caps, minWeight([script]));
  const { tx, recipientVouts } = signSelection(sel, [script], changeKey.script, tip);
  const vout = recipientVouts[0]!;
  const texts = read.map((r, i) =>
    formatProof(
      newProof({
        network: network.name,
        manifest: r.manifest,
        chunkHashes: r.chunkHashes,
        commitment,
        path: paths[i]!,
        tx,
        vout,
      }),
    ),
  );

  if (!dryRun) {
    const staged: Staged[] = [];
    try {
      for (let i = 0; i < texts.length; i++) staged.push(await stage(proofPaths[i]!, texts[i]!));
      await broadcastTx(ctx, client, tx);
    } catch (e) {
      await Promise.all(staged.map(discard));
      throw e;
    }
    // Sent: from here on the proofs must reach the disk; a failure says where each one is.
    for (const s of staged) {
      try {
        await commit(s, force);
      } catch (e) {
        throw new WalletError(
          (e as WalletError).code ?? 'WRITE_FAILED',
          `transaction ${tx.txidHex()} was sent, but ${(e as Error).message}; the proof is in ${s.tmp}`,
        );
      }
    }
  }

  const txid = tx.txidHex();
  const json = {
    txid,
    broadcast: !dryRun,
    network: network.name,
    commitment: hashToHex(commitment),
    vout,
    ...feeInfo(sel, tx, rate),
    files: files.map((file, i) => ({
      file,
      proof: proofPaths[i]!,
      written: !dryRun,
      manifest_id: hashToHex(ids[i]!),
      index: i,
    })),
    ...(dryRun ? { hex: toHex(tx.toBytes()) } : {}),
  };
  if (dryRun) {
    const rows: [string, string][] = [
      ['txid', txid],
      ['commitment', `${json.commitment} (${files.length} file(s), output ${vout})`],
      ['fee', `${formatCoins(sel.fee)} (${tx.vsize()} vB at ${formatRate(rate)} sat/vB)`],
      ['not sent', '(--dry-run: no proof written)'],
      ['hex', json.hex!],
    ];
    return { json, text: table(rows) };
  }
  return { json, text: [txid, ...proofPaths].join('\n') };
}
