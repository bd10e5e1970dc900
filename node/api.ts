/**
 * The node as its front ends see it: the narrow interfaces the explorer (explorer-api/) and the
 * admin RPC (rpc/) are given, which FullNode implements; in the spirit of Bitcoin Core's
 * src/interfaces/ (interfaces::Chain, interfaces::Node) between its GUI/RPC and the node. The
 * front ends read the chain and the mempool, submit transactions and run a few admin
 * operations, and reach nothing else: no `Chain.addBlock`, no peer table. They import this
 * module, never node.ts, chain/, mempool/ or p2p/, so no import runs back to node.ts (which
 * builds them); test/layering.test.ts enforces it. The data types and the few values they need
 * from those folders are re-exported here, so this module is their one door.
 */

import type { Broadcast } from './broadcast.js';
import type { AddResult, Chain } from './chain/chain.js';
import type { DhtStatus } from './dht/dht.js';
import type { ProviderRecord } from './dht/record.js';
import type { FilesCounters } from './files/counters.js';
import type { FileInfo } from './files/service.js';
import type { Logger } from './log.js';
import type { AcceptResult, FeeRate, Mempool } from './mempool/index.js';
import type { BlockTemplate } from './mining/template.js';
import type { NetTotals } from './p2p/p2p.js';
import type { BanRecord } from './p2p/peer-db.js';
import type { PeerInfo } from './p2p/peer-info.js';
import type { Block } from './protocol/block.js';
import type { BlockHash } from './protocol/ids.js';
import type { NetworkParams } from './protocol/params.js';
import type { Tx } from './protocol/tx.js';
import type { SyncState } from './status.js';
import type { SubmitPackageJson } from './submit-package.js';

export {
  type Broadcast,
  BroadcastError,
  DEFAULT_MAX_FEE_RATE,
  decodeTx,
  maxFeeFor,
  txBytesFromHex,
} from './broadcast.js';
export type { AddResult } from './chain/chain.js';
export type { BlockEntry } from './chain/entry.js';
export { type Clock, realClock, unref } from './clock.js';
export { RuleError } from './consensus/errors.js';
export { decodePackage, PACKAGE_TOPOLOGY_MESSAGE, type SubmitPackageJson } from './submit-package.js';
/** What the RPC reads of a block template. */
export type BlockTemplateView = BlockTemplate;
export { shKey } from './chain/indexes.js';
export type { DhtStatus } from './dht/dht.js';
export type { ProviderRecord } from './dht/record.js';
export { FilesError } from './files/errors.js';
export type { FileInfo } from './files/service.js';
export type { Logger } from './log.js';
export {
  type AcceptResult,
  type FeeRate,
  feeRate,
  type MempoolEntry,
  type TestAccepted,
  TxRejectError,
} from './mempool/index.js';
export {
  type Selection,
  type SelectionLimits,
  selectTransactions,
  type TemplateCandidate,
} from './mining/select.js';
export { COINBASE_RESERVED_SIGOPS, COINBASE_RESERVED_WEIGHT } from './mining/template.js';
export { P2PConfigError } from './p2p/errors.js';
export { canonicalIp, isRoutable, NODE_FILES } from './p2p/netaddr.js';
export { LOCAL_SERVICES, type NetTotals } from './p2p/p2p.js';
export { PROTOCOL_VERSION } from './p2p/peer.js';
export type { BanRecord } from './p2p/peer-db.js';
export type { PeerInfo } from './p2p/peer-info.js';
export { PLACEHOLDER_SCRIPT, templateJson } from './template-json.js';

/** What the front ends read of the chain: lookups and indexes, nothing that writes. */
export type ChainReader = Pick<
  Chain,
  | 'tip'
  | 'height'
  | 'entry'
  | 'entryAt'
  | 'isMain'
  | 'getBlock'
  | 'getRawBlock'
  | 'getBlockUndo'
  | 'getTx'
  | 'getTxLocation'
  | 'getSpender'
  | 'getCoin'
  | 'getAddressUtxos'
  | 'getAddressHistory'
  | 'getAddressTotals'
  | 'addressesWithPrefix'
  | 'getAnchor'
  | 'utxoStats'
  | 'tips'
  | 'bestHeader'
  | 'on'
  | 'off'
