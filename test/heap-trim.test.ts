/**
 * The full collection when blocks stop (node/heap-trim.ts): it waits for a quiet spell and for
 * enough growth of the heap since the last one, stops with the node, and the collector it takes
 * from V8 really collects. A FullNode on a virtual clock logs the collection 6 s after its last
 * block, and none with `heapTrim: false`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HeapTrim, type TrimResult } from '../node/heap-trim.js';
import { createLogger } from '../node/log.js';
import { FullNode } from '../node/node.js';
import { regtest } from '../node/protocol/params.js';
import { fullCollection } from '../node/v8-gc.js';
import { chainOf } from './helpers/blocks.js';
import { VirtualClock } from './helpers/virtual-clock.js';

const MiB = 2 ** 20;

/** A HeapTrim on a virtual clock whose heap grows by what the test says and drops to 10 MiB when collected. */
function trim(opts = { minGrowthBytes: 32 * MiB, quietMs: 1000 }) {
  const clock = new VirtualClock();
  const runs: TrimResult[] = [];
  let used = 10 * MiB;
  let collected = 0;
  const t = new HeapTrim(
    {
      clock,
      collect: () => {
        collected++;
        used = 10 * MiB;
      },
      oldSpace: () => used,
      done: (r) => runs.push(r),
    },
    opts,
  );
  const grow = (mib: number) => {
    used += mib * MiB;
  };
  return { clock, t, runs, grow, collections: () => collected };
}

describe('HeapTrim', () => {
  it('collects when blocks have stopped for quietMs and the heap has grown enough', async () => {
    const { clock, t, runs, grow, collections } = trim();
    t.blockConnected();
    grow(31);
    await clock.advance(10_000);
    expect(collections()).toBe(0); // 31 MiB of growth is not worth a collection

    t.blockConnected();
    grow(1);
    await clock.advance(999);
    t.blockConnected(); // blocks go on arriving: the quiet spell starts again
    await clock.advance(999);
    expect(collections()).toBe(0);
    await clock.advance(1);
    expect(collections()).toBe(1);
    expect(runs).toEqual([{ blocks: 3, ms: expect.any(Number), oldBeforeMiB: 42, oldAfterMiB: 10 }]);

    // Growth counts from what the collection left.
    t.blockConnected();
    grow(20);
    await clock.advance(5000);
    expect(collections()).toBe(1);
    t.blockConnected();
    grow(12);
    await clock.advance(1000);
    expect(collections()).toBe(2);
    expect(runs[1]!.blocks).toBe(2);
    expect(clock.pending).toBe(0);
  });

  it('one collection counts for every HeapTrim sharing the held size (one process, several nodes)', async () => {
    const clock = new VirtualClock();
    let held = 10 * MiB;
    let collected = 0;
    const shared = { bytes: null };
    const make = () =>
      new HeapTrim(
        {
          clock,
          collect: () => {
            collected++;
            held = 10 * MiB;
          },
          oldSpace: () => held,
          done: () => {},
          heldAfter: shared,
        },
        { minGrowthBytes: 32 * MiB, quietMs: 1000 },
      );
    const [x, y] = [make(), make()];
    x.blockConnected();
    y.blockConnected();
    held += 40 * MiB;
    await clock.advance(1000);
    expect(collected).toBe(1); // the second found the heap already collected
  });

  it('stop cancels a pending collection', async () => {
    const { clock, t, grow, collections } = trim({ minGrowthBytes: 0, quietMs: 500 });
    t.blockConnected();
    grow(100);
    expect(clock.pending).toBe(1);
    t.stop();
    await clock.advance(10_000);
    expect(collections()).toBe(0);
  });

  it("V8's collector frees what nothing references", async () => {
    const collect = fullCollection();
    expect(fullCollection()).toBe(collect);
    let big: number[] | null = Array.from({ length: 100_000 }, (_, i) => i);
    const ref = new WeakRef(big);
    big = null;
    // A WeakRef keeps its target alive until the job that made it ends.
    await new Promise((r) => setImmediate(r));
    collect();
    expect(ref.deref()).toBeUndefined();
  });
});

describe('a node collects after a burst of blocks', () => {
  // Whatever the heap did (V8 may have collected by itself): a collection at every quiet spell.
  const always = { minGrowthBytes: Number.NEGATIVE_INFINITY };
  it.each([always, false] as const)(
    'heapTrim %o: one collection 6 s after the last block, none before (none when off)',
    async (heapTrim) => {
      const datadir = await mkdtemp(join(tmpdir(), 'gl-heap-trim-'));
      const clock = new VirtualClock(Date.now());
      const lines: string[] = [];
      const node = await FullNode.start(
        {
          network: 'regtest',
          datadir,
          http: false,
          httpHost: '127.0.0.1',
          httpPort: 0,
          rpcPort: 0,
          p2pPort: 0,
          mine: false,
          logLevel: 'info',
          clock,
          statusIntervalMs: 0,
          heapTrim,
        },
        createLogger('info', (l) => lines.push(l)),
      );
      try {
        const collected = () => lines.filter((l) => l.includes('heap collected after blocks'));
        const t0 = Math.floor(Date.now() / 1000) - 200 * 600;
        const blocks = chainOf(100, regtest.genesisHash, 1, t0);
        for (const b of blocks) expect((await node.chain.addBlock(b)).status).toBe('connected');
        await clock.advance(5_999);
        expect(collected()).toEqual([]);
        await clock.advance(1);
        if (heapTrim === false) {
          await clock.advance(60_000);
          expect(collected()).toEqual([]); // a simulator's nodes leave it to the process
          return;
        }
        expect(collected()).toHaveLength(1);
        expect(collected()[0]).toContain('blocks=100');
      } finally {
        await node.stop();
        await rm(datadir, { recursive: true, force: true });
      }
    },
  );
});
