/**
 * The P2P layer (Core's PeerManager on top of CConnman): dispatches peers' messages to sync,
 * relay and address gossip, serves getheaders and getdata from the chain and the mempool,
 * and announces new blocks (BIP130 headers to peers that sent `sendheaders`, else `inv`)
 * and new mempool transactions.
 *
 * It depends on the node only through P2PDeps (the chain's read side, the mempool's, and the
 * node's submitTx/submitBlock), so everything a peer sends goes through the same checks as a
 * block or transaction from anywhere else.
 */

import { BlockIndexError } from '../chain/block-index.js';
import type { BlockEntry } from '../chain/entry.js';
import { blockLocator, headersAfter, type MainChainView } from '../chain/locator.js';
import { type Clock, forkRandom, type Random, realClock, systemRandom } from '../clock.js';
import { RuleError } from '../consensus/errors.js';
import type { Logger } from '../log.js';
import type { AcceptResult, MempoolEntry, RemovalReason } from '../mempool/index.js';
import { Block } from '../protocol/block.js';
import { hashToDisplay } from '../protocol/hash.js';
import type { BlockHeader } from '../protocol/header.js';
import {
  type BlockHash,
  blockHashOf,
  hashKey,
  type Txid,
  txidOf,
  type Wtxid,
  wtxidOf,
} from '../protocol/ids.js';
import type { NetworkParams } from '../protocol/params.js';
import { workFromBits } from '../protocol/pow.js';
import type { Tx } from '../protocol/tx.js';
import { AddrRelay } from './addr-relay.js';
import { BlockSync, type BlockSyncOptions } from './block-sync.js';
import { CompactRelay, type CompactStats } from './compact-blocks.js';
import { type ConnectionSettings, Connections } from './connections.js';
import { P2PError } from './errors.js';
import { FeeFilters } from './fee-filter.js';
import { type FilesMessage, isFilesCommand } from './files-messages.js';
import { MAX_HEADERS } from './framing.js';
import { continueGetblocks, serveGetblocks } from './getblocks.js';
import { INV, type InvItem, type Message } from './messages.js';
import { consequenceOf } from './misbehaviour.js';
import { NODE_FILES, NODE_NETWORK, NODE_WITNESS } from './netaddr.js';
import { type Peer, PROTOCOL_VERSION, SENDHEADERS_VERSION } from './peer.js';
import { PeerDb } from './peer-db.js';
import type { PeerInfo } from './peer-info.js';
import type { Transport } from './transport/transport.js';
import { TxRelay, type TxRelayOptions } from './tx-relay.js';

export const LOCAL_SERVICES = NODE_NETWORK | NODE_WITNESS;
/** Core's MAX_BLOCKS_TO_ANNOUNCE: more new blocks than this are announced by inv. */
const MAX_BLOCKS_TO_ANNOUNCE = 8;
/** Send buffer above which serving getdata waits for the peer to read. */
const SEND_BACKLOG = 4_000_000;
const MAX_UNCONNECTING = 10;
const WITNESS_FLAG = 0x40000000;
/** Core's DEFAULT_MIN_RELAY_TX_FEE (sat/kvB): the floor of the fee filter we send. */
const MIN_RELAY_FEE_RATE = 1000n;

export interface P2PConfig extends ConnectionSettings {
  /** Keep loopback and LAN addresses learned from peers (regtest); main keeps only routable ones. */
  allowLocalAddrs: boolean;
  userAgent: string;
  /** LevelDB of the address book and bans; null keeps them in memory. */
  dbPath: string | null;
  sync: BlockSyncOptions;
  txRelay: TxRelayOptions;
}

/** What the P2P layer reads of the chain (node/chain/chain.ts), and its header acceptance. */
export interface P2PChain extends MainChainView {
  readonly tip: BlockEntry;
  bestHeader(): BlockEntry;
  acceptHeaders(headers: readonly BlockHeader[]): BlockEntry | null;
  getRawBlock(hash: BlockHash): Promise<Uint8Array | undefined>;
  on(event: 'connect', fn: () => void): unknown;
  off(event: 'connect', fn: () => void): unknown;
}

