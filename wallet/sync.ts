/**
 * Bringing the local cache (cache.ts) up to the node's tip, asking only for what changed, as an
 * SPV wallet follows the chain (BIP37 clients, Electrum's headers and history) rather than
 * asking about every address each time:
 *
 * 1. the tip (`/api/blocks/tip/hash`; header, proof of work and height only when it moved) and,
 *    at the same time, the mempool's txids (`/api/mempool/txids`): two requests when nothing
 *    changed, whatever the number of addresses;
 * 2. if the tip moved on from the cached one and the node's chain still holds the cached tip at
 *    its height (`/api/block-height/:h`), the new blocks, walked back from the tip by their
 *    headers' previous-block links (`/api/block/:hash/raw`, one request each), each checked by
 *    esplora/checked.ts (hash, proof of work, merkle root over its transactions) and the last
 *    linking to the cached tip; their transactions are read against the wallet's scripts,
 *    extending the gap (BIP44, 20) as addresses get used;
 * 3. the mempool transactions not seen before (`/api/tx/:txid/hex`, hashed to their txids): one
 *    request per new mempool transaction, where per-address mempool queries would cost one per
 *    address on every command.
 *
 * A rescan (the per-address discovery of scan.ts) rebuilds the cache: when there is none or it
 * cannot be used, when the cached tip left the best chain (a reorg) or the chain got shorter,
 * when more than MAX_CATCH_UP blocks arrived (a rescan is then cheaper), or when asked
 * (`rescan`). Nothing is written unless the whole command succeeds (Context.afterSuccess).
 */

import type { Block } from '../node/protocol/block.js';
import { toHex } from '../node/protocol/bytes.js';
import { hashToDisplay } from '../node/protocol/hash.js';
import type { Tx } from '../node/protocol/tx.js';
import {
  CACHE_FORMAT,
  CACHE_VERSION,
  type CacheData,
  type CachedCoin,
  type CachedPending,
  cachePathOf,
  readCache,
  walletIdOf,
  writeCache,
} from './cache.js';
import type { Context } from './context.js';
import { WalletError } from './errors.js';
import { CheckedNode, type CheckedTip } from './esplora/checked.js';
import type { EsploraClient } from './esplora/client.js';
import { type AddressType, CHANGE, type Chain, RECEIVE, type WalletKey } from './hd.js';
import { type Coin, discover, GAP_LIMIT, listCoins } from './scan.js';
import { acceptTip } from './tipstate.js';
import type { Wallet } from './wallet.js';

/** More new blocks than this and a per-address rescan costs fewer requests than reading them. */
export const MAX_CATCH_UP = 1000;

const TYPES: readonly AddressType[] = ['p2wpkh', 'p2tr', 'p2wsh'];

/** Where a script sits in the wallet. */
type Owner = { type: AddressType; chain: Chain; index: number } | 'imported';

export interface SyncResult {
  node: CheckedNode;
  tip: CheckedTip;
  /** First unused index per chain: of the BIP84 account (`next`) and per type. */
  next: Record<Chain, number>;
  byType: Record<AddressType, Record<Chain, number>>;
  coins: Coin[];
  /** The wallet's key paying to a script, among the scripts known (derived when asked). */
  keyFor: (scriptHex: string) => WalletKey | undefined;
  /** How the cache was brought up to date. */
  how: 'rescan' | 'cache';
  /** Why it rescanned, when it did. */
  reason?: string;
}

/** The cache in memory, with the lookups the sync needs. */
class State {
  readonly owner = new Map<string, Owner>();
  coins: Map<string, CachedCoin>;
  pending: Map<string, CachedPending>;
  seen: Set<string>;
  /** New scripts were derived (a gap grew) since this was last cleared. */
  grew = false;

  readonly wallet: Wallet;
  tip: CheckedTip;
  readonly scripts: Record<AddressType, [string[], string[]]>;
  readonly next: Record<AddressType, [number, number]>;

  constructor(
    wallet: Wallet,
    tip: CheckedTip,
    scripts: Record<AddressType, [string[], string[]]>,
    next: Record<AddressType, [number, number]>,
    coins: CachedCoin[],
    pending: CachedPending[],
    seen: string[],
  ) {
    this.wallet = wallet;
    this.tip = tip;
    this.scripts = scripts;
    this.next = next;
    for (const type of TYPES) {
      for (const chain of [RECEIVE, CHANGE] as const) {
        scripts[type][chain].forEach((s, index) => {
          this.owner.set(s, { type, chain, index });
        });
      }
    }
    for (const k of wallet.imported) this.owner.set(toHex(k.script), 'imported');
    this.coins = new Map(coins.map((c) => [`${c[0]}:${c[1]}`, c]));
    this.pending = new Map(pending.map((p) => [p.txid, p]));
    this.seen = new Set(seen);
  }

