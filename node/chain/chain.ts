/**
 * The chain: block index, main chain and UTXO set on LevelDB (Core's ChainstateManager /
 * btcd's BlockChain). Blocks are checked (consensus/), stored, and the chain with the most
 * cumulative work is activated: reorgs disconnect back to the fork and connect the new branch,
 * each block in ONE atomic batch (undo, indexes, tip), so a crash at any instant leaves a
 * consistent chain. The blocks' UTXO changes wait in a coin view and are flushed in large
 * batches (coin-view.ts, Core's -dbcache); a restart replays those of the blocks above the
 * flushed one (coin-replay.ts). Unknown parents wait in a bounded orphan pool.
 *
 * Headers come first (block-index.ts): `acceptHeaders` checks a peer's headers into the same
 * index the blocks use, and a block whose header was accepted is not checked as a header again.
 * A block parsed from bytes (the wire, the disk) keeps them: they are stored and handed to the
 * script workers as they arrived, never serialized again.
 */
import { EventEmitter } from 'node:events';
import { checkBlock, checkBlockContextual } from '../consensus/block-check.js';
import { nextWorkRequired } from '../consensus/difficulty.js';
import { NOT_CACHED_INVALID, RuleError } from '../consensus/errors.js';
import { checkHeaderContextFree } from '../consensus/header-check.js';
import type { Coin } from '../consensus/tx-inputs.js';
import { Block } from '../protocol/block.js';
import type { EcdsaBackend } from '../protocol/ecdsa.js';
import type { BlockHeader } from '../protocol/header.js';
import { type BlockHash, type HashKey, hashKey, type Txid } from '../protocol/ids.js';
import type { NetworkParams } from '../protocol/params.js';
import { type OutPoint, Tx } from '../protocol/tx.js';
import { type AnchorRecord, findAnchor } from './anchors.js';
import { skipsScripts } from './assume-valid.js';
import { BlockIndex, BlockIndexError } from './block-index.js';
import { genesisOps, readBlockIndex } from './bootstrap.js';
import { type CacheStats, CoinCache, TotalsCache } from './caches.js';
import { replayCoins } from './coin-replay.js';
import { CoinView } from './coin-view.js';
import {
  type BlockCoins,
  type ConnectDeps,
  commitConnect,
  commitDisconnect,
  dropConnect,
  type PreparedConnect,
  prepareConnect,
  readCoins,
  usesPool,
} from './connect.js';
import { type BlockEntry, findFork, STATUS } from './entry.js';
import type { AddressTotals, BatchOp } from './indexes.js';
import { keys } from './layout.js';
import { OrphanBlocks } from './orphans.js';
import * as queries from './queries.js';
import type { ScriptCache } from './script-cache.js';
import type { ScriptPool } from './script-pool.js';
import { type ChainDb, ChainStore, type StoreMemory, type StoreMemoryStats } from './store.js';

export interface ChainOptions {
  params: NetworkParams;
  /** Directory of the chain's LevelDB. */
  path: string;
  orphanLimit?: number;
  /** Worker threads for script checks of large blocks; inline verification without it. */
  scriptPool?: ScriptPool | null;
  /** Shared with the mempool: transactions whose scripts need no second run (script-cache.ts). */
  scriptCache?: ScriptCache | null;
  /** Signature backend for scripts verified on the connecting thread (tests count calls). */
  backend?: EcdsaBackend;
  /** A database to use instead of LevelDB at `path` (unopened, view encodings; e.g. memory-level). */
  db?: ChainDb;
  /** Keep the address-search index (electrs' --address-search; GET /api/address-prefix). */
  addressSearch?: boolean;
  /** Core's assumevalid: scripts below this block go unchecked (assume-valid.ts); none when absent. */
  assumeValid?: BlockHash | null;
  /** Bound of the recent-coins cache (caches.ts), default DEFAULT_COIN_CACHE; 0 turns it off. */
  coinCacheEntries?: number;
  /** Bound of the address-totals cache, default DEFAULT_TOTALS_CACHE; 0 turns it off. */
  totalsCacheEntries?: number;
  /**
   * Unflushed coin changes held in memory, bytes (Core's -dbcache), default DEFAULT_COIN_VIEW;
   * 0 writes each block's coins with its own batch.
   */
  coinViewBytes?: number;
  /** Flush the coin view once its oldest change is this old, seconds (default COIN_FLUSH_SEC). */
  coinFlushSec?: number;
  /** LevelDB's block cache and memtable sizes, bytes (store.ts; defaults there). */
  dbMemory?: StoreMemory;
}

