/**
 * Compact block relay, BIP152 version 2 (wtxid short ids), as Bitcoin Core's net_processing.cpp
 * does it:
 *
 * - Negotiation: after the handshake every peer of version >= 70014 is told `sendcmpct 0 2`
 *   (low-bandwidth: it may answer our getdata(MSG_CMPCT_BLOCK) with a compact block). A peer's
 *   `sendcmpct` of version 2 says it can take them, and with `announce` set that it wants new
 *   blocks pushed as compact blocks (high-bandwidth); version 1 is ignored, as in Core.
 * - High-bandwidth: we ask at most 3 peers (hb-peers.ts: whoever delivered our latest new tips
 *   first) to push to us. A block rebuilt from a peer is pushed on to the peers that asked us,
 *   before it is validated (Core's NewPoWValidBlock: its header's proof of work and its merkle
 *   root checked, its parent our tip); for that reason a compact block whose body turns out
 *   invalid costs its sender nothing (Core's MaybePunishNodeForBlock with via_compact_block),
 *   while an invalid header costs 100.
 * - Receiving (Core's CMPCTBLOCK and BLOCKTXN handlers): the header goes through the chain's
 *   header checks; a block at most 2 past our tip is rebuilt from the mempool and the extra pool
 *   (compact-reconstruct.ts); what is missing is asked for with one `getblocktxn`; duplicate
 *   short ids or a merkle mismatch after filling fall back to getdata of the full block; an
 *   invalid message or a `blocktxn` of the wrong count costs 100 (misbehaviour.ts).
 * - Serving: getdata(MSG_CMPCT_BLOCK) of a block within 5 of the tip (MAX_CMPCTBLOCK_DEPTH) gets a
 *   compact block, deeper the full block; `getblocktxn` within 10 (MAX_BLOCKTXN_DEPTH) a
 *   `blocktxn`, deeper the full block; an index past the block's end costs 100.
 * - Prefilled: the coinbase, and every transaction the peer was never sent nor sent us (its
 *   known-inventory set), which it cannot have; Core prefills only the coinbase.
 */
import type { BlockEntry } from '../chain/entry.js';
import { type Random, systemRandom } from '../clock.js';
import type { Logger } from '../log.js';
import { Block } from '../protocol/block.js';
import { type CompactBlock, compactBlockOf } from '../protocol/compact-block.js';
import { hashToDisplay } from '../protocol/hash.js';
import { type BlockHash, blockHashOf } from '../protocol/ids.js';
import type { Tx } from '../protocol/tx.js';
import { isFailure, PartialBlock } from './compact-reconstruct.js';
import { P2PError } from './errors.js';
import { ExtraTxnPool } from './extra-txn.js';
import { HbPeers } from './hb-peers.js';
import { INV } from './messages.js';
import type { Peer } from './peer.js';

/** Core's SHORT_IDS_BLOCKS_VERSION: peers from this version know sendcmpct. */
export const SHORT_IDS_BLOCKS_VERSION = 70014;
export const CMPCTBLOCKS_VERSION = 2n;
const MAX_CMPCTBLOCK_DEPTH = 5;
const MAX_BLOCKTXN_DEPTH = 10;
/** Blocks kept in memory to serve compact blocks and getblocktxn before (or after) they are stored. */
const RECENT_BLOCKS = 4;

export interface CompactStats {
  /** cmpctblock messages received. */
  received: number;
  /** Blocks rebuilt from the mempool with no round trip. */
  reconstructed: number;
  /** Blocks that needed a getblocktxn (and were rebuilt with its answer, or not). */
  neededGetblocktxn: number;
  /** Fell back to the full block (duplicate short ids, merkle mismatch). */
  failed: number;
  /** Refused as invalid (the peer was punished). */
  invalid: number;
  /** Bytes received (frames) carrying new blocks, and how many blocks, by how they came. */
  blockBytes: { compact: number; full: number };
  blocks: { compact: number; full: number };
  /** Peers we asked to push compact blocks to us, and peers that asked us to. */
  hbFrom: number;
  hbTo: number;
}

