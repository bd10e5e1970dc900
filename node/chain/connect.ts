/**
 * Connecting and disconnecting one block against the UTXO set (Core's ConnectBlock /
 * DisconnectBlock plus the index writes), in two steps so script checks overlap everything
 * else: `prepareConnect` runs every non-script input rule (consensus/block-connect.ts) on the
 * coins the block spends, starts the scripts in the pool and fills the block's batch (undo,
 * indexes, tip, and the UTXO changes unless a coin view holds them for a later flush:
 * coin-view.ts); `commitConnect` helps the pool and writes the batch only once every rule and
 * every script passed, then hands the UTXO changes to the view. Nothing is written before
 * that, so a failing block leaves the tip and the UTXO set as they were. Preparing has no side effect, which lets the chain
 * prepare a block on its tip before the block's contextual checks are done and drop it if they
 * fail or the tip moves.
 *
 * BIP30 needs the block's own outpoints, which are (nearly always) absent from the database; so
 * as not to hold the scripts back, they are read apart from the spent coins and checked before
 * the batch is written, with BIP30's failure taking precedence over any other input rule's,
 * exactly as if checkBlockInputs had checked it first.
 */
import { checkBip30, checkBlockInputs } from '../consensus/block-connect.js';
import { RuleError } from '../consensus/errors.js';
import { blockScriptFlags } from '../consensus/script-flags.js';
import { blockSubsidy } from '../consensus/subsidy.js';
import type { Coin } from '../consensus/tx-inputs.js';
import type { Block } from '../protocol/block.js';
import type { EcdsaBackend } from '../protocol/ecdsa.js';
import type { NetworkParams } from '../protocol/params.js';
import { OutPoint } from '../protocol/tx.js';
import { anchorIndexOps } from './anchors.js';
import type { CoinCache, TotalsCache } from './caches.js';
import type { CoinView } from './coin-view.js';
import { decodeCoin, decodeUndo, encodeUndo } from './coins.js';
import type { BlockEntry } from './entry.js';
import {
  addressSearchOps,
  addTotals,
  type BatchSink,
  blockIndexOps,
  type Deltas,
  decodeTotals,
  emptyTotals,
  encodeTotals,
} from './indexes.js';
import { keys } from './layout.js';
import type { ScriptCache } from './script-cache.js';
import { PARALLEL_MIN_INPUTS, type ScriptCheck, type ScriptPool } from './script-pool.js';
import type { ChainStore, StoreBatch } from './store.js';

export interface ConnectDeps {
  readonly store: ChainStore;
  readonly params: NetworkParams;
  readonly scriptPool: ScriptPool | null;
  readonly coinCache: CoinCache;
  /** Unflushed coin changes (coin-view.ts); null writes each block's coins with its batch. */
  readonly coinView: CoinView | null;
  /** Seconds, for the coin view's age bound. */
  readonly now: () => number;
  readonly totalsCache: TotalsCache;
  /** Transactions whose scripts the mempool verified under a block's flags (script-cache.ts). */
  readonly scriptCache?: ScriptCache | null;
  /** Signature backend for scripts verified on this thread (the workers use the default). */
  readonly backend?: EcdsaBackend;
  /** Keep the address-search index (GET /address-prefix; indexes.ts addressSearchOps). */
  readonly addressSearch?: boolean;
}

/** What a block reads from the UTXO set: the coins it spends, and its own outpoints (BIP30). */
export interface BlockCoins {
  readonly spent: Promise<Map<string, Coin>>;
  readonly own: Promise<Map<string, Coin>>;
}

/** A block whose non-script input rules passed on `parent` (the tip then); see the header. */
export interface PreparedConnect {
  readonly block: Block;
  readonly height: number;
  readonly parent: BlockEntry;
  readonly own: Promise<Map<string, Coin>>;
  /** Null when the scripts were verified inline (small block or no pool). */
  readonly scripts: ScriptCheck | null;
  readonly batch: StoreBatch;
  readonly deltas: Deltas;
  readonly totals: Promise<(Uint8Array | undefined)[]>;
  /** Prepared under assumevalid: no script was or will be checked (assume-valid.ts). */
  readonly scriptsSkipped: boolean;
}

/**
 * Starts reading what `block` needs from the UTXO set: the coin view's unflushed changes first
 * (a coin spent there is gone, whatever the database still says), then the cache, then LevelDB.
 */
