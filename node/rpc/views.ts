/**
 * JSON shapes of Bitcoin Core's RPC results (getblockheader, getblock, getrawtransaction
 * verbose), so scripts written for bitcoin-cli read ours unchanged.
 */
import type { BlockEntry } from '../api.js';
import type { Block } from '../protocol/block.js';
import { toHex } from '../protocol/bytes.js';
import { describeTx } from '../protocol/describe.js';
import { hashToDisplay } from '../protocol/hash.js';
import type { NetworkParams } from '../protocol/params.js';
import { difficultyFromBits } from '../protocol/pow.js';
import type { Tx } from '../protocol/tx.js';

export interface ChainView {
  readonly height: number;
  entryAt(height: number): BlockEntry | undefined;
  isMain(entry: BlockEntry): boolean;
}

export function hex32(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

export function headerJson(e: BlockEntry, chain: ChainView, nTx?: number): Record<string, unknown> {
  const main = chain.isMain(e);
  const next = main ? chain.entryAt(e.height + 1) : undefined;
  const h = e.header;
  return {
    hash: e.hashHex,
    confirmations: main ? chain.height - e.height + 1 : -1,
    height: e.height,
    version: h.version,
    versionHex: hex32(h.version),
    merkleroot: hashToDisplay(h.merkleRoot),
    time: h.time,
    mediantime: e.medianTimePast(),
    nonce: h.nonce,
    bits: hex32(h.bits),
    difficulty: difficultyFromBits(h.bits),
    chainwork: e.chainWork.toString(16).padStart(64, '0'),
    ...(nTx !== undefined ? { nTx } : {}),
    ...(e.prev ? { previousblockhash: e.prev.hashHex } : {}),
    ...(next ? { nextblockhash: next.hashHex } : {}),
  };
}

export function blockJson(
  block: Block,
  e: BlockEntry,
  chain: ChainView,
  params: NetworkParams,
  verbosity: number,
) {
  return {
    ...headerJson(e, chain, block.txs.length),
    strippedsize: block.strippedSize(),
    size: block.size(),
    weight: block.weight(),
    tx:
      verbosity >= 2
        ? block.txs.map((t) => ({ ...describeTx(t, params), hex: toHex(t.toBytes()) }))
        : block.txs.map((t) => t.txidHex()),
  };
}

export function txJson(tx: Tx, params: NetworkParams, where?: { entry: BlockEntry; chain: ChainView }) {
  const base: Record<string, unknown> = { ...describeTx(tx, params), hex: toHex(tx.toBytes()) };
  if (where) {
    base.blockhash = where.entry.hashHex;
    base.confirmations = where.chain.isMain(where.entry) ? where.chain.height - where.entry.height + 1 : 0;
    base.time = where.entry.header.time;
    base.blocktime = where.entry.header.time;
  }
  return base;
}