export interface CompactRelayDeps {
  chain: {
    readonly tip: BlockEntry;
    entry(hash: BlockHash): BlockEntry | undefined;
    getRawBlock(hash: BlockHash): Promise<Uint8Array | undefined>;
  };
  /** Transactions to rebuild blocks from (the mempool's). */
  mempoolTxs(): Iterable<Tx>;
  /**
   * Takes a header through the chain's checks: the entry, or null when it does not connect (a
   * getheaders was sent); throws P2PError for an invalid one.
   */
  acceptHeader(peer: Peer, header: Block['header']): BlockEntry | null;
  /** Hands a block to download/validation as if `peer` had sent it whole. */
  deliver(peer: Peer, block: Block): Promise<void>;
  /** Marks the block as being fetched from `peer`, so nobody else is asked; false if someone else already is. */
  claim(peer: Peer, hashHex: string): boolean;
  /** Who the block is being fetched from, if anyone. */
  requestedFrom(hashHex: string): Peer | undefined;
  /** Headers-style processing of an announcement too far ahead to rebuild. */
  announced(peer: Peer, entry: BlockEntry): void;
  /** Does the peer know this block (announced by or to it)? */
  knows(peer: Peer, e: BlockEntry): boolean;
  peers(): Iterable<Peer>;
  random?: Random;
  log: Logger;
}

interface PeerState {
  /** It sent sendcmpct version 2: it can take compact blocks. */
  provides: boolean;
  /** It asked for compact blocks pushed to it (high-bandwidth). */
  wantsPush: boolean;
}

interface Pending {
  peer: Peer;
  partial: PartialBlock;
  entry: BlockEntry;
}

export class CompactRelay {
  private readonly deps: CompactRelayDeps;
  private readonly random: Random;
  readonly extra: ExtraTxnPool;
  private readonly state = new Map<Peer, PeerState>();
  private readonly hb = new HbPeers<Peer>();
  private readonly pending = new Map<string, Pending>();
  private readonly recent = new Map<string, Block>();
  /** Who sent each recent block, for the high-bandwidth choice once it is our tip. */
  private readonly source = new Map<string, Peer>();
  private highestFastAnnounce = -1;
  readonly stats: Omit<CompactStats, 'hbFrom' | 'hbTo'> = {
    received: 0,
    reconstructed: 0,
    neededGetblocktxn: 0,
    failed: 0,
    invalid: 0,
    blockBytes: { compact: 0, full: 0 },
    blocks: { compact: 0, full: 0 },
  };

  constructor(deps: CompactRelayDeps, extraCapacity?: number) {
    this.deps = deps;
    this.random = deps.random ?? systemRandom;
    this.extra = new ExtraTxnPool(extraCapacity);
  }

  snapshot(): CompactStats {
    let hbTo = 0;
    for (const s of this.state.values()) if (s.wantsPush) hbTo++;
    return structuredClone({ ...this.stats, hbFrom: this.hb.peers.length, hbTo });
  }

  onReady(peer: Peer): void {
    this.state.set(peer, { provides: false, wantsPush: false });
    if ((peer.version?.version ?? 0) >= SHORT_IDS_BLOCKS_VERSION)
      peer.send({ command: 'sendcmpct', announce: false, version: CMPCTBLOCKS_VERSION });
  }

  peerGone(peer: Peer): void {
    this.state.delete(peer);
    this.hb.remove(peer);
    for (const [hex, p] of this.pending) if (p.peer === peer) this.pending.delete(hex);
  }

  onSendCmpct(peer: Peer, announce: boolean, version: bigint): void {
    if (version !== CMPCTBLOCKS_VERSION) return;
    const s = this.state.get(peer) ?? { provides: false, wantsPush: false };
    s.provides = true;
    s.wantsPush = announce;
    this.state.set(peer, s);
  }

  /** The peer takes compact blocks (a getdata for one may be MSG_CMPCT_BLOCK). */
  provides(peer: Peer): boolean {
    return this.state.get(peer)?.provides === true;
  }

  /** The peer asked us to push new blocks as compact blocks. */
  wantsPush(peer: Peer): boolean {
    const s = this.state.get(peer);
    return s?.provides === true && s.wantsPush;
  }

  get anyWantsPush(): boolean {
    for (const s of this.state.values()) if (s.provides && s.wantsPush) return true;
    return false;
  }

  /** A block we hold or just rebuilt, kept to serve compact blocks and getblocktxn. */
  remember(block: Block, from?: Peer): void {
    const hex = block.hashHex();
    this.recent.delete(hex);
    this.recent.set(hex, block);
    if (from) this.source.set(hex, from);
    while (this.recent.size > RECENT_BLOCKS) {
      const oldest = this.recent.keys().next().value!;
      this.recent.delete(oldest);
      this.source.delete(oldest);
    }
  }

  /** The block of an entry, from memory or the chain's store. */
  async blockOf(e: BlockEntry): Promise<Block | undefined> {
    const b = this.recent.get(e.hashHex);
    if (b) return b;
    const raw = await this.deps.chain.getRawBlock(e.hash);
    if (!raw) return undefined;
    const block = Block.fromBytes(raw);
    this.remember(block);
    return block;
  }

