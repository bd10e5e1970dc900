/**
 * Pre-generates the connect benchmark's chain: 101 maturing blocks, a fan-out block, then
 * 1,000 regtest blocks of 100 one-in/one-out P2WPKH spends each (RFC 6979 signatures), written
 * once to .bench-data/ as length-prefixed raw blocks and reused by later runs.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { blockSubsidy } from '../node/consensus/subsidy.js';
import { buildBlockTemplate } from '../node/mining/template.js';
import { Block } from '../node/protocol/block.js';
import { BlockHeader } from '../node/protocol/header.js';
import { regtest } from '../node/protocol/params.js';
import { checkProofOfWork } from '../node/protocol/pow.js';
import { Reader } from '../node/protocol/reader.js';
import { PrecomputedTx, p2wpkhFor, publicKey, signP2wpkh } from '../node/protocol/sign.js';
import { OutPoint, Tx, TxIn, TxOut } from '../node/protocol/tx.js';
import { Writer } from '../node/protocol/writer.js';
import { REPO_ROOT } from './lib.js';

export const SPEND_BLOCKS = 1000;
export const TXS_PER_BLOCK = 100;
const FEE = 200n;

const KEY = new Uint8Array(32).fill(7);

function solve(block: Block): Block {
  for (let nonce = 0; ; nonce++) {
    const h = new BlockHeader({ ...block.header, nonce });
    if (checkProofOfWork(h.hash(), h.bits, regtest.powLimit)) return new Block(h, block.txs);
  }
}

/** A version-2 tx spending P2WPKH coins of `key`, every input signed (SIGHASH_ALL). */
export function signedSpend(
  inputs: { op: OutPoint; value: bigint }[],
  outputs: TxOut[],
  key: Uint8Array = KEY,
): Tx {
  const unsigned = new Tx({
    version: 2,
    locktime: 0,
    inputs: inputs.map((i) => new TxIn(i.op, new Uint8Array(0), 0xfffffffd)),
    outputs,
  });
  const pre = new PrecomputedTx(unsigned);
  const witnesses = inputs.map((i, k) => signP2wpkh(pre, k, i.value, key));
  return new Tx({
    version: 2,
    locktime: 0,
    inputs: unsigned.inputs.map((i, k) => new TxIn(i.prevout, i.script, i.sequence, witnesses[k])),
    outputs,
  });
}

/** An unsolved regtest block on `prev` holding every one of `txs` (each paying `fee`). */
export function regtestTemplate(
  height: number,
  prev: Uint8Array,
  time: number,
  spk: Uint8Array,
  txs: Tx[],
  fee: bigint,
): Block {
  const t = buildBlockTemplate({
    params: regtest,
    prevHash: prev,
    height,
    bits: 0x207fffff,
    time,
    coinbaseScript: spk,
    subsidy: blockSubsidy(height, regtest),
    candidates: txs.map((tx) => ({
      tx,
      fee,
      vsize: tx.vsize(),
      weight: tx.weight(),
      sigopCost: 1,
      parents: [],
    })),
  });
  if (t.block.txs.length !== txs.length + 1) throw new Error(`template dropped txs at ${height}`);
  return t.block;
}

function generate(log: (m: string) => void, spendBlocks: number): Block[] {
  const spk = p2wpkhFor(publicKey(KEY));
  const blocks: Block[] = [];
  let prev = regtest.genesisHash;
  let time = regtest.genesis.header.time;
  const mine = (height: number, txs: Tx[]) => {
    time += 600;
    const t = { block: regtestTemplate(height, prev, time, spk, txs, FEE) };
    const b = solve(t.block);
    blocks.push(b);
    prev = b.hash();
    return b;
  };
  for (let h = 1; h <= 101; h++) mine(h, []);
  // Fan out coinbase 1 into one coin per chain of spends.
  const cb = blocks[0]!.txs[0]!;
  const cbValue = cb.outputs[0]!.value;
  const each = (cbValue - FEE) / BigInt(TXS_PER_BLOCK);
  const fan = signedSpend(
    [{ op: new OutPoint(cb.txid(), 0), value: cbValue }],
    Array.from({ length: TXS_PER_BLOCK }, () => new TxOut(each, spk)),
  );
  mine(102, [fan]);
  let coins = fan.outputs.map((o, i) => ({ op: new OutPoint(fan.txid(), i), value: o.value }));
  for (let k = 0; k < spendBlocks; k++) {
    const txs = coins.map((c) => signedSpend([c], [new TxOut(c.value - FEE, spk)]));
    mine(103 + k, txs);
    coins = txs.map((tx) => ({ op: new OutPoint(tx.txid(), 0), value: tx.outputs[0]!.value }));
    if ((k + 1) % 100 === 0) log(`generated ${k + 1}/${spendBlocks} spending blocks`);
  }
  return blocks;
}

/** The setup blocks and `spendBlocks` spending blocks (fewer than the default: a quicker bench). */
export function loadOrGenerate(log: (m: string) => void, spendBlocks = SPEND_BLOCKS): Block[] {
  const dir = join(REPO_ROOT, '.bench-data');
  const file = join(dir, `connect-${spendBlocks}x${TXS_PER_BLOCK}.bin`);
  if (existsSync(file)) {
    const r = new Reader(readFileSync(file));
    const out: Block[] = [];
    while (r.remaining > 0) out.push(Block.fromBytes(r.varBytes()));
    return out;
  }
  const blocks = generate(log, spendBlocks);
  mkdirSync(dir, { recursive: true });
  const w = new Writer(1 << 20);
  for (const b of blocks) w.varBytes(b.toBytes());
  writeFileSync(file, w.finish());
  return blocks;
}