export interface P2PDeps {
  params: NetworkParams;
  chain: P2PChain;
  mempool: {
    get(txid: Txid): MempoolEntry | undefined;
    getByWtxid(wtxid: Wtxid): MempoolEntry | undefined;
    has(id: Txid | Wtxid): boolean;
    hasOrphan(id: Txid | Wtxid): boolean;
    eraseOrphansForPeer(peer: string): number;
    /** The rolling minimum fee rate, sat/kvB, 0 until the mempool has been full (Core's GetMinFee; BIP133 feefilter). */
    rollingMinFeeRate?(): bigint;
    /** Every entry (compact blocks are rebuilt from them). */
    entries(): IterableIterator<MempoolEntry>;
    on(event: 'added', fn: (e: MempoolEntry) => void): () => void;
    on(event: 'removed', fn: (e: MempoolEntry, reason: RemovalReason) => void): () => void;
  };
  submitTx(tx: Tx, opts: { peer: string; orphan: boolean }): Promise<AcceptResult>;
  submitBlock(block: Block): Promise<unknown>;
  log: Logger;
  /** How peers are reached (default TCP). */
  transport?: Transport;
  /** Every timer and clock read of the layer (default the real clock). */
  clock?: Clock;
  /** Every non-secret random choice: node id, nonces, address picks, relay delays (default the system's). */
  random?: Random;
  /** File sharing (node/files/): present, the node signals NODE_FILES and hands it its messages. */
  files?: FilesPeerHooks;
}

/** What the files service (node/files/service.ts) is told of peers and their files messages. */
export interface FilesPeerHooks {
  beforeVerack(peer: Peer): void;
  onReady(peer: Peer): void;
  onMessage(peer: Peer, msg: FilesMessage): Promise<void> | void;
  onClose(peer: Peer): void;
}

export interface NetTotals {
  bytesSent: number;
  bytesReceived: number;
  messagesReceived: Record<string, number>;
  /** Frame bytes (header included) by command, of every peer since start: monotonic. */
  bytesSentPerMsg: Record<string, number>;
  bytesReceivedPerMsg: Record<string, number>;
  /** Transaction bodies received from peers (each tx should cross to a node once). */
  txBodiesReceived: number;
}

export class P2P {
  readonly conns: Connections;
  readonly sync: BlockSync;
  readonly tx: TxRelay;
  readonly addr: AddrRelay;
  readonly cmpct: CompactRelay;
  readonly fees: FeeFilters;
  readonly userAgent: string;
  private readonly deps: P2PDeps;
  private readonly db: PeerDb | null;
  private readonly unconnecting = new Map<Peer, number>();
  private readonly closedTotals: NetTotals = {
    bytesSent: 0,
    bytesReceived: 0,
    messagesReceived: {},
    bytesSentPerMsg: {},
    bytesReceivedPerMsg: {},
    txBodiesReceived: 0,
  };
  /** The layer's time (bans and timeouts count in it). */
  readonly clock: Clock;
  private timer: unknown = null;
  private announceQueued = false;
  private unsubscribe: (() => void)[] = [];

