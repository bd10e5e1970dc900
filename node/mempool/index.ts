/**
 * The mempool's public surface (see mempool.ts for the behaviour and the files it cites):
 * `Mempool` with its options, dependencies and results, the entry view, the rejection error
 * and the fee-rate helpers callers need to read entries.
 */
export type { ChainTip } from './accept.js';
export { MAX_STANDARD_TX_SIGOPS_COST } from './accept.js';
export type { MempoolEntry } from './entry.js';
export { POLICY_REJECTS, type PolicyCode, type RejectCode, TxRejectError } from './errors.js';
export type { MempoolEvents, RemovalReason } from './events.js';
export { type FeeRate, feeAt, feeRate } from './fee-rate.js';
export { DEFAULT_PACKAGE_LIMITS, type PackageLimits } from './limits.js';
export { Mempool } from './mempool.js';
export {
  checkPackage,
  isChildWithParentsTree,
  MAX_PACKAGE_COUNT,
  MAX_PACKAGE_WEIGHT,
  PACKAGE_REJECTS,
  type PackageCode,
  PackageError,
  type PackageOptions,
  type PackageResult,
  type PackageTxResult,
} from './package.js';
export { DEFAULT_REPLACEMENT_MEMORY, type Replacement } from './replacements.js';
export { dustThreshold, isDust, MAX_STANDARD_TX_WEIGHT } from './standard.js';
export * from './types.js';
