/** Loading the shared real-block vectors into parsed blocks with their spent outputs. */

import type { SpentOutput } from '../../node/consensus/scripts.js';
import type { Block } from '../../node/protocol/block.js';
import { fromHex } from '../../node/protocol/bytes.js';
import { hashFromDisplay } from '../../node/protocol/hash.js';
import { flagsFromNames } from '../../node/protocol/script/flags.js';
import { listVectors, readVector } from './vectors.js';

export interface BlockVector {
  file: string;
  network: string;
  height: number;
  hash: string;
  hex: string;
  prevouts: { txid: string; vout: number; value: number; scriptPubKey: string }[] | null;
  expect: Record<string, unknown> & {
    header: {
      version: number;
      prevBlock: string;
      merkleRoot: string;
      time: number;
      bits: number;
      nonce: number;
    };
    txids: string[];
    flags?: string[];
  };
}

export function blockVectorFiles(): string[] {
  return [...listVectors('.', /^block-\d+\.json$/), ...listVectors('parse-only', /^block-\d+\.json$/)];
}

export function loadBlockVector(file: string): BlockVector {
  return { file, ...readVector<Omit<BlockVector, 'file'>>(file) };
}

/** spent[t][i]: the output spent by input i of tx t (t >= 1); checked against the outpoints. */
export function spentOutputs(block: Block, v: BlockVector): SpentOutput[][] {
  const prevouts = v.prevouts ?? [];
  let k = 0;
  const out: SpentOutput[][] = [[]];
  for (const tx of block.txs.slice(1)) {
    const row: SpentOutput[] = [];
    for (const input of tx.inputs) {
      const p = prevouts[k++];
      if (!p) throw new Error(`${v.file}: fewer prevouts than inputs`);
      const want = hashFromDisplay(p.txid);
      if (!want.every((b, i) => b === input.prevout.txid[i]) || p.vout !== input.prevout.index) {
        throw new Error(`${v.file}: prevout ${k - 1} does not match input`);
      }
      row.push({ value: BigInt(p.value), script: fromHex(p.scriptPubKey) });
    }
    out.push(row);
  }
  if (k !== prevouts.length) throw new Error(`${v.file}: more prevouts than inputs`);
  return out;
}

export function vectorFlags(v: BlockVector): number {
  return flagsFromNames(v.expect.flags ?? []);
}
