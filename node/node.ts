/**
 * FullNode: builds the parts and wires them (the only place that does): chain on LevelDB,
 * mempool kept in step with the tip (mined txs removed on connect, disconnected txs re-added
 * after a reorg), block templates and the CPU miner, the HTTP server with the admin RPC, and the
 * P2P layer (which relays what enters the mempool and the chain, through their events).
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { getHeapSpaceStatistics } from 'node:v8';
import type { FastifyInstance } from 'fastify';
import { buildExplorerApp } from '../explorer-api/index.js';
import type { ExplorerNode, NodeNetwork, RpcNode, SyncInfo } from './api.js';
import { type Broadcast, broadcastTx, DEFAULT_MAX_FEE_RATE } from './broadcast.js';
import { type AddResult, Chain } from './chain/chain.js';
import { ScriptCache } from './chain/script-cache.js';
import { ScriptPool } from './chain/script-pool.js';
import { SignatureCache } from './chain/sig-cache.js';
import { type ChainDb, DEFAULT_DB_CACHE, DEFAULT_WRITE_BUFFER } from './chain/store.js';
import { type Clock, type Random, realClock, systemRandom } from './clock.js';
import { blockSubsidy } from './consensus/subsidy.js';
import { createDataDir } from './datadir.js';
import type { Dht } from './dht/dht.js';
import type { FilesService } from './files/service.js';
import type { FilesStorage } from './files/storage.js';
import { HeapTrim, type HeapTrimOptions, PROCESS_HELD } from './heap-trim.js';
import { InitialBlockDownload, verificationProgress } from './ibd.js';
import { createLogger, type Logger, type LogLevel, stderrTerminal } from './log.js';
import { type AcceptResult, type FeeRate, Mempool } from './mempool/index.js';
import { type CacheFigures, NodeMetrics, registerMetricsRoute } from './metrics.js';
import { Miner, solveBlock } from './mining/miner-loop.js';
import { MinerPool } from './mining/miner-pool.js';
import { type BlockTemplate, buildBlockTemplate } from './mining/template.js';
import { networkAdmin } from './network-admin.js';
import { type FilesWiring, openFiles, startDht } from './node-files.js';
import { buildP2PConfig, type P2PTuning } from './p2p/config.js';
import { P2P } from './p2p/p2p.js';
import type { PeerInfo } from './p2p/peer-info.js';
import { DEFAULT_SEEDS_FILE, readSeedsFile } from './p2p/seeds.js';
import type { Transport } from './p2p/transport/transport.js';
import type { Block } from './protocol/block.js';
import type { EcdsaBackend } from './protocol/ecdsa.js';
import { type BlockHash, blockHashFromDisplay } from './protocol/ids.js';
import { getNetwork, type NetworkName, type NetworkParams } from './protocol/params.js';
import type { Tx } from './protocol/tx.js';
import { AllowIp } from './rpc/allow-ip.js';
import { RpcAuth } from './rpc/auth.js';
import { ActiveCommands, makeExecutor } from './rpc/dispatch.js';
import { SPECS } from './rpc/help.js';
import { RpcServer } from './rpc/server.js';
import { buildMethods } from './rpc/table.js';
import {
  everyOn,
  isSyncing,
  type StatusLine,
  StatusReporter,
  type StatusSnapshot,
  syncState,
} from './status.js';
import { type SubmitPackageJson, submitPackage } from './submit-package.js';
import { fullCollection } from './v8-gc.js';

export const VERSION = '0.1.0';

export interface NodeConfig {
  network: NetworkName;
  datadir: string;
  httpHost: string;
  /** 0 picks a free port. */
  httpPort: number;
  /** Push streams (GET /api/v1/events) open at once (default 100). */
  httpEventStreams?: number;
  /** POSTs to the API per client per minute (default 100; 0: none). */
  httpRateLimit?: number;
  /** Limit loopback clients and clients with the RPC credentials too (default false: exempt). */
  httpRateLimitLocal?: boolean;
  /** Serve GET /api/block-template (electrs' --enable-mining-rest; default false). */
  httpBlockTemplate?: boolean;
  /** Keep the address-search index for GET /api/address-prefix (electrs' --address-search). */
  addressSearch?: boolean;
  /** JSON-RPC port; default 0, a free port (the CLI passes the rpc-port setting). */
  rpcPort?: number;
  /** Address the JSON-RPC server binds (default 127.0.0.1). */
  rpcHost?: string;
  /** Addresses and subnets besides loopback that may reach the RPC (Core's -rpcallowip). */
  rpcAllowIp?: string[];
  /** Where the cookie goes (default <datadir>/.cookie); unused with rpcPassword. */
  rpcCookieFile?: string;
  rpcUser?: string;
  /** With rpcUser, replaces the cookie (Core's -rpcpassword). */
  rpcPassword?: string;
  /** Users as Core's rpcauth.py prints them: "user:salt$hash". */
  rpcAuth?: string[];
  /** Run the JSON-RPC server (default true). */
  rpc?: boolean;
  p2pPort: number;
  mine: boolean;
  /** Output script the miner pays to (required with `mine`). */
  mineScript?: Uint8Array;
  mineWorkers?: number;
  /**
   * Core's assumevalid: scripts of this block's ancestors are not checked (chain/assume-valid.ts).
   * Null: every script is checked. Default: the network's (params.assumeValidHex; none today).
   */
  assumeValid?: BlockHash | null;
  logLevel: LogLevel;
  mempoolMaxBytes?: number;
  /** Run the P2P layer (default true). */
  p2p?: boolean;
  /** Accept inbound connections (default true). */
  listen?: boolean;
  /** Address the P2P listener binds (default 127.0.0.1; the CLI binds 0.0.0.0). */
  p2pHost?: string;
  /** A seeds file replacing seeds.json (same shape: {"<network>": ["host:port", ...]}). */
  seedsFile?: string;
  /** Connect only to these "host:port" (Core's -connect): no seeds, no address book. */
  connect?: string[];
  /** Peers to keep connected besides the others (Core's -addnode). */
  addNodes?: string[];
  maxInbound?: number;
  maxOutbound?: number;
  /** Mean delay before announcing a new mempool transaction, ms (default 500). */
  relayDelayMs?: number;
  /** Timers and limits of the P2P layer (tests shorten them). */
  p2pTuning?: Partial<P2PTuning>;
  /** How the P2P layer reaches peers (default TCP; tests pass an in-memory network's). */
  p2pTransport?: Transport;
  /**
   * The node's time and timers: P2P, mempool, chain (future-header check), IBD, status line,
   * block template times (default the real clock; with no clock, a memory transport's is used).
   */
  clock?: Clock;
  /** Non-secret random choices: node id, nonces, peer picks, relay delays, orphan eviction (default the system's). */
  random?: Random;
  /** Between status checks, and log lines while syncing, ms (default 5000; 0 turns them off). */
  statusIntervalMs?: number;
  /** Between status log lines while waiting or synced, ms (default 60000). */
  statusIdleIntervalMs?: number;
  /** Draw initial-sync progress as a bar on stderr when it is a terminal (the CLI does). */
  progressBar?: boolean;
  /**
   * Run the DHT of provider records (docs/dht.md): its port (0: any free one), the address
   * others reach it at, and nodes to join through ("host:port"). Off when absent.
   */
  dht?: { port: number; host: string; bootstrap?: string[] };
  /** Cap on a local broadcast's fee rate, sat/kvB, unless the caller gives one (0: none; default Core's 0.10 coin/kvB). */
  maxFeeRate?: FeeRate;
  /** Share and fetch anchored files (default true with P2P; docs/files.md). */
  files?: boolean;
  /** Quota of the file store in bytes (0: none). */
  filesMaxBytes?: number;
  /** Chunk bytes per fdatasync of a download (node/files/store.ts GROUP_BYTES; 0: every chunk). */
  filesGroupBytes?: number;
  /**
   * Where the file store keeps its data files and database (node/files/storage.ts), instead of
   * <datadir>/files on disk: the simulator's memory, as `chainDb` is for the chain.
   */
  filesStorage?: FilesStorage;
  /** Serve HTTP: the explorer, its API and /metrics (default true). */
  http?: boolean;
  /**
   * The chain's database, unopened (e.g. memory-level), instead of LevelDB under `datadir`.
   * With it the node writes nothing to disk: no data dir is created and the address book is
   * not persisted (a simulator runs many nodes this way).
   */
  chainDb?: ChainDb;
  /** Worker threads for script checks (default: cores - 1); 0 verifies on the main thread. */
  scriptThreads?: number;
  /** Each script worker's young generation, MiB (`script-young-gen`; 0: V8's own size). */
  scriptYoungGenMb?: number;
  /** Bound of the chain's recent-coins cache, entries (default 50,000; `coin-cache`). */
  coinCacheEntries?: number;
  /** Unflushed coin changes held in memory, bytes (default 32 MiB; `dbcache`, in MiB); 0: none. */
  coinViewBytes?: number;
  /** Bound of the script-execution cache, entries (default 200,000; `script-cache`). */
  scriptCacheEntries?: number;
  /** Bound of the mempool's signature cache, entries (default 200,000; 0: none; `sig-cache`). */
  sigCacheEntries?: number;
  /** LevelDB's block cache of the chain, bytes (default 8 MiB; `leveldb-cache`). */
  dbCacheBytes?: number;
  /** LevelDB's memtable of the chain, bytes, held up to twice (default 16 MiB; `leveldb-write-buffer`). */
  dbWriteBufferBytes?: number;
  /** Signature backend of the chain and the mempool (a simulator shares a cache among nodes). */
  ecdsaBackend?: EcdsaBackend;
  /**
   * A full V8 collection when blocks stop arriving and the heap has grown (heap-trim.ts; default
   * on, with DEFAULT_HEAP_TRIM). The collection is the whole process's: a simulator running many
   * nodes turns it off.
   */
  heapTrim?: boolean | Partial<HeapTrimOptions>;
}

