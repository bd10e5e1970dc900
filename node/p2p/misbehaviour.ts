/**
 * What a peer's bad data costs it: the one map from an error's code to its consequence (btcd's
 * and bcoin's single table; Bitcoin Core's MaybePunishNodeForBlock, MaybePunishNodeForTx and
 * Misbehaving in net_processing.cpp). Every site that turns a rejection into a peer's
 * punishment asks `consequenceOf`, and nothing else reads a score.
 *
 * - Blocks and headers (RuleError): 100 and a disconnect for anything consensus-invalid,
 *   mutated blocks included (Core's BLOCK_CONSENSUS, BLOCK_MUTATED, BLOCK_INVALID_HEADER,
 *   BLOCK_INVALID_PREV, BLOCK_CACHED_INVALID); nothing for a header from the future
 *   (BLOCK_TIME_FUTURE: it may become valid, nobody is at fault).
 * - Transactions (TxRejectError): 100 and a disconnect for a consensus failure (TX_CONSENSUS);
 *   nothing for policy (TX_NOT_STANDARD, TX_MEMPOOL_POLICY, TX_PREMATURE_SPEND, ...), which
 *   only says our rules differ from the sender's.
 * - Wire offences (P2PError): their own scores; each one disconnects. One wrapping a rejection
 *   (INVALID_BLOCK with its RuleError as cause) costs what the rejection costs.
 *
 * Scores add up per address; BAN_THRESHOLD (100, Core's DISCOURAGEMENT_THRESHOLD) bans it.
 */
import { type RuleCode, RuleError } from '../consensus/errors.js';
import { type PolicyCode, TxRejectError } from '../mempool/errors.js';
import type { OffenceCode } from './offence-codes.js';

export interface Consequence {
  /** Misbehaviour points added to the peer's address. */
  readonly score: number;
  /** Whether the connection is closed. */
  readonly disconnect: boolean;
  /** Core's reject reason, or the offence's code: what the log and the ban list say. */
  readonly reason: string;
}

export type ErrorCode = RuleCode | PolicyCode | OffenceCode;

const PUNISH = { score: 100, disconnect: true } as const;
const NONE = { score: 0, disconnect: false } as const;
const drop = (score: number) => ({ score, disconnect: true }) as const;

