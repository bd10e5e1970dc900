/**
 * Transaction relay (Core's inventory trickling in SendMessages and its TxRequestTracker):
 *
 * - Out: a transaction entering the mempool is queued for every peer that does not already
 *   know it (per-peer known-inventory set), and each peer's queue is sent as one `inv` after a
 *   random delay (exponential, mean `relayDelayMs`; 0 sends on the next turn of the event loop),
 *   which batches announcements and blurs who spoke first.
 * - In: an announced transaction we lack is requested from one announcer at a time; others
 *   that announce it wait as alternatives, used when the request times out, comes back
 *   `notfound`, or its peer leaves. So each body crosses the wire to a node once.
 * - A received transaction goes to the mempool. A policy refusal is remembered (not
 *   re-requested until the next block) and costs the peer nothing; a consensus failure is an
 *   offence. Missing parents are requested from the sender; a peer may keep at most
 *   `maxOrphansPerPeer` orphans in the pool, beyond which its orphans are refused.
 * - A peer may have at most `maxAnnouncements` (Core's MAX_PEER_TX_ANNOUNCEMENTS, 5,000)
 *   announced transactions outstanding: requested and not yet received, refused or given up.
 *   An `inv` that would take it past that is a flood (INV_FLOOD): it is refused whole, before
 *   anything is stored, so the peer is disconnected and scored with its count at the cap at
 *   most. What one peer's announcements hold is thus bounded: that many txids in `announced`
 *   and `requests` (about 1 MB), plus its `knownInv` (a rolling 50,000), for every peer alike.
 * - BIP339: with a peer that sent `wtxidrelay`, transactions are announced (MSG_WTX), known and
 *   requested by wtxid, so a copy whose witness a relaying peer changed is a different
 *   transaction, not the same one refused; with others, by txid (MSG_TX, requested as
 *   MSG_WITNESS_TX). Orphans' parents are asked for by txid from everyone (Core). Refusals are
 *   remembered by wtxid, and by txid only when the witness cannot have been the reason
 *   (Core's m_recent_rejects, bitcoin/bitcoin#8279).
 * - BIP133: a transaction whose fee is below a peer's `feefilter` is not announced to it.
 */
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { type AcceptResult, feeAt, type MempoolEntry, TxRejectError } from '../mempool/index.js';
import { hashToDisplay } from '../protocol/hash.js';
import { type HashKey, type Txid, txidOf, type Wtxid } from '../protocol/ids.js';
import type { Tx } from '../protocol/tx.js';
import { P2PError } from './errors.js';
import { MAX_PEER_TX_ANNOUNCEMENTS } from './framing.js';
import { INV, type InvItem } from './messages.js';
import { consequenceOf } from './misbehaviour.js';
import type { Peer } from './peer.js';
import { RollingSet } from './rolling-set.js';

/** Most txids offered to a peer when it connects (well under any peer's flood limit). */
const MEMPOOL_OFFER = 1_000;

export interface TxRelayOptions {
  relayDelayMs: number;
  requestTimeoutMs: number;
  maxAnnouncements: number;
  maxOrphansPerPeer: number;
}

export const DEFAULT_TX_RELAY: TxRelayOptions = {
  relayDelayMs: 500,
  requestTimeoutMs: 60_000,
  maxAnnouncements: MAX_PEER_TX_ANNOUNCEMENTS,
  maxOrphansPerPeer: 100,
};

export interface TxRelayDeps {
  mempool: {
    has(id: Txid | Wtxid): boolean;
    hasOrphan(id: Txid | Wtxid): boolean;
    /** By txid; without it, announcements go by txid only and ignore fee filters. */
    get?(txid: Txid): MempoolEntry | undefined;
  };
  submitTx(tx: Tx, opts: { peer: string; orphan: boolean }): Promise<AcceptResult>;
  peers(): Iterable<Peer>;
  /** The trickle timers and request times. */
  clock: Clock;
  random(): number;
  log: Logger;
  /** A peer's transaction the mempool refused or kept as an orphan (Core's vExtraTxnForCompact). */
  onRefused?(tx: Tx): void;
}

interface Request {
  peer: Peer;
  at: number;
  /** The hash asked for, as announced (a txid, or a wtxid from a BIP339 peer). */
  hash: Txid | Wtxid;
  /** Other peers that announced it, next in line. */
  alternatives: Peer[];
  /** An orphan's parent: asked for by txid whatever the peer's BIP339 setting. */
  byTxid?: boolean;
}

