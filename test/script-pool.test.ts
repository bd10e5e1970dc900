/**
 * The worker-thread script-check pool on a real block: every input verifies, and a tampered
 * signature is reported at its tx and input. Runs the compiled pool (npm test builds first),
 * since worker threads load JavaScript.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tiny from 'tiny-secp256k1';
import { describe, expect, it } from 'vitest';
import type { Coin } from '../node/consensus/tx-inputs.js';
import { Block } from '../node/protocol/block.js';
import { fromHex } from '../node/protocol/bytes.js';
import { createGenesisBlock, REGTEST_GENESIS_SPEC } from '../node/protocol/genesis.js';
import { sha256 } from '../node/protocol/hash.js';
import { MANDATORY_FLAGS } from '../node/protocol/script/flags.js';
import { PrecomputedTx, SigVersion } from '../node/protocol/script/sighash.js';
import { taprootSighash } from '../node/protocol/script/sighash-taproot.js';
import { tapTweakHash } from '../node/protocol/script/taproot.js';
import { p2tr } from '../node/protocol/script/templates.js';
import { OutPoint, Tx, TxIn, TxOut } from '../node/protocol/tx.js';
import { blockVectorFiles, loadBlockVector, spentOutputs, vectorFlags } from './helpers/block-vectors.js';

const dist = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'dist',
  'node',
  'chain',
  'script-pool.js',
);

/** Vector block 928828, its bytes and the coins its non-coinbase transactions spend. */
function block928828() {
  const v = loadBlockVector(blockVectorFiles().find((f) => f.includes('928828'))!);
  const raw = fromHex(v.hex);
  const block = Block.fromBytes(raw);
  const spent = spentOutputs(block, v)
    .slice(1)
    .map((row) => row.map((s) => ({ ...s, height: 0, coinbase: false })));
  return { v, raw, block, spent };
}

describe('ScriptPool', () => {
  it('is built (npm test builds before running vitest)', () => {
    expect(existsSync(dist)).toBe(true);
  });

  it('verifies a real block in parallel and locates a bad signature', async () => {
    const { ScriptPool } = (await import(dist)) as typeof import('../node/chain/script-pool.js');
    const pool = ScriptPool.create(2)!;
    try {
      const { v, raw, block, spent } = block928828();
      expect(await pool.verify(block, raw, spent, vectorFlags(v))).toBeNull();

      // Tamper with one scriptSig byte inside the first signature of tx 150, input 0.
      const t = 150;
      const tx = block.txs[t]!;
      const script = Uint8Array.from(tx.inputs[0]!.script);
      const sigAt = script.indexOf(0x30);
      script[sigAt + 10]! ^= 1;
      const txs = block.txs.map((x, i) =>
        i === t
          ? new Tx({
              version: x.version,
              locktime: x.locktime,
              outputs: x.outputs,
              inputs: x.inputs.map((inp, k) =>
                k === 0 ? new TxIn(inp.prevout, script, inp.sequence, inp.witness) : inp,
              ),
            })
          : x,
      );
      const bad = new Block(block.header, txs);
      const failure = await pool.verify(bad, bad.toBytes(), spent, vectorFlags(v));
      expect(failure).toMatchObject({ txIndex: t, inputIndex: 0 });

      // A script-cache hit is left out of the chunks: skipping the bad tx finds nothing, and
      // skipping its neighbours still finds it.
      const skipped = pool.start(bad, bad.toBytes(), spent, vectorFlags(v), undefined, new Set([t]));
      expect(await skipped.result()).toBeNull();
      const around = pool.start(
        bad,
        bad.toBytes(),
        spent,
        vectorFlags(v),
        undefined,
        new Set([t - 1, t + 1]),
      );
      expect(await around.result()).toMatchObject({ txIndex: t, inputIndex: 0 });
    } finally {
      await pool.close();
    }
  });

  it("collects its workers' heaps on request and goes on verifying", async () => {
    const { ScriptPool } = (await import(dist)) as typeof import('../node/chain/script-pool.js');
    const pool = ScriptPool.create(2)!;
    try {
      const { v, raw, block, spent } = block928828();
      expect(await pool.verify(block, raw, spent, vectorFlags(v))).toBeNull();
      // Both workers answer (a lost reply would leave this pending until the test times out).
      await Promise.all([pool.collect(), pool.collect()]);
      expect(pool.youngGenerationMb()).toHaveLength(2);
      expect(await pool.verify(block, raw, spent, vectorFlags(v))).toBeNull();
    } finally {
      await pool.close();
    }
  });

  it('verifies key-path P2TR spends through its workers, with every spent output', async () => {
    const { ScriptPool } = (await import(dist)) as typeof import('../node/chain/script-pool.js');
    const pool = ScriptPool.create(2)!;
    try {
      const genesis = createGenesisBlock(REGTEST_GENESIS_SPEC);
      const txs: Tx[] = [genesis.txs[0]!];
      const spent: Coin[][] = [];
      // 20 txs of 5 inputs: above the inline threshold, so the workers take chunks.
      for (let t = 0; t < 20; t++) {
        const keys = Array.from({ length: 5 }, (_, k) => sha256(Uint8Array.of(t, k)));
        const coins = keys.map((d) => {
          const x = tiny.xOnlyPointFromScalar(d);
          const q = tiny.xOnlyPointAddTweak(x, tapTweakHash(x, null))!.xOnlyPubkey;
          return { value: 10_000n + BigInt(t), script: p2tr(q), height: 1, coinbase: false };
        });
        const inputs = keys.map(
          (_, k) => new TxIn(new OutPoint(sha256(Uint8Array.of(t, k, 1)), k), new Uint8Array(0), 0),
        );
        const unsigned = new Tx({
          version: 2,
          inputs,
          outputs: [new TxOut(1000n, coins[0]!.script)],
          locktime: 0,
        });
        const pre = new PrecomputedTx(unsigned, coins);
        const signed = inputs.map((i, k) => {
          const d = keys[k]!;
          const exec = { annexHash: null, codeSeparatorPos: 0xffffffff, validationWeightLeft: 0 };
          const h = taprootSighash(pre, k, 0, SigVersion.TAPROOT, exec)!;
          const even = tiny.pointFromScalar(d, true)![0] === 3 ? tiny.privateNegate(d) : d;
          const secret = tiny.privateAdd(even, tapTweakHash(tiny.xOnlyPointFromScalar(d), null))!;
          return new TxIn(i.prevout, i.script, i.sequence, [tiny.signSchnorr(h, secret, new Uint8Array(32))]);
        });
        txs.push(new Tx({ version: 2, inputs: signed, outputs: unsigned.outputs, locktime: 0 }));
        spent.push(coins);
      }
      const block = new Block(genesis.header, txs);
      expect(await pool.verify(block, block.toBytes(), spent, MANDATORY_FLAGS)).toBeNull();
      // The amount of another input of tx 17 changed: BIP341 signs them all, so input 0 fails.
      const changed = spent.map((row, i) =>
        i === 16 ? row.map((c, k) => (k === 3 ? { ...c, value: c.value + 1n } : c)) : row,
      );
      expect(await pool.verify(block, block.toBytes(), changed, MANDATORY_FLAGS)).toMatchObject({
        txIndex: 17,
        inputIndex: 0,
        scriptError: 'SCHNORR_SIG',
      });
    } finally {
      await pool.close();
    }
  }, 60_000);
});