  private constructor(config: P2PConfig, deps: P2PDeps, db: PeerDb | null) {
    this.deps = deps;
    this.db = db;
    this.userAgent = config.userAgent;
    const { chain, log } = deps;
    const clock = deps.clock ?? realClock;
    const random = deps.random ?? systemRandom;
    this.clock = clock;
    const now = () => clock.now();
    const float = () => random.float();
    const peers = () => this.conns.ready();
    this.conns = new Connections(
      {
        ...config,
        params: deps.params,
        transport: deps.transport,
        clock,
        random,
        local: {
          services: deps.files ? LOCAL_SERVICES | NODE_FILES : LOCAL_SERVICES,
          userAgent: config.userAgent,
          height: () => chain.height,
        },
      },
      {
        beforeVerack: (p) => deps.files?.beforeVerack(p),
        onReady: (p) => this.onReady(p),
        onMessage: (p, m) => this.onMessage(p, m),
        onClose: (p) => this.onClose(p),
      },
      log,
      db,
    );
    this.sync = new BlockSync(config.sync, {
      chain,
      hasData: (e) => chain.entry(e.hash)?.haveData === true,
      submitBlock: (b) => deps.submitBlock(b),
      request: (peer, blocks) => {
        // Core: one block on our tip from a peer that takes compact blocks is asked as one (BIP152).
        const one = blocks.length === 1 ? blocks[0]! : null;
        const compact = one && this.cmpct.provides(peer) && one.prev?.hashHex === chain.tip.hashHex;
        const type = compact ? INV.CMPCT_BLOCK : INV.WITNESS_BLOCK;
        peer.send({ command: 'getdata', items: blocks.map((b) => ({ type, hash: b.hash })) });
      },
      peers,
      now,
      log,
    });
    this.tx = new TxRelay(config.txRelay, {
      mempool: deps.mempool,
      submitTx: deps.submitTx,
      peers,
      clock,
      random: float,
      log,
      onRefused: (tx) => this.cmpct.extra.add(tx),
    });
    this.cmpct = new CompactRelay({
      chain,
      mempoolTxs: () => mempoolTxs(deps.mempool.entries()),
      acceptHeader: (peer, header) => this.acceptOneHeader(peer, header),
      deliver: (peer, block) => this.deliverBlock(peer, block),
      claim: (peer, hex) => {
        this.sync.updateTarget();
        return this.sync.claim(peer, hex);
      },
      requestedFrom: (hex) => this.sync.requestedFrom(hex),
      announced: (peer, entry) => {
        this.updateBest(peer, entry);
        this.sync.updateTarget();
        this.sync.scheduleAll();
      },
      knows: (peer, e) => this.knows(peer, e),
      peers,
      log,
      random: forkRandom(random),
    });
    this.fees = new FeeFilters({
      minFeeRate: () => deps.mempool.rollingMinFeeRate?.() ?? 0n,
      minRelayFeeRate: MIN_RELAY_FEE_RATE,
      clock,
      random: forkRandom(random),
    });
    this.addr = new AddrRelay(
      { allowLocal: config.allowLocalAddrs },
      { book: this.conns.book, peers, now: () => Math.floor(clock.now() / 1000), random: float, log },
    );
    const onConnect = () => this.onConnect();
    chain.on('connect', onConnect);
    this.unsubscribe.push(() => chain.off('connect', onConnect));
    this.unsubscribe.push(deps.mempool.on('added', (e) => this.tx.announce(e)));
    // Core's vExtraTxnForCompact: what left the mempool unmined may still be in a block.
    this.unsubscribe.push(
      deps.mempool.on('removed', (e, reason) => {
        if (reason !== 'block' && reason !== 'reorg') this.cmpct.extra.add(e.tx);
      }),
    );
    this.timer = clock.setInterval(() => {
      this.sync.tick();
      this.tx.tick();
      this.fees.tick(this.conns.ready());
    }, config.timings.tickMs);
  }

  static async start(config: P2PConfig, deps: P2PDeps): Promise<P2P> {
    const db = config.dbPath ? await PeerDb.open(config.dbPath) : null;
    if (db) db.onError = (e) => deps.log.error('peer database write failed', { error: e.message });
    const p2p = new P2P(config, deps, db);
    try {
      await p2p.conns.start();
    } catch (e) {
      await p2p.stop();
      throw e;
    }
    return p2p;
  }

  async stop(): Promise<void> {
    if (this.timer !== null) this.clock.clearInterval(this.timer);
    this.timer = null;
    for (const u of this.unsubscribe.splice(0)) u();
    this.tx.stop();
    await this.sync.stop();
    await this.conns.stop();
    await this.db?.close();
  }

