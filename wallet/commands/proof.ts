/**
 * `proof [--update] <proof...>` (and `anchor-status`, the same with --update): asks the node
 * where each proof's transaction is (Esplora: /tx/:txid/status, /tx/:txid/merkle-proof,
 * /block/:hash/header) and completes the proof's block link once it is confirmed, or moves it
 * when a reorg mined it again elsewhere. A link is written only after the whole proof verifies
 * offline with it (a node answering nonsense is BAD_RESPONSE, and no file changes), atomically.
 * Every proof is read and parsed before the first request, so one bad proof changes nothing.
 */
import type { FileDigest } from '../../node/anchors/manifest.js';
import { type AnchorProof, type BlockLink, formatProof, withBlock } from '../../node/anchors/proof.js';
import { verifyProofOffline } from '../../node/anchors/verify.js';
import { equal, fromHex, toHex } from '../../node/protocol/bytes.js';
import { hashFromDisplay } from '../../node/protocol/hash.js';
import { BlockHeader } from '../../node/protocol/header.js';
import type { NetworkParams } from '../../node/protocol/params.js';
import { writeAtomic } from '../anchor/files.js';
import { anchorNetwork, readProof } from '../anchor/inputs.js';
import type { Context } from '../context.js';
import { EXIT, WalletError } from '../errors.js';
import type { EsploraClient } from '../esplora/client.js';
import type { Result } from './result.js';

/**
 * complete: the proof already names the block the node has the tx in; confirmed: newly
 * completed; moved: re-linked to the block a reorg mined it in; pending: in the mempool;
 * reorged: its block left the best chain and the tx waits in the mempool again; unknown: the
 * node knows no such transaction (`--rebroadcast` sends the proof's).
 */
export type ProofState = 'complete' | 'confirmed' | 'moved' | 'pending' | 'reorged' | 'unknown';

/** A digest standing for the proof's own file, so the offline check covers every other link. */
function manifestDigest(p: AnchorProof): FileDigest {
  const m = p.manifest;
  return { size: m.size, chunkSize: m.chunkSize, chunkCount: m.chunkCount, root: m.root };
}

async function fetchLink(
  client: EsploraClient,
  proof: AnchorProof,
  blockHash: string,
  height: number,
  params: NetworkParams,
): Promise<BlockLink> {
  const txid = proof.tx.txidHex();
  const mp = await client.merkleProof(txid);
  const header = BlockHeader.fromBytes(fromHex(await client.blockHeader(blockHash)));
  const inconsistent = (what: string) =>
    new WalletError('BAD_RESPONSE', `node's data for tx ${txid} is inconsistent: ${what}; try again`);
  if (!mp) throw inconsistent('confirmed, but no merkle proof');
  if (mp.blockHeight !== height)
    throw inconsistent(`merkle proof at height ${mp.blockHeight}, status ${height}`);
  if (!equal(header.hash(), hashFromDisplay(blockHash))) throw inconsistent('header of another block');
  const link: BlockLink = { height, header, txIndex: mp.pos, branch: mp.merkle.map(hashFromDisplay) };
  const check = verifyProofOffline(manifestDigest(proof), withBlock(proof, link), params);
  if (!check.ok) throw inconsistent(`${check.failure!.code}: ${check.failure!.message}`);
  return link;
}

interface Row {
  proof: string;
  state: ProofState;
  txid: string;
  written: boolean;
  block_hash: string | null;
  height: number | null;
}

export async function proofStatus(
  ctx: Context,
  files: string[],
  opts: { update?: boolean; rebroadcast?: boolean },
): Promise<Result> {
  const params = await anchorNetwork(ctx);
  const proofs: AnchorProof[] = [];
  for (const f of files) proofs.push(await readProof(f, params));
  const client = ctx.client(params);
  const rows: Row[] = [];
  for (let i = 0; i < proofs.length; i++) {
    const proof = proofs[i]!;
    const txid = proof.tx.txidHex();
    const st = await client.txStatus(txid);
    const had = proof.block;
    const row: Row = {
      proof: files[i]!,
      state: 'pending',
      txid,
      written: false,
      block_hash: had ? had.header.hashHex() : null,
      height: had ? had.height : null,
    };
    if (st === null) {
      row.state = 'unknown';
      if (opts.rebroadcast) {
        ctx.io.progress(`rebroadcasting ${txid}`);
        await client.broadcast(toHex(proof.tx.toBytes()));
        row.state = had ? 'reorged' : 'pending';
      }
    } else if (!st.confirmed) {
      row.state = had ? 'reorged' : 'pending';
    } else if (had && had.header.hashHex() === st.blockHash) {
      row.state = 'complete';
    } else {
      const link = await fetchLink(client, proof, st.blockHash!, st.blockHeight!, params);
      row.state = had ? 'moved' : 'confirmed';
      row.block_hash = link.header.hashHex();
      row.height = link.height;
      if (opts.update) {
        await writeAtomic(files[i]!, formatProof(withBlock(proof, link)));
        row.written = true;
      }
    }
    rows.push(row);
  }
  const waiting = rows.some((r) => r.state === 'pending' || r.state === 'reorged' || r.state === 'unknown');
  const unsaved = rows.some((r) => (r.state === 'confirmed' || r.state === 'moved') && !r.written);
  const text = rows
    .map((r) => {
      const where = r.height === null ? '' : ` block ${r.block_hash} height ${r.height}`;
      return `${r.proof}: ${r.state}${where}${r.written ? ' (updated)' : ''}`;
    })
    .join('\n');
  const hint = unsaved ? '\n(not written: run with --update)' : '';
  return { json: rows, text: text + hint, ...(waiting ? { exitCode: EXIT.PENDING } : {}) };
}
