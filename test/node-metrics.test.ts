/**
 * GET /metrics (Prometheus text format). Three regtest nodes in one process, each with its own
 * registry: B dials A; A mines 101 blocks (B syncs them); C, alone, takes A's first 100 blocks
 * and mines two of its own, which A is then fed: a reorg of depth 1. A spend of block 1's
 * coinbase waits in A's mempool. A's scrape must say exactly that: heights, blocks connected,
 * the reorg and its depth, the validation histogram by result, the mempool, one inbound peer,
 * the version/verack frames B sent it, a ban set over RPC; B's and C's scrapes their own story.
 * A unit part drives NodeMetrics with a fake node: no P2P layer, rejected and failed blocks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RuleError } from '../node/consensus/errors.js';
import { type MetricsSource, NodeMetrics } from '../node/metrics.js';
import { Block } from '../node/protocol/block.js';
import { OutPoint, type Tx } from '../node/protocol/tx.js';
import { payTo, signedSpend, testKey } from './helpers/keys.js';
import { type NetNode, startNetNode, stopNetNodes, waitFor } from './helpers/p2p.js';

const MINER = testKey('metrics miner');
const OTHER = testKey('metrics other miner');
const SUBSIDY = 5_000_000_000n;
const FEE = 10_000n;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

interface Exposition {
  types: Map<string, string>;
  samples: Sample[];
}

/** The text format's lines: `# TYPE name type` and `name{l="v",...} value`. */
function parse(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ')) continue;
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      expect(types.has(type[1]!), `${type[1]} declared twice`).toBe(false);
      types.set(type[1]!, type[2]!);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparsable line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return { types, samples };
}

