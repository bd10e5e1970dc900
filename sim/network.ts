/**
 * A simulated network of real, unmodified FullNodes in one process (DESIGN.md section 11):
 * each node has its own memory-level chain, mempool and P2P layer, reaches the others through
 * the in-memory transport (regions' latency, per-node up/down buckets: topology.ts), and reads
 * time and chance from the one virtual clock and its own seeded stream. Bootstrap is the real
 * path: a generated seeds file names a few nodes, the rest find each other by address gossip;
 * Core's 8 outbound / 117 inbound are the node's defaults and are left alone.
 *
 * Validation cost: a process-wide signature cache (sig-cache.ts), so a signature is verified
 * once for the whole network; script checks run on the main thread (no worker pools).
 *
 * Not measured inside a node: the simulator wraps each node's `submitBlock` only to count
 * orphan blocks (status 'orphan'); that wrapper passes every call and result through.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryLevel } from 'memory-level';
import type { ChainDb } from '../node/chain/store.js';
import { type Clock, type Random, seededRandom } from '../node/clock.js';
import { createLogger } from '../node/log.js';
import { FullNode, type NodeConfig } from '../node/node.js';
import { DEFAULT_MAX_OUTBOUND } from '../node/p2p/config.js';
import { addrKey } from '../node/p2p/netaddr.js';
import { MemoryNetwork } from '../node/p2p/transport/memory.js';
import type { Block } from '../node/protocol/block.js';
import { regtest } from '../node/protocol/params.js';
import type { Tx } from '../node/protocol/tx.js';
import { mineOn } from './miner.js';
import { Recorder } from './recorder.js';
import { SharedSigCache } from './sig-cache.js';
import { type Spread, spread } from './stats.js';
import { place, shuffle, Topology } from './topology.js';
import { SimClock } from './virtual-clock.js';
import { SimWallet } from './wallet.js';

/** The virtual clock starts here: 2026-01-01T00:00:00Z (fixed, so runs replay). */
export const SIM_EPOCH_MS = Date.UTC(2026, 0, 1);
const P2P_PORT = regtest.p2pPort;
const COINS_PER_FANOUT = 1000;

export interface SimOptions {
  nodes: number;
  seed: string;
  /** Directory for the generated seeds file. */
  dir: string;
  /** Nodes named in the seeds file (default 5). */
  seedNodes?: number;
  /** Nodes that mine (default 10, at most all); their hash shares are drawn from the seed. */
  miners?: number;
  /** Coins the simulated users start with (default 1,000); each pays for ~480 payments and comes round again. */
  coins?: number;
  /** Mean tx announcement delay, ms (default: the node's 500). */
  relayDelayMs?: number;
  /** Virtual ms after which an item's reach is final (default 10 min). */
  settleMs?: number;
  /**
   * Called once the network is placed, before any node starts: returns each node's settings on
   * top of the simulator's (e.g. an attacker's `addNodes`).
   */
  configure?: (sim: SimNetwork) => (index: number) => Partial<NodeConfig>;
}

/** Peers of the online nodes at one moment. */
export interface Connectivity {
  online: number;
  /** Nodes with at least one peer. */
  withPeers: number;
  /** Nodes with all their outbound slots (8) filled. */
  withFullOutbound: number;
  /** Over the online nodes: their outbound and inbound peer counts. */
  outbound: Spread;
  fewestOutbound: number | null;
  inbound: Spread;
}

/** What a node earns the network: bytes by message, over its lives. */
export interface NodeBytes {
  sent: Record<string, number>;
  received: Record<string, number>;
}

export interface SimNode {
  index: number;
  host: string;
  region: string;
  /** Hash share (0 for non-miners). */
  hashShare: number;
  node: FullNode | null;
  /** Virtual ms when its current life started. */
  joinedAt: number;
  /** Virtual ms online in total (lives ended so far). */
  onlineMs: number;
  bytes: NodeBytes;
  db: ChainDb;
  detach: (() => void)[];
}