export function readCoins(deps: ConnectDeps, block: Block): BlockCoins {
  const missing: OutPoint[] = [];
  const spent = new Map<string, Coin>();
  const own: OutPoint[] = [];
  const ownFound = new Map<string, Coin>();
  const view = deps.coinView;
  for (const tx of block.txs) {
    if (!tx.isCoinbase()) {
      for (const { prevout } of tx.inputs) {
        const k = prevout.key();
        const viewed = view?.get(k);
        if (viewed !== undefined) {
          if (viewed) spent.set(k, viewed);
          continue;
        }
        const hit = deps.coinCache.get(k);
        if (hit) spent.set(k, hit);
        else missing.push(prevout);
      }
    }
    const txid = tx.txid();
    for (let i = 0; i < tx.outputs.length; i++) {
      const op = new OutPoint(txid, i);
      const viewed = view && view.size > 0 ? view.get(op.key()) : undefined;
      if (viewed === undefined) own.push(op);
      else if (viewed) ownFound.set(op.key(), viewed);
    }
  }
  const result = {
    spent: missing.length === 0 ? Promise.resolve(spent) : readInto(deps.store, missing, spent),
    own: readInto(deps.store, own, ownFound),
  };
  // Either may go unawaited when a check fails first.
  result.spent.catch(() => undefined);
  result.own.catch(() => undefined);
  return result;
}

async function readInto(
  store: ChainStore,
  ops: OutPoint[],
  into: Map<string, Coin>,
): Promise<Map<string, Coin>> {
  const values = await store.getMany(ops.map((o) => keys.coin(o.txid, o.index)));
  for (let i = 0; i < ops.length; i++) {
    const v = values[i];
    if (v) into.set(ops[i]!.key(), decodeCoin(v));
  }
  return into;
}

/**
 * Checks `block`'s inputs on top of `parent`, which must be the tip, against `spent` (the coins
 * readCoins found on that tip), starts its script checks, fills its batch and starts reading
 * its address totals. Throws RuleError. `mtpBefore(h)` is the median time past of main-chain
 * block h - 1. With `skipScripts` (assumevalid) no script runs, not even those in the script
 * cache, which is left untouched. The result must be committed or dropped (`dropConnect`).
 */
export async function prepareConnect(
  deps: ConnectDeps,
  block: Block,
  raw: Uint8Array,
  parent: BlockEntry,
  coins: { spent: Map<string, Coin>; own: Promise<Map<string, Coin>> },
  mtpBefore: (height: number) => number,
  skipScripts = false,
): Promise<PreparedConnect> {
  const height = parent.height + 1;
  const flags = blockScriptFlags(height, deps.params);
  const cached = skipScripts ? NONE_CACHED : takeCached(deps.scriptCache, block, flags);
  const pool = !skipScripts && usesPool(deps, block, cached) ? deps.scriptPool : null;
  let spent: ReturnType<typeof checkBlockInputs>['spent'];
  try {
    // The view holds no own outpoint, so the BIP30 check inside passes; the real one follows.
    spent = checkBlockInputs(
      block,
      coins.spent,
      {
        height,
        subsidy: blockSubsidy(height, deps.params),
        flags,
        mtpOfBlockBefore: mtpBefore,
        deferScripts: pool !== null,
        ...(skipScripts
          ? { scriptsCached: () => true }
          : cached.size > 0
            ? { scriptsCached: (i: number) => cached.has(i) }
            : {}),
        ...(deps.backend ? { backend: deps.backend } : {}),
      },
      deps.params,
    ).spent;
  } catch (e) {
    if (e instanceof RuleError) checkBip30(block, await coins.own);
    throw e;
  }
  const undo = encodeUndo(spent);
  const scripts = pool?.start(block, raw, spent, flags, undo, cached) ?? null;
  // The rest overlaps the scripts: the batch (nothing is written before commitConnect).
  const hash = block.hash();
  const batch = deps.store.batch();
  const deltas = blockIndexOps(batch, block, height, spent, 1, deps.coinView === null);
  addressSearchOps(batch, block, height, 1, deps.addressSearch ? deps.params.address : null);
  anchorIndexOps(batch, block, height, 1);
  batch.put(keys.undo(hash), undo);
  batch.put(keys.height(height), hash);
  batch.put(keys.tip(), hash);
  if (!deps.coinView) batch.put(keys.coinTip(), hash);
  const totals = readTotals(deps, deltas);
  totals.catch(() => undefined); // awaited by commitConnect, unless the block is dropped
  return {
    block,
    height,
    parent,
    own: coins.own,
    scripts,
    batch,
    deltas,
    totals,
    scriptsSkipped: skipScripts,
  };
}

/**
 * Whether `block`'s scripts go to the pool (else they are verified inline, in order); the
 * transactions in `cached` need no check and do not count.
 */
export function usesPool(
  deps: ConnectDeps,
  block: Block,
  cached: ReadonlySet<number> = NONE_CACHED,
): boolean {
  if (!deps.scriptPool) return false;
  let inputs = 0;
  for (let t = 1; t < block.txs.length; t++) if (!cached.has(t)) inputs += block.txs[t]!.inputs.length;
  return inputs >= PARALLEL_MIN_INPUTS;
}

const NONE_CACHED: ReadonlySet<number> = new Set();

