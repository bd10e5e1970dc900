/**
 * The explorer's reads through the node, with small caches: a block's sizes and txids, its undo
 * coins (the prevouts of its txs), confirmed txs rendered in Esplora's shape (valid while their
 * block stays on the main chain), unconfirmed txs from the mempool index, and output spends.
 */

import { type BlockEntry, type ExplorerNode, shKey } from '../node/api.js';
import type { Coin } from '../node/consensus/tx-inputs.js';
import type { Block } from '../node/protocol/block.js';
import { hashToDisplay } from '../node/protocol/hash.js';
import { txidFromDisplay } from '../node/protocol/ids.js';
import { OutPoint, type Tx, TxOut } from '../node/protocol/tx.js';
import { type BlockExtras, blockExtras } from './block-stats.js';
import { Lru } from './lru.js';
import type { MempoolIndex } from './mempool-index.js';
import { type BlockSizes, statusOf, type TxJson, type TxStatus, txJson, UNCONFIRMED } from './views.js';

export interface BlockInfo {
  sizes: BlockSizes;
  txids: string[];
}

export interface Outspend {
  spent: boolean;
  txid?: string;
  vin?: number;
  status?: TxStatus;
}

/** A tx with where it is: `block` undefined for the mempool. */
export interface LocatedTx {
  tx: Tx;
  block?: BlockEntry;
  index?: number;
}

export interface ConfirmedUtxo {
  txid: string;
  vout: number;
  status: TxStatus;
  value: number;
}

/** An address with more unspent outputs is refused (electrs' utxos_limit). */
export const MAX_UTXOS = 5000;

export class ExplorerData {
  /** Confirmed UTXOs per scripthash, valid for the tip they were read at. */
  private readonly utxoCache = new Lru<string, { tip: string; rows: ConfirmedUtxo[] | null }>(1000);
  private readonly infos = new Lru<string, BlockInfo>(4096);
  private readonly undos = new Lru<string, Coin[][]>(64);
  private readonly txs = new Lru<string, { block: BlockEntry; json: TxJson }>(20_000);
  private readonly extrasCache = new Lru<string, BlockExtras>(1024);

  readonly node: ExplorerNode;
  readonly pool: MempoolIndex;

  constructor(node: ExplorerNode, pool: MempoolIndex) {
    this.node = node;
    this.pool = pool;
  }

  get chain() {
    return this.node.chain;
  }

  async block(e: BlockEntry): Promise<Block> {
    const b = await this.chain.getBlock(e.hash);
    if (!b) throw new Error(`block ${e.hashHex} is indexed but not stored`);
    return b;
  }

  async blockInfo(e: BlockEntry): Promise<BlockInfo> {
    const hit = this.infos.get(e.hashHex);
    if (hit) return hit;
    const b = await this.block(e);
    const info = {
      sizes: { txCount: b.txs.length, size: b.size(), weight: b.weight() },
      txids: b.txs.map((t) => t.txidHex()),
    };
    this.infos.set(e.hashHex, info);
    return info;
  }

  /** Coins spent by each non-coinbase tx of a main-chain block. */
  async undo(e: BlockEntry): Promise<Coin[][] | undefined> {
    const hit = this.undos.get(e.hashHex);
    if (hit) return hit;
    const u = await this.chain.getBlockUndo(e.hash);
    if (u) this.undos.set(e.hashHex, u);
    return u;
  }

  /** A main-chain block's fee figures (block-stats.ts); undefined off the main chain. */
  async extras(e: BlockEntry): Promise<BlockExtras | undefined> {
    const hit = this.extrasCache.get(e.hashHex);
    if (hit && this.chain.isMain(e)) return hit;
    if (!this.chain.isMain(e)) return undefined;
    const undo = await this.undo(e);
    if (!undo) return undefined;
    const extras = blockExtras(await this.block(e), undo, e.height, this.node.params);
    this.extrasCache.set(e.hashHex, extras);
    return extras;
  }

  /** Prevouts of tx `index` of block `e`: from its undo data, else from the tx index. */
  async prevouts(tx: Tx, e: BlockEntry | undefined, index: number): Promise<(TxOut | undefined)[]> {
    if (tx.isCoinbase()) return [];
    const coins = e && this.chain.isMain(e) ? (await this.undo(e))?.[index - 1] : undefined;
    if (coins) return coins.map((c) => new TxOut(c.value, c.script));
    return Promise.all(
      tx.inputs.map(async (i) => (await this.chain.getTx(i.prevout.txid))?.tx.outputs[i.prevout.index]),
    );
  }