/** What the chain's in-memory caches hold, for /metrics. */
export interface ChainCacheStats {
  readonly coins: CacheStats;
  readonly totals: CacheStats;
  /** Recent blocks kept parsed with their bytes; `bytes` counts the serialized size. */
  readonly blocks: CacheStats;
  /** Unflushed coin changes; its `max` is in bytes. */
  readonly coinView: CacheStats;
  /** LevelDB's block cache and memtables, bytes against their bound; absent for memory-level. */
  readonly db?: StoreMemoryStats;
}

export interface ChainDeps {
  /** Seconds since the epoch (the node's adjusted time). */
  now(): number;
}

export type AddStatus = 'connected' | 'side' | 'orphan' | 'duplicate';

export interface AddResult {
  status: AddStatus;
  hash: string;
  height?: number;
  /** For orphans: the missing ancestor to fetch. */
  missing?: string;
}

export interface ChainEvents {
  connect: [block: Block, entry: BlockEntry];
  disconnect: [block: Block, entry: BlockEntry];
}

const BLOCK_CACHE = 16;
/**
 * Coins created by recent blocks and address totals in recent use, kept to spare the database
 * a read before the scripts can start (caches.ts); ~250 B of heap per coin.
 */
export const DEFAULT_COIN_CACHE = 50_000;
export const DEFAULT_TOTALS_CACHE = 20_000;
/**
 * Coin changes held before a flush. Core's default -dbcache is 450 MiB for mainnet's UTXO set;
 * this node's memory goal is a third of that for its whole process, and in the sync bench
 * flushes of this size cost under 1% of the time (see README).
 */
export const DEFAULT_COIN_VIEW = 32 * 1024 * 1024;
/**
 * A flush at least this often, so a restart after a crash replays minutes of blocks at most
 * (Core flushes its coins every 24 hours; its blocks are larger and its replay is rare).
 */
export const COIN_FLUSH_SEC = 600;

export class Chain extends EventEmitter<ChainEvents> {
  readonly params: NetworkParams;
  private readonly store: ChainStore;
  private readonly deps: ChainDeps;
  /** Every header accepted, with or without its block (Core's m_block_index). */
  private readonly index: BlockIndex;
  private readonly main: BlockEntry[] = [];
  private readonly candidates = new Set<BlockEntry>();
  /** Order in which block data arrived this session (Core's nSequenceId); loaded entries are 0. */
  private sequence = 0;
  private readonly orphans: OrphanBlocks;
  /** Recent blocks with their serialization (what workers and getRawBlock read). */
  private readonly cache = new Map<HashKey, { block: Block; raw: Uint8Array }>();
  private readonly failures = new Map<BlockEntry, RuleError>();
  private readonly scriptPool: ScriptPool | null;
  private readonly assumeValid: BlockHash | null;
  private readonly connectDeps: ConnectDeps;
  /** A block on the tip prepared ahead of its contextual checks (addBlockInner). */
  private early: { block: Block; prepared: PreparedConnect } | null = null;
  /** Median time past of main-chain block h - 1 (BIP68), for blocks connected on the tip. */
  private readonly mtpBefore = (h: number): number => this.main[h - 1]!.medianTimePast();
  private queue: Promise<unknown> = Promise.resolve();
  /** Blocks whose coin changes the last open replayed (coin-replay.ts). */
  replayedBlocks = 0;
  /** Coin-view flushes since open. */
  coinFlushes = 0;

  private constructor(opts: ChainOptions, deps: ChainDeps, store: ChainStore) {
    super();
    this.params = opts.params;
    this.deps = deps;
    this.store = store;
    this.index = new BlockIndex(opts.params, () => deps.now());
    this.orphans = new OrphanBlocks({ max: opts.orphanLimit ?? 100 });
    this.scriptPool = opts.scriptPool ?? null;
    this.assumeValid = opts.assumeValid ?? null;
    this.connectDeps = {
      store,
      params: opts.params,
      scriptPool: this.scriptPool,
      coinCache: new CoinCache(opts.coinCacheEntries ?? DEFAULT_COIN_CACHE),
      coinView:
        (opts.coinViewBytes ?? DEFAULT_COIN_VIEW) > 0
          ? new CoinView(opts.coinViewBytes ?? DEFAULT_COIN_VIEW, opts.coinFlushSec ?? COIN_FLUSH_SEC)
          : null,
      now: () => deps.now(),
      totalsCache: new TotalsCache(opts.totalsCacheEntries ?? DEFAULT_TOTALS_CACHE),
      scriptCache: opts.scriptCache ?? null,
      ...(opts.backend ? { backend: opts.backend } : {}),
      ...(opts.addressSearch ? { addressSearch: true } : {}),
    };
  }

