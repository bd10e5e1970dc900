/**
 * The mempool: Bitcoin Core's AcceptToMemoryPool (validation.cpp) on top of CTxMemPool
 * (txmempool.cpp) and TxOrphanage, with its dependencies injected (STYLE.md rule 1): the
 * confirmed UTXO set, the chain tip, median times past and a clock.
 *
 * `accept` calls run one at a time through a promise queue, so a transaction is checked and
 * inserted atomically with respect to other accepts. Block updates (`removeForBlock`) are
 * synchronous and may land while an accept waits for coins; each accept therefore records a
 * generation counter and the tip before awaiting and starts over if either moved.
 *
 * After an accept: expire entries older than two weeks (Core's -mempoolexpiry 336 h), trim to
 * the size limit (TrimToSize, lowest descendant score first), and if the new transaction was
 * trimmed itself reject it as 'mempool full'. Then orphans spending its outputs are retried,
 * recursively.
 *
 * Chain updates, in the order the chain makes them: for each connected block
 * `removeForBlock(block)`; after a reorg, `reAddDisconnected(txs)` with the disconnected
 * blocks' transactions in block order (oldest block first), which also removes entries the
 * new tip makes invalid (Core's MaybeUpdateMempoolForReorg / removeForReorg).
 */
import type { ScriptCache } from '../chain/script-cache.js';
import { SignatureCache } from '../chain/sig-cache.js';
import { systemRandom } from '../clock.js';
import type { Coin } from '../consensus/tx-inputs.js';
import type { Block } from '../protocol/block.js';
import type { EcdsaBackend } from '../protocol/ecdsa.js';
import { hashKey, type Txid, type Wtxid } from '../protocol/ids.js';
import type { NetworkParams } from '../protocol/params.js';
import { OutPoint, type Tx } from '../protocol/tx.js';
import {
  type ChainTip,
  checkTx,
  confirmedOutpoints,
  mtpHeightsNeeded,
  type Policy,
  preChecks,
  resolveInputs,
  type Workspace,
} from './accept.js';
import { ancestorsOf, descendantsOf, type Entry, type MempoolEntry } from './entry.js';
import { TxRejectError } from './errors.js';
import { Listeners, type MempoolEvents, type RemovalReason } from './events.js';
import {
  DEFAULT_DUST_RELAY_FEE_RATE,
  DEFAULT_INCREMENTAL_RELAY_FEE_RATE,
  DEFAULT_MIN_RELAY_FEE_RATE,
  type FeeRate,
  feeRate,
  maxRate,
} from './fee-rate.js';
import { DEFAULT_PACKAGE_LIMITS } from './limits.js';
import { OrphanPool } from './orphans.js';
import { acceptPackage, type PackageHooks, type PackageOptions, type PackageResult } from './package.js';
import { TxPool } from './pool.js';
import { findStale } from './reorg.js';
import { type Replacement, ReplacementLog } from './replacements.js';
import { RollingMinFee } from './rolling-fee.js';
import {
  type Accepted,
  type AcceptOptions,
  type AcceptResult,
  DEFAULT_MAX_MEMPOOL_USAGE,
  DEFAULT_MEMPOOL_EXPIRY,
  type MempoolDeps,
  type MempoolInfo,
  type MempoolOptions,
  type Orphaned,
  type TestAccepted,
} from './types.js';

const NO_MTP: ReadonlyMap<number, number> = new Map();

interface AcceptOpts {
  readonly bypassFees: boolean;
  readonly orphan: boolean;
  readonly peer?: string;
  readonly maxFee?: bigint;
}

export class Mempool {
  private readonly params: NetworkParams;
  private readonly deps: MempoolDeps;
  private readonly policy: Policy;
  private readonly maxUsage: number;
  private readonly expiry: number;
  private readonly backend?: EcdsaBackend;
  private readonly scriptCache?: ScriptCache;
  private readonly sigCache: SignatureCache;
  private readonly pool = new TxPool();
  private readonly orphans: OrphanPool;
  private readonly rolling: RollingMinFee;
  private readonly listeners = new Listeners();
  private readonly replacements: ReplacementLog;
  private queue: Promise<unknown> = Promise.resolve();
  /** Bumped by every change made outside the accept queue. */
  private generation = 0;