const INV_PER_MESSAGE = 1_000;
/**
 * Announced hashes whose key string is shared by every peer's known-inventory set (about the
 * newest one per set, as KNOWN_INV in peer.ts holds each peer's newest 50,000).
 */
const SHARED_KEYS = 50_000;

export class TxRelay {
  private readonly opts: TxRelayOptions;
  private readonly deps: TxRelayDeps;
  /** Per peer: txids to announce, by their key, bytes alongside (the inv carries the bytes). */
  private readonly queued = new Map<Peer, Map<HashKey, Txid>>();
  /** Per peer: its trickle timer (a clock handle), or 'soon' for one queued on the event loop. */
  private readonly timers = new Map<Peer, { clock: unknown } | { soon: NodeJS.Immediate }>();
  private readonly requests = new Map<string, Request>();
  /** Per peer: txids it announced that are still being requested (from it or another). */
  private readonly announced = new Map<Peer, Set<string>>();
  private readonly processing = new Set<string>();
  private readonly rejects = new RollingSet<string>(50_000);
  /** Per peer: wtxids of its orphans, by key. */
  private readonly orphans = new Map<Peer, Map<string, Wtxid>>();
  /**
   * One key string per hash for all peers' known sets: each peer's `inv` is decoded into
   * fresh 64-character strings (~80 B each), and every set kept its own, so a node with 16
   * peers held up to 16 copies of each tx's key until the sets were full (50,000 each).
   */
  private readonly keys = new Map<string, string>();
  /** Transaction bodies received, in all (a node-level counter for getnettotals). */
  bodiesReceived = 0;
  private peak = 0;

  constructor(opts: TxRelayOptions, deps: TxRelayDeps) {
    this.opts = opts;
    this.deps = deps;
  }

  /** A transaction entered the mempool: queue its announcement. */
  announce(e: Pick<MempoolEntry, 'tx' | 'txid' | 'wtxid'>): void {
    const { txid, wtxid } = e;
    for (const p of this.deps.peers()) {
      if (!p.ready || p.knownInv.has(p.wtxidRelay ? wtxid : txid) || p.version?.relay === false) continue;
      const q = this.queued.get(p) ?? new Map<HashKey, Txid>();
      this.queued.set(p, q);
      q.set(txid, e.tx.txid());
      this.arm(p);
    }
  }

  /**
   * A peer just finished its handshake: offer it what our mempool holds (at most
   * MEMPOOL_OFFER txids, newest first, under the receiver's flood limit), as Core answers a
   * BIP35 `mempool` request. A transaction announced on a connection that was then replaced
   * (two nodes dialling each other at once keep only one connection) is not lost that way,
   * and a node that comes online late hears of what is waiting to be mined.
   */
  offerMempool(p: Peer, entries: readonly Pick<MempoolEntry, 'tx' | 'txid'>[]): void {
    if (p.version?.relay === false) return;
    const q = this.queued.get(p) ?? new Map<HashKey, Txid>();
    for (let i = entries.length - 1, n = 0; i >= 0 && n < MEMPOOL_OFFER; i--, n++) {
      const e = entries[i]!;
      if (!p.knownInv.has(e.txid)) q.set(e.txid, e.tx.txid());
    }
    if (q.size === 0) return;
    this.queued.set(p, q);
    this.arm(p);
  }

  private arm(p: Peer): void {
    if (this.timers.has(p)) return;
    const delay = this.opts.relayDelayMs;
    const fire = () => {
      this.timers.delete(p);
      this.flush(p);
    };
    if (delay <= 0) this.timers.set(p, { soon: setImmediate(fire) });
    else
      this.timers.set(p, {
        clock: this.deps.clock.setTimeout(fire, -Math.log(1 - this.deps.random()) * delay),
      });
  }

  private flush(p: Peer): void {
    const q = this.queued.get(p);
    this.queued.delete(p);
    if (!q || p.closed) return;
    const items: InvItem[] = [];
    const get = this.deps.mempool.get;
    for (const [txidKey, txid] of q) {
      const e = get ? get.call(this.deps.mempool, txid) : undefined;
      if (!(e || (!get && this.deps.mempool.has(txid)))) continue;
      const byWtxid = p.wtxidRelay && e;
      const key = byWtxid ? e.wtxid : txidKey;
      if (p.knownInv.has(key)) continue;
      // BIP133: not even marked known, so a lower filter later lets it be announced.
      if (e && p.feeFilter > 0n && e.fee < feeAt(p.feeFilter, e.vsize)) continue;
      p.knownInv.add(this.shared(key));
      items.push(byWtxid ? { type: INV.WTX, hash: e.tx.wtxid() } : { type: INV.TX, hash: txid });
    }
    for (let i = 0; i < items.length; i += INV_PER_MESSAGE)
      p.send({ command: 'inv', items: items.slice(i, i + INV_PER_MESSAGE) });
  }