>;

/** What the front ends read of the mempool, and its events; entering it is `submitTx`. */
export type MempoolReader = Pick<
  Mempool,
  'get' | 'has' | 'entries' | 'txids' | 'info' | 'minFeeRate' | 'spender' | 'on' | 'testAccept' | 'replacedBy'
>;

export interface SubmitOptions {
  /** Keep a tx with missing inputs as an orphan (default true; RPC submissions say false). */
  orphan?: boolean;
  /** Who sent it, for logs and orphan bookkeeping. */
  peer?: string;
}

/** Where the node stands, for the status line, /api/chain, getblockchaininfo and /metrics. */
export interface SyncInfo {
  state: SyncState;
  /** Core's IsInitialBlockDownload: the tip is older than 24 h and has never been fresh. */
  ibd: boolean;
  /** Core's GuessVerificationProgress for the tip (ibd.ts), 0..1. */
  verificationProgress: number;
  /** Height of the best valid header known, at least the tip's. */
  headers: number;
  peers: number;
}

/** The explorer's view of the node. */
export interface ExplorerNode {
  readonly params: NetworkParams;
  readonly chain: ChainReader;
  readonly mempool: MempoolReader;
  readonly log: Logger;
  /**
   * A local client's raw tx (POST /api/tx): decoded, capped at `maxFeeRate` (default the
   * node's max-fee-rate) and submitted; one outcome or a BroadcastError (node/broadcast.ts).
   */
  broadcastTx(bytes: Uint8Array, opts?: { maxFeeRate?: FeeRate }): Promise<Broadcast>;
  /** A package, child last (POST /api/txs/package): Core's submitpackage (node/submit-package.ts). */
  submitPackage(hexes: readonly string[], opts?: { maxFeeRate?: FeeRate }): Promise<SubmitPackageJson>;
  /** The connected peers (empty when the P2P layer is off). */
  peerInfo(): PeerInfo[];
  /** A block template on the tip (GET /api/block-template); the coinbase pays `coinbaseScript`. */
  template(coinbaseScript: Uint8Array): BlockTemplateView;
  /** Sync state, initial block download and progress. */
  sync(): SyncInfo;
  /** File sharing; undefined when the P2P layer is off. */
  readonly files?: NodeFiles;
}

/** The P2P layer as the admin RPC drives it (Core's net RPCs), without its internals. */
export interface NodeNetwork {
  readonly userAgent: string;
  /** Our random node nonce, as hex. */
  readonly nodeId: string;
  /** 0 when not listening. */
  readonly listenPort: number;
  /** Milliseconds on the node's clock, which its bans count in (node/clock.ts). */
  now(): number;
  peerInfo(): PeerInfo[];
  totals(): NetTotals;
  /** Core's addnode: true if the manual peer list changed. Throws P2PConfigError on a bad target. */
  addNode(target: string, command: 'add' | 'remove' | 'onetry'): boolean;
  /** Bans in force (expired ones are dropped first). */
  listBanned(): BanRecord[];
  isBanned(host: string): boolean;
  /** Bans `host` for `seconds`, or until `untilMs` when given, and drops its connections. */
  ban(host: string, seconds: number, reason: string, untilMs?: number): void;
  /** False if `host` was not banned. */
  unban(host: string): boolean;
  clearBanned(): void;
  /** Closes the connection to a peer by "host:port" or id; false when none matches. */
  disconnect(target: { address: string } | { id: number }): boolean;
  /** Asks every peer for a pong now (RPC ping). */
  pingAll(): void;
}