  /** The block a full `block` message delivered: counted, and its sender remembered. */
  onFullBlock(peer: Peer, block: Block, isNew: boolean): void {
    // Whatever was still being rebuilt for it is of no use now.
    this.pending.delete(block.hashHex());
    this.pendingBytes.delete(block.hashHex());
    if (!isNew) return;
    this.stats.blocks.full++;
    this.stats.blockBytes.full += 24 + block.size();
    // On its way into the chain as a rebuilt one would be: a compact block for it from another
    // peer is then ignored rather than answered with a second getblocktxn. And its sender is
    // kept only while the block is recent, not for every block of an initial sync.
    this.remember(block, peer);
  }

  /**
   * A new tip was connected: if a peer that takes compact blocks delivered it, and nothing
   * else is being fetched, it becomes one of our high-bandwidth peers (Core's BlockChecked).
   */
  onTipConnected(tip: BlockEntry, othersInFlight: boolean): void {
    const from = this.source.get(tip.hashHex);
    if (!from || from.closed || othersInFlight || !this.provides(from)) return;
    const { add, drop } = this.hb.select(from);
    if (drop && !drop.closed)
      drop.send({ command: 'sendcmpct', announce: false, version: CMPCTBLOCKS_VERSION });
    if (add) add.send({ command: 'sendcmpct', announce: true, version: CMPCTBLOCKS_VERSION });
  }

  /** The compact form of `block` for `peer`: the coinbase and what the peer cannot have, prefilled. */
  compactFor(peer: Peer, block: Block): CompactBlock {
    const prefill = [0];
    for (let i = 1; i < block.txs.length; i++) {
      const tx = block.txs[i]!;
      if (!peer.knownInv.has(tx.txidHex()) && !peer.knownInv.has(tx.wtxidHex())) prefill.push(i);
    }
    const nonce = new DataView(this.random.bytes(8).buffer).getBigUint64(0, true);
    return compactBlockOf(block.header, block.txs, nonce, prefill);
  }

  sendCompact(peer: Peer, block: Block): void {
    peer.send({ command: 'cmpctblock', block: this.compactFor(peer, block) });
    peer.knownInv.add(block.hashHex());
  }

  /**
   * Pushes a block whose header and merkle root check out to the peers that asked for pushes,
   * before validating it (BIP152; Core's NewPoWValidBlock): only a block on our tip, once per
   * height, to peers that know its parent and not the block.
   */
  relayEarly(entry: BlockEntry, block: Block): void {
    const parent = entry.prev;
    if (!parent || parent.hashHex !== this.deps.chain.tip.hashHex) return;
    if (entry.height <= this.highestFastAnnounce) return;
    this.highestFastAnnounce = entry.height;
    for (const p of this.deps.peers()) {
      if (!p.ready || !this.wantsPush(p)) continue;
      if (this.deps.knows(p, entry) || !this.deps.knows(p, parent)) continue;
      this.sendCompact(p, block);
    }
  }

  // -------------------------------------------------------------------------------------
  // Receiving

  async onCmpctBlock(peer: Peer, cb: CompactBlock): Promise<void> {
    this.stats.received++;
    const bytes =
      24 + 80 + 8 + 9 + cb.shortIds.length * 6 + cb.prefilled.reduce((n, p) => n + 3 + p.tx.size(), 0);
    const hex = cb.header.hashHex();
    peer.knownInv.add(hex);
    const entry = this.deps.acceptHeader(peer, cb.header);
    if (!entry) return;
    if (entry.haveData) return;
    // Already rebuilt (or received) and on its way into the chain: another peer's copy adds
    // nothing, and asking it for the missing transactions again would be a second getblocktxn.
    if (this.recent.has(hex)) return;
    const tip = this.deps.chain.tip;
    const askedThis = this.deps.requestedFrom(hex) === peer;
    if (entry.chainWork <= tip.chainWork) {
      // Something better is known; if we asked this peer for it, the mempool is of no use.
      if (askedThis) this.getFull(peer, entry.hash);
      return;
    }
    if (entry.height > tip.height + 2) {
      if (askedThis) this.getFull(peer, entry.hash);
      else this.deps.announced(peer, entry);
      return;
    }
    const candidates = this.candidates();
    const owner = this.deps.requestedFrom(hex);
    if ((owner && owner !== peer) || this.pending.has(hex)) {
      // Someone else is delivering it: rebuild only if nothing is missing (Core's tempBlock).
      const partial = PartialBlock.init(cb, candidates);
      if (isFailure(partial) || partial.missing().length > 0) return;
      const block = partial.fill([]);
      if (isFailure(block)) return;
      return this.rebuilt(peer, entry, block, bytes);
    }
    this.deps.claim(peer, hex);
    const partial = PartialBlock.init(cb, candidates);
    if (isFailure(partial)) {
      if (partial.status === 'invalid') {
        this.stats.invalid++;
        throw new P2PError('INVALID_CMPCT_BLOCK', `invalid compact block ${hex}: ${partial.reason}`);
      }
      this.stats.failed++;
      this.deps.log.debug('compact block fell back to the full block', {
        peer: peer.id,
        hash: hex,
        reason: partial.reason,
      });
      this.getFull(peer, entry.hash);
      return;
    }
    const missing = partial.missing();
    if (missing.length === 0) {
      const block = partial.fill([]);
      if (isFailure(block)) {
        this.stats.failed++;
        this.getFull(peer, entry.hash);
        return;
      }
      return this.rebuilt(peer, entry, block, bytes);
    }
    this.stats.neededGetblocktxn++;
    this.pending.set(hex, { peer, partial, entry });
    this.pendingBytes.set(hex, bytes);
    peer.send({ command: 'getblocktxn', request: { blockHash: cb.header.hash(), indexes: missing } });
  }