  /** Derives each HD chain up to its gap limit past the last used index. */
  fill(): void {
    // Every account's type: the seed's P2WPKH and P2TR, an imported descriptor's (P2WSH multisig).
    const types = new Set(this.wallet.accounts().map((a) => a.type));
    for (const type of TYPES) {
      if (!types.has(type)) continue;
      for (const chain of [RECEIVE, CHANGE] as const) {
        const list = this.scripts[type][chain];
        while (list.length < this.next[type][chain] + GAP_LIMIT) {
          const s = toHex(this.wallet.key(chain, list.length, type).script);
          this.owner.set(s, { type, chain, index: list.length });
          list.push(s);
          this.grew = true;
        }
      }
    }
  }

  /** Notes that a script of the wallet got paid: its chain's gap counts from past it. */
  use(script: string): void {
    const o = this.owner.get(script);
    if (o === undefined || o === 'imported') return;
    if (o.index >= this.next[o.type][o.chain]) {
      this.next[o.type][o.chain] = o.index + 1;
      this.fill();
    }
  }

  /** A block's transactions, in order: spends remove coins, payments to the wallet add them. */
  applyBlock(block: Block, height: number): void {
    for (const tx of block.txs) {
      const txid = tx.txidHex();
      if (!tx.isCoinbase()) for (const i of tx.inputs) this.coins.delete(i.prevout.key());
      tx.outputs.forEach((o, vout) => {
        const s = toHex(o.script);
        if (!this.owner.has(s)) return;
        this.coins.set(`${txid}:${vout}`, [txid, vout, o.value.toString(), s, height, tx.isCoinbase()]);
        this.use(s);
      });
      this.pending.delete(txid);
    }
  }

  /** The wallet's view of a mempool transaction, or null when it pays and spends nothing of it. */
  pendingOf(tx: Tx, spendable: Set<string>): CachedPending | null {
    const txid = tx.txidHex();
    const ins = tx.inputs.map((i) => i.prevout.key());
    const outs: CachedPending['outs'] = [];
    tx.outputs.forEach((o, vout) => {
      const s = toHex(o.script);
      if (this.owner.has(s)) outs.push([vout, o.value.toString(), s]);
    });
    if (outs.length === 0 && !ins.some((i) => spendable.has(i))) return null;
    for (const [, , s] of outs) this.use(s);
    return { txid, ins, outs };
  }

  data(): CacheData {
    return {
      format: CACHE_FORMAT,
      version: CACHE_VERSION,
      network: this.wallet.network.name,
      walletId: walletIdOf(this.wallet),
      tip: this.tip,
      scripts: this.scripts,
      next: this.next,
      coins: [...this.coins.values()],
      seen: [...this.seen],
      pending: [...this.pending.values()],
    };
  }
}

function blankScripts(): Record<AddressType, [string[], string[]]> {
  return { p2wpkh: [[], []], p2tr: [[], []], p2wsh: [[], []] };
}

type CoinFields = Omit<Coin, 'key'>;

/** A coin whose key is derived only when asked for (a balance never needs the keys). */
function lazyCoin(wallet: Wallet, owner: Owner, script: string, fields: CoinFields): Coin {
  let key: WalletKey | undefined;
  return Object.defineProperty({ ...fields }, 'key', {
    enumerable: true,
    get(): WalletKey {
      if (key === undefined) {
        const k =
          owner === 'imported' ? wallet.keyFor(script) : wallet.key(owner.chain, owner.index, owner.type);
        if (!k) throw new Error(`no key for cached script ${script}`);
        key = k;
      }
      return key;
    },
  }) as Coin;
}