  get listenPort(): number {
    return this.conns.listenPort;
  }

  get nodeId(): string {
    return this.conns.nonce.toString(16).padStart(16, '0');
  }

  peerInfo(): PeerInfo[] {
    return this.conns.ready().map((p) => p.info());
  }

  totals(): NetTotals {
    const t = structuredClone(this.closedTotals);
    for (const p of this.conns.peers.values()) addTotals(t, p);
    t.txBodiesReceived = this.tx.bodiesReceived;
    return t;
  }

  /** BIP152 counters: compact blocks received, rebuilt, needing getblocktxn, failed; bytes per block; HB peers. */
  compactStats(): CompactStats {
    return this.cmpct.snapshot();
  }

  // -------------------------------------------------------------------------------------
  // Peer lifecycle

  private getheaders(peer: Peer, from: BlockEntry, stop?: Uint8Array): void {
    peer.send({
      command: 'getheaders',
      version: PROTOCOL_VERSION,
      locator: blockLocator(from),
      stop: stop ?? new Uint8Array(32),
    });
  }

  private onReady(peer: Peer): void {
    if ((peer.version?.version ?? 0) >= SENDHEADERS_VERSION) peer.send({ command: 'sendheaders' });
    if (peer.direction === 'outbound') peer.send({ command: 'getaddr' });
    this.addr.advertiseSelf(peer, this.conns.listenPort, LOCAL_SERVICES);
    this.cmpct.onReady(peer);
    // From the parent of our best header (Core does the same): a peer that is up to date then
    // answers with at least that header, which tells us what it has.
    const best = this.deps.chain.bestHeader();
    this.getheaders(peer, best.prev ?? best);
    this.tx.offerMempool(peer, [...this.deps.mempool.entries()]);
    this.deps.files?.onReady(peer);
  }

  private onClose(peer: Peer): void {
    addTotals(this.closedTotals, peer);
    this.unconnecting.delete(peer);
    this.sync.peerGone(peer);
    this.tx.peerGone(peer);
    this.cmpct.peerGone(peer);
    this.fees.peerGone(peer);
    this.deps.mempool.eraseOrphansForPeer(String(peer.id));
    this.deps.files?.onClose(peer);
  }

  private updateBest(peer: Peer, h: BlockEntry): void {
    if (!peer.best || h.chainWork > peer.best.chainWork) peer.best = h;
  }

  private async onMessage(peer: Peer, msg: Message): Promise<void> {
    switch (msg.command) {
      case 'sendheaders':
        peer.sendHeaders = true;
        return;
      case 'getaddr':
        return this.addr.onGetaddr(peer);
      case 'addr':
        this.addr.onAddr(peer, msg.addrs);
        return this.conns.addrsReceived(peer, msg.addrs.length);
      case 'addrv2':
        this.addr.onAddrV2(peer, msg.addrs);
        return this.conns.addrsReceived(peer, msg.addrs.length);
      case 'inv':
        return this.onInv(peer, msg.items);
      case 'getdata':
        return this.serveGetdata(peer, msg.items);
      case 'notfound': {
        const isBlock = (i: InvItem) => (i.type & ~WITNESS_FLAG) === INV.BLOCK;
        this.sync.onNotFound(
          peer,
          msg.items.filter(isBlock).map((i) => i.hash),
        );
        this.tx.onNotFound(
          peer,
          msg.items.filter((i) => !isBlock(i)).map((i) => i.hash),
        );
        return;
      }
      case 'getheaders':
        return this.serveGetheaders(peer, msg.locator.map(blockHashOf), blockHashOf(msg.stop));
      case 'headers':
        return this.onHeaders(peer, msg.headers);
      case 'getblocks':
        return serveGetblocks(this.deps.chain, peer, msg.locator.map(blockHashOf), blockHashOf(msg.stop));
      case 'block':
        return this.onBlock(peer, msg.block);
      case 'tx':
        return this.tx.onTx(peer, msg.tx);
      case 'feefilter':
        return this.fees.onFeeFilter(peer, msg.feeRate);
      case 'sendcmpct':
        return this.cmpct.onSendCmpct(peer, msg.announce, msg.version);
      case 'cmpctblock':
        return this.cmpct.onCmpctBlock(peer, msg.block);
      case 'getblocktxn':
        return this.cmpct.onGetBlockTxn(peer, msg.request.blockHash, msg.request.indexes);
      case 'blocktxn':
        return this.cmpct.onBlockTxn(peer, msg.response.blockHash, msg.response.txs);
      default:
        if (isFilesCommand(msg.command)) return this.deps.files?.onMessage(peer, msg as FilesMessage);
        // version/verack/ping/pong are the Peer's; unknown commands are ignored (Core).
        return;
    }
  }

