/**
 * Block download along the best header chain the chain's block index holds (chain/block-index.ts
 * checks the headers), after Core's FindNextBlocksToDownload and
 * the stalling logic of net_processing.cpp). The blocks between our chain and the best
 * header form the download path; a moving window (default 1,024 blocks) over its start is
 * spread across every peer whose headers show it has them, at most 16 in flight per peer.
 * Blocks arriving out of order wait in memory and are handed to the chain strictly in path
 * order, each through the node's submitBlock.
 *
 * A peer that holds up the window (the first missing block has been in flight from it longer
 * than the stall timeout while later blocks wait, and another peer could serve it), or that leaves any request unanswered for
 * `blockTimeoutMs`, is disconnected and its requests go to other peers. As in Core, the stall
 * timeout starts at `stallTimeoutMs`, doubles with each staller dropped (up to 16 times; a
 * slow network is not a staller's fault) and shrinks back by 15% with each block connected. A block that breaks a consensus rule gets its sender banned; the chain has marked
 * its header, with everything built on it, invalid, and the path is rebuilt from the best valid header.
 */

import type { BlockEntry } from '../chain/entry.js';
import { NOT_CACHED_INVALID, RuleError } from '../consensus/errors.js';
import type { Logger } from '../log.js';
import type { Block } from '../protocol/block.js';
import { hashToDisplay } from '../protocol/hash.js';
import { P2PError } from './errors.js';
import { consequenceOf } from './misbehaviour.js';
import type { Peer } from './peer.js';

export interface BlockSyncOptions {
  perPeer: number;
  window: number;
  stallTimeoutMs: number;
  blockTimeoutMs: number;
  /** Received blocks held for in-order submission, in bytes, above which no more are requested. */
  maxBufferedBytes: number;
}

export const DEFAULT_SYNC: BlockSyncOptions = {
  perPeer: 16,
  window: 1024,
  stallTimeoutMs: 5_000,
  blockTimeoutMs: 60_000,
  maxBufferedBytes: 256_000_000,
};

export interface BlockSyncDeps {
  /** The chain's best header (the block index). */
  chain: { bestHeader(): BlockEntry };
  /** Is the block stored by the chain? */
  hasData(e: BlockEntry): boolean;
  submitBlock(block: Block): Promise<unknown>;
  /** Sends getdata for these blocks to the peer. */
  request(peer: Peer, blocks: BlockEntry[]): void;
  peers(): Iterable<Peer>;
  now(): number;
  log: Logger;
}

interface InFlight {
  peer: Peer;
  at: number;
}

export class BlockSync {
  private readonly opts: BlockSyncOptions;
  private readonly deps: BlockSyncDeps;
  /** Blocks missing between the chain and the best header, ascending. */
  private path: BlockEntry[] = [];
  private pathIndex = new Map<string, number>();
  /** Index in `path` of the first block not yet handed to the chain. */
  private cursor = 0;
  private readonly inFlight = new Map<string, InFlight>();
  private readonly perPeer = new Map<Peer, Set<string>>();
  private readonly received = new Map<string, { block: Block; peer: Peer; size: number }>();
  private receivedBytes = 0;
  private draining: Promise<void> | null = null;
  private stopped = false;
  private stallMs: number;

  constructor(opts: BlockSyncOptions, deps: BlockSyncDeps) {
    this.opts = opts;
    this.deps = deps;
    this.stallMs = opts.stallTimeoutMs;
  }

