/**
 * The initial-sync benchmark's chain: 101 maturing blocks, a fan-out block, then `spendBlocks`
 * regtest blocks of 100 one-in/one-out P2WPKH spends each (as connect-data.ts, longer), written
 * once to .bench-data/ as length-prefixed raw blocks and reused by later runs.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Block } from '../node/protocol/block.js';
import { BlockHeader } from '../node/protocol/header.js';
import { regtest } from '../node/protocol/params.js';
import { checkProofOfWork } from '../node/protocol/pow.js';
import { Reader } from '../node/protocol/reader.js';
import { p2wpkhFor, publicKey } from '../node/protocol/sign.js';
import { OutPoint, type Tx, TxOut } from '../node/protocol/tx.js';
import { Writer } from '../node/protocol/writer.js';
import { regtestTemplate, signedSpend } from './connect-data.js';
import { REPO_ROOT } from './lib.js';

export const TXS_PER_BLOCK = 100;
const FEE = 200n;
const KEY = new Uint8Array(32).fill(9);

function generate(spendBlocks: number, log: (m: string) => void): Block[] {
  const spk = p2wpkhFor(publicKey(KEY));
  const blocks: Block[] = [];
  let prev = regtest.genesisHash;
  // Recent timestamps, so the chain is within two hours of a node's clock wherever it ends.
  let time = Math.floor(Date.now() / 1000) - 2 * (spendBlocks + 102);
  const mine = (height: number, txs: Tx[]) => {
    time += 1;
    const t = { block: regtestTemplate(height, prev, time, spk, txs, FEE) };
    for (let nonce = 0; ; nonce++) {
      const h = new BlockHeader({ ...t.block.header, nonce });
      if (checkProofOfWork(h.hash(), h.bits, regtest.powLimit)) {
        const b = new Block(h, t.block.txs);
        blocks.push(b);
        prev = b.hash();
        return;
      }
    }
  };
  for (let h = 1; h <= 101; h++) mine(h, []);
  const cb = blocks[0]!.txs[0]!;
  const each = (cb.outputs[0]!.value - FEE) / BigInt(TXS_PER_BLOCK);
  const fan = signedSpend(
    [{ op: new OutPoint(cb.txid(), 0), value: cb.outputs[0]!.value }],
    Array.from({ length: TXS_PER_BLOCK }, () => new TxOut(each, spk)),
    KEY,
  );
  mine(102, [fan]);
  let coins = fan.outputs.map((o, i) => ({ op: new OutPoint(fan.txid(), i), value: o.value }));
  for (let k = 0; k < spendBlocks; k++) {
    const txs = coins.map((c) => signedSpend([c], [new TxOut(c.value - FEE, spk)], KEY));
    mine(103 + k, txs);
    coins = txs.map((tx) => ({ op: new OutPoint(tx.txid(), 0), value: tx.outputs[0]!.value }));
    if ((k + 1) % 500 === 0) log(`p2p bench: generated ${k + 1}/${spendBlocks} spending blocks`);
  }
  return blocks;
}

/** The chain for `spendBlocks` spending blocks, from the cache or generated (and cached). */
export function loadOrGenerateSync(spendBlocks: number, log: (m: string) => void): Block[] {
  const dir = join(REPO_ROOT, '.bench-data');
  const file = join(dir, `p2p-sync-${spendBlocks}x${TXS_PER_BLOCK}.bin`);
  if (existsSync(file)) {
    const r = new Reader(readFileSync(file));
    const out: Block[] = [];
    while (r.remaining > 0) out.push(Block.fromBytes(r.varBytes()));
    return out;
  }
  const blocks = generate(spendBlocks, log);
  mkdirSync(dir, { recursive: true });
  const w = new Writer(1 << 24);
  for (const b of blocks) w.varBytes(b.toBytes());
  writeFileSync(file, w.finish());
  return blocks;
}