  constructor(opts: MempoolOptions, deps: MempoolDeps) {
    this.params = opts.params;
    this.deps = deps;
    this.maxUsage = opts.maxUsage ?? DEFAULT_MAX_MEMPOOL_USAGE;
    this.expiry = opts.expiry ?? DEFAULT_MEMPOOL_EXPIRY;
    if (opts.backend) this.backend = opts.backend;
    if (opts.scriptCache) this.scriptCache = opts.scriptCache;
    this.sigCache = opts.sigCache ?? new SignatureCache();
    this.policy = {
      minRelayFeeRate: opts.minRelayFeeRate ?? DEFAULT_MIN_RELAY_FEE_RATE,
      incrementalRelayFeeRate: opts.incrementalRelayFeeRate ?? DEFAULT_INCREMENTAL_RELAY_FEE_RATE,
      standard: {
        dustRelayFeeRate: opts.dustRelayFeeRate ?? DEFAULT_DUST_RELAY_FEE_RATE,
        maxDatacarrierBytes: opts.maxDatacarrierBytes === undefined ? 83 : opts.maxDatacarrierBytes,
        permitBareMultisig: opts.permitBareMultisig ?? true,
      },
      limits: { ...DEFAULT_PACKAGE_LIMITS, ...opts.limits },
    };
    this.orphans = new OrphanPool(opts.orphans ?? {}, {
      now: () => deps.now(),
      random: deps.random ? () => deps.random!() : () => systemRandom.float(),
    });
    this.rolling = new RollingMinFee(this.policy.incrementalRelayFeeRate);
    this.replacements = new ReplacementLog(opts.replacementMemory);
  }

  // ---------------------------------------------------------------------------------------
  // Acceptance

  /**
   * Validates `tx` and adds it, or keeps it as an orphan when inputs are unknown (unless
   * `orphan: false`, as for RPC submissions, which Core never keeps). Rejections throw
   * TxRejectError (see errors.ts); failures of the injected deps propagate as they are.
   * `maxFee` (satoshis) refuses a valid tx paying more with MAX_FEE_EXCEEDED, after every
   * other check, as Core's ATMP did with its max_tx_fee argument.
   */
  accept(tx: Tx, opts: AcceptOptions = {}): Promise<AcceptResult> {
    return this.serial(async () => {
      const result = await this.acceptOne(tx, { bypassFees: false, orphan: true, ...opts });
      // With no orphans (the usual case) there is nothing to retry and nothing to await.
      if (result.status !== 'accepted' || this.orphans.size === 0) return result;
      return { ...result, orphansAccepted: await this.processOrphans(result.entry.tx) };
    });
  }

  /**
   * Core's test_accept: every check `accept` makes, in its order and queue, without adding
   * the tx, keeping it as an orphan, replacing anything or announcing it. Missing inputs are
   * MISSING_INPUTS (or ALREADY_KNOWN when the tx is itself confirmed). Core skips the size
   * limit here too: a tx that would be trimmed at once still passes.
   */
  testAccept(tx: Tx): Promise<TestAccepted> {
    return this.serial(async () => {
      const ws = await this.check(tx, { bypassFees: false, orphan: false });
      if (!('entry' in ws)) throw new Error('testAccept: an orphan was kept');
      const { entry } = ws;
      return {
        txid: entry.txid,
        wtxid: entry.wtxid,
        fee: entry.fee,
        vsize: entry.vsize,
        weight: entry.weight,
      };
    });
  }

  /**
   * Core's submitpackage path: a child with its unconfirmed parents, judged together when a
   * parent alone pays too little (package.ts). Throws PackageError for a malformed package;
   * nothing is kept as an orphan.
   */
  acceptPackage(txs: readonly Tx[], opts: PackageOptions = {}): Promise<PackageResult> {
    return this.serial(async () => {
      const hooks: PackageHooks = {
        inPool: (tx) => this.pool.byWtxid.get(tx.wtxidHex()) ?? this.pool.byTxid.get(tx.txidHex()),
        check: async (tx, bypassFees) => {
          const ws = await this.check(tx, { bypassFees, orphan: false });
          if (!('entry' in ws)) throw new Error('acceptPackage: an orphan was kept');
          return ws;
        },
        finalize: (ws) => this.finalize(ws, false).replaced.map((e) => e.txid),
        stage: (entry) => this.pool.add(entry),
        unstage: (entries) => this.pool.remove(new Set(entries.filter((e) => !e.removed))),
        commit: (entries) => {
          for (const e of entries) {
            this.orphans.remove(e.wtxid);
            this.listeners.emitAdded(e);
          }
          this.limitSize();
          return entries.filter((e) => e.removed);
        },
        minFeeRate: () => this.minFeeRate(),
      };
      return acceptPackage(txs, hooks, opts);
    });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }

