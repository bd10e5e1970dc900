/**
 * One run of the connect-mempool bench, in its own process so runs of different builds share
 * nothing (JIT, heap, worker threads): `node connect-mempool-child.js <root> <data> <blocks>
 * <cache|nocache>` loads the chain and mempool compiled under `<root>/dist` (this tree or an
 * older checkout), feeds each spending block's transactions to the mempool first (untimed),
 * then times connecting the block. Prints one JSON object: connect ms and inputs.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Chain as ChainT } from '../node/chain/chain.js';
import type { Mempool as MempoolT } from '../node/mempool/mempool.js';
import type { Block as BlockT } from '../node/protocol/block.js';

const [root, data, blocksArg, mode] = process.argv.slice(2);
if (!root || !data || !blocksArg || (mode !== 'cache' && mode !== 'nocache')) {
  process.stderr.write('usage: connect-mempool-child <root> <data> <blocks> cache|nocache\n');
  process.exit(1);
}
const dist = join(root, 'dist', 'node');
const load = <T>(path: string): Promise<T> => import(join(dist, path)) as Promise<T>;

const { Chain } = await load<typeof import('../node/chain/chain.js')>('chain/chain.js');
const { ScriptPool } = await load<typeof import('../node/chain/script-pool.js')>('chain/script-pool.js');
const { Mempool } = await load<typeof import('../node/mempool/mempool.js')>('mempool/mempool.js');
const { Block } = await load<typeof import('../node/protocol/block.js')>('protocol/block.js');
const { Reader } = await load<typeof import('../node/protocol/reader.js')>('protocol/reader.js');
const { regtest } = await load<typeof import('../node/protocol/params.js')>('protocol/params.js');
// Absent in builds before the cache; "nocache" runs this tree without it.
let scriptCache: unknown;
if (mode === 'cache') {
  try {
    const m = await load<typeof import('../node/chain/script-cache.js')>('chain/script-cache.js');
    scriptCache = new m.ScriptCache();
  } catch {
    scriptCache = undefined;
  }
}

const all: BlockT[] = [];
const r = new Reader(readFileSync(data));
while (r.remaining > 0) all.push(Block.fromBytes(r.varBytes()));
const spendBlocks = Math.min(Number(blocksArg), all.length - 102);
const blocks = all.slice(0, 102 + spendBlocks);

const dir = mkdtempSync(join(tmpdir(), 'gl-bench-connect-mempool-'));
const pool = ScriptPool.create();
const chain: ChainT = await Chain.open(
  { params: regtest, path: dir, scriptPool: pool, ...(scriptCache ? { scriptCache } : {}) } as never,
  { now: () => 4_000_000_000 },
);
const mempool: MempoolT = new Mempool({ params: regtest, ...(scriptCache ? { scriptCache } : {}) } as never, {
  getCoin: (k) => chain.getCoin(k),
  tip: () => ({ height: chain.height, medianTimePast: chain.tip.medianTimePast() }),
  medianTimePast: (h) => chain.entryAt(h)!.medianTimePast(),
  now: () => 4_000_000_000,
});
try {
  for (const b of blocks.slice(0, 102)) await chain.addBlock(b);
  let connectNs = 0n;
  let acceptNs = 0n;
  let inputs = 0;
  for (const b of blocks.slice(102)) {
    const a = process.hrtime.bigint();
    for (const tx of b.txs.slice(1)) await mempool.accept(tx);
    const start = process.hrtime.bigint();
    acceptNs += start - a;
    await chain.addBlock(b);
    connectNs += process.hrtime.bigint() - start;
    mempool.removeForBlock(b);
    for (const tx of b.txs.slice(1)) inputs += tx.inputs.length;
  }
  if (chain.height !== blocks.length) throw new Error(`connected only to ${chain.height}`);
  if (mempool.info().count !== 0) throw new Error('mempool not emptied by the blocks');
  process.stdout.write(
    `${JSON.stringify({
      blocks: spendBlocks,
      inputs,
      connectMs: Number(connectNs) / 1e6,
      acceptMs: Number(acceptNs) / 1e6,
      workers: pool?.size ?? 0,
      cached: scriptCache !== undefined,
    })}\n`,
  );
} finally {
  await chain.close();
  await pool?.close();
  rmSync(dir, { recursive: true, force: true });
}
