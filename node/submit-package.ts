/**
 * Submitting a package from a local client (RPC `submitpackage`, the explorer's
 * `POST /api/txs/package`): Bitcoin Core 28's submitpackage (rpc/mempool.cpp) around the
 * mempool's package acceptance (mempool/package.ts). One outcome for both front ends: Core's
 * result object, or a BroadcastError with Core's code for what submitpackage throws:
 *
 * | when                                             | rpcCode | message                                       |
 * | ------------------------------------------------ | ------- | --------------------------------------------- |
 * | not 1 to 25 transactions                         | -8      | Array must contain between 1 and 25 transactions. |
 * | a tx does not decode                             | -22     | TX decode failed: <why> (for tx <i>)          |
 * | not a child with its parents, or parents chained | -25     | package topology disallowed. not child-with-parents or parents depend on each other. |
 *
 * Anything else the mempool refuses is in the result: `package_msg` ("success", "transaction
 * failed" or the package-wide reason, e.g. "package-contains-duplicates") and per wtxid
 * `txid`, `vsize` and `fees` (`base`; for a tx accepted now `effective-feerate`, coin/kvB, and
 * `effective-includes`), `other-wtxid`, or `error`; then `replaced-transactions`. Amounts are
 * coins, as Core's JSON. `maxfeerate` (sat/kvB, default the node's max-fee-rate) caps each tx.
 */
import { BroadcastError, decodeTx, txBytesFromHex } from './broadcast.js';
import {
  type FeeRate,
  isChildWithParentsTree,
  MAX_PACKAGE_COUNT,
  type Mempool,
  PackageError,
  type PackageTxResult,
} from './mempool/index.js';
import type { Tx } from './protocol/tx.js';

const COIN = 100_000_000;
const coins = (sats: bigint) => Number(sats) / COIN;

export const PACKAGE_TOPOLOGY_MESSAGE =
  'package topology disallowed. not child-with-parents or parents depend on each other.';

export interface PackageTxJson {
  txid: string;
  vsize?: number;
  fees?: { base: number; 'effective-feerate'?: number; 'effective-includes'?: string[] };
  'other-wtxid'?: string;
  error?: string;
}

export interface SubmitPackageJson {
  package_msg: string;
  'tx-results': Record<string, PackageTxJson>;
  'replaced-transactions': string[];
}

/** The txs from raw hex, checked as Core's submitpackage checks them before validating. */
export function decodePackage(hexes: readonly string[]): Tx[] {
  if (hexes.length < 1 || hexes.length > MAX_PACKAGE_COUNT)
    throw new BroadcastError(
      'INVALID_PARAMETER',
      `Array must contain between 1 and ${MAX_PACKAGE_COUNT} transactions.`,
    );
  const txs = hexes.map((hex, i) => {
    try {
      return decodeTx(txBytesFromHex(hex));
    } catch (e) {
      if (!(e instanceof BroadcastError)) throw e;
      throw new BroadcastError('DECODE_FAILED', `${e.message} for tx ${i}`);
    }
  });
  if (!isChildWithParentsTree(txs)) throw new BroadcastError('INVALID_PACKAGE', PACKAGE_TOPOLOGY_MESSAGE);
  return txs;
}

function txJson(r: PackageTxResult): PackageTxJson {
  const out: PackageTxJson = { txid: r.txid };
  if (r.status === 'unevaluated') return { ...out, error: 'package-not-validated' };
  if (r.status === 'rejected') return { ...out, error: r.error?.message ?? 'rejected' };
  if (r.status === 'other-wtxid') return { ...out, 'other-wtxid': r.otherWtxid! };
  out.vsize = r.vsize!;
  out.fees = { base: coins(r.fee!) };
  // Core gives the effective rate only for a tx accepted now: for one already in the mempool
  // it cannot tell whether a package rate let it in.
  if (r.status === 'accepted') {
    out.fees['effective-feerate'] = coins(r.effectiveFeeRate!);
    out.fees['effective-includes'] = [...r.effectiveIncludes!];
  }
  return out;
}

export async function submitPackage(
  mempool: Pick<Mempool, 'acceptPackage'>,
  hexes: readonly string[],
  opts: { maxFeeRate?: FeeRate } = {},
): Promise<SubmitPackageJson> {
  const txs = decodePackage(hexes);
  try {
    const r = await mempool.acceptPackage(txs, opts);
    const results: Record<string, PackageTxJson> = {};
    for (const t of r.results) results[t.wtxid] = txJson(t);
    return {
      package_msg: r.message,
      'tx-results': results,
      'replaced-transactions': [...new Set(r.replaced)],
    };
  } catch (e) {
    if (!(e instanceof PackageError)) throw e;
    // A package-wide policy failure: Core answers the reason with every tx unevaluated.
    const results: Record<string, PackageTxJson> = {};
    for (const tx of txs) results[tx.wtxidHex()] = { txid: tx.txidHex(), error: 'package-not-validated' };
    return { package_msg: e.reason, 'tx-results': results, 'replaced-transactions': [] };
  }
}