/**
 * The clock a node runs on: the one given, else its memory transport's (so the network and the
 * node share one time), else the real one. A clock given that differs from the transport's is
 * a mistake of the caller: two times would disagree on every timeout.
 */
function nodeClock(config: NodeConfig): Clock {
  const own = config.p2pTransport?.clock;
  if (config.clock && own && config.clock !== own)
    throw new Error('config.clock differs from the clock of config.p2pTransport; give one clock');
  return config.clock ?? own ?? realClock;
}

export class FullNode implements ExplorerNode, RpcNode {
  readonly config: NodeConfig;
  readonly params: NetworkParams;
  readonly log: Logger;
  readonly chain: Chain;
  readonly mempool: Mempool;
  readonly auth: RpcAuth;
  readonly clock: Clock;
  readonly random: Random;
  readonly startedAt: number;
  /** Prometheus metrics (GET /metrics); they read the node only when scraped. */
  readonly metrics: NodeMetrics = new NodeMetrics(this, { version: VERSION });
  private http?: FastifyInstance;
  private rpcServer?: RpcServer;
  /** The explorer's fee estimates (explorer-api/fees.ts), shared with estimatesmartfee. */
  private fees?: () => Promise<Record<string, number>>;
  private scriptPool: ScriptPool | null;
  private readonly scriptCache: ScriptCache;
  private readonly sigCache: SignatureCache;
  /** The P2P layer; undefined when disabled. */
  p2p?: P2P;
  /** The DHT of provider records; undefined when off. */
  dht?: Dht;
  /** File sharing (node/files/); undefined when disabled or without P2P. */
  files?: FilesService;
  private minerPool?: MinerPool;
  private miner?: Miner;
  private statusReporter?: StatusReporter;
  private disconnected: Block[] = [];
  private readonly ibd = new InitialBlockDownload();
  private readonly heapTrim: HeapTrim;
  private stopping?: Promise<void>;
  private generating: Promise<unknown> = Promise.resolve();
  /** Set by the CLI: what `stop` over RPC should do after the reply is sent. */
  onStopRequest: () => void = () => undefined;
  httpUrl = '';
  /** http://host:port of the JSON-RPC server ('' when it is off). */
  rpcUrl = '';