export class SimNetwork {
  readonly clock: SimClock;
  readonly random: Random;
  readonly topology: Topology;
  readonly net: MemoryNetwork;
  readonly recorder: Recorder;
  readonly wallet: SimWallet;
  readonly sigCache = new SharedSigCache();
  readonly nodes: SimNode[];
  readonly seedsFile: string;
  readonly opts: Required<SimOptions>;
  /** Payments the origin node refused (a simulator bug if ever non-empty: coins are managed). */
  readonly refusedPayments: string[] = [];
  /** Blocks the simulator mined (hash -> block). */
  readonly mined = new Map<string, Block>();
  /** The premined chain's database, key by key, copied into each node's before its first start. */
  private premine: [Uint8Array, Uint8Array][] = [];
  private nodeConfig: (index: number) => Partial<NodeConfig> = () => ({});

  private constructor(opts: Required<SimOptions>) {
    this.opts = opts;
    this.clock = new SimClock(SIM_EPOCH_MS);
    this.random = seededRandom(`${opts.seed}/network`);
    this.topology = new Topology(place(opts.nodes, this.random));
    this.net = new MemoryNetwork({ clock: this.clock, linkSpec: this.topology.linkSpec });
    this.recorder = new Recorder(SIM_EPOCH_MS, opts.settleMs);
    this.wallet = new SimWallet(opts.seed);
    const shares = minerShares(opts.nodes, opts.miners, this.random);
    this.nodes = this.topology.placements.map((p) => ({
      index: p.index,
      host: p.host,
      region: p.region,
      hashShare: shares.get(p.index) ?? 0,
      node: null,
      joinedAt: 0,
      onlineMs: 0,
      bytes: { sent: {}, received: {} },
      db: newDb(),
      detach: [],
    }));
    const seeds = this.nodes.slice(0, opts.seedNodes).map((n) => addrKey(n.host, P2P_PORT));
    this.seedsFile = join(opts.dir, 'seeds.json');
    writeFileSync(this.seedsFile, `${JSON.stringify({ main: [], regtest: seeds }, null, 2)}\n`);
  }

  /** Builds the network: premined chain and coins, every node started (not yet connected: time has not moved). */
  static async create(o: SimOptions): Promise<SimNetwork> {
    const opts: Required<SimOptions> = {
      seedNodes: Math.min(5, o.nodes),
      miners: Math.min(10, o.nodes),
      coins: 1000,
      relayDelayMs: 500,
      settleMs: 10 * 60_000,
      configure: () => () => ({}),
      ...o,
    };
    const sim = new SimNetwork(opts);
    sim.nodeConfig = opts.configure(sim);
    await sim.buildPremine();
    for (const n of sim.nodes) await sim.startNode(n.index);
    return sim;
  }

  get now(): number {
    return this.clock.now();
  }

  online(): SimNode[] {
    return this.nodes.filter((n) => n.node !== null);
  }

  /** Called after each simulated minute of `runUntil` (the CLI's `--progress` line). */
  onMinute: ((sim: SimNetwork) => void) | null = null;

  /** Runs the whole network up to virtual time `t` (ms since the epoch). */
  async runUntil(t: number): Promise<void> {
    // In slices, so finished items are summarised and their per-node arrays freed as we go.
    while (this.clock.now() < t) {
      await this.clock.runUntil(Math.min(t, this.clock.now() + 60_000));
      this.recorder.sweep(this.clock.now());
      this.onMinute?.(this);
    }
  }

  /** Calls `fn` at virtual time `at` (ms since the epoch) inside the run. */
  at(at: number, fn: () => void | Promise<void>): void {
    this.clock.setTimeout(() => void this.guard(fn), Math.max(0, at - this.clock.now()));
  }