  private async acceptOne(tx: Tx, opts: AcceptOpts): Promise<Accepted | Orphaned> {
    const checked = await this.check(tx, opts);
    if (!('entry' in checked)) return checked;
    if (opts.maxFee !== undefined && checked.entry.fee > opts.maxFee)
      throw new TxRejectError('MAX_FEE_EXCEEDED', `${checked.entry.fee} > ${opts.maxFee}`);
    return this.finalize(checked, opts.bypassFees);
  }

  /** Every check of AcceptToMemoryPool; changes nothing but the orphan pool (when allowed). */
  private async check(tx: Tx, opts: AcceptOpts): Promise<Workspace | Orphaned> {
    for (;;) {
      const generation = this.generation;
      const tip = this.deps.tip();
      const ctx = { params: this.params, policy: this.policy, pool: this.pool, tip };
      preChecks(tx, ctx);
      const fetched = await this.fetchCoins(confirmedOutpoints(tx, this.pool));
      if (!this.stable(generation, tip)) continue;
      const inputs = resolveInputs(tx, this.pool, fetched, tip);
      if (inputs.kind === 'missing') {
        if (await this.outputsKnown(tx)) throw new TxRejectError('ALREADY_KNOWN');
        if (!opts.orphan) throw new TxRejectError('MISSING_INPUTS', `parents ${inputs.parents.join(', ')}`);
        const stored = this.orphans.add(tx, inputs.parents, opts.peer);
        const ids = { txid: tx.txidHex(), wtxid: tx.wtxidHex() };
        return { status: 'orphan', ...ids, missingParents: inputs.parents, stored };
      }
      // Most txs need no median time past (BIP68 time locks are rare): no await for them.
      const heights = mtpHeightsNeeded(tx, inputs.coins, tip);
      let mtp = NO_MTP;
      if (heights.length > 0) {
        mtp = await this.fetchMtp(heights);
        if (!this.stable(generation, tip)) continue;
      }
      const now = this.deps.now();
      // One object literal of one shape (no spreads), so checkTx's reads of it stay monomorphic.
      return checkTx(tx, inputs.coins, {
        params: this.params,
        policy: this.policy,
        pool: this.pool,
        tip,
        now,
        mempoolMinFeeRate: this.rolling.get(now, this.pool.usage(), this.maxUsage),
        bypassFees: opts.bypassFees,
        mtp,
        backend: this.backend,
        scriptCache: this.scriptCache,
        sigCache: this.sigCache,
      });
    }
  }

  private stable(generation: number, tip: ChainTip): boolean {
    const now = this.deps.tip();
    return (
      generation === this.generation && now.height === tip.height && now.medianTimePast === tip.medianTimePast
    );
  }

  /** The confirmed coins at these outpoints, by OutPoint.key(). */
  private async fetchCoins(outpoints: readonly OutPoint[]): Promise<Map<string, Coin | undefined>> {
    const coins = await Promise.all(outpoints.map((o) => this.deps.getCoin(o)));
    return new Map(outpoints.map((o, i) => [o.key(), coins[i]]));
  }

  private async fetchMtp(heights: readonly number[]): Promise<Map<number, number>> {
    if (heights.length === 0) return new Map();
    const times = await Promise.all(heights.map((h) => this.deps.medianTimePast(h)));
    return new Map(heights.map((h, i) => [h, times[i]!]));
  }

  /** Core's "txn-already-known" test: are inputs missing because the tx itself is confirmed? */
  private async outputsKnown(tx: Tx): Promise<boolean> {
    const txid = tx.txid();
    const outpoints = tx.outputs.map((_, i) => new OutPoint(txid, i));
    for (const coin of (await this.fetchCoins(outpoints)).values()) if (coin) return true;
    return false;
  }

  /** Finalize + LimitMempoolSize. */
  private finalize(ws: Workspace, bypassLimits: boolean): Accepted {
    const { entry } = ws;
    const replaced = [...ws.evicted];
    const now = this.deps.now();
    for (const e of replaced) this.replacements.record(e.txid, entry.txid, now);
    this.replacements.forget(entry.txid);
    this.removeEntries(ws.evicted, 'replaced');
    this.pool.add(entry);
    this.orphans.remove(entry.wtxid);
    if (!bypassLimits) {
      this.limitSize(entry);
      if (entry.removed) throw new TxRejectError('MEMPOOL_FULL');
    }
    this.listeners.emitAdded(entry);
    return { status: 'accepted', entry, replaced, orphansAccepted: [] };
  }

