/**
 * Script verification of the seven vector blocks, one thread and through the script pool (one
 * worker plus the calling thread, as connect does on two cores): inputs/s per block. With
 * BENCH_BASE=<another built checkout> the same figures for that build are measured in the
 * same process, interleaved round by round, so machine noise hits both alike. Best of
 * BENCH_ROUNDS (7) rounds; the one-thread figure is also given per CPU second, which a loaded
 * machine disturbs less than wall time, and so is the overhead: the CPU time per input with
 * every ECDSA check stubbed to succeed at once (what the interpreter adds to libsecp256k1).
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { emit, listBlockVectors, REPO_ROOT, readVector } from './lib.js';

interface BlockVector {
  hex: string;
  prevouts: { value: number; scriptPubKey: string; height: number | null; coinbase: boolean | null }[] | null;
  expect: { flags: string[]; nonCoinbaseInputs: number };
}

// The modules are loaded from each build's dist/, so their types are only structural here.
interface Coin {
  value: bigint;
  script: Uint8Array;
  height: number;
  coinbase: boolean;
}
interface BlockLike {
  txs: { inputs: unknown[] }[];
  toBytes(): Uint8Array;
}
interface Build {
  name: string;
  Block: { fromBytes(b: Uint8Array): BlockLike };
  verifyTxs(
    txs: readonly unknown[],
    first: number,
    coins: (k: number) => readonly Coin[],
    flags: number,
  ): unknown;
  ScriptPool: { create(size: number): Pool | null };
  flagsFromNames(names: string[]): number;
  fromHex(hex: string): Uint8Array;
  /** The build's default signature backend, whose verify the overhead figure stubs out. */
  backend: { verify(msg: Uint8Array, sig: Uint8Array, key: Uint8Array): boolean };
}
interface Pool {
  verify(
    block: BlockLike,
    raw: Uint8Array,
    spent: readonly (readonly Coin[])[],
    flags: number,
  ): Promise<unknown>;
  close(): Promise<void>;
}

async function loadBuild(name: string, root: string): Promise<Build> {
  const mod = (p: string) => import(pathToFileURL(join(root, 'dist', 'node', p)).href);
  const [block, chunks, pool, flags, bytes, ecdsa] = await Promise.all([
    mod('protocol/block.js'),
    mod('chain/script-chunks.js'),
    mod('chain/script-pool.js'),
    mod('protocol/script/flags.js'),
    mod('protocol/bytes.js'),
    mod('protocol/ecdsa.js'),
  ]);
  return {
    name,
    Block: block.Block,
    verifyTxs: chunks.verifyTxs,
    ScriptPool: pool.ScriptPool,
    flagsFromNames: flags.flagsFromNames,
    fromHex: bytes.fromHex,
    backend: ecdsa.defaultBackend,
  };
}

interface Loaded {
  block: BlockLike;
  raw: Uint8Array;
  spent: Coin[][];
  flags: number;
  inputs: number;
}

function load(build: Build, file: string): Loaded | null {
  const v = readVector<BlockVector>(file);
  if (!v.prevouts || v.expect.nonCoinbaseInputs === 0) return null;
  const raw = build.fromHex(v.hex);
  const block = build.Block.fromBytes(raw);
  let k = 0;
  const spent = block.txs.slice(1).map((tx) =>
    tx.inputs.map(() => {
      const p = v.prevouts![k++]!;
      return {
        value: BigInt(p.value),
        script: build.fromHex(p.scriptPubKey),
        height: p.height ?? 0,
        coinbase: p.coinbase ?? false,
      };
    }),
  );
  return {
    block,
    raw,
    spent,
    flags: build.flagsFromNames(v.expect.flags),
    inputs: v.expect.nonCoinbaseInputs,
  };
}

/** Wall and CPU milliseconds (the pool's workers are idle meanwhile, so CPU is this thread's). */
function verifyOne(build: Build, b: Loaded): { ms: number; cpuMs: number } {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const failure = build.verifyTxs(b.block.txs.slice(1), 1, (k) => b.spent[k]!, b.flags);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const used = process.cpuUsage(cpu);
  if (failure) throw new Error(`${build.name}: a vector block failed: ${JSON.stringify(failure)}`);
  return { ms, cpuMs: (used.user + used.system) / 1000 };
}

/** CPU ms of the same work with every ECDSA check answering true at once: the script overhead. */
function overheadOnly(build: Build, b: Loaded): number {
  const real = build.backend.verify;
  build.backend.verify = () => true;
  try {
    return verifyOne(build, b).cpuMs;
  } finally {
    build.backend.verify = real;
  }
}

async function verifyPool(build: Build, pool: Pool, b: Loaded): Promise<number> {
  const start = process.hrtime.bigint();
  const failure = await pool.verify(b.block, b.raw, b.spent, b.flags);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (failure)
    throw new Error(`${build.name}: a vector block failed in the pool: ${JSON.stringify(failure)}`);
  return ms;
}

export async function run(): Promise<void> {
  const roots = [{ name: 'this', root: REPO_ROOT }];
  if (process.env.BENCH_BASE) roots.push({ name: 'base', root: resolve(process.env.BENCH_BASE) });
  const rounds = Number(process.env.BENCH_ROUNDS ?? 7);
  const builds = await Promise.all(roots.map((r) => loadBuild(r.name, r.root)));
  const pools = builds.map((b) => b.ScriptPool.create(1));
  try {
    for (const file of listBlockVectors()) {
      const loaded = builds.map((b) => load(b, file));
      if (loaded.some((l) => l === null)) continue;
      const one = builds.map(() => Number.POSITIVE_INFINITY);
      const oneCpu = builds.map(() => Number.POSITIVE_INFINITY);
      const overhead = builds.map(() => Number.POSITIVE_INFINITY);
      const two = builds.map(() => Number.POSITIVE_INFINITY);
      // Warm-up, then the best of `rounds`, each round running every build once.
      for (let r = -1; r < rounds; r++) {
        for (let i = 0; i < builds.length; i++) {
          const t = verifyOne(builds[i]!, loaded[i]!);
          if (r >= 0) {
            one[i] = Math.min(one[i]!, t.ms);
            oneCpu[i] = Math.min(oneCpu[i]!, t.cpuMs);
          }
          const o = overheadOnly(builds[i]!, loaded[i]!);
          if (r >= 0) overhead[i] = Math.min(overhead[i]!, o);
          const pool = pools[i];
          if (pool) {
            const pms = await verifyPool(builds[i]!, pool, loaded[i]!);
            if (r >= 0) two[i] = Math.min(two[i]!, pms);
          }
        }
      }
      for (let i = 0; i < builds.length; i++) {
        const inputs = loaded[i]!.inputs;
        emit('script-verify', {
          build: builds[i]!.name,
          block: file,
          inputs,
          oneThreadInputsPerSec: Math.round((inputs * 1000) / one[i]!),
          oneThreadCpuInputsPerSec: Math.round((inputs * 1000) / oneCpu[i]!),
          // Everything but the curve arithmetic: parsing scripts, sighashes, hashing, allocation.
          overheadCpuUsPerInput: Number(((overhead[i]! * 1000) / inputs).toFixed(2)),
          twoThreadInputsPerSec: pools[i] ? Math.round((inputs * 1000) / two[i]!) : null,
          twoOverOne: pools[i] ? Number((one[i]! / two[i]!).toFixed(2)) : null,
        });
      }
    }
  } finally {
    await Promise.all(pools.map((p) => p?.close()));
  }
}
