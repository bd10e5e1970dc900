/**
 * The mempool's public shapes: construction options and injected dependencies (btcd's
 * mempool.Config), accept results and getmempoolinfo.
 */
import type { ScriptCache } from '../chain/script-cache.js';
import type { SignatureCache } from '../chain/sig-cache.js';
import type { Coin } from '../consensus/tx-inputs.js';
import type { EcdsaBackend } from '../protocol/ecdsa.js';
import type { NetworkParams } from '../protocol/params.js';
import type { OutPoint } from '../protocol/tx.js';
import type { ChainTip } from './accept.js';
import type { MempoolEntry } from './entry.js';
import type { FeeRate } from './fee-rate.js';
import type { PackageLimits } from './limits.js';
import type { OrphanOptions } from './orphans.js';

export const DEFAULT_MAX_MEMPOOL_USAGE = 300_000_000;
/** Core's DEFAULT_MEMPOOL_EXPIRY_HOURS, in seconds. */
export const DEFAULT_MEMPOOL_EXPIRY = 336 * 60 * 60;

export interface MempoolOptions {
  readonly params: NetworkParams;
  /** Bytes of usage (serialized size + per-entry overhead, see pool.ts); default 300 MB. */
  readonly maxUsage?: number;
  /** Seconds an entry may stay; default two weeks. */
  readonly expiry?: number;
  readonly minRelayFeeRate?: FeeRate;
  readonly incrementalRelayFeeRate?: FeeRate;
  readonly dustRelayFeeRate?: FeeRate;
  /** Largest OP_RETURN output script (default 83); null relays none. */
  readonly maxDatacarrierBytes?: number | null;
  readonly permitBareMultisig?: boolean;
  readonly limits?: Partial<PackageLimits>;
  readonly orphans?: OrphanOptions;
  readonly backend?: EcdsaBackend;
  /** Shared with the chain: a tx whose scripts passed here is not script-checked when mined. */
  readonly scriptCache?: ScriptCache;
  /**
   * Valid signatures, so a tx's second script run (under the next block's flags) verifies
   * none again; default a cache of its own (DEFAULT_SIG_CACHE_ENTRIES).
   */
  readonly sigCache?: SignatureCache;
  /** Replacements remembered for "replaced by" answers (default 10,000; replacements.ts). */
  readonly replacementMemory?: number;
}

export interface MempoolDeps {
  /** The confirmed UTXO set at the tip. */
  getCoin(prevout: OutPoint): Promise<Coin | undefined>;
  /** The chain tip; a transaction is checked as if mined in the next block. */
  tip(): ChainTip;
  /** Median time past of the main-chain block at `height` (0 <= height <= tip), for BIP68. */
  medianTimePast(height: number): number | Promise<number>;
  /** Seconds. */
  now(): number;
  /** Uniform in [0, 1), for orphan eviction; default the system's (node/clock.ts). */
  random?(): number;
}

export interface Accepted {
  readonly status: 'accepted';
  readonly entry: MempoolEntry;
  /** Entries this one replaced (direct conflicts and their descendants). */
  readonly replaced: readonly MempoolEntry[];
  /** Orphans that its arrival let in, in the order accepted. */
  readonly orphansAccepted: readonly MempoolEntry[];
}

export interface Orphaned {
  readonly status: 'orphan';
  readonly txid: string;
  readonly wtxid: string;
  /** Display txids of the unknown parents, for the P2P layer to request. */
  readonly missingParents: readonly string[];
  /** False when the orphan pool would not keep it (already held, or too heavy). */
  readonly stored: boolean;
}

export type AcceptResult = Accepted | Orphaned;

export interface AcceptOptions {
  /** The peer that sent it (orphans are forgotten with the peer). */
  readonly peer?: string;
  /** Keep it as an orphan when inputs are unknown (default true; RPC submissions: false). */
  readonly orphan?: boolean;
  /** Refuse it with MAX_FEE_EXCEEDED if it pays more than this many satoshis. */
  readonly maxFee?: bigint;
}

/** What `testAccept` found: the tx would enter the mempool, paying `fee` for `vsize`. */
export interface TestAccepted {
  readonly txid: string;
  readonly wtxid: string;
  readonly fee: bigint;
  /** Sigop-adjusted virtual size (Core's m_vsize). */
  readonly vsize: number;
  readonly weight: number;
}

export interface MempoolInfo {
  readonly count: number;
  /** Sum of (sigop-adjusted) vsizes: Core's getmempoolinfo "bytes". */
  readonly vsize: number;
  /** Sum of serialized sizes. */
  readonly bytes: number;
  readonly usage: number;
  readonly maxUsage: number;
  readonly totalFee: bigint;
  /** What a new tx must pay at least, sat/kvB: max(rolling minimum, min relay fee). */
  readonly minFeeRate: FeeRate;
  readonly orphans: number;
}
