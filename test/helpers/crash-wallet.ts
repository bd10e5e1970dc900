/**
 * The crash-safety test's wallet: one deterministic key whose P2WPKH address receives every
 * mined coinbase, and BIP143-signed spends of its coins (a parent with two outputs to itself and
 * a small OP_RETURN, which must never become a coin; a child spending the parent unconfirmed).
 */
import { createHash } from 'node:crypto';
import { encodeAddress } from '../../node/protocol/address.js';
import { regtest } from '../../node/protocol/params.js';
import { PrecomputedTx, p2wpkhFor, publicKey, signP2wpkh } from '../../node/protocol/sign.js';
import { OutPoint, Tx, TxIn, TxOut } from '../../node/protocol/tx.js';

const NO_SCRIPT = new Uint8Array(0);
/** Opts in to replacement (BIP125), as wallets do; our txs never conflict anyway. */
const SEQUENCE = 0xfffffffd;

export class CrashWallet {
  readonly priv: Uint8Array;
  readonly script: Uint8Array;
  readonly address: string;

  constructor(label: string) {
    this.priv = new Uint8Array(createHash('sha256').update(`gossip-ledger crash-safety ${label}`).digest());
    this.script = p2wpkhFor(publicKey(this.priv));
    this.address = encodeAddress(this.script, regtest.address)!;
  }

  /** A signed tx spending our P2WPKH coins `inputs` to `outputs`. */
  spend(inputs: readonly { txid: Uint8Array; vout: number; value: bigint }[], outputs: readonly TxOut[]): Tx {
    const fields = { version: 2, outputs, locktime: 0 };
    const ins = inputs.map((c) => new TxIn(new OutPoint(c.txid, c.vout), NO_SCRIPT, SEQUENCE));
    const pre = new PrecomputedTx(new Tx({ ...fields, inputs: ins }));
    const signed = inputs.map(
      (c, i) => new TxIn(ins[i]!.prevout, NO_SCRIPT, SEQUENCE, signP2wpkh(pre, i, c.value, this.priv)),
    );
    return new Tx({ ...fields, inputs: signed });
  }

  /**
   * Spends `coin`: output 0 gets `split` of it, output 1 the rest less `fee`, output 2 is an
   * OP_RETURN carrying `tag`; then a child spends output 0 unconfirmed, paying `fee` again.
   */
  parentAndChild(
    coin: { txid: Uint8Array; vout: number; value: bigint },
    split: bigint,
    fee: bigint,
    tag: number,
  ): [Tx, Tx] {
    const opReturn = Uint8Array.of(
      0x6a,
      0x04,
      tag >>> 24,
      (tag >>> 16) & 0xff,
      (tag >>> 8) & 0xff,
      tag & 0xff,
    );
    const parent = this.spend(
      [coin],
      [
        new TxOut(split, this.script),
        new TxOut(coin.value - split - fee, this.script),
        new TxOut(0n, opReturn),
      ],
    );
    const child = this.spend(
      [{ txid: parent.txid(), vout: 0, value: split }],
      [new TxOut(split - fee, this.script)],
    );
    return [parent, child];
  }
}
