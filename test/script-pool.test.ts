/**
 * The worker-thread script-check pool on a real block: every input verifies, and a tampered
 * signature is reported at its tx and input. Runs the compiled pool (npm test builds first),
 * since worker threads load JavaScript.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Block } from '../node/protocol/block.js';
import { fromHex } from '../node/protocol/bytes.js';
import { Tx, TxIn } from '../node/protocol/tx.js';
import { blockVectorFiles, loadBlockVector, spentOutputs, vectorFlags } from './helpers/block-vectors.js';

const dist = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'dist',
  'node',
  'chain',
  'script-pool.js',
);

describe('ScriptPool', () => {
  it('is built (npm test builds before running vitest)', () => {
    expect(existsSync(dist)).toBe(true);
  });

  it('verifies a real block in parallel and locates a bad signature', async () => {
    const { ScriptPool } = (await import(dist)) as typeof import('../node/chain/script-pool.js');
    const pool = ScriptPool.create(2)!;
    try {
      const file = blockVectorFiles().find((f) => f.includes('928828'))!;
      const v = loadBlockVector(file);
      const raw = fromHex(v.hex);
      const block = Block.fromBytes(raw);
      const spent = spentOutputs(block, v)
        .slice(1)
        .map((row) => row.map((s) => ({ ...s, height: 0, coinbase: false })));
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
});
