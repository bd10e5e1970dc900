/**
 * Header sync and connect rate from a peer, runnable against several builds in one process so
 * a change can be compared side by side (the machine is shared and noisy: runs alternate).
 *
 * - `headers`: 100,000 regtest headers, in 2,000-header messages as a peer sends them (Core's
 *   MAX_HEADERS_RESULTS), parsed from bytes and accepted into a fresh chain: headers/s. A build
 *   without `Chain.acceptHeaders` (before headers moved into the chain) is driven through its
 *   p2p header tree instead, which is what its P2P layer did.
 * - `connect`: blocks never seen before, arriving as bytes: each parsed and handed to
 *   `Chain.addBlock`, with the script pool as the node runs it (cores - 1 workers); blocks/s
 *   and inputs/s. `headersFirst` accepts the blocks' headers first, as headers-first sync does.
 *
 * Builds: BENCH_TREES=/path/a/dist,/path/b/dist (default: this build). Rounds: BENCH_ROUNDS (3).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BlockHeader } from '../node/protocol/header.js';
import { regtest } from '../node/protocol/params.js';
import { checkProofOfWork } from '../node/protocol/pow.js';
import { loadOrGenerate } from './connect-data.js';
import { emit } from './lib.js';

const HEADERS = 100_000;
const PER_MESSAGE = 2_000;
/** Spending blocks connected per round (100 inputs each; generated once into .bench-data/). */
const CONNECT_BLOCKS = Number(process.env.BENCH_CONNECT_BLOCKS ?? 150);
const NOW = 4_000_000_000;

// Just what the bench calls, typed loosely: the builds compared differ in their exports.
interface AnyHeader {
  hashHex(): string;
}
interface AnyEntry {
  height: number;
}
interface AnyChain {
  height: number;
  tip: AnyEntry;
  entry(hex: string): AnyEntry | undefined;
  acceptHeaders?(headers: AnyHeader[]): AnyEntry | null;
  addBlock(block: unknown): Promise<unknown>;
  close(): Promise<void>;
}
interface Tree {
  root: string;
  Chain: { open(opts: object, deps: { now(): number }): Promise<AnyChain> };
  BlockHeader: { fromBytes(b: Uint8Array): AnyHeader };
  Block: { fromBytes(b: Uint8Array): { header: AnyHeader; txs: readonly unknown[] } };
  ScriptPool: { create(): { close(): Promise<void> } | null };
  regtest: unknown;
  /** The build's p2p header tree, if it has one (builds before headers moved into the chain). */
  HeaderTree?: new (
    params: unknown,
    deps: { lookup(h: string): unknown; tip(): unknown; now(): number },
  ) => { accept(h: AnyHeader[]): AnyEntry | null };
}

async function loadTree(root: string): Promise<Tree> {
  const imp = (p: string) => import(join(root, p));
  let HeaderTree: Tree['HeaderTree'];
  try {
    HeaderTree = (await imp('node/p2p/header-tree.js')).HeaderTree;
  } catch {
    HeaderTree = undefined;
  }
  return {
    root,
    Chain: (await imp('node/chain/chain.js')).Chain,
    BlockHeader: (await imp('node/protocol/header.js')).BlockHeader,
    Block: (await imp('node/protocol/block.js')).Block,
    ScriptPool: (await imp('node/chain/script-pool.js')).ScriptPool,
    regtest: (await imp('node/protocol/params.js')).regtest,
    HeaderTree,
  };
}

/** 100,000 valid regtest headers on genesis, serialized, one message's worth per entry. */
function makeHeaders(): Uint8Array[][] {
  const out: Uint8Array[][] = [];
  let prev = regtest.genesisHash;
  let time = regtest.genesis.header.time;
  let batch: Uint8Array[] = [];
  for (let i = 1; i <= HEADERS; i++) {
    time += 600;
    const merkleRoot = new Uint8Array(32);
    new DataView(merkleRoot.buffer).setUint32(0, i, true);
    let h: BlockHeader;
    for (let nonce = 0; ; nonce++) {
      h = new BlockHeader({ version: 4, prevBlock: prev, merkleRoot, time, bits: 0x207fffff, nonce });
      if (checkProofOfWork(h.hash(), h.bits, regtest.powLimit)) break;
    }
    batch.push(h.toBytes());
    prev = h.hash();
    if (batch.length === PER_MESSAGE) {
      out.push(batch);
      batch = [];
    }
  }
  return out;
}