  /** Retries orphans waiting on `parent`'s outputs (and theirs, in turn). */
  private async processOrphans(parent: Tx): Promise<MempoolEntry[]> {
    const accepted: MempoolEntry[] = [];
    const work = [...this.orphans.childrenOf(parent)];
    while (work.length > 0) {
      const orphan = work.shift()!;
      if (!this.orphans.has(orphan.wtxid)) continue;
      try {
        const r = await this.acceptOne(orphan.tx, { bypassFees: false, orphan: true });
        if (r.status === 'accepted') {
          accepted.push(r.entry);
          work.push(...this.orphans.childrenOf(orphan.tx));
        }
      } catch (e) {
        if (!(e instanceof TxRejectError)) throw e;
        this.orphans.remove(orphan.wtxid);
      }
    }
    return accepted;
  }

  // ---------------------------------------------------------------------------------------
  // Removal and size

  private removeEntries(set: ReadonlySet<Entry>, reason: RemovalReason, silent?: Entry): void {
    if (set.size === 0) return;
    this.pool.remove(set);
    for (const e of set) if (e !== silent) this.listeners.emitRemoved(e, reason);
  }

  /** LimitMempoolSize: Expire, then TrimToSize. `fresh` is not announced if trimmed. */
  private limitSize(fresh?: Entry): void {
    const cutoff = this.deps.now() - this.expiry;
    const old: Entry[] = [];
    for (const e of this.pool.byTxid.values()) {
      if (e.time >= cutoff) break;
      old.push(e);
    }
    this.removeEntries(this.pool.withDescendants(old), 'expiry', fresh);
    while (this.pool.usage() > this.maxUsage) {
      const worst = this.pool.heap.peek();
      if (!worst) break;
      this.rolling.packageRemoved(
        feeRate(worst.descendantFee, worst.descendantSize) + this.policy.incrementalRelayFeeRate,
      );
      this.removeEntries(this.pool.withDescendants([worst]), 'size-limit', fresh);
    }
  }

  /**
   * Core's removeForBlock: drops the block's transactions (their in-pool children stay, now
   * with a confirmed parent), then every entry spending a coin the block spent, with its
   * descendants; forgets orphans the block confirms or conflicts with.
   */
  removeForBlock(block: Block): { mined: MempoolEntry[]; conflicts: MempoolEntry[] } {
    this.generation++;
    const mined = new Set<Entry>();
    for (const tx of block.txs) {
      const e = this.pool.byTxid.get(tx.txidHex());
      if (e) mined.add(e);
    }
    this.removeEntries(mined, 'block');
    const conflicts = new Set<Entry>();
    for (const tx of block.txs) {
      if (tx.isCoinbase()) continue;
      for (const input of tx.inputs) {
        const spender = this.pool.spenders.get(input.prevout.key());
        if (spender) conflicts.add(spender);
      }
    }
    const gone = this.pool.withDescendants(conflicts);
    this.removeEntries(gone, 'conflict');
    this.orphans.eraseForBlock(block);
    this.rolling.blockConnected(this.deps.now());
    return { mined: [...mined], conflicts: [...gone] };
  }

  /**
   * Puts back the transactions of disconnected blocks (block order, coinbases skipped) without
   * fee floors; ones that no longer fit are dropped. Then removes entries the new tip makes
   * invalid (inputs gone, immature coinbase, non-final, BIP68-locked), expires and trims.
   */
  reAddDisconnected(txs: readonly Tx[]): Promise<{ added: MempoolEntry[]; removed: MempoolEntry[] }> {
    return this.serial(async () => {
      const added: MempoolEntry[] = [];
      for (const tx of txs) {
        if (tx.isCoinbase()) continue;
        try {
          const r = await this.acceptOne(tx, { bypassFees: true, orphan: false });
          if (r.status === 'accepted') added.push(r.entry);
        } catch (e) {
          if (!(e instanceof TxRejectError)) throw e;
        }
      }
      const removed = await this.removeStale();
      this.limitSize();
      return { added: added.filter((e) => !(e as Entry).removed), removed };
    });
  }