  // -------------------------------------------------------------------------------------
  // Headers and blocks in

  /**
   * The header of a compact block (Core's CMPCTBLOCK handler): one whose parent we lack gets a
   * getheaders and null; an invalid one costs what onHeaders makes it cost.
   */
  private acceptOneHeader(peer: Peer, header: BlockHeader): BlockEntry | null {
    if (!this.deps.chain.entry(header.prevBlock)) {
      this.getheaders(peer, this.deps.chain.bestHeader());
      return null;
    }
    const e = this.checkHeaders([header]);
    if (e) this.updateBest(peer, e);
    return e ?? null;
  }

  /**
   * The chain's header acceptance, its errors turned into the peer's offences; undefined for a
   * header from the future (it may become valid: nobody is at fault), null when they do not connect.
   */
  private checkHeaders(headers: readonly BlockHeader[]): BlockEntry | null | undefined {
    try {
      return this.deps.chain.acceptHeaders(headers);
    } catch (e) {
      if (e instanceof RuleError) {
        if (consequenceOf(e).disconnect) throw new P2PError('INVALID_HEADER', e.message, e);
        return undefined;
      }
      if (e instanceof BlockIndexError) {
        if (e.code === 'INDEX_FULL') throw new P2PError('INV_FLOOD', e.message);
        throw new P2PError('UNCONNECTING_HEADERS', e.message);
      }
      throw e;
    }
  }

  private onHeaders(peer: Peer, headers: readonly BlockHeader[]): void {
    if (headers.length === 0) return;
    for (const h of headers) peer.knownInv.add(h.hashHex());
    const last = this.checkHeaders(headers);
    if (last === undefined) return;
    if (!last) {
      const n = (this.unconnecting.get(peer) ?? 0) + 1;
      this.unconnecting.set(peer, n);
      if (n >= MAX_UNCONNECTING)
        throw new P2PError('UNCONNECTING_HEADERS', `${n} headers messages that do not connect`);
      this.getheaders(peer, this.deps.chain.bestHeader());
      return;
    }
    this.unconnecting.delete(peer);
    this.updateBest(peer, last);
    if (headers.length === MAX_HEADERS) this.getheaders(peer, last);
    this.sync.updateTarget();
    this.sync.scheduleAll();
  }

  private onInv(peer: Peer, items: readonly InvItem[]): void {
    // Transaction hashes go on as bytes: TxRelay makes their hex only while under the flood cap.
    const txHashes: (Txid | Wtxid)[] = [];
    let unknownBlock: Uint8Array | null = null;
    let learned = false;
    // BIP339: a wtxid-relay peer announces by wtxid only, others by txid only; Core ignores the rest.
    const txType = peer.wtxidRelay ? INV.WTX : INV.TX;
    for (const it of items) {
      const type = it.type & ~WITNESS_FLAG;
      if (type === txType) txHashes.push(peer.wtxidRelay ? wtxidOf(it.hash) : txidOf(it.hash));
      else if (type === INV.BLOCK) {
        const hash = blockHashOf(it.hash);
        peer.knownInv.add(hashKey(hash));
        const h = this.deps.chain.entry(hash);
        if (h) {
          this.updateBest(peer, h);
          learned = true;
        } else unknownBlock = it.hash;
      }
    }
    if (txHashes.length > 0) this.tx.onInv(peer, txHashes);
    // Core asks for headers up to the last unknown block announced, once per message.
    if (unknownBlock) this.getheaders(peer, this.deps.chain.bestHeader(), unknownBlock);
    if (learned) {
      this.sync.updateTarget();
      this.sync.schedule(peer);
    }
  }