  /** `key` is the display hex of `hash` (a txid or a wtxid). */
  private known(key: string, hash: Txid | Wtxid): boolean {
    return (
      this.deps.mempool.has(hash) ||
      this.deps.mempool.hasOrphan(hash) ||
      this.processing.has(key) ||
      this.rejects.has(key)
    );
  }

  /** Announcements of `peer` outstanding now (read-only; tests watch the cap with it). */
  announcementsOf(peer: Peer): number {
    return this.announced.get(peer)?.size ?? 0;
  }

  /** The most announcements any one peer has had outstanding since start: never above the cap. */
  get peakAnnouncements(): number {
    return this.peak;
  }

  /**
   * Transaction hashes (internal byte order) a peer announced. Throws P2PError INV_FLOOD, having
   * stored nothing, when the new ones would take the peer past `maxAnnouncements`; the hex of
   * each is made once, and no more of them once the cap is passed.
   */
  onInv(peer: Peer, hashes: readonly (Txid | Wtxid)[]): void {
    const mine = this.announced.get(peer) ?? new Set<string>();
    const room = this.opts.maxAnnouncements - mine.size;
    const txids: string[] = new Array(hashes.length);
    const fresh = new Map<string, Txid | Wtxid>();
    for (let i = 0; i < hashes.length; i++) {
      const h = hashes[i]!;
      const t = hashToDisplay(h);
      txids[i] = t;
      if (this.known(t, h) || mine.has(t)) continue;
      fresh.set(t, h);
      if (fresh.size > room)
        throw new P2PError(
          'INV_FLOOD',
          `over ${this.opts.maxAnnouncements} transaction announcements outstanding (${mine.size} before this inv)`,
        );
    }
    for (const t of txids) peer.knownInv.add(this.shared(t));
    if (fresh.size === 0) return;
    this.announced.set(peer, mine);
    const ask: (Txid | Wtxid)[] = [];
    for (const [t, hash] of fresh) {
      mine.add(t);
      const r = this.requests.get(t);
      if (r) {
        if (r.peer !== peer && !r.alternatives.includes(peer)) r.alternatives.push(peer);
        continue;
      }
      this.requests.set(t, { peer, at: this.deps.clock.now(), hash, alternatives: [] });
      ask.push(hash);
    }
    if (mine.size > this.peak) this.peak = mine.size;
    this.sendGetdata(peer, ask);
  }

  /** The copy of `key` the known sets share (it becomes the shared one if none is kept). */
  private shared(key: string): string {
    const kept = this.keys.get(key);
    if (kept !== undefined) return kept;
    this.keys.set(key, key);
    if (this.keys.size > SHARED_KEYS) this.keys.delete(this.keys.keys().next().value as string);
    return key;
  }

  /** Asks for announced hashes (wtxids from a BIP339 peer); `byTxid` for orphans' parents. */
  private sendGetdata(peer: Peer, hashes: readonly (Txid | Wtxid)[], byTxid = false): void {
    const type = peer.wtxidRelay && !byTxid ? INV.WTX : INV.WITNESS_TX;
    for (let i = 0; i < hashes.length; i += INV_PER_MESSAGE) {
      const items = hashes.slice(i, i + INV_PER_MESSAGE).map((hash) => ({ type, hash }));
      peer.send({ command: 'getdata', items });
    }
  }

  /** Drops the request for `txid` and its bookkeeping at every announcer. */
  private forget(txid: string): void {
    const r = this.requests.get(txid);
    if (!r) return;
    this.requests.delete(txid);
    this.announced.get(r.peer)?.delete(txid);
    for (const p of r.alternatives) this.announced.get(p)?.delete(txid);
  }

  /** Asks the next announcer for a request that failed at its current peer. */
  private retry(txid: string): void {
    const r = this.requests.get(txid);
    if (!r) return;
    this.announced.get(r.peer)?.delete(txid);
    let next = r.alternatives.shift();
    while (next?.closed) next = r.alternatives.shift();
    if (!next || this.known(txid, r.hash)) {
      this.forget(txid);
      return;
    }
    r.peer = next;
    r.at = this.deps.clock.now();
    this.sendGetdata(next, [r.hash], r.byTxid);
  }