  static async open(opts: ChainOptions, deps: ChainDeps): Promise<Chain> {
    const { store, fresh } = await ChainStore.open(opts.path, opts.params, opts.db, opts.dbMemory);
    const chain = new Chain(opts, deps, store);
    try {
      if (fresh) await store.write(genesisOps(opts.params));
      await chain.load();
      chain.replayedBlocks = await replayCoins(store, chain.main);
      // A crash in the middle of a reorg leaves a better stored branch: finish activating it.
      await chain.exclusive(() => chain.activateBestChain());
    } catch (e) {
      await store.close();
      throw e;
    }
    return chain;
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    try {
      await this.exclusive(() => this.flushCoins());
    } catch {
      // The database refused a write: what the view held is replayed at the next start.
    }
    await this.store.close();
  }

  /**
   * Writes the coin view's changes with `B` = the tip in one batch (Core's FlushStateToDisk);
   * callers hold the chain's lock.
   */
  private async flushCoins(): Promise<void> {
    const view = this.connectDeps.coinView;
    if (!view || view.size === 0) return;
    await this.store.write(view.flushOps(this.tip.hash));
    view.flushed();
    this.coinFlushes++;
  }

  get tip(): BlockEntry {
    return this.main[this.main.length - 1]!;
  }

  get height(): number {
    return this.main.length - 1;
  }

  get orphanCount(): number {
    return this.orphans.size;
  }

  /** The index entry of a block or of a header whose block is not stored (check `haveData`). */
  entry(hash: BlockHash): BlockEntry | undefined {
    return this.index.get(hash);
  }

  /** The most-work header not known invalid: the tip, or a header whose blocks are still missing. */
  bestHeader(): BlockEntry {
    return this.index.bestHeader(this.tip);
  }

  /** Header-only entries in the index (headers whose blocks have not arrived, failed headers). */
  get headerOnlyCount(): number {
    return this.index.headerOnlyCount;
  }

  /**
   * Checks and indexes a peer's headers, in order, each building on the one before (Core's
   * ProcessNewBlockHeaders). Returns the last one's entry, or null when the first connects to
   * nothing known. Throws RuleError (the code says how bad) or BlockIndexError (a broken
   * sequence, a full index); headers before the bad one stay accepted, as in Core.
   */
  acceptHeaders(headers: readonly BlockHeader[]): BlockEntry | null {
    return this.index.acceptHeaders(headers);
  }

  /** Every entry nothing builds on: the tips of the block tree (Core's getchaintips). */
  tips(): BlockEntry[] {
    const parents = new Set<BlockEntry>();
    for (const e of this.index.values()) if (e.prev) parents.add(e.prev);
    return [...this.index.values()].filter((e) => !parents.has(e));
  }

  entryAt(height: number): BlockEntry | undefined {
    return this.main[height];
  }

  isMain(entry: BlockEntry): boolean {
    return this.main[entry.height] === entry;
  }

  /** Bits required for the block after `parent` (default: the tip). */
  nextBits(parent: BlockEntry = this.tip): number {
    return nextWorkRequired(this.params, {
      height: parent.height,
      bits: parent.header.bits,
      time: parent.header.time,
    });
  }

  async getBlock(hash: BlockHash): Promise<Block | undefined> {
    const e = this.index.get(hash);
    if (!e?.haveData) return undefined;
    return (await this.loadBlock(e)).block;
  }

  cacheStats(): ChainCacheStats {
    let bytes = 0;
    for (const { raw } of this.cache.values()) bytes += raw.length;
    return {
      coins: this.connectDeps.coinCache.stats(),
      totals: this.connectDeps.totalsCache.stats(),
      blocks: { entries: this.cache.size, bytes, max: BLOCK_CACHE },
      coinView: this.connectDeps.coinView?.stats() ?? { entries: 0, bytes: 0, max: 0 },
      ...this.dbStats(),
    };
  }

