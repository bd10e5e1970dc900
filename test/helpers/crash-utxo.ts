/**
 * An independent UTXO set for the crash-safety test: replays main-chain blocks (spends, then
 * creates, transaction by transaction, as Core's UpdateCoins) into a map and hashes it the way
 * the node's `gettxoutsetinfo.hash_serialized` is specified, without using the node's chain code:
 * SHA-256 over, for each coin in ascending key order, the key `c || txid(32, internal order) ||
 * vout u32be` and then the value `height u32le || flags u8 (1 = coinbase) || value u64le ||
 * CompactSize(script length) || script`. Unspendable outputs (script starting with OP_RETURN, or
 * longer than 10,000 bytes; Core's CScript::IsUnspendable) never become coins; the genesis block
 * adds none.
 */
import { createHash } from 'node:crypto';
import type { Block } from '../../node/protocol/block.js';

export interface ReplayCoin {
  readonly txid: Uint8Array;
  readonly vout: number;
  readonly height: number;
  readonly coinbase: boolean;
  readonly value: bigint;
  readonly script: Uint8Array;
}

const COIN_PREFIX = 0x63;
const OP_RETURN = 0x6a;
const MAX_SCRIPT_SIZE = 10_000;

export function isUnspendable(script: Uint8Array): boolean {
  return (script.length > 0 && script[0] === OP_RETURN) || script.length > MAX_SCRIPT_SIZE;
}

/** The coin's database key: 'c' || txid || vout (big-endian). */
export function coinKey(txid: Uint8Array, vout: number): Uint8Array {
  const k = new Uint8Array(37);
  k[0] = COIN_PREFIX;
  k.set(txid, 1);
  new DataView(k.buffer).setUint32(33, vout, false);
  return k;
}

function compactSize(n: number): Uint8Array {
  if (n < 0xfd) return Uint8Array.of(n);
  if (n <= 0xffff) return Uint8Array.of(0xfd, n & 0xff, n >>> 8);
  const b = new Uint8Array(5);
  b[0] = 0xfe;
  new DataView(b.buffer).setUint32(1, n, true);
  return b;
}

export function coinValue(c: ReplayCoin): Uint8Array {
  const len = compactSize(c.script.length);
  const v = new Uint8Array(13 + len.length + c.script.length);
  const dv = new DataView(v.buffer);
  dv.setUint32(0, c.height, true);
  v[4] = c.coinbase ? 1 : 0;
  dv.setBigUint64(5, c.value, true);
  v.set(len, 13);
  v.set(c.script, 13 + len.length);
  return v;
}

export class UtxoReplay {
  /** Lower-case hex of the coin key -> coin; hex order equals byte order. */
  readonly coins = new Map<string, ReplayCoin>();
  height = 0;

  /** Applies the block at `height` (the next one). Throws if it spends a coin that is not there. */
  apply(block: Block, height: number): void {
    if (height !== this.height + 1) throw new Error(`replay at ${this.height} given block ${height}`);
    for (const tx of block.txs) {
      const coinbase = tx.isCoinbase();
      if (!coinbase) {
        for (const input of tx.inputs) {
          const k = Buffer.from(coinKey(input.prevout.txid, input.prevout.index)).toString('hex');
          if (!this.coins.delete(k))
            throw new Error(`block ${height} ${block.hashHex()} spends a missing coin ${k.slice(2)}`);
        }
      }
      const txid = tx.txid();
      tx.outputs.forEach((out, vout) => {
        if (isUnspendable(out.script)) return;
        const k = Buffer.from(coinKey(txid, vout)).toString('hex');
        if (this.coins.has(k)) throw new Error(`block ${height} overwrites an unspent coin ${k.slice(2)}`);
        this.coins.set(k, { txid, vout, height, coinbase, value: out.value, script: out.script });
      });
    }
    this.height = height;
  }

  /** Count and SHA-256 (hex) over every coin in key order. */
  stats(): { count: number; hash: string } {
    const h = createHash('sha256');
    const ks = [...this.coins.keys()].sort();
    for (const k of ks) {
      h.update(Buffer.from(k, 'hex'));
      h.update(coinValue(this.coins.get(k)!));
    }
    return { count: ks.length, hash: h.digest('hex') };
  }
}