  private constructor(
    config: NodeConfig,
    log: Logger,
    chain: Chain,
    scriptPool: ScriptPool | null,
    scriptCache: ScriptCache,
  ) {
    this.config = config;
    this.params = getNetwork(config.network);
    this.log = log;
    this.clock = nodeClock(config);
    this.random = config.random ?? systemRandom;
    this.startedAt = this.clock.now();
    this.heapTrim = new HeapTrim(
      {
        clock: this.clock,
        collect: () => {
          fullCollection()();
          void this.scriptPool?.collect();
        },
        oldSpace: () => getHeapSpaceStatistics().find((x) => x.space_name === 'old_space')?.space_size ?? 0,
        done: (r) => this.log.info('heap collected after blocks', { ...r }),
        // Nodes sharing a process (tests) share its heap: one collection serves them all.
        heldAfter: PROCESS_HELD,
      },
      typeof config.heapTrim === 'object' ? config.heapTrim : {},
    );
    this.chain = chain;
    this.scriptPool = scriptPool;
    this.scriptCache = scriptCache;
    this.sigCache = new SignatureCache(
      config.sigCacheEntries === undefined ? {} : { max: config.sigCacheEntries },
    );
    this.auth = new RpcAuth({
      datadir: config.datadir,
      cookieFile: config.rpcCookieFile,
      user: config.rpcUser,
      password: config.rpcPassword,
      rpcauth: config.rpcAuth,
    });
    this.mempool = new Mempool(
      {
        params: this.params,
        maxUsage: config.mempoolMaxBytes,
        scriptCache,
        sigCache: this.sigCache,
        ...(config.ecdsaBackend ? { backend: config.ecdsaBackend } : {}),
      },
      {
        getCoin: (o) => chain.getCoin(o),
        tip: () => ({ height: chain.height, medianTimePast: chain.tip.medianTimePast() }),
        medianTimePast: (h) => chain.entryAt(h)!.medianTimePast(),
        now: () => this.nowSeconds(),
        random: () => this.random.float(),
      },
    );
    chain.on('connect', (block, entry) => {
      this.mempool.removeForBlock(block);
      this.metrics.blockConnected();
      if (config.heapTrim !== false) this.heapTrim.blockConnected();
      // Core checks IBD as blocks connect too, so a fresh tip latches it off even if nobody asks.
      this.initialBlockDownload();
      // During initial sync a line per block would bury everything else; the status line says it.
      const syncing = isSyncing(entry.height, this.chain.bestHeader().height);
      this.log[syncing ? 'debug' : 'info']('block connected', {
        height: entry.height,
        hash: entry.hashHex,
        txs: block.txs.length,
      });
    });
    chain.on('disconnect', (block, entry) => {
      this.disconnected.push(block);
      this.log.info('block disconnected', { height: entry.height, hash: entry.hashHex });
    });
  }