  private dbStats(): { db?: StoreMemoryStats } {
    const db = this.store.memoryStats();
    return db ? { db } : {};
  }

  async getRawBlock(hash: BlockHash): Promise<Uint8Array | undefined> {
    const e = this.index.get(hash);
    if (!e?.haveData) return undefined;
    return this.cache.get(e.key)?.raw ?? this.store.get(keys.block(e.hash));
  }

  /**
   * The unspent coin at an outpoint, or undefined (missing or spent): from the unflushed
   * changes, else the coin cache the connect path fills, else the database.
   */
  getCoin(prevout: OutPoint): Promise<Coin | undefined> {
    const viewed = this.connectDeps.coinView?.get(prevout.key());
    if (viewed !== undefined) return Promise.resolve(viewed ?? undefined);
    const hit = this.connectDeps.coinCache.get(prevout.key());
    return hit ? Promise.resolve(hit) : queries.coin(this.store, prevout);
  }

  /** A confirmed transaction with where it sits, via the tx index. */
  async getTx(txid: Txid): Promise<{ tx: Tx; block: BlockEntry; index: number } | undefined> {
    const found = await this.getTxLocation(txid);
    if (!found) return undefined;
    const { block, index, offset, size } = found;
    const cached = this.cache.get(block.key)?.block.txs[index];
    if (cached) return { tx: cached, block, index };
    const bytes = await this.store.get(keys.block(block.hash));
    return bytes && { tx: Tx.fromBytes(bytes.subarray(offset, offset + size)), block, index };
  }

  /** Where a confirmed tx sits (main-chain block and position), without reading the block. */
  async getTxLocation(txid: Txid): Promise<(queries.TxLocation & { block: BlockEntry }) | undefined> {
    const loc = await queries.txLocation(this.store, txid);
    const block = loc && this.index.get(loc.blockHash);
    return block && loc ? { ...loc, block } : undefined;
  }

  /** Coins a connected main-chain block spent, per non-coinbase tx (undefined otherwise). */
  getBlockUndo(hash: BlockHash): Promise<Coin[][] | undefined> {
    const e = this.index.get(hash);
    return e && this.isMain(e) ? queries.blockUndo(this.store, e.hash) : Promise.resolve(undefined);
  }

  /** Spending input of an outpoint, if a main-chain tx spends it. */
  getSpender(txid: Txid, vout: number) {
    return queries.spender(this.store, txid, vout);
  }

  getAddressTotals(scripthash: Uint8Array): Promise<AddressTotals> {
    return queries.addressTotals(this.store, scripthash);
  }

  /** Confirmed history of a scripthash, newest first. */
  /**
   * Up to `limit` addresses starting with `prefix`, in order, from the address-search index;
   * null when the index does not cover the whole main chain (see indexes.ts addressSearchOps).
   */
  addressesWithPrefix(prefix: string, limit: number): Promise<string[] | null> {
    // Only the genesis block, whose one output has no address: nothing to search yet.
    if (this.tip.height === 0) return Promise.resolve([]);
    return queries.addressesWithPrefix(this.store, prefix, limit);
  }

  getAddressHistory(scripthash: Uint8Array, opts: queries.HistoryOptions = {}) {
    return queries.addressHistory(this.store, scripthash, opts);
  }

  /**
   * Unspent outputs of a scripthash in index order (txid bytes, then vout), at most `limit`,
   * strictly after the outpoint `after` when given: one bounded range read, so a page costs
   * O(limit) however many outputs the script holds.
   */
  getAddressUtxos(scripthash: Uint8Array, limit = 1000, after?: { txid: Txid; vout: number }) {
    return queries.addressUtxos(this.store, scripthash, limit, after);
  }

  /** Earliest main-chain anchor of a 32-byte commitment (chain/anchors.ts), or null. */
  getAnchor(commitment: Uint8Array): Promise<AnchorRecord | null> {
    return findAnchor(this.store, commitment);
  }

  /**
   * Count and SHA-256 of every coin in key order (like Core's gettxoutsetinfo), with the tip
   * they belong to: taken between block connections, so the three always agree.
   */
  utxoStats(): Promise<{ height: number; tip: string; count: number; hash: string }> {
    return this.exclusive(async () => {
      // Core's gettxoutsetinfo flushes too: the digest is read from the database alone.
      await this.flushCoins();
      const { count, hash } = await queries.utxoSetDigest(this.store);
      return { height: this.height, tip: this.tip.hashHex, count, hash };
    });
  }

