/**
 * Block rules that need no UTXO set. `checkBlock` is Core's CheckBlock (after the header's
 * PoW, which checkHeaderContextFree covers): merkle root and CVE-2012-2459 mutation, size
 * limits, one coinbase in first place, CheckTransaction for every tx, legacy sigops.
 * `checkBlockContextual` is Core's ContextualCheckBlock: finality (IsFinalTx, BIP113 median
 * time past once CSV is active), BIP34 height in the coinbase, BIP141 witness commitment
 * (CheckWitnessMalleation) and the weight limit, in Core's order.
 */
import type { Block } from '../protocol/block.js';
import { equal } from '../protocol/bytes.js';
import { witnessCommitment } from '../protocol/merkle.js';
import type { NetworkParams } from '../protocol/params.js';
import { pushInt } from '../protocol/script/script.js';
import { legacySigOps, WITNESS_SCALE_FACTOR } from '../protocol/script/sigops.js';
import type { Tx } from '../protocol/tx.js';
import { RuleError } from './errors.js';
import { checkTransaction } from './tx-check.js';

/** nLockTime below this is a height, at or above it a UNIX time (Core's LOCKTIME_THRESHOLD). */
export const LOCKTIME_THRESHOLD = 500_000_000;
export const SEQUENCE_FINAL = 0xffffffff;

export interface BlockContext {
  /** Height of this block. */
  readonly height: number;
  /** Median time past of the parent block. */
  readonly medianTimePast: number;
}

/** Core's IsFinalTx: locktime 0, or below the height/time cutoff, or every input final. */
export function isFinalTx(tx: Tx, height: number, cutoffTime: number): boolean {
  if (tx.locktime === 0) return true;
  if (tx.locktime < (tx.locktime < LOCKTIME_THRESHOLD ? height : cutoffTime)) return true;
  for (const input of tx.inputs) if (input.sequence !== SEQUENCE_FINAL) return false;
  return true;
}

/** What a BIP34 coinbase scriptSig must start with: `CScript() << height`. */
export function coinbaseHeightPrefix(height: number): Uint8Array {
  return pushInt(height);
}

export function checkBlock(block: Block, params: NetworkParams): void {
  const { root, mutated } = block.merkleRoot();
  if (!equal(root, block.header.merkleRoot))
    throw new RuleError('BAD_MERKLE_ROOT', 'hashMerkleRoot mismatch');
  if (mutated) throw new RuleError('DUPLICATE_TX', 'duplicate transaction');

  const txs = block.txs;
  if (
    txs.length === 0 ||
    txs.length * WITNESS_SCALE_FACTOR > params.maxBlockWeight ||
    block.strippedSize() * WITNESS_SCALE_FACTOR > params.maxBlockWeight
  ) {
    throw new RuleError('BLOCK_LENGTH', 'size limits failed');
  }
  if (!txs[0]!.isCoinbase()) throw new RuleError('COINBASE_MISSING', 'first tx is not coinbase');
  for (let i = 1; i < txs.length; i++) {
    if (txs[i]!.isCoinbase())
      throw new RuleError('COINBASE_MULTIPLE', 'more than one coinbase', { txIndex: i });
  }
  txs.forEach((tx, i) => {
    try {
      checkTransaction(tx, params.maxMoney);
    } catch (e) {
      throw e instanceof RuleError ? e.inTx(i, tx.txidHex()) : e;
    }
  });

  let sigops = 0;
  for (const tx of txs) sigops += legacySigOps(tx);
  if (sigops * WITNESS_SCALE_FACTOR > params.maxBlockSigopsCost) {
    throw new RuleError('BLOCK_SIGOPS', `legacy sigop count ${sigops}`);
  }
}

export function checkBlockContextual(block: Block, ctx: BlockContext, params: NetworkParams): void {
  const a = params.activation;
  const cutoff = ctx.height >= a.csv ? ctx.medianTimePast : block.header.time;
  block.txs.forEach((tx, i) => {
    if (!isFinalTx(tx, ctx.height, cutoff)) {
      throw new RuleError('TX_NONFINAL', `non-final transaction ${tx.txidHex()}`, { txIndex: i });
    }
  });

  const coinbase = block.txs[0];
  if (!coinbase?.isCoinbase()) throw new RuleError('COINBASE_MISSING', 'first tx is not coinbase');
  if (ctx.height >= a.bip34) {
    const expect = coinbaseHeightPrefix(ctx.height);
    const script = coinbase.inputs[0]!.script;
    if (script.length < expect.length || !equal(script.subarray(0, expect.length), expect)) {
      throw new RuleError('COINBASE_HEIGHT', `block height mismatch in coinbase (height ${ctx.height})`);
    }
  }

  checkWitnessMalleation(block, ctx.height >= a.segwit);

  const weight = block.weight();
  if (weight > params.maxBlockWeight) throw new RuleError('BLOCK_WEIGHT', `weight ${weight}`);
}

/** Core's CheckWitnessMalleation: a committed witness root, or no witness data at all. */
function checkWitnessMalleation(block: Block, segwitActive: boolean): void {
  if (segwitActive) {
    const pos = block.witnessCommitmentIndex();
    if (pos !== -1) {
      const stack = block.txs[0]!.inputs[0]!.witness;
      if (stack.length !== 1 || stack[0]!.length !== 32) {
        throw new RuleError('WITNESS_NONCE_SIZE', 'coinbase witness must be one 32-byte reserved value');
      }
      const want = witnessCommitment(block.witnessMerkleRoot().root, stack[0]!);
      const got = block.txs[0]!.outputs[pos]!.script.subarray(6, 38);
      if (!equal(want, got))
        throw new RuleError('WITNESS_MERKLE_MISMATCH', 'witness merkle commitment mismatch');
      return;
    }
  }
  block.txs.forEach((tx, i) => {
    if (tx.hasWitness()) {
      throw new RuleError('UNEXPECTED_WITNESS', `witness data in ${tx.txidHex()}`, { txIndex: i });
    }
  });
}