  static async start(config: NodeConfig, log: Logger = createLogger(config.logLevel)): Promise<FullNode> {
    if (!config.chainDb) await createDataDir(config.datadir);
    const params = getNetwork(config.network);
    const scriptPool =
      config.scriptThreads === 0 ? null : ScriptPool.create(config.scriptThreads, config.scriptYoungGenMb);
    // Shared: the mempool records scripts that passed, the chain skips them when they are mined.
    const scriptCache = new ScriptCache(
      config.scriptCacheEntries === undefined ? {} : { max: config.scriptCacheEntries },
    );
    let chain: Chain;
    try {
      const clock = nodeClock(config);
      chain = await Chain.open(
        {
          params,
          path: join(config.datadir, 'chain'),
          scriptPool,
          scriptCache,
          ...(config.coinCacheEntries === undefined ? {} : { coinCacheEntries: config.coinCacheEntries }),
          ...(config.coinViewBytes === undefined ? {} : { coinViewBytes: config.coinViewBytes }),
          ...(config.chainDb ? { db: config.chainDb } : {}),
          dbMemory: {
            cacheBytes: config.dbCacheBytes ?? DEFAULT_DB_CACHE,
            writeBufferBytes: config.dbWriteBufferBytes ?? DEFAULT_WRITE_BUFFER,
          },
          assumeValid:
            config.assumeValid !== undefined
              ? config.assumeValid
              : params.assumeValidHex
                ? blockHashFromDisplay(params.assumeValidHex)
                : null,
          ...(config.ecdsaBackend ? { backend: config.ecdsaBackend } : {}),
          ...(config.addressSearch ? { addressSearch: true } : {}),
        },
        { now: () => Math.floor(clock.now() / 1000) },
      );
    } catch (e) {
      await scriptPool?.close();
      throw e;
    }
    const node = new FullNode(config, log, chain, scriptPool, scriptCache);
    if (chain.replayedBlocks > 0)
      log.info('coins replayed', { blocks: chain.replayedBlocks, height: chain.height });
    log.info('chain loaded', { network: params.name, height: chain.height, tip: chain.tip.hashHex });
    if (scriptPool)
      log.info('script threads', {
        threads: scriptPool.size,
        youngGenMb: scriptPool.youngGenerationMb().join(','),
      });
    try {
      if (config.http !== false) await node.startHttp();
      if (config.rpc !== false) await node.startRpc();
      if (config.p2p !== false) await node.startP2P();
      if (config.dht) node.dht = await startDht(config.dht, node.filesWiring());
      if (config.mine) node.startMiner();
      node.startStatus();
    } catch (e) {
      await node.stop();
      throw e;
    }
    return node;
  }