  /** Blocks requested and not yet arrived. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  isRequested(hashHex: string): boolean {
    return this.inFlight.has(hashHex);
  }

  /** Re-reads the best header; extends or replaces the download path. */
  updateTarget(): void {
    const best = this.deps.chain.bestHeader();
    if (this.path.length > 0 && this.path[this.path.length - 1]!.hashHex === best.hashHex) return;
    const fresh: BlockEntry[] = [];
    let n: BlockEntry | null = best;
    while (n && !this.pathIndex.has(n.hashHex) && !this.deps.hasData(n)) {
      fresh.push(n);
      n = n.prev;
    }
    const keep = n && this.pathIndex.has(n.hashHex) ? this.pathIndex.get(n.hashHex)! + 1 : 0;
    for (const dropped of this.path.slice(keep)) this.pathIndex.delete(dropped.hashHex);
    this.path.length = keep;
    if (keep === 0) {
      this.pathIndex.clear();
      this.cursor = 0;
    }
    for (const h of fresh.reverse()) {
      this.pathIndex.set(h.hashHex, this.path.length);
      this.path.push(h);
    }
    this.cursor = Math.min(this.cursor, this.path.length);
  }

  /** Requests what each peer can serve of the window. */
  scheduleAll(): void {
    for (const p of this.deps.peers()) this.schedule(p);
  }

  schedule(peer: Peer): void {
    if (!peer.ready || peer.closed || !peer.best) return;
    if (this.receivedBytes > this.opts.maxBufferedBytes) return;
    const mine = this.perPeer.get(peer) ?? new Set<string>();
    let room = this.opts.perPeer - mine.size;
    if (room <= 0) return;
    const limit = this.servable(peer.best);
    if (limit < this.cursor) return;
    const end = Math.min(limit, this.cursor + this.opts.window - 1, this.path.length - 1);
    const want: BlockEntry[] = [];
    for (let i = this.cursor; i <= end && room > 0; i++) {
      const h = this.path[i]!;
      if (this.inFlight.has(h.hashHex) || this.received.has(h.hashHex) || this.deps.hasData(h)) continue;
      want.push(h);
      room--;
    }
    if (want.length === 0) return;
    const at = this.deps.now();
    for (const h of want) {
      this.inFlight.set(h.hashHex, { peer, at });
      mine.add(h.hashHex);
    }
    this.perPeer.set(peer, mine);
    this.deps.request(peer, want);
  }

  /** Highest path index the peer's best header shows it has, or -1. */
  private servable(best: BlockEntry): number {
    const direct = this.pathIndex.get(best.hashHex);
    if (direct !== undefined) return direct;
    // A peer on another branch can serve the path up to where the branches part.
    let n: BlockEntry | null = best;
    for (let steps = 0; n && steps < this.opts.window * 2; steps++, n = n.prev) {
      const i = this.pathIndex.get(n.hashHex);
      if (i !== undefined) return i;
      if (this.deps.hasData(n)) return -1;
    }
    return -1;
  }

  /**
   * Marks a block on the path as coming from `peer` (a compact block being rebuilt, BIP152), so
   * it is not asked of anyone else meanwhile. False if it is not on the path or already asked of another peer.
   */
  claim(peer: Peer, hashHex: string): boolean {
    const cur = this.inFlight.get(hashHex);
    if (cur) return cur.peer === peer;
    if (!this.pathIndex.has(hashHex) || this.received.has(hashHex)) return false;
    this.inFlight.set(hashHex, { peer, at: this.deps.now() });
    const mine = this.perPeer.get(peer) ?? new Set<string>();
    mine.add(hashHex);
    this.perPeer.set(peer, mine);
    return true;
  }

  /** The peer a block is in flight from, if any. */
  requestedFrom(hashHex: string): Peer | undefined {
    return this.inFlight.get(hashHex)?.peer;
  }

  /**
   * A block a peer sent. Returns false if it was not one we asked for (the caller decides
   * what to do with an unsolicited block).
   */
  onBlock(peer: Peer, block: Block): boolean {
    const hex = block.hashHex();
    const req = this.inFlight.get(hex);
    if (!req) return false;
    this.release(hex);
    if (!this.pathIndex.has(hex) || this.received.has(hex)) return true;
    const size = block.size();
    this.received.set(hex, { block, peer, size });
    this.receivedBytes += size;
    void this.drain();
    return true;
  }

  /** The peer said it does not have these blocks: ask someone else. */
  onNotFound(peer: Peer, hashes: readonly Uint8Array[]): void {
    for (const h of hashes) {
      const hex = hashToDisplay(h);
      if (this.inFlight.get(hex)?.peer === peer) this.release(hex);
    }
    this.scheduleAll();
  }