/** The coins the state holds at its tip: confirmed and pending, less those a pending tx spends. */
function coinsOf(state: State): Coin[] {
  const spent = new Set<string>();
  for (const p of state.pending.values()) for (const i of p.ins) spent.add(i);
  const maturity = state.wallet.network.coinbaseMaturity;
  const out: Coin[] = [];
  for (const [key, [txid, vout, value, script, height, coinbase]] of state.coins) {
    if (spent.has(key)) continue;
    const confirmations = Math.max(0, state.tip.height - height + 1);
    const status = { confirmed: true, blockHeight: height, blockHash: null, blockTime: null };
    const owner = state.owner.get(script);
    if (owner === undefined) continue;
    const spendable = !coinbase || confirmations >= maturity;
    const fields = { txid, vout, value: BigInt(value), status, confirmations, coinbase, spendable };
    out.push(lazyCoin(state.wallet, owner, script, fields));
  }
  const unconfirmed = { confirmed: false, blockHeight: null, blockHash: null, blockTime: null };
  for (const p of state.pending.values()) {
    for (const [vout, value, script] of p.outs) {
      const owner = state.owner.get(script);
      if (spent.has(`${p.txid}:${vout}`) || owner === undefined) continue;
      const fields = { txid: p.txid, vout, value: BigInt(value), status: unconfirmed, confirmations: 0 };
      out.push(lazyCoin(state.wallet, owner, script, { ...fields, coinbase: false, spendable: true }));
    }
  }
  return out;
}

/** A full per-address scan (scan.ts), as the state a cache is made of. */
async function rescan(
  node: CheckedNode,
  wallet: Wallet,
  tip: CheckedTip,
  pool: string[],
  progress: (m: string) => void,
): Promise<State> {
  const scan = await discover(wallet, node.client, progress);
  const coins = await listCoins(node, scan, tip.height, wallet.network.coinbaseMaturity, progress);
  const scripts = blankScripts();
  const keys = scan.keys.filter((k) => k.key.chain !== null).sort((a, b) => a.key.index - b.key.index);
  for (const { key } of keys) scripts[key.type][key.chain!][key.index] = toHex(key.script);
  const next = {
    p2wpkh: [scan.byType.p2wpkh[RECEIVE], scan.byType.p2wpkh[CHANGE]],
    p2tr: [scan.byType.p2tr[RECEIVE], scan.byType.p2tr[CHANGE]],
    p2wsh: [scan.byType.p2wsh[RECEIVE], scan.byType.p2wsh[CHANGE]],
  } as Record<AddressType, [number, number]>;
  const confirmed: CachedCoin[] = coins
    .filter((c) => c.status.confirmed)
    .map((c) => [
      c.txid,
      c.vout,
      c.value.toString(),
      toHex(c.key.script),
      c.status.blockHeight ?? tip.height,
      c.coinbase,
    ]);
  const state = new State(wallet, tip, scripts, next, confirmed, [], pool);
  // Unconfirmed coins: their transactions were fetched and checked by listCoins already.
  const spendable = new Set(state.coins.keys());
  for (const c of coins) {
    if (c.status.confirmed || state.pending.has(c.txid)) continue;
    const p = state.pendingOf(await node.tx(c.txid), spendable);
    if (p) state.pending.set(p.txid, p);
    state.seen.add(c.txid);
  }
  return state;
}

/** Walks back from the tip to the cached tip: the new blocks, oldest first, each checked. */
async function newBlocks(node: CheckedNode, from: CheckedTip, to: CheckedTip): Promise<Block[]> {
  const blocks: Block[] = [];
  let hash = to.hash;
  for (let h = to.height; h > from.height; h--) {
    const b = await node.block(hash);
    blocks.push(b);
    hash = hashToDisplay(b.header.prevBlock);
  }
  if (hash !== from.hash) {
    throw new WalletError(
      'NODE_MISMATCH',
      `the node's answer does not check out: its blocks from ${to.hash} back to height ${from.height + 1} do not link to ${from.hash}, the block it says is at height ${from.height}; nothing signed`,
    );
  }
  return blocks.reverse();
}

/** Reads the mempool transactions not seen before; keeps those touching the wallet. */
async function applyMempool(
  node: CheckedNode,
  state: State,
  pool: string[],
  confirmed: Set<string>,
): Promise<void> {
  const fresh = pool.filter((t) => !state.seen.has(t) && !confirmed.has(t));
  const txs = await node.client.map(fresh, (t) => node.tx(t));
  const inPool = new Set(pool);
  for (const t of state.pending.keys()) if (!inPool.has(t)) state.pending.delete(t);
  // Until nothing changes: a transaction spending another new one's output to the wallet.
  let left = txs;
  for (;;) {
    const spendable = new Set(state.coins.keys());
    for (const p of state.pending.values()) for (const [vout] of p.outs) spendable.add(`${p.txid}:${vout}`);
    const rest: Tx[] = [];
    for (const tx of left) {
      const p = state.pendingOf(tx, spendable);
      if (p) state.pending.set(p.txid, p);
      else rest.push(tx);
    }
    if (rest.length === left.length) break;
    left = rest;
  }
  state.seen = inPool;
}