  private async startHttp(): Promise<void> {
    const explorer = buildExplorerApp(this, {
      clock: this.clock,
      addressSearch: this.config.addressSearch ?? false,
      blockTemplate: this.config.httpBlockTemplate ?? false,
      ...(this.config.httpEventStreams === undefined ? {} : { eventStreams: this.config.httpEventStreams }),
      postRateLimit: {
        max: this.config.httpRateLimit ?? 100,
        timeWindow: 60_000,
        limitLocal: this.config.httpRateLimitLocal ?? false,
      },
      // The operator's scripts hold the RPC credentials: they are not throttled.
      authenticated: (header) => this.auth.check(header) !== undefined,
    });
    this.http = explorer.app;
    this.fees = explorer.feeEstimates;
    registerMetricsRoute(this.http, this.metrics);
    this.httpUrl = await this.http.listen({ host: this.config.httpHost, port: this.config.httpPort });
    this.log.info('http listening', { url: this.httpUrl });
  }

  /** The JSON-RPC server; the cookie is written before it listens, so a client never misses it. */
  private async startRpc(): Promise<void> {
    const log = this.log.child('rpc');
    const active = new ActiveCommands();
    await this.auth.write();
    this.rpcServer = await RpcServer.start({
      host: this.config.rpcHost ?? '127.0.0.1',
      port: this.config.rpcPort ?? 0,
      auth: this.auth,
      allow: new AllowIp(this.config.rpcAllowIp),
      exec: makeExecutor(buildMethods(this, active), SPECS, active),
      log,
    });
    this.rpcUrl = this.rpcServer.url;
    this.log.info('rpc listening', { url: this.rpcUrl, cookie: this.auth.path ?? 'none (rpc-password)' });
  }

