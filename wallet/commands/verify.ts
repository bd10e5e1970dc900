/**
 * `verify <file>`: recomputes the file's manifest (with the proof's chunk size) and checks every
 * link of its proof (node/anchors verify.ts): file -> manifest id -> commitment -> OP_RETURN in
 * the tx -> tx in the block (Merkle branch) -> header proof of work; then, unless --offline,
 * asks the node whether that block is in its best chain at the proof's height with at least
 * --min-conf confirmations (online.ts: GET /api/block/:hash/status, /api/blocks/tip/height).
 * The answer is a report, printed as any result: exit 0 when every link holds, 8 when one does
 * not (named, with the first bad chunk for a changed file), 9 when it is only not confirmed
 * (enough) yet.
 */
import { checkChainLink, type OnlineVerification } from '../../node/anchors/online.js';
import { type OfflineVerification, verifyProofOffline } from '../../node/anchors/verify.js';
import { digestWithProgress } from '../anchor/digest.js';
import { proofPathOf } from '../anchor/files.js';
import { anchorNetwork, parseCount, readProof } from '../anchor/inputs.js';
import type { Context } from '../context.js';
import { EXIT, WalletError } from '../errors.js';
import type { Result } from './result.js';

export interface VerifyOptions {
  proof?: string;
  offline?: boolean;
  minConf?: string;
}

const WAIT_CODES = new Set(['NOT_CONFIRMED', 'TOO_FEW_CONFIRMATIONS']);

export async function verify(ctx: Context, file: string, opts: VerifyOptions): Promise<Result> {
  const offlineOnly = opts.offline === true;
  if (offlineOnly && opts.minConf !== undefined) {
    throw new WalletError('BAD_INPUT', '--min-conf needs the node; it cannot go with --offline');
  }
  const minConf = opts.minConf === undefined ? 1 : parseCount(opts.minConf, '--min-conf', 1, 1_000_000);
  const params = await anchorNetwork(ctx);
  const proofFile = opts.proof ?? proofPathOf(file);
  const proof = await readProof(proofFile, params);
  const digest = await digestWithProgress(ctx, file, proof.manifest.chunkSize, proof.chunkHashes !== null);
  const off: OfflineVerification = verifyProofOffline(digest, proof, params);
  let on: OnlineVerification | null = null;
  if (off.ok && !offlineOnly) {
    const client = ctx.client(params);
    const status = await client.blockStatus(off.blockHash!);
    const tipHeight = await client.tipHeight();
    on = checkChainLink(off, { inBestChain: status.inBestChain, height: status.height, tipHeight }, minConf);
  }
  const failure = off.failure ?? on?.failure ?? null;
  const passed: string[] = [...off.passed, ...(on?.ok ? ['chain'] : [])];
  const json = {
    ok: failure === null,
    mode: offlineOnly ? 'offline' : 'online',
    file,
    proof: proofFile,
    network: params.name,
    manifest_id: off.manifestId,
    commitment: off.commitment,
    txid: off.txid,
    vout: off.vout,
    block_hash: off.blockHash,
    height: off.height,
    time: off.time,
    confirmations: on ? on.confirmations : null,
    passed,
    failure,
  };
  if (failure) {
    return {
      json,
      text: [
        `FAILED at link '${failure.link}' (${failure.code}): ${failure.message}`,
        `passed: ${passed.length === 0 ? 'none' : passed.join(', ')}`,
      ].join('\n'),
      exitCode: WAIT_CODES.has(failure.code) ? EXIT.PENDING : EXIT.ANCHOR_FAILED,
    };
  }
  const when = new Date(off.time! * 1000).toISOString();
  const conf = on
    ? `, ${on.confirmations} confirmation(s) in the node's best chain`
    : ' (offline: proof of work only)';
  return {
    json,
    text: [
      `OK: ${file} is anchored in block ${off.blockHash} at height ${off.height} (${when})${conf}`,
      `passed: ${passed.join(', ')}`,
    ].join('\n'),
  };
}
