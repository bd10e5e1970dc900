/**
 * mempool.space's fee, projected-block, CPFP and difficulty routes (issue 20) through its own JS
 * client, @mempool/mempool.js (unchanged), against a regtest node whose mempool holds a
 * low-fee parent, the child that pays for it, and an unrelated payment: the projected block
 * counts all three with the parent at the package's rate, CPFP names ancestors, descendants and
 * the best descendant, a new tx shows in the projection once the cache refreshes, and
 * malformed or unknown txids are 4xx JSON errors, never a 500.
 */
import mempoolJS from '@mempool/mempool.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MempoolEntry } from '../node/api.js';
import { OutPoint, type Tx } from '../node/protocol/tx.js';
import { outpointOf, payTo, signedSpend, testKey } from './helpers/keys.js';
import { startTestNode, stopTestNodes, type TestNode } from './helpers/node.js';
import { waitFor } from './helpers/p2p.js';

const MINER = testKey('mempool.space miner');
const PAYEE = testKey('mempool.space payee');
const SUBSIDY = 5_000_000_000n;

interface MempoolBlock {
  blockSize: number;
  blockVSize: number;
  nTx: number;
  totalFees: number;
  medianFee: number;
  feeRange: number[];
}
interface Cpfp {
  ancestors: { txid: string; fee: number; weight: number }[];
  descendants: { txid: string; fee: number; weight: number }[];
  bestDescendant: { txid: string; fee: number; weight: number } | null;
  effectiveFeePerVsize?: number;
}

let t: TestNode;
let client: ReturnType<typeof mempoolJS>['bitcoin'];
let parent: Tx;
let child: Tx;
let other: Tx;
let confirmed: Tx;
const entry = (tx: Tx) => t.node.mempool.get(tx.txid()) as MempoolEntry;

async function coinbase(height: number): Promise<Tx> {
  return (await t.node.chain.getBlock(t.node.chain.entryAt(height)!.hash))!.txs[0]!;
}

beforeAll(async () => {
  t = await startTestNode({ p2p: false });
  await t.node.generate(103, MINER.p2wpkh);
  confirmed = signedSpend(
    [{ prevout: new OutPoint((await coinbase(3)).txid(), 0), value: SUBSIDY, key: MINER }],
    [payTo(PAYEE, SUBSIDY - 10_000n)],
  );
  await t.node.submitTx(confirmed);
  await t.node.generate(1, MINER.p2wpkh);
  // The parent pays about 1 sat/vB; its child pays for both.
  parent = signedSpend(
    [{ prevout: new OutPoint((await coinbase(1)).txid(), 0), value: SUBSIDY, key: MINER }],
    [payTo(PAYEE, SUBSIDY - 200n)],
  );
  child = signedSpend(
    [{ prevout: outpointOf(parent, 0), value: SUBSIDY - 200n, key: PAYEE }],
    [payTo(MINER, SUBSIDY - 200n - 20_000n)],
  );
  other = signedSpend(
    [{ prevout: new OutPoint((await coinbase(2)).txid(), 0), value: SUBSIDY, key: MINER }],
    [payTo(PAYEE, SUBSIDY - 5_000n)],
  );
  for (const tx of [parent, child, other]) await t.node.submitTx(tx);
  const url = new URL(t.url);
  client = mempoolJS({
    hostname: url.host,
    protocol: 'http',
    network: 'regtest',
    config: { timeout: 30_000 },
  }).bitcoin;
});

afterAll(stopTestNodes);