  private async startP2P(): Promise<void> {
    const c = this.config;
    let seeds: string[] = [];
    if (c.seedsFile) seeds = readSeedsFile(c.seedsFile, c.network);
    else {
      try {
        seeds = readSeedsFile(DEFAULT_SEEDS_FILE, c.network);
      } catch (e) {
        this.log.warn('no usable seeds.json; starting without seeds', { error: (e as Error).message });
      }
    }
    const chain = this.chain;
    if (c.files !== false) this.files = await openFiles(this.filesWiring());
    this.p2p = await P2P.start(
      buildP2PConfig({
        port: c.p2pPort,
        host: c.p2pHost,
        listen: c.listen,
        userAgent: `/gossip-ledger:${VERSION}/`,
        dbPath: c.chainDb ? null : join(c.datadir, 'peers'),
        seeds,
        connect: c.connect,
        addNodes: c.addNodes,
        maxInbound: c.maxInbound,
        maxOutbound: c.maxOutbound,
        relayDelayMs: c.relayDelayMs,
        // Peers on loopback and LANs are how regtest networks are built.
        allowLocalAddrs: c.network === 'regtest',
        tuning: c.p2pTuning,
      }),
      {
        params: this.params,
        chain,
        mempool: this.mempool,
        submitTx: (tx, opts) => this.submitTx(tx, opts),
        submitBlock: (b) => this.submitBlock(b),
        log: this.log.child('p2p'),
        transport: c.p2pTransport,
        clock: this.clock,
        random: this.random,
        files: this.files,
      },
    );
  }

  /** The node as node-files.ts wires file sharing and the DHT into it. */
  private filesWiring(): FilesWiring {
    return {
      config: this.config,
      params: this.params,
      chain: this.chain,
      clock: this.clock,
      random: this.random,
      log: this.log,
      p2p: () => this.p2p,
      network: () => this.network,
      files: () => this.files,
      stopping: () => this.stopping !== undefined,
    };
  }

  private startStatus(): void {
    const interval = this.config.statusIntervalMs ?? 5000;
    if (interval <= 0) return;
    this.statusReporter = new StatusReporter({
      snapshot: () => this.status(),
      log: this.log,
      intervalMs: interval,
      idleIntervalMs: this.config.statusIdleIntervalMs,
      advice: (line) => this.nextStep(line),
      terminal: this.config.progressBar ? stderrTerminal : undefined,
      now: () => this.clock.now(),
      every: everyOn(this.clock),
    });
    this.statusReporter.start();
  }

  /** What a node waiting for peers can do about it; nothing for a lone miner (its own network). */
  private nextStep(line: StatusLine): string | undefined {
    const c = this.config;
    if (c.mine || line.state !== 'waiting for peers') return undefined;
    if (c.p2p === false) return 'no peers: the P2P layer is off';
    if (c.connect && c.connect.length > 0)
      return `no peer answers: check that ${c.connect.join(', ')} (--connect) run and accept connections`;
    return (
      'no peer answers. Start a network of your own: --mine --mine-address <address>; ' +
      'join one: --connect host:port or --seeds FILE; or try a local one: npm run devnet'
    );
  }

  /** Core's IsInitialBlockDownload now: latched off once the tip has been fresh (ibd.ts). */
  initialBlockDownload(): boolean {
    if (this.ibd.left) return false;
    const tip = this.chain.tip;
    const ibd = this.ibd.check(tip.header.time, this.nowSeconds());
    if (!ibd) this.log.info('leaving initial block download', { height: tip.height, tip: tip.hashHex });
    return ibd;
  }

  /** The node's clock in Unix seconds, as block times and Core's checks count. */
  private nowSeconds(): number {
    return Math.floor(this.clock.now() / 1000);
  }

  /** Height, best known header, peers, mempool size and IBD: what the status line reports. */
  status(): StatusSnapshot {
    const peers = this.peerInfo();
    const inbound = peers.filter((p) => p.direction === 'inbound').length;
    const mempool = this.mempool.info();
    return {
      height: this.chain.height,
      headers: Math.max(this.chain.height, this.chain.bestHeader().height),
      peersIn: inbound,
      peersOut: peers.length - inbound,
      mempoolTxs: mempool.count,
      mempoolBytes: mempool.bytes,
      ibd: this.initialBlockDownload(),
    };
  }

  /** Each bounded in-memory cache's entries, heap bytes (estimated) and bound, for /metrics. */
  caches(): Record<string, CacheFigures> {
    const chain = this.chain.cacheStats();
    const info = this.mempool.info();
    return {
      coins: chain.coins,
      'address-totals': chain.totals,
      blocks: chain.blocks,
      'coin-view': chain.coinView,
      scripts: this.scriptCache.stats(),
      signatures: this.sigCache.stats(),
      mempool: { entries: info.count, bytes: info.usage, max: info.maxUsage },
      // Bytes only: LevelDB reports no entry count.
      ...(chain.db ? { 'chain-db': chain.db } : {}),
    };
  }

