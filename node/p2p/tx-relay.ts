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
 */
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { type AcceptResult, TxRejectError } from '../mempool/index.js';
import { hashFromDisplay, hashToDisplay } from '../protocol/hash.js';
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
    has(id: string): boolean;
    hasOrphan(id: string): boolean;
  };
  submitTx(tx: Tx, opts: { peer: string; orphan: boolean }): Promise<AcceptResult>;
  peers(): Iterable<Peer>;
  /** The trickle timers and request times. */
  clock: Clock;
  random(): number;
  log: Logger;
}

interface Request {
  peer: Peer;
  at: number;
  /** Other peers that announced it, next in line. */
  alternatives: Peer[];
}

const INV_PER_MESSAGE = 1_000;

export class TxRelay {
  private readonly opts: TxRelayOptions;
  private readonly deps: TxRelayDeps;
  private readonly queued = new Map<Peer, Set<string>>();
  /** Per peer: its trickle timer (a clock handle), or 'soon' for one queued on the event loop. */
  private readonly timers = new Map<Peer, { clock: unknown } | { soon: NodeJS.Immediate }>();
  private readonly requests = new Map<string, Request>();
  /** Per peer: txids it announced that are still being requested (from it or another). */
  private readonly announced = new Map<Peer, Set<string>>();
  private readonly processing = new Set<string>();
  private readonly rejects = new RollingSet<string>(50_000);
  private readonly orphans = new Map<Peer, Set<string>>();
  /** Transaction bodies received, in all (a node-level counter for getnettotals). */
  bodiesReceived = 0;
  private peak = 0;

  constructor(opts: TxRelayOptions, deps: TxRelayDeps) {
    this.opts = opts;
    this.deps = deps;
  }

  /** A transaction entered the mempool: queue its announcement. */
  announce(txid: string): void {
    for (const p of this.deps.peers()) {
      if (!p.ready || p.knownInv.has(txid) || p.version?.relay === false) continue;
      const q = this.queued.get(p) ?? new Set<string>();
      this.queued.set(p, q);
      q.add(txid);
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
  offerMempool(p: Peer, txids: readonly string[]): void {
    if (p.version?.relay === false) return;
    const q = this.queued.get(p) ?? new Set<string>();
    for (let i = txids.length - 1, n = 0; i >= 0 && n < MEMPOOL_OFFER; i--, n++) {
      if (!p.knownInv.has(txids[i]!)) q.add(txids[i]!);
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
    for (const txid of q) {
      if (p.knownInv.has(txid) || !this.deps.mempool.has(txid)) continue;
      p.knownInv.add(txid);
      items.push({ type: INV.TX, hash: hashFromDisplay(txid) });
    }
    for (let i = 0; i < items.length; i += INV_PER_MESSAGE)
      p.send({ command: 'inv', items: items.slice(i, i + INV_PER_MESSAGE) });
  }

  private known(txid: string): boolean {
    return (
      this.deps.mempool.has(txid) ||
      this.deps.mempool.hasOrphan(txid) ||
      this.processing.has(txid) ||
      this.rejects.has(txid)
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
  onInv(peer: Peer, hashes: readonly Uint8Array[]): void {
    const mine = this.announced.get(peer) ?? new Set<string>();
    const room = this.opts.maxAnnouncements - mine.size;
    const txids: string[] = new Array(hashes.length);
    const fresh = new Set<string>();
    for (let i = 0; i < hashes.length; i++) {
      const t = hashToDisplay(hashes[i]!);
      txids[i] = t;
      if (this.known(t) || mine.has(t)) continue;
      fresh.add(t);
      if (fresh.size > room)
        throw new P2PError(
          'INV_FLOOD',
          `over ${this.opts.maxAnnouncements} transaction announcements outstanding (${mine.size} before this inv)`,
        );
    }
    for (const t of txids) peer.knownInv.add(t);
    if (fresh.size === 0) return;
    this.announced.set(peer, mine);
    const ask: string[] = [];
    for (const t of fresh) {
      mine.add(t);
      const r = this.requests.get(t);
      if (r) {
        if (r.peer !== peer && !r.alternatives.includes(peer)) r.alternatives.push(peer);
        continue;
      }
      this.requests.set(t, { peer, at: this.deps.clock.now(), alternatives: [] });
      ask.push(t);
    }
    if (mine.size > this.peak) this.peak = mine.size;
    this.sendGetdata(peer, ask);
  }

  private sendGetdata(peer: Peer, txids: readonly string[]): void {
    for (let i = 0; i < txids.length; i += INV_PER_MESSAGE) {
      const items = txids
        .slice(i, i + INV_PER_MESSAGE)
        .map((t) => ({ type: INV.WITNESS_TX, hash: hashFromDisplay(t) }));
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
    if (!next || this.known(txid)) {
      this.forget(txid);
      return;
    }
    r.peer = next;
    r.at = this.deps.clock.now();
    this.sendGetdata(next, [txid]);
  }

  async onTx(peer: Peer, tx: Tx): Promise<void> {
    const txid = tx.txidHex();
    peer.knownInv.add(txid);
    this.bodiesReceived++;
    this.forget(txid);
    if (this.deps.mempool.has(txid) || this.processing.has(txid)) return;
    this.processing.add(txid);
    try {
      const orphans = this.orphanSet(peer);
      const result = await this.deps.submitTx(tx, {
        peer: String(peer.id),
        orphan: orphans.size < this.opts.maxOrphansPerPeer,
      });
      if (result.status === 'orphan') {
        if (result.stored) orphans.add(result.wtxid);
        else this.rejects.add(txid);
        const parents = result.missingParents.filter((p) => !this.known(p) && !this.requests.has(p));
        for (const p of parents) this.requests.set(p, { peer, at: this.deps.clock.now(), alternatives: [] });
        this.sendGetdata(peer, parents);
      }
    } catch (e) {
      if (!(e instanceof TxRejectError)) throw e;
      this.rejects.add(txid);
      if (consequenceOf(e).disconnect) throw new P2PError('INVALID_TX', `${txid}: ${e.message}`, e);
      this.deps.log.debug('transaction refused by policy', { peer: peer.id, txid, reason: e.message });
    } finally {
      this.processing.delete(txid);
    }
  }

  /** The peer's orphans still in the pool (pruned as the pool resolves or evicts them). */
  private orphanSet(peer: Peer): Set<string> {
    const s = this.orphans.get(peer) ?? new Set<string>();
    this.orphans.set(peer, s);
    if (s.size >= this.opts.maxOrphansPerPeer) {
      for (const w of s) if (!this.deps.mempool.hasOrphan(w)) s.delete(w);
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