  /**
   * Validates and stores a block, then activates the best chain. Throws RuleError if invalid.
   * A block parsed from bytes is stored as those bytes (Block.raw); one built in memory (the
   * miner's) is serialized here, once.
   */
  addBlock(block: Block): Promise<AddResult> {
    return this.exclusive(() => this.addBlockInner(block));
  }

  private async addBlockInner(block: Block): Promise<AddResult> {
    const hash = block.hash();
    const hex = block.hashHex();
    const known = this.index.get(hash);
    if (known?.failed) throw new RuleError('DUPLICATE_INVALID', hex);
    if (known?.haveData) return { status: 'duplicate', hash: hex, height: known.height };
    if (this.orphans.has(hash)) return { status: 'orphan', hash: hex, ...this.missing(hash) };

    // A header already in the index passed every header rule (Core's AcceptBlockHeader
    // returns early for a known entry): only its block is checked here.
    if (!known) checkHeaderContextFree(block.header, this.params);
    const parent = this.index.get(block.header.prevBlock);
    // A block on the tip will most likely be connected next: its coins are read while its
    // context-free checks run, and its scripts start before its contextual checks and storage.
    const coins = parent && parent === this.tip ? readCoins(this.connectDeps, block) : null;
    try {
      checkBlock(block, this.params);
    } catch (e) {
      // Core's AcceptBlock: a block breaking a rule marks its header failed, unless the block
      // may be a mutation of a valid one (merkle, witness), which says nothing of the header.
      if (known && e instanceof RuleError && !NOT_CACHED_INVALID.has(e.code)) await this.markFailed(known);
      throw e;
    }

    // A parent known only by its header has no block to build on yet: the orphan pool waits.
    if (!parent || (!parent.haveData && !parent.failed)) {
      this.orphans.add(block, this.deps.now());
      return { status: 'orphan', hash: hex, ...this.missing(hash) };
    }
    if (parent.failed) {
      await this.storeFailed(block.header, parent);
      throw new RuleError('BAD_PREVBLK', `parent ${parent.hashHex} is invalid`);
    }
    const raw = block.raw ?? block.toBytes();
    // Only for the pool: inline, preparing would verify every script before the cheap checks.
    if (coins && usesPool(this.connectDeps, block)) await this.speculate(block, raw, parent, coins);
    try {
      return await this.acceptBlock(block, raw, parent);
    } finally {
      if (this.early?.block === block) {
        dropConnect(this.early.prepared);
        this.early = null;
      }
    }
  }

  /**
   * Prepares the connection of `block` on `parent` (the tip) ahead of its contextual checks;
   * connectEntry uses it if the tip has not moved. A rule it breaks is reported later, in
   * Core's order, by the normal path, which checks everything again.
   */
  private async speculate(
    block: Block,
    raw: Uint8Array,
    parent: BlockEntry,
    coins: BlockCoins,
  ): Promise<void> {
    try {
      const spent = await coins.spent;
      if (this.tip !== parent) return;
      const entry = this.index.get(block.hash());
      const prepared = await prepareConnect(
        this.connectDeps,
        block,
        raw,
        parent,
        { spent, own: coins.own },
        this.mtpBefore,
        entry !== undefined && this.skipsScripts(entry),
      );
      this.early = { block, prepared };
    } catch {
      // Checked again after the contextual checks.
    }
  }

