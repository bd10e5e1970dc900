/**
 * Protocol benchmarks, single thread: ECDSA verifies/s per backend, script verification of
 * every vector block (inputs/s and the share of time spent in raw signature checks), header
 * SHA-256d per second (node:crypto vs @noble/hashes), tx parse+serialize per second.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { type SpentOutput, verifyInput } from '../node/consensus/scripts.js';
import { Block } from '../node/protocol/block.js';
import { fromHex } from '../node/protocol/bytes.js';
import { defaultBackend, type EcdsaBackend, nativeBackend, nobleBackend } from '../node/protocol/ecdsa.js';
import { hash256 } from '../node/protocol/hash.js';
import { flagsFromNames } from '../node/protocol/script/flags.js';
import { PrecomputedTx } from '../node/protocol/script/sighash.js';
import { Tx } from '../node/protocol/tx.js';
import { emit, listBlockVectors, rate, readVector, timeMs } from './lib.js';

interface BlockVector {
  height: number;
  network: string;
  hex: string;
  prevouts: { txid: string; vout: number; value: number; scriptPubKey: string }[] | null;
  expect: { flags: string[]; nonCoinbaseInputs: number; ecdsaVerifications: number };
}

interface Loaded {
  name: string;
  block: Block;
  spent: SpentOutput[][];
  flags: number;
  inputs: number;
}

function load(file: string): Loaded | null {
  const v = readVector<BlockVector>(file);
  if (!v.prevouts || v.expect.nonCoinbaseInputs === 0) return null;
  const block = Block.fromBytes(fromHex(v.hex));
  let k = 0;
  const spent: SpentOutput[][] = block.txs.map((tx, t) =>
    t === 0
      ? []
      : tx.inputs.map(() => {
          const p = v.prevouts![k++]!;
          return { value: BigInt(p.value), script: fromHex(p.scriptPubKey) };
        }),
  );
  return {
    name: file,
    block,
    spent,
    flags: flagsFromNames(v.expect.flags),
    inputs: v.expect.nonCoinbaseInputs,
  };
}

function verifyBlock(b: Loaded, backend: EcdsaBackend): void {
  const txs = b.block.txs;
  for (let t = 1; t < txs.length; t++) {
    const spent = b.spent[t]!;
    const pre = new PrecomputedTx(txs[t]!, spent);
    for (let i = 0; i < spent.length; i++) verifyInput(pre, i, spent[i]!, b.flags, backend);
  }
}

type Triple = [Uint8Array, Uint8Array, Uint8Array];

/** A backend that records what it is asked, to replay the same verifies raw. */
function recorder(into: Triple[]): EcdsaBackend {
  return {
    name: defaultBackend.name,
    schnorr: defaultBackend.schnorr,
    verify(msg, sig, key) {
      into.push([msg, Uint8Array.from(sig), key]);
      return defaultBackend.verify(msg, sig, key);
    },
  };
}

function best(fn: () => void, runs: number): number {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) min = Math.min(min, timeMs(fn));
  return min;
}

export function run(): void {
  const blocks = listBlockVectors()
    .map(load)
    .filter((b): b is Loaded => b !== null);

  // Raw verify rate per backend over real signatures from the vectors.
  const triples: Triple[] = [];
  for (const b of blocks) verifyBlock(b, recorder(triples));
  for (const backend of [nativeBackend, nobleBackend]) {
    if (!backend) continue;
    const sample = backend === nobleBackend ? triples.slice(0, 300) : triples;
    let ok = 0;
    const r = rate(
      () => {
        for (const [m, s, k] of sample) if (backend.verify(m, s, k)) ok++;
        return sample.length;
      },
      backend === nobleBackend ? 1500 : 2000,
    );
    emit('ecdsa-verify', {
      backend: backend.name,
      verifiesPerSec: r.opsPerSec,
      sigs: sample.length,
      validShare: ok / r.ops,
    });
  }

  // Script verification per block, and all together, on the default backend.
  let totalInputs = 0;
  let totalMs = 0;
  let totalRawMs = 0;
  let totalSigs = 0;
  for (const b of blocks) {
    verifyBlock(b, defaultBackend); // warm-up
    const ms = best(() => verifyBlock(b, defaultBackend), 3);
    const mine: Triple[] = [];
    verifyBlock(b, recorder(mine));
    const rawMs = best(() => {
      for (const [m, s, k] of mine) defaultBackend.verify(m, s, k);
    }, 3);
    totalInputs += b.inputs;
    totalMs += ms;
    totalRawMs += rawMs;
    totalSigs += mine.length;
    emit('block-script-verify', {
      block: b.name,
      backend: defaultBackend.name,
      inputs: b.inputs,
      sigChecks: mine.length,
      ms: Math.round(ms),
      inputsPerSec: Math.round((b.inputs * 1000) / ms),
      rawVerifyShare: Number((rawMs / ms).toFixed(3)),
    });
  }
  emit('block-script-verify-all', {
    backend: defaultBackend.name,
    inputs: totalInputs,
    sigChecks: totalSigs,
    ms: Math.round(totalMs),
    inputsPerSec: Math.round((totalInputs * 1000) / totalMs),
    goalInputsPerSec: 12000,
    rawVerifyShare: Number((totalRawMs / totalMs).toFixed(3)),
    goalRawVerifyShare: 0.8,
  });

  // Header hashing.
  const header = blocks[0]!.block.header.toBytes();
  const crypto = rate(() => {
    for (let i = 0; i < 10000; i++) hash256(header);
    return 10000;
  });
  const noble = rate(() => {
    for (let i = 0; i < 10000; i++) nobleSha256(nobleSha256(header));
    return 10000;
  });
  emit('sha256d-header', { impl: 'node:crypto', hashesPerSec: crypto.opsPerSec });
  emit('sha256d-header', { impl: '@noble/hashes', hashesPerSec: noble.opsPerSec });

  // Transaction codec.
  const txBytes = blocks.flatMap((b) => b.block.txs.slice(1, 200).map((t) => t.toBytes()));
  const codec = rate(() => {
    for (const raw of txBytes) Tx.fromBytes(raw).toBytes();
    return txBytes.length;
  });
  const avg = Math.round(txBytes.reduce((s, b) => s + b.length, 0) / txBytes.length);
  emit('tx-parse-serialize', {
    txsPerSec: codec.opsPerSec,
    avgTxBytes: avg,
    note: 'parse + txid + re-serialize',
  });
  // Block parse (every vector block; txids are computed during parse).
  const raws = blocks.map((b) => b.block.toBytes());
  const bytes = raws.reduce((s, r) => s + r.length, 0);
  const bp = rate(() => {
    for (const r of raws) Block.fromBytes(r);
    return raws.length;
  });
  emit('block-parse', {
    blocksPerSec: bp.opsPerSec,
    mbPerSec: Number(((bp.opsPerSec * bytes) / raws.length / 1e6).toFixed(1)),
  });
}
