/**
 * What the wallet does not take on the node's word. The Esplora server may be someone else's,
 * so, as an SPV wallet would (Bitcoin Core has the data itself; Electrum checks what servers
 * send), it checks what it can with the bytes alone before a coin is counted or spent:
 *
 * - a funding transaction's raw bytes (`GET /api/tx/:txid/hex`) parse, hash to the txid, and
 *   the output at the coin's index pays the value the node claimed to this wallet's script;
 *   whether it is a coinbase comes from those bytes too. Each transaction is fetched once per
 *   command (the cache lives as long as this object).
 * - the tip used for nLockTime and coinbase maturity: its 80-byte header
 *   (`GET /api/block/:hash/header`) hashes to the tip hash, its bits are a valid target within
 *   the network's proof-of-work limit (Core's CheckProofOfWork), and its hash meets that target.
 * - a block the local cache reads (`GET /api/block/:hash/raw`): its bytes parse, its header
 *   hashes to the hash asked for and has proof of work, its transactions hash to the header's
 *   merkle root (not a mutated tree, CVE-2012-2459), and it links to the block before it (the
 *   caller passes that hash). So every transaction read from it is the one the chain committed
 *   to, a stronger check than per-address answers get (as an SPV client checks a filtered block).
 *
 * A mismatch is WalletError('NODE_MISMATCH', exit 6) naming what did not match.
 */

import { Block } from '../../node/protocol/block.js';
import { equal, fromHex, toHex } from '../../node/protocol/bytes.js';
import { EncodingError } from '../../node/protocol/errors.js';
import { hashToDisplay } from '../../node/protocol/hash.js';
import { BlockHeader } from '../../node/protocol/header.js';
import type { NetworkParams } from '../../node/protocol/params.js';
import { checkProofOfWork, targetFromBits } from '../../node/protocol/pow.js';
import { Tx } from '../../node/protocol/tx.js';
import { formatCoins } from '../amount.js';
import { WalletError } from '../errors.js';
import type { EsploraClient } from './client.js';

export interface CheckedTip {
  height: number;
  /** Display hex. */
  hash: string;
}

function mismatch(what: string): WalletError {
  return new WalletError('NODE_MISMATCH', `the node's answer does not check out: ${what}; nothing signed`);
}

export class CheckedNode {
  readonly client: EsploraClient;
  readonly network: NetworkParams;
  private readonly txs = new Map<string, Promise<Tx>>();

  constructor(client: EsploraClient, network: NetworkParams) {
    this.client = client;
    this.network = network;
  }

  /** A transaction whose bytes hash to `txid`, fetched at most once. */
  tx(txid: string): Promise<Tx> {
    let p = this.txs.get(txid);
    if (!p) {
      p = this.fetchTx(txid);
      this.txs.set(txid, p);
    }
    return p;
  }

  private async fetchTx(txid: string): Promise<Tx> {
    const hex = await this.client.txHex(txid);
    const raw = fromHex(hex);
    let tx: Tx;
    try {
      tx = Tx.fromBytes(raw);
    } catch (e) {
      if (!(e instanceof EncodingError)) throw e;
      throw mismatch(`the raw bytes of ${txid} are not a transaction (${e.message})`);
    }
    // Re-encoding must give the same bytes, so the txid below is the hash of what was served.
    if (!equal(tx.toBytes(), raw)) throw mismatch(`the raw bytes of ${txid} are not in canonical form`);
    if (tx.txidHex() !== txid)
      throw mismatch(`asked for tx ${txid}, the raw bytes served hash to ${tx.txidHex()}`);
    return tx;
  }

  /**
   * The funding transaction of a coin the node says pays `value` to `script` at `txid:vout`,
   * after checking that its bytes say so.
   */
  async checkCoin(txid: string, vout: number, value: bigint, script: Uint8Array): Promise<Tx> {
    const tx = await this.tx(txid);
    const out = tx.outputs[vout];
    const coin = `coin ${txid}:${vout}`;
    if (!out) throw mismatch(`${coin}: its transaction has only ${tx.outputs.length} output(s)`);
    if (out.value !== value) {
      throw mismatch(
        `${coin}: the node says it is worth ${formatCoins(value)}, its transaction pays ${formatCoins(out.value)}`,
      );
    }
    if (!equal(out.script, script)) {
      throw mismatch(
        `${coin}: its transaction pays script ${toHex(out.script)}, not this wallet's ${toHex(script)}`,
      );
    }
    return tx;
  }

  /**
   * The node's best block: hash, header checked for proof of work, height from its status. When
   * the hash is `known`'s (a tip checked by an earlier command and kept in the cache), that check
   * stands and costs no more requests.
   */
  async tip(known?: CheckedTip): Promise<CheckedTip> {
    const hash = await this.client.tipHash();
    if (known?.hash === hash) return known;
    const [headerHex, status] = await Promise.all([
      this.client.blockHeader(hash),
      this.client.blockStatus(hash),
    ]);
    const header = BlockHeader.fromBytes(fromHex(headerHex));
    this.checkWork(header, hash, 'tip');
    if (!status.inBestChain || status.height === null) {
      throw new WalletError('BAD_RESPONSE', `the node's tip ${hash} is not in its best chain; try again`);
    }
    return { height: status.height, hash };
  }

  private checkWork(header: BlockHeader, hash: string, what: string): void {
    const bits = `0x${header.bits.toString(16).padStart(8, '0')}`;
    if (header.hashHex() !== hash)
      throw mismatch(`the ${what}'s header hashes to ${header.hashHex()}, not ${hash}`);
    if (targetFromBits(header.bits, this.network.powLimit) === null) {
      throw mismatch(
        `${what} ${hash}: bits ${bits} are not a valid target within the ${this.network.name} proof-of-work limit`,
      );
    }
    if (!checkProofOfWork(header.hash(), header.bits, this.network.powLimit)) {
      throw mismatch(
        `${what} ${hash}: its hash does not meet its own target (bits ${bits}): no proof of work`,
      );
    }
  }

  /**
   * The block `hash`, checked: header hash and proof of work, merkle root over its transactions,
   * and (when given) that its previous block is `prev`.
   */
  async block(hash: string, prev?: string): Promise<Block> {
    const raw = await this.client.blockRaw(hash);
    let block: Block;
    try {
      block = Block.fromBytes(raw);
    } catch (e) {
      if (!(e instanceof EncodingError)) throw e;
      throw mismatch(`the raw bytes of block ${hash} are not a block (${e.message})`);
    }
    this.checkWork(block.header, hash, 'block');
    const root = block.merkleRoot();
    if (root.mutated || !equal(root.root, block.header.merkleRoot)) {
      throw mismatch(`block ${hash}: its transactions do not hash to its header's merkle root`);
    }
    const parent = hashToDisplay(block.header.prevBlock);
    if (prev !== undefined && parent !== prev) {
      throw mismatch(`block ${hash} follows ${parent}, not ${prev} as the node's chain says`);
    }
    return block;
  }
}