  /** Contextual checks, storage and activation of a block whose parent is known and valid. */
  private async acceptBlock(block: Block, raw: Uint8Array, parent: BlockEntry): Promise<AddResult> {
    const hash = block.hash();
    const hex = block.hashHex();
    const height = parent.height + 1;
    // Looked up again: the header may have been accepted from a peer while this block waited.
    let entry = this.index.get(hash);
    if (entry?.failed) throw new RuleError('DUPLICATE_INVALID', hex);
    try {
      entry ??= this.index.acceptHeader(block.header, parent, false);
      checkBlockContextual(block, { height, medianTimePast: parent.medianTimePast() }, this.params);
    } catch (e) {
      if (e instanceof RuleError && !NOT_CACHED_INVALID.has(e.code)) {
        // A header that broke a rule is indexed as failed already; a block that did fails its header.
        const bad = entry ?? this.index.get(hash);
        if (bad) await this.markFailed(bad);
      }
      throw e;
    }

    // The block and its index entry must be durable before any batch that makes it the tip (a
    // tip without its block would not survive a crash). ChainStore also issues writes strictly
    // in order; awaiting here keeps the rule visible and costs nothing measurable, since the
    // block's scripts are already being checked (speculate).
    await this.store.write([
      { type: 'put', key: keys.block(entry.hash), value: raw },
      { type: 'put', key: keys.entry(entry.hash), value: entry.encode(entry.status | STATUS.HAVE_DATA) },
    ]);
    this.index.setHaveData(entry);
    entry.seq = ++this.sequence;
    this.remember(block, raw);
    if (entry.chainWork >= this.tip.chainWork) this.candidates.add(entry);
    await this.activateBestChain();

    const failure = this.failures.get(entry);
    if (failure) {
      this.failures.delete(entry);
      throw failure;
    }
    const result: AddResult = { status: this.isMain(entry) ? 'connected' : 'side', hash: hex, height };
    for (const child of this.orphans.takeChildren(hash)) {
      try {
        await this.addBlockInner(child);
      } catch {
        // An invalid orphan is dropped; the peer that sent it is no longer known here.
      }
    }
    return result;
  }

  /** An orphan's result: the root of its orphan chain, shown as AddResult shows hashes. */
  private missing(hash: BlockHash): { missing?: string } {
    const root = this.orphans.root(hash);
    return root ? { missing: hashKey(root) } : {};
  }

  private async activateBestChain(): Promise<void> {
    for (;;) {
      // Core's FindMostWorkChain: most work, ties to the block received first. Entries tying
      // the tip stay candidates, so a reorg that fails midway can return to the old tip.
      let best: BlockEntry = this.tip;
      for (const c of this.candidates) {
        if (c.failed || c.chainWork < this.tip.chainWork) {
          this.candidates.delete(c);
          continue;
        }
        if (c.chainWork > best.chainWork || (c.chainWork === best.chainWork && c.seq < best.seq)) best = c;
      }
      if (best === this.tip) return;
      const fork = findFork(this.tip, best);
      const path: BlockEntry[] = [];
      for (let e: BlockEntry | null = best; e && e !== fork; e = e.prev) path.push(e);
      path.reverse();
      while (this.tip !== fork) await this.disconnectTip();
      for (const e of path) {
        try {
          await this.connectEntry(e);
        } catch (err) {
          if (!(err instanceof RuleError)) throw err;
          this.failures.set(e, err);
          await this.markFailed(e);
          break;
        }
      }
    }
  }

  /** Connects `e`, whose parent is the tip, in one atomic batch. */
  private async connectEntry(e: BlockEntry): Promise<void> {
    const { block, raw } = await this.loadBlock(e);
    const early = this.early;
    this.early = null;
    const skip = this.skipsScripts(e);
    let prepared: PreparedConnect;
    // Prepared early without scripts is used only if the scripts may still be skipped.
    if (
      early?.block === block &&
      early.prepared.parent === this.tip &&
      (skip || !early.prepared.scriptsSkipped)
    ) {
      prepared = early.prepared;
    } else {
      if (early) dropConnect(early.prepared);
      const coins = readCoins(this.connectDeps, block);
      const spent = await coins.spent;
      prepared = await prepareConnect(
        this.connectDeps,
        block,
        raw,
        this.tip,
        { spent, own: coins.own },
        this.mtpBefore,
        skip,
      );
    }
    await commitConnect(this.connectDeps, prepared);
    e.status |= STATUS.VALID_SCRIPTS;
    this.main.push(e);
    this.candidates.delete(e);
    if (this.connectDeps.coinView?.wantsFlush(this.deps.now())) await this.flushCoins();
    this.emit('connect', block, e);
  }

  /** Core's fScriptChecks decision under assumevalid, against the best header now. */
  private skipsScripts(e: BlockEntry): boolean {
    if (!this.assumeValid) return false;
    return skipsScripts(e, this.index.get(this.assumeValid), this.bestHeader(), this.params.targetSpacing);
  }