  private async onBlock(peer: Peer, block: Block): Promise<void> {
    this.cmpct.onFullBlock(peer, block, this.deps.chain.entry(block.hash())?.haveData !== true);
    return this.deliverBlock(peer, block);
  }

  /** A block from a peer, whole or rebuilt from a compact block: to download or, unrequested, checked as Core does. */
  private async deliverBlock(peer: Peer, block: Block): Promise<void> {
    const hash = block.hash();
    peer.knownInv.add(hashKey(hash));
    if (this.sync.onBlock(peer, block)) {
      const h = this.deps.chain.entry(hash);
      if (h) this.updateBest(peer, h);
      return;
    }
    // Unrequested: taken only if it would be a tip candidate (Core's fNewBlock rule).
    const { chain } = this.deps;
    const parent = chain.entry(block.header.prevBlock);
    if (!parent?.haveData || chain.entry(hash)?.haveData) return;
    if (parent.chainWork + workFromBits(block.header.bits) < chain.tip.chainWork) return;
    try {
      await this.deps.submitBlock(block);
      peer.lastBlockAt = Math.floor(this.clock.now() / 1000);
    } catch (e) {
      if (!(e instanceof RuleError)) throw e;
      // The chain marked the block and what builds on it failed (block-index.ts).
      if (!consequenceOf(e).disconnect) return;
      throw new P2PError('INVALID_BLOCK', e.message, e);
    }
    const entry = chain.entry(hash);
    if (entry) this.updateBest(peer, entry);
    this.sync.updateTarget();
    this.sync.scheduleAll();
  }

  // -------------------------------------------------------------------------------------
  // Serving

  private serveGetheaders(peer: Peer, locator: readonly BlockHash[], stop: BlockHash): void {
    const theirs = locator[0] ? this.deps.chain.entry(locator[0]) : undefined;
    if (theirs && !theirs.failed) this.updateBest(peer, theirs);
    const headers = headersAfter(
      this.deps.chain,
      locator,
      stop.some((b) => b !== 0) ? stop : null,
      MAX_HEADERS,
    );
    const last = headers[headers.length - 1];
    if (last) peer.knownInv.add(last.hashHex());
    peer.send({ command: 'headers', headers });
  }

  private async serveGetdata(peer: Peer, items: readonly InvItem[]): Promise<void> {
    const missing: InvItem[] = [];
    for (const it of items) {
      if (peer.closed) return;
      await peer.drained(SEND_BACKLOG);
      const witness = (it.type & WITNESS_FLAG) !== 0;
      const type = it.type & ~WITNESS_FLAG;
      const hex = hashToDisplay(it.hash);
      if (type === INV.TX || type === INV.WTX) {
        const e =
          type === INV.WTX
            ? this.deps.mempool.getByWtxid(wtxidOf(it.hash))
            : this.deps.mempool.get(txidOf(it.hash));
        if (e) peer.send({ command: 'tx', tx: e.tx }, witness || type === INV.WTX);
        else missing.push(it);
      } else if (type === INV.CMPCT_BLOCK) {
        const entry = this.deps.chain.entry(blockHashOf(it.hash));
        if (!entry || entry.failed || !(await this.cmpct.serveCompact(peer, entry))) missing.push(it);
        // Core's ProcessGetBlockData continues a getblocks walk whichever kind of block was asked
        // for: bcoin, synced by its own measure on regtest, asks for every block as a compact one.
        else continueGetblocks(peer, hex, this.deps.chain.tip.hash);
      } else if (type === INV.BLOCK) {
        const hash = blockHashOf(it.hash);
        const entry = this.deps.chain.entry(hash);
        const raw = entry && !entry.failed ? await this.deps.chain.getRawBlock(hash) : undefined;
        if (!raw) missing.push(it);
        else if (witness) peer.sendRaw('block', raw);
        else peer.send({ command: 'block', block: Block.fromBytes(raw) }, false);
        if (raw) peer.knownInv.add(hex);
        if (raw) continueGetblocks(peer, hex, this.deps.chain.tip.hash);
      } else missing.push(it);
    }
    if (missing.length > 0 && !peer.closed) peer.send({ command: 'notfound', items: missing });
  }