  peerGone(peer: Peer): void {
    for (const hex of this.perPeer.get(peer) ?? []) this.inFlight.delete(hex);
    this.perPeer.delete(peer);
    this.scheduleAll();
  }

  private release(hex: string): void {
    const req = this.inFlight.get(hex);
    if (!req) return;
    this.inFlight.delete(hex);
    this.perPeer.get(req.peer)?.delete(hex);
  }

  /** Periodic: disconnects stalling and timed-out peers; their blocks go to others. */
  tick(): void {
    const now = this.deps.now();
    const slow = new Set<Peer>();
    for (const { peer, at } of this.inFlight.values()) {
      if (now - at > this.opts.blockTimeoutMs) slow.add(peer);
    }
    const first = this.path[this.cursor];
    const blocker = first ? this.inFlight.get(first.hashHex) : undefined;
    // Dropping the only peer that has the blocks would not help: then only the timeout applies.
    const others = [...this.deps.peers()].some((p) => p !== blocker?.peer && p.ready && p.best);
    if (blocker && others && this.received.size > 0 && now - blocker.at > this.stallMs) {
      slow.add(blocker.peer);
      this.stallMs = Math.min(this.stallMs * 2, this.opts.stallTimeoutMs * 16);
    }
    for (const p of slow) p.offence(new P2PError('STALLING', 'block download stalled'));
    if (slow.size > 0) this.scheduleAll();
  }

  /** Stops submitting; resolves once the block being submitted (if any) is done. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.received.clear();
    this.receivedBytes = 0;
    await this.draining;
  }

  private drain(): Promise<void> {
    this.draining ??= this.drainLoop().finally(() => {
      this.draining = null;
      if (!this.stopped) this.scheduleAll();
    });
    return this.draining;
  }

  /** Hands received blocks to the chain in path order. */
  private async drainLoop(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      while (this.cursor < this.path.length && this.deps.hasData(this.path[this.cursor]!)) this.cursor++;
      const next = this.path[this.cursor];
      const got = next && this.received.get(next.hashHex);
      if (!next || !got) break;
      this.received.delete(next.hashHex);
      this.receivedBytes -= got.size;
      if (!(await this.submit(got.block, got.peer))) break;
      this.cursor++;
      this.stallMs = Math.max(this.opts.stallTimeoutMs, this.stallMs * 0.85);
    }
    this.compact();
  }

  /** Submits one block; on a rule violation punishes the sender and drops the branch. */
  private async submit(block: Block, peer: Peer): Promise<boolean> {
    try {
      await this.deps.submitBlock(block);
      peer.lastBlockAt = Math.floor(this.deps.now() / 1000);
      return true;
    } catch (e) {
      if (!(e instanceof RuleError)) {
        this.deps.log.error('block submission failed', {
          hash: block.hashHex(),
          error: (e as Error).message,
        });
        return false;
      }
      this.deps.log.warn('invalid block from peer', {
        peer: peer.id,
        hash: block.hashHex(),
        reason: e.message,
      });
      if (consequenceOf(e).disconnect) peer.offence(new P2PError('INVALID_BLOCK', e.message, e));
      // A mutated block (bad merkle root, witness) says nothing about the header: fetch it again.
      if (!NOT_CACHED_INVALID.has(e.code)) {
        for (const [hex, r] of this.received) {
          this.received.delete(hex);
          this.receivedBytes -= r.size;
        }
        this.path = [];
        this.pathIndex.clear();
        this.cursor = 0;
        this.updateTarget();
      }
      return false;
    }
  }

  /** Drops the connected prefix of the path. */
  private compact(): void {
    if (this.cursor < 256 && this.cursor < this.path.length) return;
    this.path = this.path.slice(this.cursor);
    this.pathIndex.clear();
    for (const [i, h] of this.path.entries()) this.pathIndex.set(h.hashHex, i);
    this.cursor = 0;
  }
}
