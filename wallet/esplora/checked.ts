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
 *
 * A mismatch is WalletError('NODE_MISMATCH', exit 6) naming what did not match.
 */
import { equal, fromHex, toHex } from '../../node/protocol/bytes.js';
import { EncodingError } from '../../node/protocol/errors.js';
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

  /** The node's best block: hash, header checked for proof of work, height from its status. */
  async tip(): Promise<CheckedTip> {
    const hash = await this.client.tipHash();
    const [headerHex, status] = await Promise.all([
      this.client.blockHeader(hash),
      this.client.blockStatus(hash),
    ]);
    const header = BlockHeader.fromBytes(fromHex(headerHex));
    const bits = `0x${header.bits.toString(16).padStart(8, '0')}`;
    if (header.hashHex() !== hash)
      throw mismatch(`the tip's header hashes to ${header.hashHex()}, not ${hash}`);
    if (targetFromBits(header.bits, this.network.powLimit) === null) {
      throw mismatch(
        `tip ${hash}: bits ${bits} are not a valid target within the ${this.network.name} proof-of-work limit`,
      );
    }
    if (!checkProofOfWork(header.hash(), header.bits, this.network.powLimit)) {
      throw mismatch(`tip ${hash}: its hash does not meet its own target (bits ${bits}): no proof of work`);
    }
    if (!status.inBestChain || status.height === null) {
      throw new WalletError('BAD_RESPONSE', `the node's tip ${hash} is not in its best chain; try again`);
    }
    return { height: status.height, hash };
  }
}