  /** removeForReorg: entries (with descendants) that are no longer valid at the new tip. */
  private async removeStale(): Promise<MempoolEntry[]> {
    for (;;) {
      const generation = this.generation;
      const tip = this.deps.tip();
      const entries = [...this.pool.byTxid.values()];
      const outpoints = entries.flatMap((e) => confirmedOutpoints(e.tx, this.pool));
      const coins = await this.fetchCoins(outpoints);
      if (!this.stable(generation, tip)) continue;
      const heights = entries.flatMap((e) => {
        const r = resolveInputs(e.tx, this.pool, coins, tip);
        return r.kind === 'found' ? mtpHeightsNeeded(e.tx, r.coins, tip) : [];
      });
      const mtp = await this.fetchMtp([...new Set(heights)]);
      if (!this.stable(generation, tip)) continue;
      const stale = findStale(entries, this.pool, coins, mtp, tip, this.params);
      const gone = this.pool.withDescendants(stale);
      this.removeEntries(gone, 'reorg');
      return [...gone];
    }
  }

  // ---------------------------------------------------------------------------------------
  // Queries

  get size(): number {
    return this.pool.count;
  }

  /** By txid (display hex). */
  /**
   * The recent replacement of `txid` (bounded memory, see replacements.ts), with the newest
   * transaction of its chain of replacements; undefined if none is remembered.
   */
  replacedBy(txid: Txid): (Replacement & { latest: string }) | undefined {
    const key = hashKey(txid);
    const r = this.replacements.get(key);
    return r && { ...r, latest: this.replacements.latest(key) ?? r.replacedBy };
  }

  get(txid: Txid): MempoolEntry | undefined {
    return this.pool.byTxid.get(hashKey(txid));
  }

  getByWtxid(wtxid: Wtxid): MempoolEntry | undefined {
    return this.pool.byWtxid.get(hashKey(wtxid));
  }

  /** By txid or wtxid. */
  has(id: Txid | Wtxid): boolean {
    const key = hashKey(id);
    return this.pool.byTxid.has(key) || this.pool.byWtxid.has(key);
  }

  txids(): string[] {
    return [...this.pool.byTxid.keys()];
  }

  /** Every entry, oldest first. */
  entries(): IterableIterator<MempoolEntry> {
    return this.pool.byTxid.values();
  }

  /** The entry spending an outpoint, if any. */
  spender(prevout: OutPoint): MempoolEntry | undefined {
    return this.pool.spenders.get(prevout.key());
  }

  /** In-pool ancestors of an entry (not itself); empty for an unknown txid. */
  ancestors(txid: Txid): MempoolEntry[] {
    const e = this.pool.byTxid.get(hashKey(txid));
    return e ? [...ancestorsOf([e])] : [];
  }

  /** In-pool descendants of an entry (not itself). */
  descendants(txid: Txid): MempoolEntry[] {
    const e = this.pool.byTxid.get(hashKey(txid));
    return e ? [...descendantsOf([e])] : [];
  }

  /** By txid or wtxid. */
  hasOrphan(id: Txid | Wtxid): boolean {
    return this.orphans.has(hashKey(id));
  }

  /** Forgets orphans a peer sent (call when it disconnects). */
  eraseOrphansForPeer(peer: string): number {
    return this.orphans.eraseForPeer(peer);
  }

  /**
   * Core's CTxMemPool::GetMinFee: the rolling minimum alone, 0 until the mempool has been full.
   * What BIP133 fee filters round; the minimum relay fee is applied after rounding.
   */
  rollingMinFeeRate(): FeeRate {
    return this.rolling.get(this.deps.now(), this.pool.usage(), this.maxUsage);
  }

  /** The fee rate a new transaction must reach now, sat/kvB. */
  minFeeRate(): FeeRate {
    const rolling = this.rolling.get(this.deps.now(), this.pool.usage(), this.maxUsage);
    return maxRate(rolling, this.policy.minRelayFeeRate);
  }

  info(): MempoolInfo {
    return {
      count: this.pool.count,
      vsize: this.pool.totalVsize,
      bytes: this.pool.totalSize,
      usage: this.pool.usage(),
      maxUsage: this.maxUsage,
      totalFee: this.pool.totalFee,
      minFeeRate: this.minFeeRate(),
      orphans: this.orphans.size,
    };
  }

  /** Subscribes to 'added' / 'removed'; returns the unsubscribe function. */
  on<K extends keyof MempoolEvents>(event: K, fn: MempoolEvents[K]): () => void {
    return this.listeners.on(event, fn);
  }
}