  // -------------------------------------------------------------------------------------
  // Announcements

  private onConnect(): void {
    this.tx.onTip();
    this.cmpct.onTipConnected(this.deps.chain.tip, this.sync.inFlightCount > 0);
    if (this.announceQueued) return;
    this.announceQueued = true;
    setImmediate(() => {
      this.announceQueued = false;
      void this.announceTip().catch((e: Error) =>
        this.deps.log.error('block announcement failed', { error: e.message }),
      );
    });
  }

  /** Does the peer know block `e` (announced by it or to it, or below its best header)? */
  private knows(peer: Peer, e: BlockEntry): boolean {
    if (peer.knownInv.has(e.hashHex)) return true;
    const best = peer.best;
    if (!best) return false;
    if (best.hashHex === e.hashHex) return true;
    const chain = this.deps.chain;
    const be = chain.entry(best.hash);
    const ee = chain.entry(e.hash);
    return !!be && !!ee && chain.isMain(be) && chain.isMain(ee) && be.height >= ee.height;
  }

  private async announceTip(): Promise<void> {
    // While blocks are still being fetched we are behind: announce once caught up (Core: IBD).
    if (this.sync.inFlightCount > 0) return;
    const tip = this.deps.chain.tip;
    // BIP152 high-bandwidth peers get one new block as a compact block (Core's SendMessages).
    const block = this.cmpct.anyWantsPush ? await this.cmpct.blockOf(tip) : undefined;
    for (const peer of this.conns.ready()) {
      if (this.knows(peer, tip)) continue;
      const fresh: BlockEntry[] = [];
      let e: BlockEntry | null = tip;
      while (e && fresh.length < MAX_BLOCKS_TO_ANNOUNCE && !this.knows(peer, e)) {
        fresh.push(e);
        e = e.prev;
      }
      const connects = e !== null && this.knows(peer, e);
      if (block && connects && fresh.length === 1 && this.cmpct.wantsPush(peer))
        this.cmpct.sendCompact(peer, block);
      else if (peer.sendHeaders && connects) {
        fresh.reverse();
        peer.send({ command: 'headers', headers: fresh.map((h) => h.header) });
      } else peer.send({ command: 'inv', items: [{ type: INV.BLOCK, hash: tip.hash }] });
      for (const h of fresh) peer.knownInv.add(h.hashHex);
    }
  }
}

function* mempoolTxs(entries: IterableIterator<MempoolEntry>): IterableIterator<Tx> {
  for (const e of entries) yield e.tx;
}

function addTotals(t: NetTotals, p: Peer): void {
  t.bytesSent += p.bytesSent;
  t.bytesReceived += p.bytesReceived;
  addCounts(t.messagesReceived, p.messagesReceived);
  addCounts(t.bytesSentPerMsg, p.bytesSentPerMsg);
  addCounts(t.bytesReceivedPerMsg, p.bytesReceivedPerMsg);
}

function addCounts(to: Record<string, number>, from: Readonly<Record<string, number>>): void {
  for (const [k, v] of Object.entries(from)) to[k] = (to[k] ?? 0) + v;
}