  /** Starts node `i` (again, after `stopNode`, with the chain it had). */
  async startNode(i: number): Promise<void> {
    const n = this.nodes[i]!;
    if (n.node) return;
    const config: NodeConfig & { clock: Clock; random: Random } = {
      network: 'regtest',
      datadir: `/sim/${n.host}`,
      httpHost: '127.0.0.1',
      httpPort: 0,
      p2pPort: P2P_PORT,
      p2pHost: n.host,
      mine: false,
      logLevel: 'silent',
      http: false,
      rpc: false,
      // File sharing keeps a LevelDB on disk under the data dir (node/files/store.ts), and these
      // data dirs are names, not directories: every simulated node would open /sim/<host> on
      // the real disk, and two runs at once fight for its LOCK. The simulator models no files.
      files: false,
      chainDb: n.db,
      scriptThreads: 0,
      // A full collection is the process's: a thousand nodes must not each run one.
      heapTrim: false,
      ecdsaBackend: this.sigCache,
      p2pTransport: this.net.transport(n.host),
      seedsFile: this.seedsFile,
      relayDelayMs: this.opts.relayDelayMs,
      statusIntervalMs: 0,
      ...this.nodeConfig(i),
      clock: this.clock,
      random: seededRandom(`${this.opts.seed}/node/${i}/${n.onlineMs}`),
    };
    if (n.onlineMs === 0 && !n.node) {
      // Every node starts with the premined chain as if it had connected those blocks itself:
      // the same bytes its own connects would have written, at the cost of one batch.
      await n.db.open();
      if ((await n.db.get(this.premine[0]![0])) === undefined)
        await n.db.batch(this.premine.map(([key, value]) => ({ type: 'put' as const, key, value })));
    }
    const node = await FullNode.start(config, createLogger('silent'));
    n.node = node;
    n.joinedAt = this.clock.now();
    this.observe(n, node);
  }

  /** Stops node `i` (it leaves the network; its chain is kept for a later `startNode`). */
  async stopNode(i: number): Promise<void> {
    const n = this.nodes[i]!;
    const node = n.node;
    if (!node) return;
    n.node = null;
    for (const d of n.detach.splice(0)) d();
    const totals = node.p2p?.totals();
    if (totals) {
      addInto(n.bytes.sent, totals.bytesSentPerMsg);
      addInto(n.bytes.received, totals.bytesReceivedPerMsg);
    }
    n.onlineMs += this.clock.now() - n.joinedAt;
    await node.stop();
  }

  /** Stops every node (end of run), folding their byte counts in. */
  async stopAll(): Promise<void> {
    for (const n of this.nodes) await this.stopNode(n.index);
  }

  /** Node `i` mines a block on its tip and submits it to itself (the P2P layer announces it). */
  async mine(i: number): Promise<Block | null> {
    const node = this.nodes[i]!.node;
    if (!node) return null;
    const block = mineOn(node, this.wallet.payee, this.clock.now());
    const id = block.hashHex();
    this.mined.set(id, block);
    const online = this.online().map((n) => n.index);
    this.recorder.blockMade(
      id,
      this.clock.now(),
      i,
      online,
      block.size(),
      node.chain.height + 1,
      block.txs.length,
    );
    await node.submitBlock(block);
    return block;
  }

  /** A payment from lane `lane`'s coins, submitted at node `i`; null when out of coins or refused. */
  async pay(i: number, lane = 0): Promise<Tx | null> {
    const node = this.nodes[i]!.node;
    if (!node) return null;
    const tx = this.wallet.pay(lane);
    if (!tx) return null;
    const online = this.online().map((n) => n.index);
    this.recorder.txMade(tx.txidHex(), this.clock.now(), i, online, tx.size());
    const r = await node.submitTx(tx);
    if (r.status === 'accepted') return tx;
    // Not a payment the network ever saw: measured nowhere, counted as refused.
    this.recorder.forgetTx(tx.txidHex());
    this.refusedPayments.push(`${tx.txidHex()} at node ${i}: ${r.status}`);
    return null;
  }

  /** A miner drawn by hash share (seeded). */
  pickMiner(): number | null {
    const miners = this.online().filter((n) => n.hashShare > 0);
    const total = miners.reduce((a, n) => a + n.hashShare, 0);
    if (total === 0) return null;
    let x = this.random.float() * total;
    for (const n of miners) {
      x -= n.hashShare;
      if (x < 0) return n.index;
    }
    return miners.at(-1)!.index;
  }

  /** How connected the online nodes are now: the figure that shows whether the network formed. */
  connectivity(): Connectivity {
    const on = this.online();
    const counts = on.map((n) => {
      const ready = n.node!.p2p?.conns.ready() ?? [];
      const out = ready.filter((p) => p.direction === 'outbound').length;
      return { out, in: ready.length - out };
    });
    return {
      online: on.length,
      withPeers: counts.filter((c) => c.out + c.in > 0).length,
      withFullOutbound: counts.filter((c) => c.out >= DEFAULT_MAX_OUTBOUND).length,
      outbound: spread(counts.map((c) => c.out)),
      fewestOutbound: counts.length === 0 ? null : Math.min(...counts.map((c) => c.out)),
      inbound: spread(counts.map((c) => c.in)),
    };
  }

