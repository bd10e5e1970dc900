/**
 * What the explorer needs of the mempool beyond the pool itself, kept in step through its
 * added/removed events: each entry's prevouts (for vin.prevout, address stats and spends), a
 * scripthash -> txids index (an address's unconfirmed history, newest last), and the last ten
 * arrivals (GET /mempool/recent, as electrs' recent_txs_overview; entries that left the pool
 * are skipped).
 *
 * Prevouts of inputs spending confirmed coins are read from the chain asynchronously; `settle()`
 * waits for those reads, so a reader that settles first sees every entry added before it.
 */
import { type ChainReader, type MempoolEntry, type MempoolReader, shKey } from '../node/api.js';
import { sha256 } from '../node/protocol/hash.js';
import type { Txid } from '../node/protocol/ids.js';
import { OutPoint, TxOut } from '../node/protocol/tx.js';

export interface IndexedEntry {
  readonly entry: MempoolEntry;
  /** One per input; undefined only if the coin could not be found (should not happen). */
  readonly prevouts: (TxOut | undefined)[];
  /** Scripthashes (shKey) of its outputs and of the coins it spends. */
  readonly scripts: Set<string>;
}

export interface RecentTx {
  txid: string;
  fee: number;
  vsize: number;
  value: number;
}

const RECENT = 10;

export class MempoolIndex {
  private readonly byTxid = new Map<string, IndexedEntry>();
  private readonly bySh = new Map<string, Set<string>>();
  private readonly recentTxids: string[] = [];
  private readonly pending = new Set<Promise<void>>();
  private readonly unsubscribe: (() => void)[] = [];
  private readonly indexedListeners = new Set<(x: IndexedEntry) => void>();
  /** Bumped by every change to the index: a cache key for answers that read it. */
  version = 0;

  private readonly mempool: MempoolReader;
  private readonly chain: Pick<ChainReader, 'getCoin' | 'getTx'>;

  constructor(mempool: MempoolReader, chain: Pick<ChainReader, 'getCoin' | 'getTx'>) {
    this.mempool = mempool;
    this.chain = chain;
    this.unsubscribe.push(
      mempool.on('added', (e) => this.track(this.add(e))),
      mempool.on('removed', (e) => this.remove(e.txid)),
    );
    for (const e of mempool.entries()) this.track(this.add(e));
  }

  close(): void {
    for (const u of this.unsubscribe.splice(0)) u();
  }

  /** Resolves once every entry added so far is indexed. */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Calls `fn` for each entry once it is indexed (its prevouts known); returns the unsubscribe. */
  onIndexed(fn: (x: IndexedEntry) => void): () => void {
    this.indexedListeners.add(fn);
    return () => this.indexedListeners.delete(fn);
  }

  get(txid: string): IndexedEntry | undefined {
    return this.byTxid.get(txid);
  }

  /** Txids touching a scripthash, newest first. */
  txidsFor(sh: Uint8Array): string[] {
    const set = this.bySh.get(shKey(sh));
    return set ? [...set].reverse() : [];
  }

  recent(): RecentTx[] {
    const out: RecentTx[] = [];
    for (let i = this.recentTxids.length - 1; i >= 0; i--) {
      const x = this.byTxid.get(this.recentTxids[i]!);
      if (!x) continue;
      let value = 0n;
      for (const p of x.prevouts) value += p?.value ?? 0n;
      out.push({ txid: x.entry.txid, fee: Number(x.entry.fee), vsize: x.entry.vsize, value: Number(value) });
    }
    return out;
  }

  private track(p: Promise<void>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  private async add(entry: MempoolEntry): Promise<void> {
    const tx = entry.tx;
    const prevouts = await Promise.all(tx.inputs.map((i) => this.prevout(i.prevout.txid, i.prevout.index)));
    // It may have left the pool while its coins were read.
    if (this.mempool.get(tx.txid()) !== entry) return;
    const scripts = new Set<string>();
    for (const o of tx.outputs) scripts.add(shKey(sha256(o.script)));
    for (const p of prevouts) if (p) scripts.add(shKey(sha256(p.script)));
    const indexed = { entry, prevouts, scripts };
    this.byTxid.set(entry.txid, indexed);
    for (const k of scripts) {
      let set = this.bySh.get(k);
      if (!set) {
        set = new Set();
        this.bySh.set(k, set);
      }
      set.add(entry.txid);
    }
    this.version++;
    this.recentTxids.push(entry.txid);
    if (this.recentTxids.length > RECENT) this.recentTxids.shift();
    for (const fn of this.indexedListeners) fn(indexed);
  }

  private async prevout(txid: Txid, vout: number): Promise<TxOut | undefined> {
    const parent = this.mempool.get(txid);
    if (parent) return parent.tx.outputs[vout];
    const coin = await this.chain.getCoin(new OutPoint(txid, vout));
    if (coin) return new TxOut(coin.value, coin.script);
    // Spent by a block connected meanwhile: the tx index still has it.
    return (await this.chain.getTx(txid))?.tx.outputs[vout];
  }

  private remove(txid: string): void {
    const x = this.byTxid.get(txid);
    if (!x) return;
    this.version++;
    this.byTxid.delete(txid);
    for (const k of x.scripts) {
      const set = this.bySh.get(k);
      set?.delete(txid);
      if (set?.size === 0) this.bySh.delete(k);
    }
  }
}
