/**
 * What GET /api/v1/events pushes, from the node's own events (mempool.space's websocket pushes
 * the same kinds of news: `block`, `mempoolInfo`, `address-transactions`; here as SSE events):
 *
 * - `hello` (first, on every connect): the tip (Esplora's block JSON) and the mempool summary,
 *   so a client that reconnects knows at once whether it missed a block;
 * - `block`: each block connected to the main chain, as GET /api/block/:hash shows it;
 * - `mempool`: the summary (`count`, `vsize`, `total_fee`) at most once per `mempoolEveryMs`
 *   after it changed (a burst of arrivals is one message);
 * - `anchor`: each GLA1 anchor output in a connected block (the commitment, as /api/anchors/:id);
 * - `address-tx`: to a stream that watches addresses, each tx paying or spending one of them,
 *   when it enters the mempool and when its block connects, with the addresses it touched.
 *
 * Address matching reads the block's undo data (the coins its txs spent) only when some stream
 * watches an address; otherwise a block costs one serialization per stream.
 */

import { parseAnchorScript } from '../node/anchors/commitment.js';
import { type BlockEntry, type Clock, type ExplorerNode, shKey } from '../node/api.js';
import type { Block } from '../node/protocol/block.js';
import { toHex } from '../node/protocol/bytes.js';
import { sha256 } from '../node/protocol/hash.js';
import type { ExplorerData } from './data.js';
import { type EventHub, type StreamClient, sseMessage } from './event-hub.js';
import type { IndexedEntry, MempoolIndex } from './mempool-index.js';
import { blockJson, statusOf, type TxStatus, UNCONFIRMED } from './views.js';

export const MEMPOOL_EVERY_MS = 1000;

export class EventFeed {
  private readonly unsubscribe: (() => void)[] = [];
  private mempoolTimer: unknown = null;
  private readonly node: ExplorerNode;
  private readonly data: ExplorerData;
  private readonly hub: EventHub;
  private readonly clock: Clock;

  constructor(deps: {
    node: ExplorerNode;
    data: ExplorerData;
    pool: MempoolIndex;
    hub: EventHub;
    clock: Clock;
  }) {
    this.node = deps.node;
    this.data = deps.data;
    this.hub = deps.hub;
    this.clock = deps.clock;
    const onConnect = (block: Block, e: BlockEntry) => this.connected(block, e);
    this.node.chain.on('connect', onConnect);
    this.unsubscribe.push(
      () => this.node.chain.off('connect', onConnect),
      this.node.mempool.on('added', () => this.mempoolChanged()),
      this.node.mempool.on('removed', () => this.mempoolChanged()),
      deps.pool.onIndexed((x) => this.indexed(x)),
    );
  }

  close(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    if (this.mempoolTimer !== null) this.clock.clearTimeout(this.mempoolTimer);
    this.mempoolTimer = null;
  }

  /** The first message of a stream. */
  hello(): string {
    const tip = this.node.chain.tip;
    return sseMessage('hello', { tip: this.tipJson(tip), mempool: this.mempoolSummary() });
  }

  private tipJson(e: BlockEntry) {
    return { id: e.hashHex, height: e.height, timestamp: e.header.time };
  }

  private mempoolSummary() {
    const info = this.node.mempool.info();
    return { count: info.count, vsize: info.vsize, total_fee: Number(info.totalFee) };
  }

  private mempoolChanged(): void {
    if (this.mempoolTimer !== null || this.hub.size === 0) return;
    this.mempoolTimer = this.clock.setTimeout(() => {
      this.mempoolTimer = null;
      this.hub.broadcast('mempool', this.mempoolSummary());
    }, MEMPOOL_EVERY_MS);
  }

  private connected(block: Block, e: BlockEntry): void {
    if (this.hub.size === 0) return;
    const sizes = { txCount: block.txs.length, size: block.size(), weight: block.weight() };
    this.hub.broadcast('block', blockJson(e, sizes));
    for (const tx of block.txs) {
      tx.outputs.forEach((o, vout) => {
        const id = parseAnchorScript(o.script);
        if (id)
          this.hub.broadcast('anchor', {
            id: toHex(id),
            txid: tx.txidHex(),
            vout,
            block_hash: e.hashHex,
            height: e.height,
          });
      });
    }
    if (this.hub.watching)
      this.blockAddresses(block, e).catch((err: unknown) =>
        this.node.log.warn('events: address matching failed', { block: e.hashHex, error: String(err) }),
      );
  }

  private async blockAddresses(block: Block, e: BlockEntry): Promise<void> {
    const undo = (await this.data.undo(e)) ?? [];
    const status = statusOf(e);
    block.txs.forEach((tx, i) => {
      const scripts = new Set<string>();
      for (const o of tx.outputs) scripts.add(shKey(sha256(o.script)));
      for (const c of (i > 0 ? undo[i - 1] : undefined) ?? []) scripts.add(shKey(sha256(c.script)));
      this.notifyWatchers(tx.txidHex(), scripts, status);
    });
  }

  private indexed(x: IndexedEntry): void {
    if (!this.hub.watching) return;
    this.notifyWatchers(x.entry.txid, x.scripts, UNCONFIRMED);
  }

  private notifyWatchers(txid: string, scripts: ReadonlySet<string>, status: TxStatus): void {
    for (const c of this.hub.watchers()) {
      const addresses = matches(c, scripts);
      if (addresses.length > 0) this.hub.send(c, sseMessage('address-tx', { txid, addresses, status }));
    }
  }
}

function matches(c: StreamClient, scripts: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const [key, address] of c.watch) if (scripts.has(key)) out.push(address);
  return out;
}
