/**
 * The simulated users' money: one key (from the run's seed) whose P2WPKH coins pay for every
 * generated transaction. Coins wait in FIFO lanes (one per side of a partition, one otherwise);
 * a payment takes the oldest coin of its lane, pays a fixed amount to a payee and its change
 * back to the lane's tail, so a coin comes round again only after the others (by then its
 * parent is normally mined, keeping unconfirmed chains short, well under Core's 25-ancestor
 * limit). Payments are one input, two outputs: Bitcoin's most common shape (~141 vB).
 */
import { createHash } from 'node:crypto';
import { PrecomputedTx, p2wpkhFor, publicKey, signP2wpkh } from '../node/protocol/sign.js';
import { OutPoint, Tx, TxIn, TxOut } from '../node/protocol/tx.js';

const NO_SCRIPT = new Uint8Array(0);
/** BIP125 opt-in, as wallets send. */
const SEQUENCE = 0xfffffffd;
export const PAYMENT = 10_000n;
/** ~2.1 sat/vB on a 141 vB payment: above the 1 sat/vB relay floor. */
export const FEE = 300n;

export interface Coin {
  txid: Uint8Array;
  vout: number;
  value: bigint;
}

export class SimWallet {
  readonly script: Uint8Array;
  readonly payee: Uint8Array;
  private readonly priv: Uint8Array;
  private readonly lanes = new Map<number, Coin[]>();

  constructor(seed: string) {
    const key = (label: string) =>
      new Uint8Array(createHash('sha256').update(`sim ${label} ${seed}`).digest());
    this.priv = key('wallet');
    this.script = p2wpkhFor(publicKey(this.priv));
    this.payee = p2wpkhFor(publicKey(key('payee')));
  }

  /** A signed tx spending our coins to `outputs`. */
  spend(coins: readonly Coin[], outputs: readonly TxOut[]): Tx {
    const fields = { version: 2, outputs, locktime: 0 };
    const ins = coins.map((c) => new TxIn(new OutPoint(c.txid, c.vout), NO_SCRIPT, SEQUENCE));
    const pre = new PrecomputedTx(new Tx({ ...fields, inputs: ins }));
    const signed = coins.map(
      (c, i) => new TxIn(ins[i]!.prevout, NO_SCRIPT, SEQUENCE, signP2wpkh(pre, i, c.value, this.priv)),
    );
    return new Tx({ ...fields, inputs: signed });
  }

  /** Splits `coin` into `n` equal coins of ours (less `fee`); they join lanes round-robin once added. */
  fanOut(coin: Coin, n: number, fee: bigint): Tx {
    const each = (coin.value - fee) / BigInt(n);
    return this.spend(
      [coin],
      Array.from({ length: n }, () => new TxOut(each, this.script)),
    );
  }

  addCoins(tx: Tx, lanes: number): void {
    tx.outputs.forEach((o, vout) => {
      if (o.value > PAYMENT + FEE) this.lane(vout % lanes).push({ txid: tx.txid(), vout, value: o.value });
    });
  }

  coins(lane: number): number {
    return this.lanes.get(lane)?.length ?? 0;
  }

  /** Deals lane 0's coins round-robin into lanes 1..k (a partition: one lane per side). */
  splitLanes(k: number): void {
    const q = this.lane(0).splice(0);
    q.forEach((c, i) => {
      this.lane(1 + (i % k)).push(c);
    });
  }

  /** Moves every coin into lane 0 (a partition healed). */
  mergeLanes(): void {
    const all = [...this.lanes.values()].flat();
    this.lanes.clear();
    this.lanes.set(0, all);
  }

  /**
   * A tx whose first output is `output` (worth nothing: an OP_RETURN anchor), paid for by the
   * oldest coin of `lane`, change back to the lane; null when the lane is empty.
   */
  payFor(output: TxOut, lane = 0): Tx | null {
    const q = this.lane(lane);
    const coin = q.shift();
    if (!coin) return null;
    const change = coin.value - FEE;
    const tx = this.spend([coin], [output, new TxOut(change, this.script)]);
    if (change > PAYMENT + FEE) q.push({ txid: tx.txid(), vout: 1, value: change });
    return tx;
  }

  /** A payment from the oldest coin of `lane`, or null when the lane is empty. */
  pay(lane: number): Tx | null {
    const q = this.lane(lane);
    const coin = q.shift();
    if (!coin) return null;
    const change = coin.value - PAYMENT - FEE;
    const tx = this.spend([coin], [new TxOut(PAYMENT, this.payee), new TxOut(change, this.script)]);
    if (change > PAYMENT + FEE) q.push({ txid: tx.txid(), vout: 1, value: change });
    return tx;
  }

  private lane(i: number): Coin[] {
    let q = this.lanes.get(i);
    if (!q) {
      q = [];
      this.lanes.set(i, q);
    }
    return q;
  }
}