/** Every code a peer's data can be rejected with; a code missing here does not compile. */
export const CONSEQUENCES: {
  readonly [C in ErrorCode]: { readonly score: number; readonly disconnect: boolean };
} = {
  // Consensus rules (node/consensus/errors.ts), for a block, a header or a transaction.
  TX_NO_INPUTS: PUNISH,
  TX_NO_OUTPUTS: PUNISH,
  TX_OVERSIZE: PUNISH,
  TX_OUTPUT_NEGATIVE: PUNISH,
  TX_OUTPUT_TOO_LARGE: PUNISH,
  TX_OUTPUT_TOTAL_TOO_LARGE: PUNISH,
  TX_DUPLICATE_INPUTS: PUNISH,
  TX_COINBASE_SCRIPT_SIZE: PUNISH,
  TX_NULL_PREVOUT: PUNISH,
  SCRIPT_FAILED: PUNISH,
  HIGH_HASH: PUNISH,
  BAD_DIFFBITS: PUNISH,
  TIME_TOO_OLD: PUNISH,
  TIME_TOO_NEW: NONE,
  BAD_VERSION: PUNISH,
  BAD_MERKLE_ROOT: PUNISH,
  DUPLICATE_TX: PUNISH,
  BLOCK_LENGTH: PUNISH,
  COINBASE_MISSING: PUNISH,
  COINBASE_MULTIPLE: PUNISH,
  BLOCK_SIGOPS: PUNISH,
  TX_NONFINAL: PUNISH,
  COINBASE_HEIGHT: PUNISH,
  WITNESS_NONCE_SIZE: PUNISH,
  WITNESS_MERKLE_MISMATCH: PUNISH,
  UNEXPECTED_WITNESS: PUNISH,
  BLOCK_WEIGHT: PUNISH,
  TX_MISSING_INPUTS: PUNISH,
  TX_PREMATURE_COINBASE_SPEND: PUNISH,
  TX_INPUT_VALUES_OUT_OF_RANGE: PUNISH,
  TX_IN_BELOW_OUT: PUNISH,
  TX_FEE_OUT_OF_RANGE: PUNISH,
  TX_BIP30: PUNISH,
  TX_SEQUENCE_LOCKS: PUNISH,
  BLOCK_FEES_OUT_OF_RANGE: PUNISH,
  COINBASE_AMOUNT: PUNISH,
  DUPLICATE_INVALID: PUNISH,
  BAD_PREVBLK: PUNISH,
  TX_NON_BIP68_FINAL: NONE,
  // Only a local client's broadcast is capped; a peer's tx never meets this rule.
  MAX_FEE_EXCEEDED: NONE,
  // Mempool rejections (node/mempool/errors.ts): only a loose coinbase is consensus-invalid.
  COINBASE: PUNISH,
  VERSION: NONE,
  TX_SIZE: NONE,
  TX_SIZE_SMALL: NONE,
  SCRIPTSIG_SIZE: NONE,
  SCRIPTSIG_NOT_PUSHONLY: NONE,
  SCRIPTPUBKEY: NONE,
  BARE_MULTISIG: NONE,
  DUST: NONE,
  MULTI_OP_RETURN: NONE,
  NON_FINAL: NONE,
  ALREADY_IN_MEMPOOL: NONE,
  SAME_NONWITNESS_DATA: NONE,
  ALREADY_KNOWN: NONE,
  MISSING_INPUTS: NONE,
  NON_BIP68_FINAL: NONE,
  PREMATURE_COINBASE_SPEND: NONE,
  NONSTANDARD_INPUTS: NONE,
  WITNESS_NONSTANDARD: NONE,
  TOO_MANY_SIGOPS: NONE,
  MEMPOOL_MIN_FEE: NONE,
  MIN_RELAY_FEE: NONE,
  ANCESTOR_COUNT: NONE,
  ANCESTOR_SIZE: NONE,
  DESCENDANT_COUNT: NONE,
  DESCENDANT_SIZE: NONE,
  RBF_TOO_MANY_REPLACEMENTS: NONE,
  RBF_ADDS_UNCONFIRMED: NONE,
  RBF_SPENDS_CONFLICTING: NONE,
  RBF_FEERATE: NONE,
  RBF_FEE: NONE,
  RBF_RELAY_FEE: NONE,
  NONSTANDARD_SCRIPT: NONE,
  WITNESS_STRIPPED: NONE,
  MEMPOOL_FULL: NONE,
  // Wire offences (node/p2p/errors.ts): every one disconnects.
  BAD_MAGIC: drop(50),
  WRONG_NETWORK: drop(0),
  BAD_CHECKSUM: drop(50),
  OVERSIZED: drop(50),
  OVERSIZED_FRAME: drop(100),
  MALFORMED: drop(50),
  HANDSHAKE: drop(10),
  HANDSHAKE_TIMEOUT: drop(0),
  SELF_CONNECTION: drop(0),
  DUPLICATE_CONNECTION: drop(0),
  OBSOLETE_VERSION: drop(0),
  INVALID_BLOCK: drop(100),
  INVALID_HEADER: drop(100),
  INVALID_TX: drop(100),
  UNCONNECTING_HEADERS: drop(20),
  INV_FLOOD: drop(50),
  STALLING: drop(0),
  ADDR_OVERSIZE: drop(20),
  PING_TIMEOUT: drop(0),
  // Core disconnects without a score (net_processing.cpp: "wtxidrelay received after verack",
  // "sendaddrv2 received after verack").
  LATE_NEGOTIATION: drop(0),
  // Core: Misbehaving(100, "invalid compact block"), "invalid compact block/non-matching block
  // transactions", "getblocktxn with out-of-bounds tx indices".
  INVALID_CMPCT_BLOCK: drop(100),
  INVALID_BLOCKTXN: drop(100),
  BAD_GETBLOCKTXN: drop(100),
  // DHT (node/dht/): a forged signature is never an accident; a flood or a wrong answer may be
  // a bug, so it costs less and the contact is dropped from the routing table.
  DHT_BAD_SIGNATURE: drop(100),
  DHT_FLOOD: drop(20),
  DHT_BAD_ANSWER: drop(20),
  DHT_UNSOLICITED: drop(10),
  // Files (node/files/): data checked against a commitment on the chain is proof of fault.
  BAD_CHUNK: drop(100),
  BAD_MANIFEST: drop(100),
  UNREQUESTED_CHUNK: drop(10),
};

/** An error a peer's data or behaviour caused. */
export type PeerFault = RuleError | TxRejectError | { readonly code: OffenceCode; readonly cause?: unknown };

/**
 * What `error` costs the peer that caused it. A wire offence wrapping a rejection costs what
 * the rejection costs (and still disconnects, as every offence does).
 */
export function consequenceOf(error: PeerFault): Consequence {
  if (error instanceof RuleError || error instanceof TxRejectError) {
    return { ...CONSEQUENCES[error.code], reason: error.reason };
  }
  const cause = error.cause;
  if (cause instanceof RuleError || cause instanceof TxRejectError) {
    return { score: CONSEQUENCES[cause.code].score, disconnect: true, reason: cause.reason };
  }
  return { ...CONSEQUENCES[error.code], reason: error.code };
}
