/**
 * Submitting a transaction from a local client (RPC `sendrawtransaction`, the explorer's
 * `POST /api/tx`): Bitcoin Core's BroadcastTransaction (node/transaction.cpp) with the decode
 * and fee-rate cap of rpc/mempool.cpp's sendrawtransaction. One outcome for every front end:
 * the txid, or a BroadcastError whose stable `code` is Core's TransactionError and whose
 * `rpcCode` is the JSON-RPC code Core answers with (JSONRPCTransactionError):
 *
 * | code               | rpcCode | message                                                   |
 * | ------------------ | ------- | --------------------------------------------------------- |
 * | DECODE_FAILED      | -22     | TX decode failed: <why>                                   |
 * | MISSING_INPUTS     | -25     | bad-txns-inputs-missingorspent                            |
 * | MAX_FEE_EXCEEDED   | -25     | Fee exceeds maximum configured by user (e.g. -maxtxfee, maxfeerate) |
 * | MEMPOOL_REJECTED   | -26     | <reject reason> (<details>)                               |
 * | ALREADY_IN_CHAIN   | -27     | Transaction already in block chain / outputs already in utxo set |
 *
 * The cap is Core's: `maxFeeRate` (sat/kvB) times the tx's BIP141 virtual size, rounded up
 * (CFeeRate::GetFee); 0 disables it. A tx already in the mempool is answered with its txid,
 * unchecked, as Core does. Nothing is kept as an orphan: the caller was told it failed.
 */
import type { Chain } from './chain/chain.js';
import { type FeeRate, feeAt, type Mempool, TxRejectError } from './mempool/index.js';
import { fromHex } from './protocol/bytes.js';
import { EncodingError } from './protocol/errors.js';
import { Tx } from './protocol/tx.js';

/** Core's DEFAULT_MAX_RAW_TX_FEE_RATE: 0.10 coin/kvB, in sat/kvB. */
export const DEFAULT_MAX_FEE_RATE: FeeRate = 10_000_000n;

/** Core's TransactionErrorString(MAX_FEE_EXCEEDED). */
export const MAX_FEE_EXCEEDED_MESSAGE = 'Fee exceeds maximum configured by user (e.g. -maxtxfee, maxfeerate)';

export type BroadcastCode =
  | 'DECODE_FAILED'
  | 'MISSING_INPUTS'
  | 'MAX_FEE_EXCEEDED'
  | 'MEMPOOL_REJECTED'
  | 'ALREADY_IN_CHAIN'
  /** submitpackage (submit-package.ts): a package of the wrong size. */
  | 'INVALID_PARAMETER'
  /** submitpackage: not a child with its parents. */
  | 'INVALID_PACKAGE';

const RPC_CODES: Record<BroadcastCode, number> = {
  DECODE_FAILED: -22,
  MISSING_INPUTS: -25,
  MAX_FEE_EXCEEDED: -25,
  MEMPOOL_REJECTED: -26,
  ALREADY_IN_CHAIN: -27,
  INVALID_PARAMETER: -8,
  INVALID_PACKAGE: -25,
};

export class BroadcastError extends Error {
  readonly code: BroadcastCode;
  /** Core's JSON-RPC error code for it. */
  readonly rpcCode: number;
  /** The mempool's rejection, when there was one. */
  readonly reject?: TxRejectError;
  constructor(code: BroadcastCode, message: string, reject?: TxRejectError) {
    super(message);
    this.name = 'BroadcastError';
    this.code = code;
    this.rpcCode = RPC_CODES[code];
    if (reject) this.reject = reject;
  }
}

export interface Broadcast {
  readonly txid: string;
  readonly wtxid: string;
  /** False when it was already in the mempool (nothing was checked or relayed again). */
  readonly added: boolean;
}

export interface BroadcastDeps {
  readonly mempool: Pick<Mempool, 'has' | 'accept'>;
  readonly chain: Pick<Chain, 'getTxLocation'>;
}

/** Runs a decoding step; bad bytes or hex are Core's "TX decode failed" (BroadcastError). */
function decoding<T>(step: () => T): T {
  try {
    return step();
  } catch (e) {
    if (e instanceof EncodingError)
      throw new BroadcastError('DECODE_FAILED', `TX decode failed: ${e.message}`);
    throw e;
  }
}

/** Raw transaction bytes from a client's hex, or BroadcastError DECODE_FAILED (as a bad tx). */
export function txBytesFromHex(hex: string): Uint8Array {
  return decoding(() => fromHex(hex));
}

/** Decodes a raw transaction, or throws BroadcastError DECODE_FAILED. */
export function decodeTx(bytes: Uint8Array): Tx {
  return decoding(() => {
    if (bytes.length === 0) throw new EncodingError('BAD_HEX', 'empty transaction');
    return Tx.fromBytes(bytes);
  });
}

/** The most a tx of this BIP141 virtual size may pay under `rate`; undefined when there is no cap. */
export function maxFeeFor(rate: FeeRate, vsize: number): bigint | undefined {
  return rate > 0n ? feeAt(rate, vsize) : undefined;
}

/** `raw` is the client's bytes, or the tx a front end already decoded from them (one decode). */
export async function broadcastTx(
  deps: BroadcastDeps,
  raw: Uint8Array | Tx,
  opts: { maxFeeRate: FeeRate },
): Promise<Broadcast> {
  const tx = raw instanceof Tx ? raw : decodeTx(raw);
  const ids = { txid: tx.txidHex(), wtxid: tx.wtxidHex() };
  if (deps.mempool.has(tx.txid())) return { ...ids, added: false };
  const maxFee = maxFeeFor(opts.maxFeeRate, tx.vsize());
  try {
    await deps.mempool.accept(tx, { orphan: false, ...(maxFee === undefined ? {} : { maxFee }) });
  } catch (e) {
    if (!(e instanceof TxRejectError)) throw e;
    // A copy submitted at the same time got in first: answered as if it had come after it
    // (Core checks the mempool under cs_main, so there the two cannot overlap).
    if ((e.code === 'ALREADY_IN_MEMPOOL' || e.code === 'SAME_NONWITNESS_DATA') && deps.mempool.has(tx.txid()))
      return { ...ids, added: false };
    throw await asBroadcastError(deps, tx, e);
  }
  return { ...ids, added: true };
}

async function asBroadcastError(deps: BroadcastDeps, tx: Tx, e: TxRejectError): Promise<BroadcastError> {
  switch (e.code) {
    case 'MAX_FEE_EXCEEDED':
      return new BroadcastError('MAX_FEE_EXCEEDED', MAX_FEE_EXCEEDED_MESSAGE, e);
    case 'ALREADY_KNOWN':
      return new BroadcastError('ALREADY_IN_CHAIN', 'Transaction outputs already in utxo set', e);
    case 'MISSING_INPUTS':
      // A confirmed tx whose outputs are all spent looks like one with missing inputs.
      if (await deps.chain.getTxLocation(tx.txid()))
        return new BroadcastError('ALREADY_IN_CHAIN', 'Transaction already in block chain', e);
      return new BroadcastError('MISSING_INPUTS', 'bad-txns-inputs-missingorspent', e);
    default:
      return new BroadcastError('MEMPOOL_REJECTED', e.message, e);
  }
}
