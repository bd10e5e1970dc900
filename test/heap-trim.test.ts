/**
 * The full collection after a burst of block connects (node/heap-trim.ts): it waits for the
 * burst to be large enough and then quiet, runs once per burst, stops with the node, and the
 * collector it takes from V8 really collects. A FullNode on a virtual clock logs the collection
 * once 100 blocks have connected and 2 s have passed without another, and none with `heapTrim: false`.
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

function trim(opts = { minBlocks: 3, quietMs: 1000 }) {
  const clock = new VirtualClock();
  const runs: TrimResult[] = [];
  let collected = 0;
  const t = new HeapTrim(
    {
      clock,
      collect: () => collected++,
      heapUsed: () => 2 ** 20 * (10 - collected),
      done: (r) => runs.push(r),
    },
    opts,
  );
  return { clock, t, runs, collections: () => collected };
}

describe('HeapTrim', () => {
  it('collects once a large enough burst has been quiet for quietMs', async () => {
    const { clock, t, runs, collections } = trim();
    t.blockConnected();
    t.blockConnected();
    await clock.advance(10_000);
    expect(collections()).toBe(0); // two blocks are not a burst

    t.blockConnected();
    await clock.advance(999);
    t.blockConnected(); // the burst goes on: the quiet spell starts again
    await clock.advance(999);
    expect(collections()).toBe(0);
    await clock.advance(1);
    expect(collections()).toBe(1);
    expect(runs).toEqual([{ blocks: 4, ms: expect.any(Number), heapBeforeMiB: 10, heapAfterMiB: 9 }]);

    // The count starts again from zero after a collection.
    t.blockConnected();
    t.blockConnected();
    await clock.advance(5000);
    expect(collections()).toBe(1);
    t.blockConnected();
    await clock.advance(1000);
    expect(collections()).toBe(2);
    expect(runs[1]!.blocks).toBe(3);
    expect(clock.pending).toBe(0);
  });

  it('stop cancels a pending collection', async () => {
    const { clock, t, collections } = trim({ minBlocks: 1, quietMs: 500 });
    t.blockConnected();
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
  it.each([true, false])(
    'heapTrim %s: one collection 2 s after the 100th block, none before',
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
        for (const b of blocks.slice(0, 99)) expect((await node.chain.addBlock(b)).status).toBe('connected');
        await clock.advance(10_000);
        expect(collected()).toEqual([]);

        expect((await node.chain.addBlock(blocks[99]!)).status).toBe('connected');
        await clock.advance(1_999);
        expect(collected()).toEqual([]);
        await clock.advance(1);
        if (!heapTrim) {
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