  /**
   * Marks a block or header and everything built on it invalid (Core's InvalidateBlock): if it
   * is on the main chain the chain disconnects down to its parent first, then the best chain
   * left is activated. Throws BlockIndexError for an unknown hash or genesis.
   */
  invalidateBlock(hash: BlockHash): Promise<void> {
    return this.exclusive(async () => {
      const e = this.index.get(hash);
      if (!e) throw new BlockIndexError('UNKNOWN_BLOCK', `block ${hashKey(hash)} is not in the index`);
      if (!e.prev) throw new BlockIndexError('GENESIS', 'the genesis block cannot be invalidated');
      while (this.isMain(e)) await this.disconnectTip();
      await this.markFailed(e);
      // Branches left behind by the disconnects may now lead: Core re-adds them as candidates.
      for (const x of this.index.values())
        if (x.haveData && !x.failed && x.chainWork >= this.tip.chainWork) this.candidates.add(x);
      await this.activateBestChain();
    });
  }

  /**
   * Core's reconsiderblock: the block, what builds on it and its ancestors lose their failed mark
   * (stored in one batch), and the best chain is activated again; a block that really breaks a
   * rule fails again as it connects. Throws BlockIndexError for an unknown hash.
   */
  reconsiderBlock(hash: BlockHash): Promise<void> {
    return this.exclusive(async () => {
      const e = this.index.get(hash);
      if (!e) throw new BlockIndexError('UNKNOWN_BLOCK', `block ${hashKey(hash)} is not in the index`);
      const ops: BatchOp[] = [];
      for (const x of this.index.reconsider(e)) {
        if (x.haveData || x.prev?.haveData)
          ops.push({ type: 'put', key: keys.entry(x.hash), value: x.encode() });
        if (x.haveData && x.chainWork >= this.tip.chainWork) this.candidates.add(x);
      }
      if (ops.length > 0) await this.store.write(ops);
      await this.activateBestChain();
    });
  }

  private async disconnectTip(): Promise<void> {
    const e = this.tip;
    if (!e.prev) throw new Error('cannot disconnect the genesis block');
    const { block } = await this.loadBlock(e);
    const undo = await this.store.get(keys.undo(e.hash));
    if (!undo) throw new Error(`missing undo data for ${e.hashHex}`);
    // The disconnect restores coins on disk, which must then hold this block's UTXO set.
    await this.flushCoins();
    await commitDisconnect(this.connectDeps, e, block, undo);
    this.main.pop();
    if (!e.failed) this.candidates.add(e);
    this.emit('disconnect', block, e);
  }

  /**
   * Marks `e` and its descendants failed. Stored are the entries with data, and `e` itself when
   * its parent has data (so a restart refuses it at once); a header-only descendant stays in
   * memory, since on disk its parent could be missing.
   */
  private async markFailed(e: BlockEntry): Promise<void> {
    const ops: BatchOp[] = [];
    for (const x of this.index.fail(e)) {
      this.candidates.delete(x);
      if (x.haveData || (x === e && x.prev?.haveData))
        ops.push({ type: 'put', key: keys.entry(x.hash), value: x.encode() });
    }
    if (ops.length > 0) await this.store.write(ops);
  }

  private async storeFailed(header: BlockHeader, parent: BlockEntry): Promise<void> {
    const entry = this.index.addFailed(header, parent);
    if (parent.haveData)
      await this.store.write([{ type: 'put', key: keys.entry(entry.hash), value: entry.encode() }]);
  }

  private async loadBlock(e: BlockEntry): Promise<{ block: Block; raw: Uint8Array }> {
    const cached = this.cache.get(e.key);
    if (cached) return cached;
    const raw = await this.store.get(keys.block(e.hash));
    if (!raw) throw new Error(`block ${e.hashHex} is indexed but not stored`);
    const block = Block.fromBytes(raw);
    this.remember(block, raw);
    return { block, raw };
  }

  private remember(block: Block, raw: Uint8Array): void {
    const key = hashKey(block.hash());
    this.cache.delete(key);
    this.cache.set(key, { block, raw });
    while (this.cache.size > BLOCK_CACHE) this.cache.delete(this.cache.keys().next().value as HashKey);
  }

  /** Rebuilds the in-memory index and main chain from the database. */
  private async load(): Promise<void> {
    const { entries, main } = await readBlockIndex(this.store);
    // A stored block's header was checked before it was stored; the main chain was connected.
    for (const e of entries.values()) {
      if (e.haveData) e.status |= STATUS.VALID_TREE;
      this.index.add(e);
    }
    for (const e of main) e.status |= STATUS.VALID_SCRIPTS;
    this.main.push(...main);
    const tip = this.tip;
    for (const e of this.index.values()) {
      if (e.haveData && !e.failed && e.chainWork > tip.chainWork) this.candidates.add(e);
    }
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
