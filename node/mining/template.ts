/**
 * Block templates: Bitcoin Core's BlockAssembler::CreateNewBlock (node/miner.cpp). Selects
 * mempool packages by ancestor fee rate (select.ts), builds the coinbase paying subsidy plus
 * fees with the BIP34 height and the BIP141 witness commitment (coinbase.ts), and the header
 * (version 0x20000000, BIP9's top bits with no deployment signalled; nonce 0) over the
 * merkle root.
 *
 * Limits as Core's defaults: the weight limit minus 4,000 units reserved for the header and
 * coinbase (-blockreservedweight), the sigop-cost limit minus 400 for the coinbase
 * (coinbase_output_max_additional_sigops). The caller chooses `time` (Core's UpdateTime:
 * max(median time past + 1, adjusted now)); nothing here reads a clock.
 */
import { Block } from '../protocol/block.js';
import { BlockHeader } from '../protocol/header.js';
import { merkleRoot } from '../protocol/merkle.js';
import type { NetworkParams } from '../protocol/params.js';
import { legacySigOps, WITNESS_SCALE_FACTOR } from '../protocol/script/sigops.js';
import { buildCoinbase, withCommitment } from './coinbase.js';
import { selectTransactions, type TemplateCandidate } from './select.js';

export type { TemplateCandidate } from './select.js';

/** BIP9's VERSIONBITS_TOP_BITS: what Core's ComputeBlockVersion gives with nothing to signal. */
export const TEMPLATE_VERSION = 0x20000000;
/** Core's DEFAULT_BLOCK_RESERVED_WEIGHT. */
export const COINBASE_RESERVED_WEIGHT = 4000;
/** Core's DEFAULT_COINBASE_OUTPUT_MAX_ADDITIONAL_SIGOPS. */
export const COINBASE_RESERVED_SIGOPS = 400;

export interface TemplateInput {
  readonly params: NetworkParams;
  /** Hash of the parent block, internal byte order. */
  readonly prevHash: Uint8Array;
  /** Height of the block being built. */
  readonly height: number;
  readonly bits: number;
  /** Header time, chosen by the caller: max(median time past + 1, now). */
  readonly time: number;
  /** Output script the reward pays to. */
  readonly coinbaseScript: Uint8Array;
  readonly candidates: readonly TemplateCandidate[];
  /** Block subsidy at `height` (consensus/subsidy.ts blockSubsidy). */
  readonly subsidy: bigint;
  /** Second push of the coinbase scriptSig; default 0. */
  readonly extraNonce?: number;
  /** Raw bytes appended to the coinbase scriptSig (at most 100 bytes in all). */
  readonly coinbaseFlags?: Uint8Array;
  /**
   * Parent's median time past: when given, non-final transactions (IsFinalTx with BIP113's
   * cutoff once CSV is active) are left out, with their descendants, as Core's miner does.
   */
  readonly medianTimePast?: number;
  /** Block weight limit; default params.maxBlockWeight. The coinbase reserve counts inside it. */
  readonly maxWeight?: number;
  /** sat/kvB below which packages are left out (Core's -blockmintxfee); default 0. */
  readonly minFeeRate?: bigint;
  /** Header version; default 0x20000000. */
  readonly version?: number;
}

export interface BlockTemplate {
  /** Header nonce 0: ready for the miner. */
  readonly block: Block;
  /** The chosen mempool entries, in block order (after the coinbase). */
  readonly selected: readonly TemplateCandidate[];
  /** Sum of the selected transactions' fees. */
  readonly fees: bigint;
  /** Coinbase value: subsidy + fees. */
  readonly reward: bigint;
  /** Weight of the whole block (header and coinbase included). */
  readonly weight: number;
  /** Sigop cost of the whole block: the candidates' figures plus the coinbase's legacy sigops. */
  readonly sigopCost: number;
  /** Transactions in the block, coinbase included. */
  readonly txCount: number;
}

export function buildBlockTemplate(input: TemplateInput): BlockTemplate {
  const { params, height } = input;
  if (input.prevHash.length !== 32) throw new RangeError('prevHash must be 32 bytes');
  if (!Number.isSafeInteger(height) || height < 1) throw new RangeError(`bad template height ${height}`);
  if (input.subsidy < 0n) throw new RangeError('negative subsidy');
  const maxWeight = input.maxWeight ?? params.maxBlockWeight;
  if (maxWeight > params.maxBlockWeight) throw new RangeError(`maxWeight above ${params.maxBlockWeight}`);

  const segwit = height >= params.activation.segwit;
  const csv = height >= params.activation.csv;
  const sel = selectTransactions(input.candidates, {
    maxWeight,
    reservedWeight: COINBASE_RESERVED_WEIGHT,
    maxSigopCost: params.maxBlockSigopsCost,
    reservedSigopCost: COINBASE_RESERVED_SIGOPS,
    minFeeRate: input.minFeeRate ?? 0n,
    height,
    lockTimeCutoff: input.medianTimePast === undefined ? null : csv ? input.medianTimePast : input.time,
    allowWitness: segwit,
  });

  const txs = sel.selected.map((c) => c.tx);
  const reward = input.subsidy + sel.fees;
  let coinbase = buildCoinbase({
    height,
    reward,
    payoutScript: input.coinbaseScript,
    extraNonce: input.extraNonce ?? 0,
    flags: input.coinbaseFlags ?? new Uint8Array(0),
    witness: segwit,
  });
  if (segwit) coinbase = withCommitment(coinbase, txs);
  const all = [coinbase, ...txs];

  const header = new BlockHeader({
    version: input.version ?? TEMPLATE_VERSION,
    prevBlock: input.prevHash,
    merkleRoot: merkleRoot(all.map((tx) => tx.txid())).root,
    time: input.time,
    bits: input.bits,
    nonce: 0,
  });
  const block = new Block(header, all);
  const weight = block.weight();
  // The reserve is Core's guess at the coinbase's size; a payout script too big for it is a bug.
  if (weight > params.maxBlockWeight) throw new RangeError(`template weight ${weight} over the limit`);
  return {
    block,
    selected: sel.selected,
    fees: sel.fees,
    reward,
    weight,
    sigopCost: sel.sigopCost + legacySigOps(coinbase) * WITNESS_SCALE_FACTOR,
    txCount: all.length,
  };
}