/**
 * The wallet's coins at the node's tip, from the cache when it can be used (ctx.opts.cache ===
 * false bypasses it: a full scan, nothing read or written but the last-seen tip).
 */
export async function syncCoins(
  ctx: Context,
  walletPath: string,
  wallet: Wallet,
  client: EsploraClient,
  opts: { rescan?: boolean } = {},
): Promise<SyncResult> {
  const node = new CheckedNode(client, wallet.network);
  const trust = ctx.opts.trustNode === true;
  const progress = ctx.io.progress;
  const useCache = ctx.opts.cache !== false;
  const path = cachePathOf(walletPath);
  const cache =
    useCache && !opts.rescan
      ? await readCache(path, wallet, (l) => (ctx.io.warn ?? ctx.io.progress)(l))
      : null;
  // What was read, to write only when something changed (State shares and grows its arrays).
  const before = cache ? JSON.stringify(cache) : null;
  const [{ tip, record }, pool] = await Promise.all([
    acceptTip(node, walletPath, trust, cache?.tip),
    useCache ? client.mempoolTxids() : Promise.resolve([]),
  ]);
  let state: State | null = null;
  let reason = opts.rescan ? 'asked' : cache ? undefined : 'no cache';
  if (cache) {
    const cached = new State(
      wallet,
      cache.tip,
      cache.scripts,
      cache.next,
      cache.coins,
      cache.pending,
      cache.seen,
    );
    const confirmed = new Set<string>();
    if (tip.hash === cached.tip.hash) {
      state = cached;
    } else if (tip.height <= cached.tip.height) {
      reason = `the cached tip ${cached.tip.hash} (height ${cached.tip.height}) is no longer the best chain's`;
    } else if (tip.height - cached.tip.height > MAX_CATCH_UP) {
      reason = `${tip.height - cached.tip.height} new blocks`;
    } else if ((await client.blockHashAt(cached.tip.height)) !== cached.tip.hash) {
      reason = `the cached tip ${cached.tip.hash} (height ${cached.tip.height}) was reorganised away`;
    } else {
      const blocks = await newBlocks(node, cached.tip, tip);
      // A gap that grows on the way may reveal earlier payments: replay with the new scripts.
      const start = { coins: new Map(cached.coins), pending: new Map(cached.pending) };
      do {
        cached.grew = false;
        cached.coins = new Map(start.coins);
        cached.pending = new Map(start.pending);
        blocks.forEach((b, i) => {
          cached.applyBlock(b, cached.tip.height + 1 + i);
        });
      } while (cached.grew);
      for (const b of blocks) for (const tx of b.txs) confirmed.add(tx.txidHex());
      progress(`read ${blocks.length} new block(s) since height ${cached.tip.height}`);
      cached.tip = tip;
      state = cached;
    }
    if (state) await applyMempool(node, state, pool, confirmed);
  }
  if (!state) {
    if (cache && reason) progress(`rescanning: ${reason}`);
    state = await rescan(node, wallet, tip, pool, progress);
  }
  const data = state.data();
  ctx.afterSuccess(async () => {
    await record();
    if (useCache && JSON.stringify(data) !== before) await writeCache(path, data);
  });
  const byType = {
    p2wpkh: { [RECEIVE]: state.next.p2wpkh[0], [CHANGE]: state.next.p2wpkh[1] },
    p2tr: { [RECEIVE]: state.next.p2tr[0], [CHANGE]: state.next.p2tr[1] },
    p2wsh: { [RECEIVE]: state.next.p2wsh[0], [CHANGE]: state.next.p2wsh[1] },
  } as Record<AddressType, Record<Chain, number>>;
  return {
    node,
    tip,
    next: byType.p2wpkh,
    byType,
    coins: coinsOf(state),
    keyFor: (script) => {
      const o = state.owner.get(script);
      if (o === undefined || o === 'imported') return wallet.keyFor(script);
      return wallet.key(o.chain, o.index, o.type);
    },
    how: reason === undefined ? 'cache' : 'rescan',
    ...(reason === undefined ? {} : { reason }),
  };
}
