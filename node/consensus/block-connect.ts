/**
 * The input side of Core's ConnectBlock, without touching storage: BIP30 (no output may
 * overwrite an unspent one), then for each transaction in order CheckTxInputs, the
 * accumulated-fee range, BIP68 sequence locks once CSV is active, the block's sigop cost
 * (GetTransactionSigOpCost, coinbase included) and the input scripts; outputs join an in-block
 * overlay as they are created (unspendable ones skipped, as Core's AddCoins), so later
 * transactions may spend them and a second spend of any coin is missing-or-spent. Last, the
 * coinbase may claim at most subsidy + fees. The chain layer supplies the view, subsidy, script
 * flags and median times, and applies the changes itself.
 */

import type { Block } from '../protocol/block.js';
import type { EcdsaBackend } from '../protocol/ecdsa.js';
import type { NetworkParams } from '../protocol/params.js';
import { OP } from '../protocol/script/opcodes.js';
import { MAX_SCRIPT_SIZE } from '../protocol/script/script.js';
import { txSigOpCost } from '../protocol/script/sigops.js';
import { OutPoint, type Tx } from '../protocol/tx.js';
import { RuleError } from './errors.js';
import { verifyTxScripts } from './scripts.js';
import {
  type Coin,
  type CoinView,
  checkSequenceLocks,
  checkTxInputs,
  moneyRange,
  sequenceLocks,
} from './tx-inputs.js';

export interface ConnectContext {
  /** Height of the block being connected. */
  readonly height: number;
  /** Block subsidy at this height (blockSubsidy(height, params)). */
  readonly subsidy: bigint;
  /** Script verification flags for this block (Core's GetBlockScriptFlags). */
  readonly flags: number;
  /**
   * Median time past of block h - 1 on this block's branch, for 1 <= h <= height
   * (h = height asks for the parent's): BIP68 time locks measure from it.
   */
  readonly mtpOfBlockBefore: (height: number) => number;
  /** Signature backend for script checks; defaults to verifyTxScripts' default. */
  readonly backend?: EcdsaBackend;
  /**
   * Skip script verification: the caller runs it itself (in parallel, as Core's script-check
   * queue) over `spent`, after every other rule here has passed.
   */
  readonly deferScripts?: boolean;
  /**
   * Transactions (by index in the block) whose scripts already passed under `flags`, so they
   * are not run again (Core's script-execution cache; the caller owns the cache).
   */
  readonly scriptsCached?: (txIndex: number) => boolean;
}

export interface BlockInputsResult {
  /** Sum of all non-coinbase fees. */
  readonly fees: bigint;
  /** Total sigop cost of the block, coinbase included. */
  readonly sigopCost: number;
  /** Coins spent by each non-coinbase tx (block order, input order): the block's undo data. */
  readonly spent: readonly (readonly Coin[])[];
}

/** Core's CScript::IsUnspendable: never enters the UTXO set. */
export function isUnspendable(script: Uint8Array): boolean {
  return (script.length > 0 && script[0] === OP.OP_RETURN) || script.length > MAX_SCRIPT_SIZE;
}

/** The base view plus what this block has created and spent so far. */
class BlockOverlay implements CoinView {
  private readonly base: CoinView;
  private readonly created = new Map<string, Coin>();
  private readonly spent = new Set<string>();
  constructor(base: CoinView) {
    this.base = base;
  }
  get(key: string): Coin | undefined {
    if (this.spent.has(key)) return undefined;
    return this.created.get(key) ?? this.base.get(key);
  }
  /** Core's UpdateCoins: spend the inputs, add the spendable outputs. */
  apply(tx: Tx, height: number): void {
    const coinbase = tx.isCoinbase();
    if (!coinbase) for (const input of tx.inputs) this.spent.add(input.prevout.key());
    const txid = tx.txid();
    tx.outputs.forEach((out, i) => {
      if (isUnspendable(out.script)) return;
      this.created.set(new OutPoint(txid, i).key(), {
        value: out.value,
        script: out.script,
        height,
        coinbase,
      });
    });
  }
}

/**
 * Checks every input of `block` against `view` (the UTXO set as of the parent block). The
 * block must already have passed checkBlock and checkBlockContextual.
 */
export function checkBlockInputs(
  block: Block,
  view: CoinView,
  ctx: ConnectContext,
  params: NetworkParams,
): BlockInputsResult {
  const { height, flags } = ctx;
  checkBip30(block, view);

  const overlay = new BlockOverlay(view);
  const enforceBIP68 = height >= params.activation.csv;
  let mtpOfTip: number | undefined;
  let fees = 0n;
  let sigopCost = 0;
  const spentAll: Coin[][] = [];

  block.txs.forEach((tx, i) => {
    try {
      let coins: Coin[] = [];
      if (!tx.isCoinbase()) {
        fees += checkTxInputs(tx, overlay, height, params);
        if (!moneyRange(fees, params)) {
          throw new RuleError('BLOCK_FEES_OUT_OF_RANGE', 'accumulated fee in the block out of range');
        }
        coins = tx.inputs.map((input) => overlay.get(input.prevout.key())!);
        const locks = sequenceLocks(
          tx,
          enforceBIP68,
          coins.map((c) => c.height),
          ctx.mtpOfBlockBefore,
        );
        if (locks.minHeight >= 0 || locks.minTime >= 0) {
          mtpOfTip ??= ctx.mtpOfBlockBefore(height);
          if (!checkSequenceLocks(locks, height, mtpOfTip)) {
            throw new RuleError('TX_SEQUENCE_LOCKS', 'contains a non-BIP68-final transaction');
          }
        }
      }
      sigopCost += txSigOpCost(
        tx,
        coins.map((c) => c.script),
        flags,
      );
      if (sigopCost > params.maxBlockSigopsCost) throw new RuleError('BLOCK_SIGOPS', 'too many sigops');
      if (!tx.isCoinbase()) {
        if (!ctx.deferScripts && !ctx.scriptsCached?.(i)) verifyTxScripts(tx, coins, flags, ctx.backend);
        spentAll.push(coins);
      }
    } catch (e) {
      throw e instanceof RuleError ? e.inTx(i, tx.txidHex()) : e;
    }
    overlay.apply(tx, height);
  });

  const coinbase = block.txs[0]!;
  let claimed = 0n;
  for (const out of coinbase.outputs) claimed += out.value;
  const limit = ctx.subsidy + fees;
  if (claimed > limit) {
    throw new RuleError('COINBASE_AMOUNT', `coinbase pays too much (actual=${claimed} vs limit=${limit})`);
  }
  return { fees, sigopCost, spent: spentAll };
}

/**
 * BIP30: no transaction may create an output that is still unspent in the view. checkBlockInputs
 * runs it first; it is exported for a caller that reads the block's own outpoints apart from
 * the coins it spends and checks them later, keeping this rule's precedence itself.
 */
export function checkBip30(block: Block, view: CoinView): void {
  block.txs.forEach((tx, i) => {
    const txid = tx.txid();
    for (let o = 0; o < tx.outputs.length; o++) {
      if (view.get(new OutPoint(txid, o).key()) !== undefined) {
        throw new RuleError('TX_BIP30', `tried to overwrite transaction ${tx.txidHex()}`, { txIndex: i });
      }
    }
  });
}