  /** The sync state the status line shows, with Core's IBD flag and verification progress. */
  sync(): SyncInfo {
    const s = this.status();
    const tip = this.chain.tip;
    const peers = s.peersIn + s.peersOut;
    return {
      state: syncState({ height: s.height, headers: s.headers, peers, ibd: s.ibd }),
      ibd: s.ibd === true,
      verificationProgress: verificationProgress(
        this.params,
        { height: tip.height, time: tip.header.time },
        this.nowSeconds(),
      ),
      headers: s.headers,
      peers,
    };
  }

  /** The P2P layer as the admin RPC drives it; undefined when it is off. */
  get network(): NodeNetwork | undefined {
    return this.p2p && networkAdmin(this.p2p);
  }

  /** False when the node runs without P2P; then `network` stays undefined. */
  get p2pEnabled(): boolean {
    return this.config.p2p !== false;
  }

  /** The default cap on a local broadcast's fee rate (the max-fee-rate setting). */
  get maxFeeRate(): FeeRate | undefined {
    return this.config.maxFeeRate;
  }

  /** The connected peers (empty when the P2P layer is off). */
  peerInfo(): PeerInfo[] {
    return this.p2p?.peerInfo() ?? [];
  }

  /** Validates and stores a block; brings the mempool in line with the new tip. */
  async submitBlock(block: Block): Promise<AddResult> {
    try {
      return await this.metrics.timeBlock(() => this.chain.addBlock(block));
    } finally {
      await this.flushDisconnected();
    }
  }

  private async flushDisconnected(): Promise<void> {
    if (this.disconnected.length === 0) return;
    this.metrics.reorg(this.disconnected.length);
    // Disconnects arrive tip first; the mempool wants the oldest block's txs first.
    const blocks = this.disconnected.reverse();
    this.disconnected = [];
    const txs = blocks.flatMap((b) => b.txs.slice(1));
    const { added } = await this.mempool.reAddDisconnected(txs);
    if (added.length > 0) this.log.info('reorg: transactions back in the mempool', { count: added.length });
  }

  submitTx(tx: Tx, opts: { orphan?: boolean; peer?: string } = {}): Promise<AcceptResult> {
    return this.mempool.accept(tx, opts);
  }

  /**
   * A raw tx from a local client (RPC sendrawtransaction, POST /api/tx): decoded, capped at
   * `maxFeeRate` (sat/kvB; default the node's max-fee-rate) and submitted; throws a
   * BroadcastError with Core's code (broadcast.ts).
   */
  broadcastTx(raw: Uint8Array | Tx, opts: { maxFeeRate?: FeeRate } = {}): Promise<Broadcast> {
    const maxFeeRate = opts.maxFeeRate ?? this.config.maxFeeRate ?? DEFAULT_MAX_FEE_RATE;
    return broadcastTx({ mempool: this.mempool, chain: this.chain }, raw, { maxFeeRate });
  }

  /** A package from a local client (RPC submitpackage, POST /api/txs/package): submit-package.ts. */
  submitPackage(hexes: readonly string[], opts: { maxFeeRate?: FeeRate } = {}): Promise<SubmitPackageJson> {
    const maxFeeRate = opts.maxFeeRate ?? this.config.maxFeeRate ?? DEFAULT_MAX_FEE_RATE;
    return submitPackage(this.mempool, hexes, { maxFeeRate });
  }

  /** The explorer's fee estimates, sat/vB by target; before the HTTP server exists, none. */
  feeEstimates(): Promise<Record<string, number>> {
    return this.fees ? this.fees() : Promise.resolve({});
  }