  private readonly pendingBytes = new Map<string, number>();

  async onBlockTxn(peer: Peer, blockHash: Uint8Array, txs: readonly Tx[]): Promise<void> {
    const hex = hashToDisplay(blockHash);
    const p = this.pending.get(hex);
    // Core: "Peer sent us block transactions for block we weren't expecting": ignored.
    if (!p || p.peer !== peer) return;
    this.pending.delete(hex);
    const bytes = (this.pendingBytes.get(hex) ?? 0) + 24 + 32 + 3 + txs.reduce((n, t) => n + t.size(), 0);
    this.pendingBytes.delete(hex);
    const block = p.partial.fill(txs);
    if (isFailure(block)) {
      if (block.status === 'invalid') {
        this.stats.invalid++;
        throw new P2PError(
          'INVALID_BLOCKTXN',
          `invalid compact block/non-matching block transactions: ${block.reason}`,
        );
      }
      // Core: "Might have collided, fall back to getdata now :(".
      this.stats.failed++;
      this.getFull(peer, p.entry.hash);
      return;
    }
    return this.rebuilt(peer, p.entry, block, bytes, true);
  }

  private async rebuilt(
    peer: Peer,
    entry: BlockEntry,
    block: Block,
    bytes: number,
    afterTxn = false,
  ): Promise<void> {
    if (!afterTxn) this.stats.reconstructed++;
    this.stats.blocks.compact++;
    this.stats.blockBytes.compact += bytes;
    this.remember(block, peer);
    this.relayEarly(entry, block);
    await this.deps.deliver(peer, block);
  }

  private candidates(): Tx[] {
    const out: Tx[] = [];
    for (const tx of this.deps.mempoolTxs()) out.push(tx);
    for (const tx of this.extra.txs()) out.push(tx);
    return out;
  }

  private getFull(peer: Peer, hash: BlockHash): void {
    peer.send({ command: 'getdata', items: [{ type: INV.WITNESS_BLOCK, hash }] });
  }

  // -------------------------------------------------------------------------------------
  // Serving

  /** getdata(MSG_CMPCT_BLOCK): a compact block near the tip, else the full block. Returns false if we lack it. */
  async serveCompact(peer: Peer, e: BlockEntry): Promise<boolean> {
    const block = await this.blockOf(e);
    if (!block) return false;
    if (this.provides(peer) && e.height >= this.deps.chain.tip.height - MAX_CMPCTBLOCK_DEPTH)
      this.sendCompact(peer, block);
    else {
      peer.send({ command: 'block', block });
      peer.knownInv.add(e.hashHex);
    }
    return true;
  }

  async onGetBlockTxn(peer: Peer, blockHash: Uint8Array, indexes: readonly number[]): Promise<void> {
    const hex = hashToDisplay(blockHash);
    const e = this.deps.chain.entry(blockHashOf(blockHash));
    const block = this.recent.get(hex) ?? (e && !e.failed ? await this.blockOf(e) : undefined);
    if (!block) return;
    const last = indexes[indexes.length - 1];
    if (last !== undefined && last >= block.txs.length)
      throw new P2PError(
        'BAD_GETBLOCKTXN',
        `getblocktxn with out-of-bounds tx indices (${last} of ${block.txs.length})`,
      );
    if (e && e.height < this.deps.chain.tip.height - MAX_BLOCKTXN_DEPTH) {
      peer.send({ command: 'block', block });
      return;
    }
    peer.send({ command: 'blocktxn', response: { blockHash, txs: indexes.map((i) => block.txs[i]!) } });
  }
}
