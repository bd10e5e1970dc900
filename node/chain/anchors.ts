/**
 * The anchor index (DESIGN.md section 8): every canonical `OP_RETURN "GLA1" || commitment`
 * output (node/anchors/commitment.ts) of a main-chain block, keyed
 * `g <commitment><height><tx index><vout>` (layout.ts). The ops go into the block's own connect
 * or disconnect batch, so the index always matches the tip, across reorgs and crashes.
 *
 * A commitment anchored more than once keeps every occurrence; lookups return the earliest
 * (lowest height, then position in the block, then output), which is the one that proves the
 * oldest date. Keys carry the position, so a disconnect deletes exactly its block's entries
 * and an earlier occurrence reappears by itself; nothing is read while a batch is built.
 */
import { parseAnchorScript } from '../anchors/commitment.js';
import type { Block } from '../protocol/block.js';
import { putU32 } from './coins.js';
import type { BatchSink } from './indexes.js';
import { keys, P, readU32BE } from './layout.js';
import { readLE32 } from './queries.js';
import type { ChainStore } from './store.js';

export interface AnchorRecord {
  /** Internal byte order throughout, like the rest of the chain's records. */
  readonly commitment: Uint8Array;
  readonly txid: Uint8Array;
  readonly vout: number;
  /** Position of the transaction in its block. */
  readonly txIndex: number;
  readonly blockHash: Uint8Array;
  readonly height: number;
  /** The block header's time. */
  readonly time: number;
}

/** Adds (`sign` 1) or removes (-1) the anchor entries of `block` at `height`. */
export function anchorIndexOps(out: BatchSink, block: Block, height: number, sign: 1 | -1): void {
  const txs = block.txs;
  let value: Uint8Array | null = null;
  for (let t = 0; t < txs.length; t++) {
    const tx = txs[t]!;
    for (let vout = 0; vout < tx.outputs.length; vout++) {
      const commitment = parseAnchorScript(tx.outputs[vout]!.script);
      if (!commitment) continue;
      const k = keys.anchor(commitment, height, t, vout);
      if (sign === -1) {
        out.del(k);
        continue;
      }
      if (!value) {
        value = new Uint8Array(68);
        value.set(block.hash(), 0);
        putU32(value, 64, block.header.time);
      }
      const v = value.slice();
      v.set(tx.txid(), 32);
      out.put(k, v);
    }
  }
}

/** The earliest main-chain anchor of `commitment` (32 bytes), or null. */
export async function findAnchor(store: ChainStore, commitment: Uint8Array): Promise<AnchorRecord | null> {
  if (!(commitment instanceof Uint8Array) || commitment.length !== 32) {
    throw new RangeError('an anchor commitment is 32 bytes');
  }
  const [row] = await store.range(keys.range(P.ANCHOR, commitment), { limit: 1 });
  if (!row) return null;
  const [k, v] = row;
  return {
    commitment: k.slice(1, 33),
    height: readU32BE(k, 33),
    txIndex: readU32BE(k, 37),
    vout: readU32BE(k, 41),
    blockHash: v.slice(0, 32),
    txid: v.slice(32, 64),
    time: readLE32(v, 64),
  };
}
