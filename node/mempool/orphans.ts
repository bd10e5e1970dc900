/**
 * Orphan transactions, whose inputs spend outputs we have not seen: Bitcoin Core's TxOrphanage
 * (txorphanage.cpp) as of Core 28. Keyed by wtxid, indexed by every outpoint they spend (so a
 * newly accepted parent finds its waiting children, and a block finds the orphans it confirms
 * or conflicts with). At most 100 (DEFAULT_MAX_ORPHAN_TRANSACTIONS); none heavier than the
 * standard weight limit, 400,000 (100 kvB); each expires 20 minutes after it arrived
 * (ORPHAN_TX_EXPIRE_TIME), swept at most every 5 minutes (ORPHAN_TX_EXPIRE_INTERVAL); beyond
 * the limit a random one goes. Remembers which peer sent each, for eraseForPeer on disconnect.
 */
import type { Block } from '../protocol/block.js';
import { OutPoint, type Tx } from '../protocol/tx.js';
import { MAX_STANDARD_TX_WEIGHT } from './standard.js';

export interface OrphanOptions {
  readonly maxOrphans?: number;
  /** Seconds an orphan is kept. */
  readonly expireAfter?: number;
  readonly sweepInterval?: number;
}

export interface OrphanDeps {
  /** Seconds. */
  now(): number;
  /** Uniform in [0, 1). */
  random(): number;
}

export interface Orphan {
  readonly tx: Tx;
  readonly txid: string;
  readonly wtxid: string;
  /** Display txids of the parents it was missing when it arrived. */
  readonly missingParents: readonly string[];
  readonly peer?: string;
  readonly expires: number;
}

interface Slot extends Orphan {
  index: number;
}

export class OrphanPool {
  private readonly byWtxid = new Map<string, Slot>();
  private readonly byOutpoint = new Map<string, Set<Slot>>();
  private readonly list: Slot[] = [];
  private readonly max: number;
  private readonly expireAfter: number;
  private readonly sweepInterval: number;
  private readonly deps: OrphanDeps;
  private nextSweep = 0;

  constructor(opts: OrphanOptions, deps: OrphanDeps) {
    this.max = opts.maxOrphans ?? 100;
    this.expireAfter = opts.expireAfter ?? 20 * 60;
    this.sweepInterval = opts.sweepInterval ?? 5 * 60;
    this.deps = deps;
  }

  get size(): number {
    return this.list.length;
  }

  /** True when an orphan with this wtxid or txid (display hex) is held. */
  has(id: string): boolean {
    if (this.byWtxid.has(id)) return true;
    for (const s of this.list) if (s.txid === id) return true;
    return false;
  }

  all(): readonly Orphan[] {
    return this.list;
  }

  /** AddTx then LimitOrphans; false when already held or too heavy to keep. */
  add(tx: Tx, missingParents: readonly string[], peer?: string): boolean {
    const wtxid = tx.wtxidHex();
    if (this.byWtxid.has(wtxid)) return false;
    if (tx.weight() > MAX_STANDARD_TX_WEIGHT) return false;
    const slot: Slot = {
      tx,
      txid: tx.txidHex(),
      wtxid,
      missingParents,
      expires: this.deps.now() + this.expireAfter,
      index: this.list.length,
      ...(peer === undefined ? {} : { peer }),
    };
    this.byWtxid.set(wtxid, slot);
    this.list.push(slot);
    for (const input of tx.inputs) {
      const key = input.prevout.key();
      const set = this.byOutpoint.get(key);
      if (set) set.add(slot);
      else this.byOutpoint.set(key, new Set([slot]));
    }
    this.limit();
    return this.byWtxid.has(wtxid);
  }

  /** Orphans spending any output of `parent` (Core's AddChildrenToWorkSet), oldest first. */
  childrenOf(parent: Tx): Orphan[] {
    const txid = parent.txid();
    const found = new Set<Slot>();
    for (let i = 0; i < parent.outputs.length; i++) {
      const set = this.byOutpoint.get(new OutPoint(txid, i).key());
      if (set) for (const s of set) found.add(s);
    }
    return [...found].sort((a, b) => a.expires - b.expires);
  }

  remove(wtxid: string): boolean {
    const slot = this.byWtxid.get(wtxid);
    if (!slot) return false;
    this.byWtxid.delete(wtxid);
    for (const input of slot.tx.inputs) {
      const key = input.prevout.key();
      const set = this.byOutpoint.get(key);
      set?.delete(slot);
      if (set?.size === 0) this.byOutpoint.delete(key);
    }
    const last = this.list.pop()!;
    if (last !== slot) {
      this.list[slot.index] = last;
      last.index = slot.index;
    }
    return true;
  }

  /** EraseForBlock: orphans the block confirms or conflicts with (they spend a spent coin). */
  eraseForBlock(block: Block): number {
    const gone = new Set<string>();
    for (const tx of block.txs) {
      for (const input of tx.inputs) {
        const set = this.byOutpoint.get(input.prevout.key());
        if (set) for (const s of set) gone.add(s.wtxid);
      }
    }
    for (const w of gone) this.remove(w);
    return gone.size;
  }

  eraseForPeer(peer: string): number {
    const gone = this.list.filter((s) => s.peer === peer).map((s) => s.wtxid);
    for (const w of gone) this.remove(w);
    return gone.length;
  }

  /** LimitOrphans: sweep expired ones (at most every sweepInterval), then random eviction. */
  limit(): void {
    const now = this.deps.now();
    if (now >= this.nextSweep) {
      let minExpires = now + this.expireAfter - this.sweepInterval;
      for (const s of [...this.list]) {
        if (s.expires <= now) this.remove(s.wtxid);
        else minExpires = Math.min(minExpires, s.expires);
      }
      this.nextSweep = minExpires + this.sweepInterval;
    }
    while (this.list.length > this.max) {
      const i = Math.floor(this.deps.random() * this.list.length);
      this.remove(this.list[Math.min(i, this.list.length - 1)]!.wtxid);
    }
  }
}