  /** Bytes under the chain and peer databases (Core's size_on_disk counts the block files). */
  async sizeOnDisk(): Promise<number> {
    let total = 0;
    const walk = async (dir: string): Promise<void> => {
      let names: Dirent[];
      try {
        names = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const d of names) {
        const p = join(dir, d.name);
        if (d.isDirectory()) await walk(p);
        else if (d.isFile()) total += (await stat(p).catch(() => ({ size: 0 }))).size;
      }
    };
    await walk(join(this.config.datadir, 'chain'));
    return total;
  }

  /** Core's invalidateblock: marks the block and its descendants failed, then reorgs the mempool in. */
  async invalidateBlock(hash: BlockHash): Promise<void> {
    try {
      await this.chain.invalidateBlock(hash);
    } finally {
      await this.flushDisconnected();
    }
  }

  /** Core's reconsiderblock: clears the failed marks, reorgs to the best chain, mempool included. */
  async reconsiderBlock(hash: BlockHash): Promise<void> {
    try {
      await this.chain.reconsiderBlock(hash);
    } finally {
      await this.flushDisconnected();
    }
  }

  /** A block template on the tip paying `coinbaseScript`, from the mempool by ancestor fee rate. */
  template(coinbaseScript: Uint8Array): BlockTemplate {
    const tip = this.chain.tip;
    const height = tip.height + 1;
    const mtp = tip.medianTimePast();
    const candidates = [...this.mempool.entries()].map((e) => ({
      tx: e.tx,
      fee: e.fee,
      vsize: e.vsize,
      weight: e.weight,
      sigopCost: e.sigopCost,
      parents: [...e.parents].map((p) => p.txid),
    }));
    return buildBlockTemplate({
      params: this.params,
      prevHash: tip.hash,
      height,
      bits: this.chain.nextBits(tip),
      time: Math.max(mtp + 1, this.nowSeconds()),
      coinbaseScript,
      candidates,
      subsidy: blockSubsidy(height, this.params),
      medianTimePast: mtp,
    });
  }

  private pool(): MinerPool {
    this.minerPool ??= new MinerPool({ workers: this.config.mineWorkers });
    return this.minerPool;
  }

  /** Mines `n` blocks on the tip paying `script` (regtest's generatetoaddress), one call at a time. */
  generate(n: number, script: Uint8Array): Promise<string[]> {
    const run = this.generating.then(() => this.generateNow(n, script));
    this.generating = run.catch(() => undefined);
    return run;
  }

  private async generateNow(n: number, script: Uint8Array): Promise<string[]> {
    const hashes: string[] = [];
    for (let i = 0; i < n; i++) {
      const solved = await solveBlock(this.pool(), this.template(script).block);
      if (!solved) throw new Error('mining was aborted');
      await this.submitBlock(solved);
      hashes.push(solved.hashHex());
    }
    return hashes;
  }

  private startMiner(): void {
    const script = this.config.mineScript;
    if (!script) throw new Error('--mine needs --mine-address');
    this.miner = new Miner(
      {
        workers: this.config.mineWorkers,
        onBlock: (b) => this.log.info('mined a block', { hash: b.hashHex() }),
        onError: (e) => this.log.warn('mined block rejected', { error: (e as Error).message }),
      },
      {
        buildTemplate: async () => this.template(script).block,
        submitBlock: async (b) => {
          await this.submitBlock(b);
        },
        onTip: (cb) => {
          const fn = () => cb();
          this.chain.on('connect', fn);
          return () => this.chain.off('connect', fn);
        },
      },
    );
    this.miner.start();
    this.log.info('miner started', { workers: this.config.mineWorkers ?? 'all cores' });
  }

  /** Stops everything in order; the cookie is removed last, once nothing answers RPC. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const t0 = this.clock.now();
      this.statusReporter?.stop();
      this.heapTrim.stop();
      await this.miner?.stop();
      await this.minerPool?.close();
      await this.dht?.stop();
      await this.p2p?.stop();
      await this.files?.stop();
      await this.rpcServer?.stop();
      await this.http?.close();
      await this.chain.close();
      await this.scriptPool?.close();
      if (this.config.http !== false) await this.auth.remove();
      this.log.info('stopped', { ms: this.clock.now() - t0 });
    })();
    return this.stopping;
  }
}