  /** A confirmed tx as Esplora shows it (cached while its block is on the main chain). */
  async confirmedJson(txid: string): Promise<{ json: TxJson; block: BlockEntry } | undefined> {
    const hit = this.txs.get(txid);
    if (hit && this.chain.isMain(hit.block)) return hit;
    const found = await this.chain.getTx(txidFromDisplay(txid));
    if (!found) return undefined;
    return this.renderConfirmed(found.tx, found.block, found.index);
  }

  private async renderConfirmed(tx: Tx, block: BlockEntry, index: number) {
    const txid = tx.txidHex();
    const hit = this.txs.get(txid);
    if (hit && hit.block === block) return hit;
    const json = txJson(tx, await this.prevouts(tx, block, index), statusOf(block), this.node.params);
    const rendered = { json, block };
    this.txs.set(txid, rendered);
    return rendered;
  }

  async mempoolJson(txid: string): Promise<TxJson | undefined> {
    await this.pool.settle();
    const x = this.pool.get(txid);
    return x ? txJson(x.entry.tx, x.prevouts, UNCONFIRMED, this.node.params) : undefined;
  }

  /** Confirmed first, then the mempool. */
  async txJson(txid: string): Promise<{ json: TxJson; block?: BlockEntry } | undefined> {
    const c = await this.confirmedJson(txid);
    if (c) return c;
    const m = await this.mempoolJson(txid);
    return m ? { json: m } : undefined;
  }

  async locate(txid: string): Promise<LocatedTx | undefined> {
    const found = await this.chain.getTx(txidFromDisplay(txid));
    if (found) return found;
    const e = this.node.mempool.get(txidFromDisplay(txid));
    return e ? { tx: e.tx } : undefined;
  }

  /** Txs [start, start + count) of a block; unconfirmed status for a block off the main chain. */
  async blockTxs(e: BlockEntry, start: number, count: number): Promise<TxJson[]> {
    const b = await this.block(e);
    const main = this.chain.isMain(e);
    const out: TxJson[] = [];
    for (let i = start; i < Math.min(b.txs.length, start + count); i++) {
      const tx = b.txs[i]!;
      if (main) out.push((await this.renderConfirmed(tx, e, i)).json);
      else out.push(txJson(tx, await this.prevouts(tx, undefined, i), UNCONFIRMED, this.node.params));
    }
    return out;
  }

  async status(txid: string): Promise<{ status: TxStatus; block?: BlockEntry } | undefined> {
    const loc = await this.chain.getTxLocation(txidFromDisplay(txid));
    if (loc) return { status: statusOf(loc.block), block: loc.block };
    return this.node.mempool.get(txidFromDisplay(txid)) ? { status: UNCONFIRMED } : undefined;
  }

  /** Confirmed UTXOs of a scripthash, or null when there are more than MAX_UTXOS. */
  async confirmedUtxos(sh: Uint8Array): Promise<ConfirmedUtxo[] | null> {
    const key = shKey(sh);
    const tip = this.chain.tip.hashHex;
    const hit = this.utxoCache.get(key);
    if (hit && hit.tip === tip) return hit.rows;
    const found = await this.chain.getAddressUtxos(sh, MAX_UTXOS + 1);
    const rows =
      found.length > MAX_UTXOS
        ? null
        : found.map((u) => ({
            txid: hashToDisplay(u.txid),
            vout: u.vout,
            status: statusOf(this.chain.entryAt(u.height)),
            value: Number(u.value),
          }));
    this.utxoCache.set(key, { tip, rows });
    return rows;
  }

  async outspend(tx: Tx, vout: number): Promise<Outspend> {
    const spender = await this.chain.getSpender(tx.txid(), vout);
    if (spender) {
      const txid = hashToDisplay(spender.txid);
      const loc = await this.chain.getTxLocation(spender.txid);
      return { spent: true, txid, vin: spender.vin, status: loc ? statusOf(loc.block) : UNCONFIRMED };
    }
    const m = this.node.mempool.spender(new OutPoint(tx.txid(), vout));
    if (!m) return { spent: false };
    const txidBytes = tx.txid();
    const vin = m.tx.inputs.findIndex(
      (i) => i.prevout.index === vout && i.prevout.txid.every((b, k) => b === txidBytes[k]),
    );
    return { spent: true, txid: m.txid, vin, status: UNCONFIRMED };
  }
}
