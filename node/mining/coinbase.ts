/**
 * The coinbase of a block template, as Bitcoin Core's CreateNewBlock, IncrementExtraNonce and
 * GenerateCoinbaseCommitment (node/miner.cpp, validation.cpp):
 *
 * - version 2, one input spending the null outpoint, sequence 0xffffffff, locktime 0;
 * - scriptSig = `CScript() << height << CScriptNum(extraNonce)` + flags. The height push is
 *   BIP34's (heights 1..16 become OP_1..OP_16, as `CScript() << nHeight` writes them and
 *   ContextualCheckBlock expects); the extra nonce is a minimal number push (OP_0 for 0), so the
 *   script is always 2..100 bytes (bad-cb-length otherwise);
 * - outputs: the reward to the miner's script, then, when segwit is active, the BIP141
 *   commitment `OP_RETURN 0x24 aa21a9ed || hash256(witness root || reserved)` with the
 *   coinbase witness holding the 32-byte reserved value (zeros). Core adds it whenever segwit
 *   is active, witness transactions or not.
 *
 * Rolling the extra nonce changes only the coinbase txid, hence the merkle root; the witness
 * commitment is unaffected because BIP141 counts the coinbase wtxid as zero.
 */
import { Block } from '../protocol/block.js';
import { concat } from '../protocol/bytes.js';
import { BlockHeader } from '../protocol/header.js';
import {
  merkleRoot,
  WITNESS_COMMITMENT_HEADER,
  witnessCommitment,
  witnessMerkleRoot,
} from '../protocol/merkle.js';
import { decodeNum, encodeNum } from '../protocol/script/num.js';
import { newStep, pushBytes, pushInt, readOp } from '../protocol/script/script.js';
import { OutPoint, Tx, TxIn, TxOut } from '../protocol/tx.js';

export const COINBASE_VERSION = 2;
export const MIN_COINBASE_SCRIPT = 2;
export const MAX_COINBASE_SCRIPT = 100;
/** Largest extra nonce (Core keeps it in an unsigned int). */
export const MAX_EXTRA_NONCE = 0xffffffff;

export interface CoinbaseSpec {
  readonly height: number;
  /** Subsidy plus the fees of the block's transactions. */
  readonly reward: bigint;
  readonly payoutScript: Uint8Array;
  readonly extraNonce: number;
  /** Raw bytes appended to the scriptSig (Core's COINBASE_FLAGS). */
  readonly flags: Uint8Array;
  /** Add the BIP141 commitment output and reserved-value witness. */
  readonly witness: boolean;
}

/** 32 zero bytes: the witness reserved value Core puts in every coinbase witness. */
const RESERVED_VALUE = new Uint8Array(32);

export function coinbaseScriptSig(height: number, extraNonce: number, flags: Uint8Array): Uint8Array {
  if (!Number.isSafeInteger(height) || height < 0) throw new RangeError(`bad coinbase height ${height}`);
  checkExtraNonce(extraNonce);
  const script = concat(pushInt(height), pushBytes(encodeNum(extraNonce)), flags);
  if (script.length > MAX_COINBASE_SCRIPT) {
    throw new RangeError(`coinbase scriptSig is ${script.length} bytes (at most ${MAX_COINBASE_SCRIPT})`);
  }
  return script;
}

/**
 * The coinbase without its commitment output; `withCommitment` adds that once the other
 * transactions are known.
 */
export function buildCoinbase(spec: CoinbaseSpec): Tx {
  const script = coinbaseScriptSig(spec.height, spec.extraNonce, spec.flags);
  const witness = spec.witness ? [RESERVED_VALUE] : [];
  return new Tx({
    version: COINBASE_VERSION,
    inputs: [new TxIn(OutPoint.null(), script, 0xffffffff, witness)],
    outputs: [new TxOut(spec.reward, spec.payoutScript)],
    locktime: 0,
  });
}

/** Appends the BIP141 commitment over `txs` (coinbase first, its wtxid counted as zero). */
export function withCommitment(coinbase: Tx, rest: readonly Tx[]): Tx {
  const root = witnessMerkleRoot([coinbase.wtxid(), ...rest.map((tx) => tx.wtxid())]).root;
  const script = concat(WITNESS_COMMITMENT_HEADER, witnessCommitment(root, RESERVED_VALUE));
  return new Tx({
    version: coinbase.version,
    inputs: coinbase.inputs,
    outputs: [...coinbase.outputs, new TxOut(0n, script)],
    locktime: coinbase.locktime,
  });
}

/** The extra nonce of a coinbase built here (the second push of its scriptSig). */
export function extraNonceOf(coinbase: Tx): number {
  const { extra } = splitScriptSig(coinbase);
  return decodeNum(extra, false, 5);
}

/**
 * The same block with the coinbase's extra nonce set to `extraNonce` and the merkle root
 * recomputed (Core's IncrementExtraNonce). Header nonce reset to 0; time and bits kept.
 */
export function withExtraNonce(block: Block, extraNonce: number): Block {
  const coinbase = block.txs[0];
  if (!coinbase?.isCoinbase()) throw new RangeError('block has no coinbase');
  const { height, flags } = splitScriptSig(coinbase);
  const input = coinbase.inputs[0]!;
  checkExtraNonce(extraNonce);
  const script = concat(height, pushBytes(encodeNum(extraNonce)), flags);
  if (script.length > MAX_COINBASE_SCRIPT) throw new RangeError('coinbase scriptSig too long');
  const cb = new Tx({
    version: coinbase.version,
    inputs: [new TxIn(input.prevout, script, input.sequence, input.witness)],
    outputs: coinbase.outputs,
    locktime: coinbase.locktime,
  });
  const txs = [cb, ...block.txs.slice(1)];
  const h = block.header;
  const header = new BlockHeader({
    version: h.version,
    prevBlock: h.prevBlock,
    merkleRoot: merkleRoot(txs.map((tx) => tx.txid())).root,
    time: h.time,
    bits: h.bits,
    nonce: 0,
  });
  return new Block(header, txs);
}

function checkExtraNonce(n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > MAX_EXTRA_NONCE) {
    throw new RangeError(`extra nonce must be a 32-bit unsigned integer, got ${n}`);
  }
}

function splitScriptSig(coinbase: Tx): { height: Uint8Array; extra: Uint8Array; flags: Uint8Array } {
  const script = coinbase.inputs[0]?.script ?? new Uint8Array(0);
  const step = newStep();
  if (!readOp(script, 0, step)) throw new RangeError('coinbase scriptSig has no height push');
  const afterHeight = step.next;
  if (!readOp(script, afterHeight, step) || step.data === null) {
    throw new RangeError('coinbase scriptSig has no extra-nonce push');
  }
  return {
    height: script.subarray(0, afterHeight),
    extra: step.data,
    flags: script.subarray(step.next),
  };
}