/** The one sample of `name` whose labels are exactly `labels`; undefined if there is none. */
function value(e: Exposition, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = JSON.stringify(Object.entries(labels).sort());
  const hits = e.samples.filter(
    (s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === want,
  );
  expect(hits.length, `${name}${want} samples`).toBeLessThanOrEqual(1);
  return hits[0]?.value;
}

async function scrape(t: NetNode): Promise<{ res: Response; e: Exposition }> {
  const res = await fetch(`${t.node.httpUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
  expect(res.status).toBe(200);
  return { res, e: parse(await res.text()) };
}

async function blockAt(t: NetNode, height: number): Promise<Block> {
  const raw = await t.node.chain.getRawBlock(t.node.chain.entryAt(height)!.hash);
  return Block.fromBytes(raw!);
}

describe('GET /metrics on a small network', () => {
  let a: NetNode;
  let b: NetNode;
  let c: NetNode;
  let spend: Tx;

  beforeAll(async () => {
    // A never dials (B's address reaches it by addr gossip), so its one peer is B's inbound dial.
    a = await startNetNode({ maxOutbound: 0 });
    // C's caches get tiny bounds (the coin-cache and script-cache settings), so its scrape shows them held.
    [b, c] = await Promise.all([
      startNetNode({ connect: [a.addr] }),
      startNetNode({ listen: false, coinCacheEntries: 1, scriptCacheEntries: 3 }),
    ]);
    await waitFor('B connected to A', () => a.node.peerInfo().length === 1 && b.node.peerInfo().length === 1);

    await a.node.generate(101, MINER.p2wpkh);
    await waitFor('B synced to 101', () => b.node.chain.height === 101);

    for (let h = 1; h <= 100; h++)
      expect((await c.node.submitBlock(await blockAt(a, h))).status).toBe('connected');
    await c.node.generate(2, OTHER.p2wpkh);
    // The first ties A's tip (A keeps its own, first seen), the second has more work: reorg.
    expect((await a.node.submitBlock(await blockAt(c, 101))).status).toBe('side');
    expect((await a.node.submitBlock(await blockAt(c, 102))).status).toBe('connected');
    expect(a.node.chain.tip.hashHex).toBe(c.node.chain.tip.hashHex);
    await waitFor('B followed the reorg', () => b.node.chain.tip.hashHex === a.node.chain.tip.hashHex);

    const cb = (await blockAt(a, 1)).txs[0]!;
    spend = signedSpend(
      [{ prevout: new OutPoint(cb.txid(), 0), value: SUBSIDY, key: MINER }],
      [payTo(OTHER, SUBSIDY - FEE)],
    );
    expect((await a.node.submitTx(spend)).status).toBe('accepted');
    await waitFor('the spend relayed to B', () => b.node.mempool.size === 1);
    await a.rpc('setban', ['192.0.2.7', 'add', 3600]);
  }, 60_000);

  afterAll(stopNetNodes);

  it('answers in the text format, uncached, not rate limited, not the explorer page', async () => {
    for (let i = 0; i < 3; i++) {
      const { res, e } = await scrape(a);
      expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-ratelimit-limit')).toBeNull();
      expect(e.types.get('gossip_chain_height')).toBe('gauge');
    }
    const head = await fetch(`${a.node.httpUrl}/metrics`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    // The explorer's page paths still serve the page.
    const page = await fetch(`${a.node.httpUrl}/blocks`);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('reports A: chain, reorg, validation times, mempool', async () => {
    const { e } = await scrape(a);
    expect(e.types.get('gossip_chain_height')).toBe('gauge');
    expect(e.types.get('gossip_chain_best_header_height')).toBe('gauge');
    expect(e.types.get('gossip_chain_blocks_connected_total')).toBe('counter');
    expect(e.types.get('gossip_chain_reorgs_total')).toBe('counter');
    expect(e.types.get('gossip_chain_reorg_depth_blocks')).toBe('histogram');
    expect(e.types.get('gossip_chain_last_reorg_depth_blocks')).toBe('gauge');
    expect(e.types.get('gossip_block_validation_seconds')).toBe('histogram');
    expect(value(e, 'gossip_build_info', { version: '0.1.0', network: 'regtest' })).toBe(1);

    expect(value(e, 'gossip_chain_height')).toBe(102);
    expect(value(e, 'gossip_chain_best_header_height')).toBe(102);
    // 101 mined, then the reorg: 101 out, C's 101 and 102 in.
    expect(value(e, 'gossip_chain_blocks_connected_total')).toBe(103);
    expect(value(e, 'gossip_chain_reorgs_total')).toBe(1);
    expect(value(e, 'gossip_chain_reorg_depth_blocks_count')).toBe(1);
    expect(value(e, 'gossip_chain_reorg_depth_blocks_sum')).toBe(1);
    expect(value(e, 'gossip_chain_reorg_depth_blocks_bucket', { le: '1' })).toBe(1);
    expect(value(e, 'gossip_chain_last_reorg_depth_blocks')).toBe(1);

    const count = (result: string) => value(e, 'gossip_block_validation_seconds_count', { result });
    expect(count('connected')).toBe(102);
    expect(count('side')).toBe(1);
    expect(count('rejected')).toBeUndefined();
    expect(value(e, 'gossip_block_validation_seconds_bucket', { result: 'connected', le: '+Inf' })).toBe(102);
    expect(value(e, 'gossip_block_validation_seconds_sum', { result: 'connected' })).toBeGreaterThan(0);

    expect(value(e, 'gossip_mempool_transactions')).toBe(1);
    expect(value(e, 'gossip_mempool_bytes')).toBe(spend.toBytes().length);
    expect(value(e, 'gossip_mempool_vbytes')).toBe(spend.vsize());
    expect(value(e, 'gossip_mempool_usage_bytes')).toBeGreaterThan(spend.toBytes().length);
    expect(value(e, 'gossip_mempool_orphan_transactions')).toBe(0);
  });

  it("reports each cache's entries, heap bytes and bound (issue 22), held to the settings", async () => {
    const { e } = await scrape(a);
    for (const name of ['gossip_cache_entries', 'gossip_cache_bytes', 'gossip_cache_max'])
      expect(e.types.get(name)).toBe('gauge');
    const cache = (name: string, c: string) => value(e, name, { cache: c });
    // The reorg emptied the coin cache; C's two blocks put back their coinbases' spendable outputs.
    expect(cache('gossip_cache_entries', 'coins')).toBe(2);
    expect(cache('gossip_cache_bytes', 'coins')).toBeGreaterThanOrEqual(2 * (330 + 22));
    expect(cache('gossip_cache_max', 'coins')).toBe(50_000);
    // The spend passed its scripts under the next block's flags: one script-cache entry.
    expect(cache('gossip_cache_entries', 'scripts')).toBe(1);
    expect(cache('gossip_cache_bytes', 'scripts')).toBe(75);
    expect(cache('gossip_cache_max', 'scripts')).toBe(200_000);
    // Its one signature, stored by the standard-flag run and found by the next block's.
    expect(cache('gossip_cache_entries', 'signatures')).toBe(1);
    expect(cache('gossip_cache_bytes', 'signatures')).toBe(75);
    expect(cache('gossip_cache_max', 'signatures')).toBe(200_000);
    expect(cache('gossip_cache_entries', 'mempool')).toBe(1);
    expect(cache('gossip_cache_bytes', 'mempool')).toBe(value(e, 'gossip_mempool_usage_bytes'));
    expect(cache('gossip_cache_max', 'mempool')).toBe(300_000_000);
    expect(cache('gossip_cache_max', 'blocks')).toBe(16);
    expect(cache('gossip_cache_entries', 'blocks')).toBeGreaterThan(0);
    expect(cache('gossip_cache_bytes', 'blocks')).toBeGreaterThan(80);
    expect(cache('gossip_cache_max', 'address-totals')).toBe(20_000);

    // C connected 102 blocks with a coin cache of one entry.
    const { e: ec } = await scrape(c);
    expect(value(ec, 'gossip_cache_entries', { cache: 'coins' })).toBe(1);
    expect(value(ec, 'gossip_cache_max', { cache: 'coins' })).toBe(1);
    expect(value(ec, 'gossip_cache_max', { cache: 'scripts' })).toBe(3);
  });

  it('reports A: peers, bytes per message type, bans', async () => {
    const { e } = await scrape(a);
    expect(e.types.get('gossip_p2p_peers')).toBe('gauge');
    expect(e.types.get('gossip_p2p_received_bytes_total')).toBe('counter');
    expect(e.types.get('gossip_p2p_sent_bytes_total')).toBe('counter');
    expect(e.types.get('gossip_p2p_received_messages_total')).toBe('counter');
    expect(value(e, 'gossip_p2p_peers', { direction: 'inbound' })).toBe(1);
    expect(value(e, 'gossip_p2p_peers', { direction: 'outbound' })).toBe(0);
    expect(value(e, 'gossip_p2p_banned_addresses')).toBe(1);

    // B sent one version and one verack, nothing since changes them: A counted those bytes.
    const bSent = b.node.p2p!.totals().bytesSentPerMsg;
    const got = (command: string) => value(e, 'gossip_p2p_received_bytes_total', { command });
    expect(got('version')).toBe(bSent.version);
    expect(got('version')).toBeGreaterThan(24);
    expect(got('verack')).toBe(24); // a bare 24-byte header
    expect(value(e, 'gossip_p2p_received_messages_total', { command: 'verack' })).toBe(1);
    expect(value(e, 'gossip_p2p_sent_bytes_total', { command: 'verack' })).toBe(24);
    // A served the 101 blocks B synced, and C's two after the reorg: whole, or as BIP152 compact
    // blocks when B fetched them one at a time on its tip.
    const blockBytes = (command: string) => value(e, 'gossip_p2p_sent_bytes_total', { command }) ?? 0;
    expect(blockBytes('block') + blockBytes('cmpctblock')).toBeGreaterThan(103 * 24);
    expect(value(e, 'gossip_p2p_sent_bytes_total', { command: 'tx' })).toBe(24 + spend.toBytes().length);
    // BIP152: the series exist, and agree with the P2P layer's own counters.
    expect(e.types.get('gossip_p2p_cmpctblock_total')).toBe('counter');
    expect(e.types.get('gossip_p2p_hb_peers')).toBe('gauge');
    const cs = a.node.p2p!.compactStats();
    expect(value(e, 'gossip_p2p_cmpctblock_total', { outcome: 'received' })).toBe(cs.received);
    expect(value(e, 'gossip_p2p_block_relay_blocks_total', { mode: 'full' })).toBe(cs.blocks.full);
    expect(value(e, 'gossip_p2p_block_relay_bytes_total', { mode: 'compact' })).toBe(cs.blockBytes.compact);
    expect(value(e, 'gossip_p2p_hb_peers', { direction: 'to' })).toBe(cs.hbTo);
  });

  it('counts HTTP requests by route pattern and status; sync progress; peer pings', async () => {
    const tx = spend.txidHex();
    for (const path of [`/api/tx/${tx}`, `/api/tx/${tx}/status`, '/api/tx/zz', '/api/no/such/path'])
      await fetch(`${a.node.httpUrl}${path}`);
    await b.rpc('ping');
    await waitFor('B measured a ping to A', () => b.node.peerInfo().some((p) => p.pingMs !== null));
    const { e } = await scrape(a);
    expect(e.types.get('gossip_http_request_duration_seconds')).toBe('histogram');
    const count = (route: string, status: string) =>
      value(e, 'gossip_http_request_duration_seconds_count', { method: 'GET', route, status });
    // One series per route pattern, not per txid.
    expect(count('/api/tx/:txid', '200')).toBeGreaterThanOrEqual(1);
    expect(count('/api/tx/:txid', '400')).toBe(1);
    expect(count('/api/tx/:txid/status', '200')).toBeGreaterThanOrEqual(1);
    expect(count('unmatched', '404')).toBeGreaterThanOrEqual(1);
    expect(e.samples.some((s) => s.labels.route?.includes(tx))).toBe(false);
    const progress = value(e, 'gossip_chain_verification_progress');
    expect(progress).toBeGreaterThan(0);
    expect(progress).toBeLessThanOrEqual(1);
    const { e: eb } = await scrape(b);
    expect(eb.types.get('gossip_p2p_ping_seconds')).toBe('gauge');
    const min = value(eb, 'gossip_p2p_ping_seconds', { stat: 'min' })!;
    expect(min).toBeGreaterThanOrEqual(0);
    expect(value(eb, 'gossip_p2p_ping_seconds', { stat: 'max' })).toBeGreaterThanOrEqual(min);
  });

  it('keeps one registry per node, with the process metrics in each', async () => {
    const [{ e: eb }, { e: ec }, { e: ea }] = await Promise.all([scrape(b), scrape(c), scrape(a)]);
    expect(value(eb, 'gossip_p2p_peers', { direction: 'outbound' })).toBe(1);
    expect(value(eb, 'gossip_p2p_peers', { direction: 'inbound' })).toBe(0);
    expect(value(eb, 'gossip_chain_height')).toBe(102);
    expect(value(eb, 'gossip_chain_blocks_connected_total')).toBe(103);
    expect(value(eb, 'gossip_chain_reorgs_total')).toBe(1);
    expect(value(eb, 'gossip_p2p_banned_addresses')).toBe(0);

    // C: 100 of A's blocks and two of its own, nothing undone, nobody connected.
    expect(value(ec, 'gossip_chain_blocks_connected_total')).toBe(102);
    expect(value(ec, 'gossip_chain_reorgs_total')).toBe(0);
    expect(value(ec, 'gossip_chain_reorg_depth_blocks_count')).toBe(0);
    expect(value(ec, 'gossip_chain_last_reorg_depth_blocks')).toBe(0);
    expect(value(ec, 'gossip_mempool_transactions')).toBe(0);
    expect(value(ec, 'gossip_p2p_peers', { direction: 'inbound' })).toBe(0);
    expect(ec.samples.some((s) => s.name === 'gossip_p2p_received_bytes_total')).toBe(false);

    for (const e of [ea, eb, ec]) {
      expect(e.types.get('process_cpu_seconds_total')).toBe('counter');
      expect(e.types.get('nodejs_heap_size_used_bytes')).toBe('gauge');
      expect(value(e, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    }
  });
});

describe('NodeMetrics with a fake node', () => {
  const chain = { height: 7 };
  const fake: MetricsSource = {
    config: { network: 'main' },
    status: () => ({ height: chain.height, headers: chain.height, peersIn: 0, peersOut: 0 }),
    mempool: { info: () => ({ count: 0, bytes: 0, vsize: 0, usage: 0, orphans: 2 }) },
  };

  it('times validated blocks by result, not orphans or duplicates; reads gauges at scrape time', async () => {
    const m = new NodeMetrics(fake, { version: 'x' });
    const ok = (status: 'connected' | 'orphan' | 'duplicate') => async () => ({ status });
    await m.timeBlock(ok('connected'));
    await m.timeBlock(ok('orphan'));
    await m.timeBlock(ok('duplicate'));
    await expect(m.timeBlock(() => Promise.reject(new RuleError('HIGH_HASH')))).rejects.toThrow(RuleError);
    await expect(m.timeBlock(() => Promise.reject(new Error('disk gone')))).rejects.toThrow('disk gone');
    m.reorg(3);
    m.reorg(2);

    const e = parse(await m.registry.metrics());
    const count = (result: string) => value(e, 'gossip_block_validation_seconds_count', { result });
    expect([count('connected'), count('rejected'), count('error')]).toEqual([1, 1, 1]);
    expect(count('orphan')).toBeUndefined();
    expect(count('duplicate')).toBeUndefined();
    expect(value(e, 'gossip_chain_reorgs_total')).toBe(2);
    expect(value(e, 'gossip_chain_reorg_depth_blocks_sum')).toBe(5);
    expect(value(e, 'gossip_chain_reorg_depth_blocks_bucket', { le: '2' })).toBe(1);
    expect(value(e, 'gossip_chain_reorg_depth_blocks_bucket', { le: '3' })).toBe(2);
    expect(value(e, 'gossip_chain_last_reorg_depth_blocks')).toBe(2);
    // No P2P layer: no peers, no bans.
    expect(value(e, 'gossip_chain_best_header_height')).toBe(7);
    expect(value(e, 'gossip_p2p_peers', { direction: 'outbound' })).toBe(0);
    expect(value(e, 'gossip_p2p_banned_addresses')).toBe(0);
    expect(value(e, 'gossip_mempool_orphan_transactions')).toBe(2);
    expect(value(e, 'gossip_build_info', { version: 'x', network: 'main' })).toBe(1);

    chain.height = 8;
    expect(value(parse(await m.registry.metrics()), 'gossip_chain_height')).toBe(8);
  });
});
