/**
 * The node's Prometheus metrics (text exposition format 0.0.4) at GET /metrics, through
 * prom-client. Each FullNode has its own Registry (tests run several nodes in one process);
 * prom-client's default process metrics (process_*, nodejs_*) describe the process, not a
 * node, so they are collected once per process into a shared registry that every node's
 * registry includes.
 *
 * Gauges and the P2P byte counters are read from the node at scrape time (collect callbacks);
 * only events nothing else counts are recorded as they happen: blocks connected, reorgs and
 * their depth, block validation time, HTTP requests (by route pattern and status, so the
 * series are bounded by the routes, not by what clients ask for). Names follow Prometheus conventions (base units,
 * `_total` for counters); the P2P counters are cumulative over closed peers too, so they are
 * monotonic and may be named `_total`. Their `command` label is bounded: a peer's unknown
 * commands count under one name (p2p/peer.ts).
 *
 * Unauthenticated, as the node's HTTP server binds 127.0.0.1 unless told otherwise (Core's
 * RPC is local by default too).
 */
import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { RuleError } from './consensus/errors.js';
import type { DhtStatus } from './dht/dht.js';
import type { FilesCounters } from './files/counters.js';
import type { MempoolInfo } from './mempool/index.js';
import type { CompactStats } from './p2p/compact-blocks.js';
import type { NetTotals } from './p2p/p2p.js';
import { type StatusSnapshot, type SyncState, syncState } from './status.js';

/** What the metrics read of the node; read at scrape time, so it may be the node under construction. */
export interface MetricsSource {
  readonly config: { readonly network: string };
  /** Height, best header, peers by direction and IBD, as the status line reports them. */
  status(): Pick<StatusSnapshot, 'height' | 'headers' | 'peersIn' | 'peersOut' | 'ibd'>;
  readonly mempool: { info(): Pick<MempoolInfo, 'count' | 'bytes' | 'vsize' | 'usage' | 'orphans'> };
  /** Undefined while the P2P layer is off. */
  readonly p2p?: MetricsP2P;
  /** Undefined while the DHT is off. */
  readonly dht?: { status(): DhtStatus } | undefined;
  /** File sharing's counters (node/files/counters.ts); undefined when it is off. */
  readonly files?: { readonly counters: FilesCounters };
  /** Core's verificationprogress (getblockchaininfo), 0 to 1. */
  sync?(): { readonly verificationProgress: number };
  /**
   * The bounded in-memory caches by name: entries, bytes (heap, estimated; LevelDB's own count
   * for `chain-db`, which has no entries) and bound.
   */
  caches?(): Readonly<Record<string, CacheFigures>>;
  /** The connected peers' last ping round trips, ms (null before the first pong). */
  peerInfo?(): readonly { readonly pingMs: number | null }[];
}

/** One cache's figures; `max` bounds entries, or bytes where there are none (mempool, chain-db). */
export interface CacheFigures {
  readonly entries?: number;
  readonly bytes: number;
  readonly max: number;
}

/** The q-quantile of `xs` (nearest rank), or 0 for none. */
function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
}

export interface MetricsP2P {
  readonly conns: { readonly bans: { readonly size: number } };
  totals(): NetTotals;
  /** BIP152 counters; absent in P2P layers without compact blocks. */
  compactStats?(): CompactStats;
}

/** The status line's states as label values (no spaces, as Prometheus label values go). */
const SYNC_STATES: Record<SyncState, string> = {
  'waiting for peers': 'waiting_for_peers',
  syncing: 'syncing',
  synced: 'synced',
};

/** How a block submission ended: AddResult's status, a rule broken, or an internal failure. */
export type BlockOutcome = 'connected' | 'side' | 'orphan' | 'duplicate' | 'rejected' | 'error';

/** Outcomes that ran the block through validation; orphans and duplicates return early. */
const VALIDATED: ReadonlySet<BlockOutcome> = new Set(['connected', 'side', 'rejected', 'error']);