async function withChain<T>(t: Tree, pool: boolean, fn: (c: AnyChain) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'gl-bench-headers-'));
  const scriptPool = pool ? t.ScriptPool.create() : null;
  const chain = await t.Chain.open({ params: t.regtest, path: dir, scriptPool }, { now: () => NOW });
  try {
    return await fn(chain);
  } finally {
    await chain.close();
    await scriptPool?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A function taking one message's headers, in the way the build's P2P layer took them. */
function acceptor(t: Tree, chain: AnyChain): (hs: AnyHeader[]) => AnyEntry | null {
  if (chain.acceptHeaders) return (hs) => chain.acceptHeaders!(hs);
  if (!t.HeaderTree) throw new Error(`${t.root}: neither Chain.acceptHeaders nor a header tree`);
  const tree = new t.HeaderTree(t.regtest, {
    lookup: (h) => chain.entry(h),
    tip: () => chain.tip,
    now: () => NOW,
  });
  return (hs) => tree.accept(hs);
}

async function headerSync(t: Tree, messages: Uint8Array[][]): Promise<number> {
  return withChain(t, false, async (chain) => {
    const accept = acceptor(t, chain);
    const start = process.hrtime.bigint();
    let last: AnyEntry | null = null;
    for (const m of messages) last = accept(m.map((b) => t.BlockHeader.fromBytes(b)));
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (last?.height !== HEADERS) throw new Error(`${t.root}: header sync ended at ${last?.height}`);
    return (HEADERS * 1000) / ms;
  });
}

async function connectRate(
  t: Tree,
  raws: Uint8Array[],
  setup: number,
  headersFirst: boolean,
): Promise<{ blocksPerSec: number; inputsPerSec: number }> {
  return withChain(t, true, async (chain) => {
    for (const r of raws.slice(0, setup)) await chain.addBlock(t.Block.fromBytes(r));
    const fresh = raws.slice(setup);
    const accept = acceptor(t, chain);
    if (headersFirst) accept(fresh.map((r) => t.BlockHeader.fromBytes(r.subarray(0, 80))));
    let inputs = 0;
    const start = process.hrtime.bigint();
    for (const r of fresh) {
      const block = t.Block.fromBytes(r);
      inputs += block.txs.length - 1;
      await chain.addBlock(block);
    }
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (chain.height !== raws.length) throw new Error(`${t.root}: connected only to ${chain.height}`);
    return { blocksPerSec: (fresh.length * 1000) / ms, inputsPerSec: (inputs * 1000) / ms };
  });
}

function summary(xs: number[]): { median: number; min: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  // Three significant figures: block rates are single digits on a loaded machine.
  const r = (x: number) => Number(x.toPrecision(3));
  return { median: r(s[Math.floor(s.length / 2)]!), min: r(s[0]!), max: r(s.at(-1)!) };
}

export async function run(): Promise<void> {
  const here = dirname(fileURLToPath(import.meta.url));
  const roots = (process.env.BENCH_TREES ?? resolve(here, '..')).split(',').map((r) => resolve(r.trim()));
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const trees = await Promise.all(roots.map(loadTree));
  const messages = makeHeaders();
  const blocks = loadOrGenerate((m) => process.stderr.write(`bench headers: ${m}\n`), CONNECT_BLOCKS);
  const setup = blocks.length - CONNECT_BLOCKS;
  const raws = blocks.map((b) => b.toBytes());

  const figures = new Map<string, number[]>();
  const note = (key: string, v: number) => figures.set(key, [...(figures.get(key) ?? []), v]);
  for (let round = 0; round < rounds; round++) {
    for (const t of trees) {
      note(`${t.root}|headers`, await headerSync(t, messages));
      const c = await connectRate(t, raws, setup, false);
      note(`${t.root}|connect`, c.blocksPerSec);
      note(`${t.root}|connectInputs`, c.inputsPerSec);
      const hf = await connectRate(t, raws, setup, true);
      note(`${t.root}|headersFirst`, hf.blocksPerSec);
    }
  }
  for (const t of trees) {
    const get = (k: string) => summary(figures.get(`${t.root}|${k}`)!);
    emit('headers.sync', {
      tree: t.root,
      headers: HEADERS,
      perMessage: PER_MESSAGE,
      rounds,
      headersPerSec: get('headers'),
    });
    emit('headers.connect', {
      tree: t.root,
      blocks: CONNECT_BLOCKS,
      inputsPerBlock: 100,
      rounds,
      blocksPerSec: get('connect'),
      inputsPerSec: get('connectInputs'),
      headersFirstBlocksPerSec: get('headersFirst'),
    });
  }
}