describe('mempool.space routes through @mempool/mempool.js', () => {
  it('projects the mempool into one block, the parent at its package rate', async () => {
    const blocks = (await client.fees.getFeesMempoolBlocks()) as unknown as MempoolBlock[];
    const all = [parent, child, other].map(entry);
    expect(blocks).toEqual([
      {
        blockSize: all.reduce((s, e) => s + e.size, 0),
        blockVSize: all.reduce((s, e) => s + e.weight, 0) / 4,
        nTx: 3,
        totalFees: 200 + 20_000 + 5_000,
        medianFee: expect.any(Number),
        feeRange: expect.any(Array),
      },
    ]);
    const pkgRate = 20_200 / (entry(parent).vsize + entry(child).vsize);
    const otherRate = 5_000 / entry(other).vsize;
    // Weighted from the cheapest: the lowest rate paid is the pair's or the other's, never 1 sat/vB.
    expect(blocks[0]!.feeRange).toHaveLength(7);
    expect(blocks[0]!.feeRange[0]).toBeCloseTo(Math.min(pkgRate, otherRate), 1);
    expect(blocks[0]!.feeRange[6]).toBeCloseTo(Math.max(pkgRate, otherRate), 1);
  });

  it('recommends fees: a thin mempool gets the minimum', async () => {
    const fees = await client.fees.getFeesRecommended();
    expect(fees).toEqual({ fastestFee: 1, halfHourFee: 1, hourFee: 1, economyFee: 1, minimumFee: 1 });
  });

  it('CPFP: ancestors, descendants, the best descendant and the effective rate', async () => {
    const p = (await client.fees.getCPFP({ txid: parent.txidHex() })) as unknown as Cpfp;
    const childJson = { txid: child.txidHex(), fee: 20_000, weight: entry(child).weight };
    expect(p.ancestors).toEqual([]);
    expect(p.descendants).toEqual([childJson]);
    expect(p.bestDescendant).toEqual(childJson);
    expect(p.effectiveFeePerVsize).toBeCloseTo(20_200 / (entry(parent).vsize + entry(child).vsize), 1);
    const c = (await client.fees.getCPFP({ txid: child.txidHex() })) as unknown as Cpfp;
    expect(c.ancestors).toEqual([{ txid: parent.txidHex(), fee: 200, weight: entry(parent).weight }]);
    expect(c.descendants).toEqual([]);
    expect(c.bestDescendant).toBeNull();
    const o = (await client.fees.getCPFP({ txid: other.txidHex() })) as unknown as Cpfp;
    expect(o).toMatchObject({ ancestors: [], descendants: [], bestDescendant: null });
    // A confirmed tx has no package left.
    const done = (await client.fees.getCPFP({ txid: confirmed.txidHex() })) as unknown as Cpfp;
    expect(done).toEqual({ ancestors: [], descendants: [], bestDescendant: null });
  });

  it('difficulty adjustment: regtest never retargets', async () => {
    const d = (await client.difficulty.getDifficultyAdjustment()) as unknown as Record<string, unknown>;
    expect(d).toMatchObject({
      retargetRule: 'none',
      difficultyChange: 0,
      previousRetarget: 0,
      remainingBlocks: 1,
      nextRetargetHeight: t.node.chain.height + 1,
      previousTime: t.node.chain.tip.header.time,
      timeOffset: 0,
    });
    for (const k of [
      'progressPercent',
      'estimatedRetargetDate',
      'remainingTime',
      'timeAvg',
      'expectedBlocks',
    ])
      expect(typeof d[k], k).toBe('number');
  });

  it('a new tx reaches the cached projection', async () => {
    const tx = signedSpend(
      [{ prevout: outpointOf(other, 0), value: SUBSIDY - 5_000n, key: PAYEE }],
      [payTo(MINER, SUBSIDY - 10_000n)],
    );
    await t.node.submitTx(tx);
    await waitFor(
      'the projected block to count the new tx',
      async () => ((await client.fees.getFeesMempoolBlocks()) as unknown as MempoolBlock[])[0]?.nTx === 4,
      30_000,
      200,
    );
  });

  it('bad input is a 4xx JSON error, never a 500', async () => {
    const get = (path: string) => fetch(`${t.url}/api${path}`, { signal: AbortSignal.timeout(30_000) });
    for (const [path, status] of [
      ['/v1/cpfp/xyz', 400],
      [`/v1/cpfp/${'ab'.repeat(31)}zz`, 400],
      [`/v1/cpfp/${'ab'.repeat(33)}`, 400],
      [`/v1/cpfp/${'ab'.repeat(32)}`, 404],
      ['/v1/cpfp/', 400],
      ['/v1/fees/nope', 404],
    ] as const) {
      const res = await get(path);
      expect({ path, status: res.status }).toEqual({ path, status });
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(typeof ((await res.json()) as { error: unknown }).error).toBe('string');
    }
  });
});