  /** A node drawn uniformly from those online. */
  pickOnline(): number | null {
    const on = this.online();
    return on.length === 0 ? null : on[Math.floor(this.random.float() * on.length)]!.index;
  }

  /** An exponential wait with mean `meanMs` (Poisson arrivals). */
  expWait(meanMs: number): number {
    return -Math.log(1 - this.random.float()) * meanMs;
  }

  private observe(n: SimNode, node: FullNode): void {
    const onConnect = (block: Block) => {
      this.recorder.blockConnected(
        n.index,
        block.hashHex(),
        this.clock.now(),
        block.txs.slice(1).map((t) => t.txidHex()),
      );
    };
    node.chain.on('connect', onConnect);
    n.detach.push(() => node.chain.off('connect', onConnect));
    n.detach.push(node.mempool.on('added', (e) => this.recorder.txAdded(n.index, e.txid, this.clock.now())));
    const submit = node.submitBlock.bind(node);
    node.submitBlock = async (b) => {
      const r = await submit(b);
      if (r.status === 'orphan') this.recorder.blockOrphaned();
      return r;
    };
  }

  /** 100 + k blocks paying the wallet, then one block splitting k coinbases into the users' coins. */
  private async buildPremine(): Promise<void> {
    const db = newDb();
    const builder = await FullNode.start(
      {
        network: 'regtest',
        datadir: '/sim/premine',
        httpHost: '127.0.0.1',
        httpPort: 0,
        p2pPort: 0,
        mine: false,
        logLevel: 'silent',
        http: false,
        rpc: false,
        p2p: false,
        chainDb: db,
        scriptThreads: 0,
        heapTrim: false,
        ecdsaBackend: this.sigCache,
        statusIntervalMs: 0,
        clock: this.clock,
        random: seededRandom(`${this.opts.seed}/premine`),
      } as NodeConfig,
      createLogger('silent'),
    );
    try {
      const fanouts = Math.ceil(this.opts.coins / COINS_PER_FANOUT);
      const count = 100 + fanouts;
      const blocks: Block[] = [];
      for (let h = 1; h <= count + 1; h++) {
        if (h === count + 1) {
          for (let k = 0; k < fanouts; k++) {
            const cb = blocks[k]!.txs[0]!;
            const n = Math.min(COINS_PER_FANOUT, this.opts.coins - k * COINS_PER_FANOUT);
            const tx = this.wallet.fanOut(
              { txid: cb.txid(), vout: 0, value: cb.outputs[0]!.value },
              n,
              BigInt(n) * 70n,
            );
            const r = await builder.submitTx(tx);
            if (r.status !== 'accepted') throw new Error(`premine fan-out refused: ${JSON.stringify(r)}`);
            this.wallet.addCoins(tx, 1);
          }
        }
        const b = mineOn(builder, this.wallet.script, SIM_EPOCH_MS - (count + 2 - h) * 60_000);
        const r = await builder.submitBlock(b);
        if (r.status !== 'connected') throw new Error(`premine block ${h} not connected: ${r.status}`);
        blocks.push(b);
      }
      for await (const entry of db.iterator()) this.premine.push(entry);
    } finally {
      await builder.stop();
    }
  }

  private async guard(fn: () => void | Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      // A scenario step failing is a simulator bug, not a node's: stop the run loudly.
      this.failure ??= e as Error;
    }
  }

  /** The first error a scheduled step threw (the run should be treated as failed). */
  failure: Error | null = null;
}

function newDb(): ChainDb {
  return new MemoryLevel<Uint8Array, Uint8Array>({ keyEncoding: 'view', valueEncoding: 'view' });
}

function addInto(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

/**
 * `count` miners among `n` nodes, with shares falling off as pools' do (share ∝ 1/rank, a
 * Zipf law roughly matching Bitcoin's pool distribution), placed on seeded-random nodes.
 */
function minerShares(n: number, count: number, random: Random): Map<number, number> {
  const idx = shuffle(
    Array.from({ length: n }, (_, i) => i),
    random,
  ).slice(0, count);
  const weights = idx.map((_, r) => 1 / (r + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  return new Map(idx.map((i, r) => [i, weights[r]! / total]));
}