  async onTx(peer: Peer, tx: Tx): Promise<void> {
    const txid = tx.txidHex();
    const wtxid = tx.wtxidHex();
    peer.knownInv.add(this.shared(peer.wtxidRelay ? wtxid : txid));
    this.bodiesReceived++;
    this.forget(txid);
    this.forget(wtxid);
    // A copy with another witness is another transaction: only the same wtxid is a duplicate.
    if (this.deps.mempool.has(tx.wtxid()) || this.processing.has(wtxid)) return;
    this.processing.add(wtxid);
    try {
      const orphans = this.orphanSet(peer);
      const result = await this.deps.submitTx(tx, {
        peer: String(peer.id),
        orphan: orphans.size < this.opts.maxOrphansPerPeer,
      });
      if (result.status !== 'orphan') peer.lastTxAt = Math.floor(this.deps.clock.now() / 1000);
      if (result.status === 'orphan') {
        if (result.stored) orphans.set(result.wtxid, tx.wtxid());
        else this.rejects.add(wtxid);
        this.deps.onRefused?.(tx);
        // The parents' bytes are the tx's own prevouts: the mempool names them by key.
        const prevouts = new Map<string, Txid>();
        for (const i of tx.inputs) prevouts.set(hashToDisplay(i.prevout.txid), txidOf(i.prevout.txid));
        const parents: Txid[] = [];
        for (const p of result.missingParents) {
          const hash = prevouts.get(p);
          if (!hash || this.known(p, hash) || this.requests.has(p)) continue;
          this.requests.set(p, { peer, at: this.deps.clock.now(), hash, alternatives: [], byTxid: true });
          parents.push(hash);
        }
        this.sendGetdata(peer, parents, true);
      }
    } catch (e) {
      if (!(e instanceof TxRejectError)) throw e;
      if (e.code !== 'WITNESS_STRIPPED') {
        this.rejects.add(wtxid);
        this.deps.onRefused?.(tx);
      }
      // Inputs refused whatever the witness: the txid may be refused too (Core).
      if (e.code === 'NONSTANDARD_INPUTS' && tx.hasWitness()) this.rejects.add(txid);
      if (consequenceOf(e).disconnect) throw new P2PError('INVALID_TX', `${txid}: ${e.message}`, e);
      this.deps.log.debug('transaction refused by policy', { peer: peer.id, txid, reason: e.message });
    } finally {
      this.processing.delete(wtxid);
    }
  }

  /** The peer's orphans still in the pool (pruned as the pool resolves or evicts them). */
  private orphanSet(peer: Peer): Map<string, Wtxid> {
    const s = this.orphans.get(peer) ?? new Map<string, Wtxid>();
    this.orphans.set(peer, s);
    if (s.size >= this.opts.maxOrphansPerPeer) {
      for (const [k, w] of s) if (!this.deps.mempool.hasOrphan(w)) s.delete(k);
    }
    return s;
  }

  onNotFound(peer: Peer, hashes: readonly Uint8Array[]): void {
    for (const h of hashes) {
      const txid = hashToDisplay(h);
      if (this.requests.get(txid)?.peer === peer) this.retry(txid);
    }
  }

  peerGone(peer: Peer): void {
    const t = this.timers.get(peer);
    if (t) this.disarm(t);
    this.timers.delete(peer);
    this.queued.delete(peer);
    this.orphans.delete(peer);
    for (const [txid, r] of [...this.requests]) {
      r.alternatives = r.alternatives.filter((p) => p !== peer);
      if (r.peer === peer) this.retry(txid);
    }
    this.announced.delete(peer);
  }

  /** A new block: refusals may have become acceptable (Core resets its recent rejects). */
  onTip(): void {
    this.rejects.clear();
  }

  /** Periodic: requests unanswered past the timeout go to the next announcer. */
  tick(): void {
    const now = this.deps.clock.now();
    for (const [txid, r] of [...this.requests]) {
      if (now - r.at > this.opts.requestTimeoutMs) this.retry(txid);
    }
  }

  stop(): void {
    for (const t of this.timers.values()) this.disarm(t);
    this.timers.clear();
  }

  private disarm(t: { clock: unknown } | { soon: NodeJS.Immediate }): void {
    if ('soon' in t) clearImmediate(t.soon);
    else this.deps.clock.clearTimeout(t.clock);
  }
}