/** From a regtest block (~1 ms) to a full block's scripts on a slow machine. */
const VALIDATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const REORG_DEPTH_BUCKETS = [1, 2, 3, 5, 10, 25, 100, 1000];
/** From a cached tip read to a large address page on a slow disk. */
const HTTP_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Methods kept as labels; anything else counts as "other", so a client cannot add series. */
const HTTP_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'OPTIONS']);

let processRegistry: Registry | undefined;

/** prom-client's default metrics, set up once: each setup starts observers that never stop. */
function sharedProcessRegistry(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export class NodeMetrics {
  readonly registry: Registry;
  private readonly blocksConnected: Counter;
  private readonly reorgs: Counter;
  private readonly reorgDepth: Histogram;
  private readonly lastReorgDepth: Gauge;
  private readonly validation: Histogram<'result'>;
  private readonly httpRequests: Histogram<'method' | 'route' | 'status'>;

  constructor(src: MetricsSource, opts: { version: string }) {
    const own = new Registry();
    const registers = [own];

    new Gauge({
      name: 'gossip_build_info',
      help: 'Always 1; labels name the software version and the network.',
      labelNames: ['version', 'network'],
      registers,
      collect() {
        this.set({ version: opts.version, network: src.config.network }, 1);
      },
    });

    // DHT (docs/dht.md): 0 while it is off.
    const dhtGauge = (
      name: string,
      help: string,
      read: (s: DhtStatus) => number,
      labelNames: string[] = [],
    ) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers,
        collect() {
          const s = src.dht?.status();
          if (s) this.set(read(s));
        },
      });
    dhtGauge(
      'gossip_dht_routing_table_size',
      'Contacts in the DHT routing table.',
      (s) => s.routingTableSize,
    );
    dhtGauge('gossip_dht_records_stored', 'Provider records stored for other nodes.', (s) => s.recordsStored);
    dhtGauge('gossip_dht_lookups_total', 'Provider lookups finished.', (s) => s.lookups.lookups);
    dhtGauge(
      'gossip_dht_lookups_succeeded_total',
      'Provider lookups that found a provider.',
      (s) => s.lookups.succeeded,
    );
    dhtGauge(
      'gossip_dht_lookup_latency_p50_ms',
      'Median latency of the last 1,000 provider lookups, ms.',
      (s) => quantile(s.lookups.latencies, 0.5),
    );
    dhtGauge(
      'gossip_dht_lookup_latency_p90_ms',
      '90th percentile latency of the last 1,000 provider lookups, ms.',
      (s) => quantile(s.lookups.latencies, 0.9),
    );
    dhtGauge(
      'gossip_dht_lookup_hops_p50',
      'Median rounds of queries of the last 1,000 provider lookups.',
      (s) => quantile(s.lookups.hops, 0.5),
    );

    // Chain.
    new Gauge({
      name: 'gossip_chain_height',
      help: 'Height of the active chain tip.',
      registers,
      collect() {
        this.set(src.status().height);
      },
    });
    new Gauge({
      name: 'gossip_chain_best_header_height',
      help: 'Height of the most-work valid header known (Core getblockchaininfo "headers").',
      registers,
      collect() {
        this.set(src.status().headers);
      },
    });
    new Gauge({
      name: 'gossip_chain_initial_block_download',
      help: "1 while in initial block download (Core's IsInitialBlockDownload: the tip is older than 24 h and has never been fresh), else 0.",
      registers,
      collect() {
        this.set(src.status().ibd ? 1 : 0);
      },
    });
    new Gauge({
      name: 'gossip_node_sync_state',
      help: "The status line's state: 1 for the current one of waiting_for_peers, syncing, synced; 0 for the others.",
      labelNames: ['state'],
      registers,
      collect() {
        const s = src.status();
        const now = syncState({ ...s, peers: s.peersIn + s.peersOut });
        for (const [state, label] of Object.entries(SYNC_STATES))
          this.set({ state: label }, state === now ? 1 : 0);
      },
    });
    new Gauge({
      name: 'gossip_chain_verification_progress',
      help: "Estimated fraction of the chain's transactions verified, 0 to 1 (Core's verificationprogress).",
      registers,
      collect() {
        const s = src.sync?.();
        if (s) this.set(s.verificationProgress);
      },
    });
    new Gauge({
      name: 'gossip_p2p_ping_seconds',
      help: "Last ping round trip over the connected peers that answered one: stat is min, median or max (Core's getpeerinfo pingtime).",
      labelNames: ['stat'],
      registers,
      collect() {
        this.reset();
        const pings = (src.peerInfo?.() ?? []).flatMap((p) => (p.pingMs === null ? [] : [p.pingMs / 1000]));
        if (pings.length === 0) return;
        pings.sort((a, b) => a - b);
        this.set({ stat: 'min' }, pings[0]!);
        this.set({ stat: 'median' }, quantile(pings, 0.5));
        this.set({ stat: 'max' }, pings[pings.length - 1]!);
      },
    });
    this.httpRequests = new Histogram({
      name: 'gossip_http_request_duration_seconds',
      help: 'HTTP requests to the explorer port by method, route pattern (unmatched for none) and status code; _count counts them.',
      labelNames: ['method', 'route', 'status'],
      buckets: HTTP_BUCKETS,
      registers,
    });
    this.blocksConnected = new Counter({
      name: 'gossip_chain_blocks_connected_total',
      help: 'Blocks connected to the active chain since start, reconnections in reorgs included.',
      registers,
    });
    this.reorgs = new Counter({
      name: 'gossip_chain_reorgs_total',
      help: 'Reorganizations since start: block submissions that disconnected blocks of the active chain.',
      registers,
    });
    this.reorgDepth = new Histogram({
      name: 'gossip_chain_reorg_depth_blocks',
      help: 'Blocks disconnected per reorganization.',
      buckets: REORG_DEPTH_BUCKETS,
      registers,
    });
    this.lastReorgDepth = new Gauge({
      name: 'gossip_chain_last_reorg_depth_blocks',
      help: 'Blocks disconnected by the latest reorganization (0 before the first).',
      registers,
    });
    this.validation = new Histogram({
      name: 'gossip_block_validation_seconds',
      help:
        'Time to validate and store a submitted block, and to connect it if it extends the best ' +
        'chain (a reorg included, and any wait behind a block submitted before it); result is ' +
        'connected, side, rejected (a rule broken) or error.',
      labelNames: ['result'],
      buckets: VALIDATION_BUCKETS,
      registers,
    });

    // Mempool.
    const mempool = () => src.mempool.info();
    const mempoolGauge = (name: string, help: string, read: (i: ReturnType<typeof mempool>) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read(mempool()));
        },
      });
    // Memory (issue 22): what each bounded cache holds against its bound, by cache name.
    const cacheGauge = (name: string, help: string, read: (c: CacheFigures) => number | undefined) =>
      new Gauge({
        name,
        help,
        labelNames: ['cache'],
        registers,
        collect() {
          this.reset();
          for (const [cache, c] of Object.entries(src.caches?.() ?? {})) {
            const v = read(c);
            if (v !== undefined) this.set({ cache }, v);
          }
        },
      });
    cacheGauge('gossip_cache_entries', 'Entries in each bounded in-memory cache.', (c) => c.entries);
    cacheGauge(
      'gossip_cache_bytes',
      "Memory held by each bounded in-memory cache, bytes (heap, an estimate: entries times a measured cost, plus their variable bytes; chain-db: LevelDB's block cache and memtables, as it counts them).",
      (c) => c.bytes,
    );
    cacheGauge(
      'gossip_cache_max',
      'The bound of each cache: entries (the mempool: bytes, its usage limit; chain-db: bytes, leveldb-cache plus twice leveldb-write-buffer; coin-view: bytes, dbcache).',
      (c) => c.max,
    );
    mempoolGauge('gossip_mempool_transactions', 'Transactions in the mempool.', (i) => i.count);
    mempoolGauge('gossip_mempool_bytes', 'Serialized size of the mempool transactions.', (i) => i.bytes);
    mempoolGauge(
      'gossip_mempool_vbytes',
      'Virtual size of the mempool transactions (Core getmempoolinfo "bytes").',
      (i) => i.vsize,
    );
    mempoolGauge('gossip_mempool_usage_bytes', 'Estimated memory used by the mempool.', (i) => i.usage);
    mempoolGauge(
      'gossip_mempool_orphan_transactions',
      'Orphan transactions held while their parents are missing.',
      (i) => i.orphans,
    );

    // Files (docs/files.md).
    const filesCounter = (name: string, help: string, key: keyof FilesCounters) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(src.files?.counters[key] ?? 0);
        },
      });
    filesCounter(
      'gossip_files_served_bytes_total',
      'File bytes sent to peers in chunk messages.',
      'bytesServed',
    );
    filesCounter(
      'gossip_files_fetched_bytes_total',
      'File bytes received from peers in whole chunks.',
      'bytesFetched',
    );
    filesCounter(
      'gossip_files_bad_chunks_total',
      'Chunks that did not verify against their anchored root (each banned its sender).',
      'badChunks',
    );
    filesCounter(
      'gossip_files_duplicate_chunks_total',
      'Verified copies of chunks already held (endgame).',
      'duplicateChunks',
    );
    filesCounter(
      'gossip_files_throttled_requests_total',
      'Chunk requests refused over the per-peer limit.',
      'throttled',
    );
    filesCounter(
      'gossip_files_dht_lookups_total',
      'DHT provider lookups for files no connected peer held.',
      'dhtLookups',
    );
    filesCounter(
      'gossip_files_dht_connections_total',
      'File connections opened to providers the DHT named.',
      'dhtConnections',
    );

    // P2P.
    new Gauge({
      name: 'gossip_p2p_peers',
      help: 'Connected peers past the handshake, by connection direction.',
      labelNames: ['direction'],
      registers,
      collect() {
        const { peersIn, peersOut } = src.status();
        this.set({ direction: 'inbound' }, peersIn);
        this.set({ direction: 'outbound' }, peersOut);
      },
    });
    new Gauge({
      name: 'gossip_p2p_banned_addresses',
      help: 'IP addresses banned now (misbehaviour or setban).',
      registers,
      collect() {
        this.set(src.p2p?.conns.bans.size ?? 0);
      },
    });
    const perCommand = (name: string, help: string, read: (t: NetTotals) => Record<string, number>) =>
      new Counter({
        name,
        help,
        labelNames: ['command'],
        registers,
        collect() {
          // Counters have no set(): start from nothing and add the cumulative totals.
          this.reset();
          const totals = src.p2p?.totals();
          if (totals) for (const [command, n] of Object.entries(read(totals))) this.inc({ command }, n);
        },
      });
    perCommand(
      'gossip_p2p_received_bytes_total',
      'Bytes received from peers (frames, 24-byte header included), by message command.',
      (t) => t.bytesReceivedPerMsg,
    );
    perCommand(
      'gossip_p2p_sent_bytes_total',
      'Bytes sent to peers (frames, 24-byte header included), by message command.',
      (t) => t.bytesSentPerMsg,
    );
    perCommand(
      'gossip_p2p_received_messages_total',
      'Messages received from peers, by command.',
      (t) => t.messagesReceived,
    );

    // BIP152 compact blocks.
    const compact = () => src.p2p?.compactStats?.();
    new Counter({
      name: 'gossip_p2p_cmpctblock_total',
      help: 'Compact blocks received, and how they ended: rebuilt with no round trip, needing getblocktxn, failed (full block fetched), invalid (peer punished).',
      labelNames: ['outcome'],
      registers,
      collect() {
        this.reset();
        const c = compact();
        if (!c) return;
        this.inc({ outcome: 'received' }, c.received);
        this.inc({ outcome: 'reconstructed' }, c.reconstructed);
        this.inc({ outcome: 'getblocktxn' }, c.neededGetblocktxn);
        this.inc({ outcome: 'failed' }, c.failed);
        this.inc({ outcome: 'invalid' }, c.invalid);
      },
    });
    new Counter({
      name: 'gossip_p2p_block_relay_bytes_total',
      help: 'Bytes received from the peer that delivered each new block (frames), by mode: compact (cmpctblock plus blocktxn) or full; divide by gossip_p2p_block_relay_blocks_total for bytes per block per peer.',
      labelNames: ['mode'],
      registers,
      collect() {
        this.reset();
        const c = compact();
        if (!c) return;
        this.inc({ mode: 'compact' }, c.blockBytes.compact);
        this.inc({ mode: 'full' }, c.blockBytes.full);
      },
    });
    new Counter({
      name: 'gossip_p2p_block_relay_blocks_total',
      help: 'New blocks received, by mode: rebuilt from a compact block, or whole.',
      labelNames: ['mode'],
      registers,
      collect() {
        this.reset();
        const c = compact();
        if (!c) return;
        this.inc({ mode: 'compact' }, c.blocks.compact);
        this.inc({ mode: 'full' }, c.blocks.full);
      },
    });
    new Gauge({
      name: 'gossip_p2p_hb_peers',
      help: 'BIP152 high-bandwidth peers: those we asked to push compact blocks (from), those that asked us (to).',
      labelNames: ['direction'],
      registers,
      collect() {
        const c = compact();
        this.set({ direction: 'from' }, c?.hbFrom ?? 0);
        this.set({ direction: 'to' }, c?.hbTo ?? 0);
      },
    });

    this.registry = Registry.merge([own, sharedProcessRegistry()]);
  }

  /** One HTTP request answered; `route` is the route's pattern, never the raw URL (bounded labels). */
  httpRequest(method: string, route: string, status: number, seconds: number): void {
    this.httpRequests.observe(
      { method: HTTP_METHODS.has(method) ? method : 'other', route, status: String(status) },
      seconds,
    );
  }

  /** A block joined the active chain (the chain's 'connect' event). */
  blockConnected(): void {
    this.blocksConnected.inc();
  }

  /** One block submission disconnected `depth` blocks of the active chain. */
  reorg(depth: number): void {
    this.reorgs.inc();
    this.reorgDepth.observe(depth);
    this.lastReorgDepth.set(depth);
  }

  /** Runs a block submission, timing it under its outcome when it went through validation. */
  async timeBlock<T extends { status: BlockOutcome }>(submit: () => Promise<T>): Promise<T> {
    const t0 = process.hrtime.bigint();
    const observe = (result: BlockOutcome) => {
      if (VALIDATED.has(result))
        this.validation.observe({ result }, Number(process.hrtime.bigint() - t0) / 1e9);
    };
    let r: T;
    try {
      r = await submit();
    } catch (e) {
      observe(e instanceof RuleError ? 'rejected' : 'error');
      throw e;
    }
    observe(r.status);
    return r;
  }
}

/** GET /metrics on the node's HTTP server; never cached, outside the /api rate limit. */
export function registerMetricsRoute(app: FastifyInstance, metrics: NodeMetrics): void {
  // Every request of the app, by route pattern: /api/tx/:txid, not one series per txid.
  app.addHook('onResponse', async (req, res) => {
    metrics.httpRequest(
      req.method,
      req.routeOptions.url ?? 'unmatched',
      res.statusCode,
      res.elapsedTime / 1000,
    );
  });
  app.get('/metrics', async (_req, res) => {
    const body = await metrics.registry.metrics();
    return res.header('cache-control', 'no-store').type(metrics.registry.contentType).send(body);
  });
}