/** The DHT as the admin RPC reads it (node/dht/, docs/dht.md). */
export interface NodeDht {
  status(): DhtStatus;
  findProviders(manifestId: Uint8Array, opts?: { limit?: number }): Promise<ProviderRecord[]>;
}

/** The files service as the RPC and the explorer use it (node/files/service.ts). */
export interface NodeFiles {
  share(path: string, proofPath?: string): Promise<FileInfo>;
  /** By manifest id or anchor commitment (`id`, hex) or a proof's text; `output` absolute. */
  fetch(
    target: { id?: string; proof?: string },
    output: string | null,
  ): Promise<FileInfo | { id: string; state: 'finding' }>;
  /** With `findTimeoutMs`: rejects NO_PROVIDERS if no provider was found by then. */
  whenComplete(id: string, opts?: { findTimeoutMs?: number }): Promise<void>;
  list(): Promise<FileInfo[]>;
  get(id: string): Promise<FileInfo | null>;
  remove(id: string): Promise<boolean>;
  providerCount(id: string): number;
  /** Monotonic counters since start (node/files/counters.ts). */
  readonly counters: Readonly<FilesCounters>;
  /** The verified bytes of a whole file the node holds, or null. */
  openVerified(id: string): Promise<{ name: string; size: number; stream: AsyncIterable<Uint8Array> } | null>;
}

/** The admin RPC's view of the node. */
export interface RpcNode {
  /** Undefined when the DHT is off (no `dht` option). */
  readonly dht?: NodeDht | undefined;
  /** File sharing; undefined when the P2P layer is off. */
  readonly files?: NodeFiles;
  readonly params: NetworkParams;
  readonly chain: ChainReader;
  readonly mempool: MempoolReader;
  /** Undefined when the P2P layer is off, or not started yet (see `p2pEnabled`). */
  readonly network: NodeNetwork | undefined;
  /** False when the node runs without P2P; true (with `network` undefined) while it starts. */
  readonly p2pEnabled: boolean;
  /** The node's default cap for a local broadcast (sat/kvB; 0: none), Core's -maxfeerate. */
  readonly maxFeeRate: FeeRate | undefined;
  submitTx(tx: Tx, opts?: SubmitOptions): Promise<AcceptResult>;
  /** Sync state, initial block download and progress (getblockchaininfo). */
  sync(): SyncInfo;
  /** sendrawtransaction's path: decode, fee-rate cap, submit (node/broadcast.ts). */
  broadcastTx(raw: Uint8Array | Tx, opts?: { maxFeeRate?: FeeRate }): Promise<Broadcast>;
  /** submitpackage's path (node/submit-package.ts); throws BroadcastError with Core's code. */
  submitPackage(hexes: readonly string[], opts?: { maxFeeRate?: FeeRate }): Promise<SubmitPackageJson>;
  /** Mines `n` blocks on the tip paying `script` (regtest's generatetoaddress). */
  generate(n: number, script: Uint8Array): Promise<string[]>;
  /** What `stop` does once its reply is sent. */
  onStopRequest(): void;
  /** When the node started, ms since the epoch (uptime). */
  readonly startedAt: number;
  /** Fee rate estimates, sat/vB by confirmation target in blocks (the explorer's, fees.ts). */
  feeEstimates(): Promise<Record<string, number>>;
  /** Bytes the chain and peer databases take on disk (getblockchaininfo size_on_disk). */
  sizeOnDisk(): Promise<number>;
  /** A block template on the tip (getblocktemplate); the coinbase pays `coinbaseScript`. */
  template(coinbaseScript: Uint8Array): BlockTemplateView;
  /** Validates and stores a block as if mined here (submitblock); throws RuleError. */
  submitBlock(block: Block): Promise<AddResult>;
  /** Core's invalidateblock: the block and its descendants become invalid; the chain reorgs. */
  invalidateBlock(hash: BlockHash): Promise<void>;
  /** Core's reconsiderblock: undoes invalidateblock (and any failure mark) for the block's branch. */
  reconsiderBlock(hash: BlockHash): Promise<void>;
}
