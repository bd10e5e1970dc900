/**
 * The simulator's files scenario (sim/scenarios/files.ts, issue 16's simulator figures), run
 * small: 6 nodes, a 2 MiB file anchored on the chain and shared on 2 providers with 10 Mbit/s
 * uplinks, fetched on a third through the node's own fetch path, with every file store in
 * memory. The file arrives byte-identical with chunks from both providers, and the findings are
 * the same for the same seed. Throughput is not asserted (the figures are in docs/files.md).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SimNetwork } from '../sim/network.js';
import { type FilesCaseResult, fileBytes, runFilesCases } from '../sim/scenarios/files.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function run(seed: string): Promise<FilesCaseResult> {
  const dir = mkdtempSync(join(tmpdir(), 'gl-sim-files-'));
  dirs.push(dir);
  const out = await runFilesCases(
    {
      seed,
      nodes: 6,
      sizeBytes: 2 * 1024 * 1024 + 12_345,
      uplink: 1_250_000,
      slowFactor: 20,
      cases: [{ fast: 2, slow: 0, sendBufferBytes: 1024 * 1024 }],
    },
    (n, tag, configure) => SimNetwork.create({ nodes: n, seed: `${seed}${tag}`, dir, coins: 50, configure }),
  );
  await out.sim.stopAll();
  return (out.findings.files as FilesCaseResult[])[0]!;
}

describe('simulator: files scenario', () => {
  let first: FilesCaseResult;

  it('fetches the anchored file byte-identical from both bandwidth-limited providers', async () => {
    first = await run('files-1');
    expect(first.identical).toBe(true);
    expect(first.chunks).toBe(9);
    expect(first.chunksByProvider).toHaveLength(2);
    for (const n of first.chunksByProvider) expect(n).toBeGreaterThan(0);
    expect(first.chunksByProvider[0]! + first.chunksByProvider[1]!).toBe(first.chunks);
    expect(first.firstChunkMs).toBeGreaterThan(0);
    expect(first.fetchMs).toBeGreaterThanOrEqual(first.firstChunkMs);
  }, 120_000);

  it('reports the same figures for the same seed', async () => {
    expect(await run('files-1')).toEqual(first);
  }, 120_000);

  it('makes the file from the seed alone', () => {
    expect(Buffer.from(fileBytes('a', 1000)).equals(Buffer.from(fileBytes('a', 1000)))).toBe(true);
    expect(Buffer.from(fileBytes('a', 1000)).equals(Buffer.from(fileBytes('b', 1000)))).toBe(false);
  });
});
