/**
 * Regtest block builder for chain tests: BIP34 coinbases, witness commitments, proof of work
 * at 0x207fffff, and outputs anyone can spend without a signature (P2WSH of OP_TRUE), so tests
 * exercise the chain rather than the signer.
 */
import { Block } from '../../node/protocol/block.js';
import { concat } from '../../node/protocol/bytes.js';
import { sha256 } from '../../node/protocol/hash.js';
import { BlockHeader } from '../../node/protocol/header.js';
import {
  merkleRoot,
  WITNESS_COMMITMENT_HEADER,
  witnessCommitment,
  witnessMerkleRoot,
} from '../../node/protocol/merkle.js';
import { regtest } from '../../node/protocol/params.js';
import { checkProofOfWork } from '../../node/protocol/pow.js';
import { pushBytes, pushInt } from '../../node/protocol/script/script.js';
import { OutPoint, Tx, TxIn, TxOut } from '../../node/protocol/tx.js';

const OP_TRUE_SCRIPT = Uint8Array.of(0x51);
/** P2WSH(OP_TRUE): spendable by anyone with witness [51]. */
export const ANYONE = concat(Uint8Array.of(0x00, 0x20), sha256(OP_TRUE_SCRIPT));

export function coinbase(height: number, value: bigint, script: Uint8Array = ANYONE, tag = 0): Tx {
  const sig = concat(pushInt(height), pushBytes(Uint8Array.of(tag & 0xff, (tag >> 8) & 0xff, 0x67, 0x6c)));
  return new Tx({
    version: 2,
    locktime: 0,
    inputs: [new TxIn(OutPoint.null(), sig, 0xffffffff, [new Uint8Array(32)])],
    outputs: [new TxOut(value, script)],
  });
}

/** Spends `outpoints` (all ANYONE outputs) into `outputs`. */
export function spend(
  outpoints: OutPoint[],
  outputs: TxOut[],
  opts: { version?: number; locktime?: number; sequence?: number } = {},
): Tx {
  return new Tx({
    version: opts.version ?? 2,
    locktime: opts.locktime ?? 0,
    inputs: outpoints.map(
      (op) => new TxIn(op, new Uint8Array(0), opts.sequence ?? 0xfffffffe, [OP_TRUE_SCRIPT]),
    ),
    outputs,
  });
}

/** A mined regtest block on `prev` with a witness commitment in the coinbase. */
export function makeBlock(opts: {
  prev: Uint8Array;
  height: number;
  time: number;
  txs?: Tx[];
  coinbaseValue?: bigint;
  coinbaseScript?: Uint8Array;
  tag?: number;
  bits?: number;
}): Block {
  const subsidy = 5_000_000_000n >> BigInt(Math.floor(opts.height / regtest.halvingInterval));
  const base = coinbase(opts.height, opts.coinbaseValue ?? subsidy, opts.coinbaseScript, opts.tag);
  const body = opts.txs ?? [];
  const wroot = witnessMerkleRoot([base, ...body].map((t) => t.wtxid())).root;
  const commitment = concat(WITNESS_COMMITMENT_HEADER, witnessCommitment(wroot, new Uint8Array(32)));
  const cb = new Tx({
    version: base.version,
    locktime: 0,
    inputs: base.inputs,
    outputs: [...base.outputs, new TxOut(0n, commitment)],
  });
  const txs = [cb, ...body];
  const root = merkleRoot(txs.map((t) => t.txid())).root;
  for (let nonce = 0; ; nonce++) {
    const header = new BlockHeader({
      version: 0x20000000,
      prevBlock: opts.prev,
      merkleRoot: root,
      time: opts.time,
      bits: opts.bits ?? 0x207fffff,
      nonce,
    });
    if (checkProofOfWork(header.hash(), header.bits, regtest.powLimit)) return new Block(header, txs);
  }
}

/** Builds `n` empty blocks on `prev` at regtest spacing; returns them in order. */
export function chainOf(
  n: number,
  prev: Uint8Array,
  startHeight: number,
  startTime: number,
  tag = 0,
): Block[] {
  const out: Block[] = [];
  let p = prev;
  for (let i = 0; i < n; i++) {
    const b = makeBlock({ prev: p, height: startHeight + i, time: startTime + 600 * i, tag });
    out.push(b);
    p = b.hash();
  }
  return out;
}