/** Indexes of `block`'s transactions whose script-cache entry under `flags` was there (now used up). */
function takeCached(cache: ScriptCache | null | undefined, block: Block, flags: number): ReadonlySet<number> {
  if (!cache || cache.size === 0) return NONE_CACHED;
  const hits = new Set<number>();
  for (let t = 1; t < block.txs.length; t++) if (cache.take(block.txs[t]!.wtxid(), flags)) hits.add(t);
  return hits;
}

/** Gives up a prepared block: its script checks stop and its batch is never written. */
export function dropConnect(p: PreparedConnect): void {
  p.scripts?.abandon();
  p.batch.discard().catch(() => undefined);
}

/**
 * Completes `p`'s batch, helps check its scripts, then writes the batch (one atomic write) if
 * BIP30 and every script passed; throws RuleError (TX_BIP30 first, then SCRIPT_FAILED),
 * writing nothing, if not. The caches learn the block once it is written.
 */
export async function commitConnect(deps: ConnectDeps, p: PreparedConnect): Promise<void> {
  const { block, scripts, batch } = p;
  let written = false;
  try {
    const totals = addTotalOps(batch, p.deltas, await p.totals);
    scripts?.help();
    const bad = await scripts?.result();
    checkBip30(block, await p.own);
    if (bad) {
      const txid = block.txs[bad.txIndex]!.txidHex();
      throw new RuleError(
        'SCRIPT_FAILED',
        `input ${bad.inputIndex}: SCRIPT_ERR_${bad.scriptError} in tx ${bad.txIndex} ${txid}`,
        bad,
      );
    }
    written = true;
    await batch.write();
    deps.coinView?.connected(block, p.height, deps.now());
    deps.coinCache.connected(block, p.height);
    for (const [k, v] of totals) deps.totalsCache.set(k, v);
  } finally {
    if (!written) dropConnect(p);
  }
}

/**
 * Writes the batch that undoes tip `e` (its block and undo data given), coins included: the
 * coin view must have been flushed (the UTXO set on disk is then `e`'s, and becomes its parent's).
 */
export async function commitDisconnect(
  deps: ConnectDeps,
  e: BlockEntry,
  block: Block,
  undo: Uint8Array,
): Promise<void> {
  const prev = e.prev;
  if (!prev) throw new Error('cannot disconnect the genesis block');
  if (deps.coinView && deps.coinView.size > 0) throw new Error('disconnect with unflushed coin changes');
  // Emptied first: whatever happens to the write, they must not outlive the state they mirror.
  deps.coinCache.clear();
  deps.totalsCache.clear();
  const batch = deps.store.batch();
  let written = false;
  try {
    const deltas = blockIndexOps(batch, block, e.height, decodeUndo(undo), -1);
    addressSearchOps(batch, block, e.height, -1, deps.addressSearch ? deps.params.address : null);
    anchorIndexOps(batch, block, e.height, -1);
    batch.del(keys.undo(e.hash));
    batch.del(keys.height(e.height));
    batch.put(keys.tip(), prev.hash);
    batch.put(keys.coinTip(), prev.hash);
    addTotalOps(batch, deltas, await readTotals(deps, deltas));
    written = true;
    await batch.write();
  } finally {
    if (!written) await batch.discard();
  }
}

/** The stored totals of every scripthash in `deltas`, in the map's order (cache first). */
async function readTotals(deps: ConnectDeps, deltas: Deltas): Promise<(Uint8Array | undefined)[]> {
  const out: (Uint8Array | undefined)[] = [];
  const missing: number[] = [];
  const ks: Uint8Array[] = [];
  for (const [k, d] of deltas) {
    if (deps.totalsCache.has(k)) out.push(deps.totalsCache.get(k));
    else {
      missing.push(out.length);
      out.push(undefined);
      ks.push(keys.addrTotals(d.sh));
    }
  }
  if (ks.length > 0) {
    const values = await deps.store.getMany(ks);
    missing.forEach((at, i) => {
      out[at] = values[i];
    });
  }
  return out;
}

/**
 * Adds each delta to its stored totals (`stored`, in the map's order); all-zero totals are
 * deleted. Returns what each scripthash's totals become (undefined = deleted).
 */
function addTotalOps(
  out: BatchSink,
  deltas: Deltas,
  stored: readonly (Uint8Array | undefined)[],
): Map<string, Uint8Array | undefined> {
  const after = new Map<string, Uint8Array | undefined>();
  let i = 0;
  for (const [k, d] of deltas) {
    const cur = stored[i++];
    const next = addTotals(cur ? decodeTotals(cur) : emptyTotals(), d.totals);
    const key = keys.addrTotals(d.sh);
    if (next.fundedCount === 0 && next.spentCount === 0 && next.txCount === 0) {
      out.del(key);
      after.set(k, undefined);
    } else {
      const value = encodeTotals(next);
      out.put(key, value);
      after.set(k, value);
    }
  }
  return after;
}
