/**
 * Every real block in the vectors directory: byte-exact round trip, hashes, merkle and witness
 * roots, sizes, sigop cost, fees, and every input's script against its spent output under the
 * block's consensus flags. A flipped signature byte fails exactly that input.
 */
import { describe, expect, it } from 'vitest';
import { verifyInput, verifyTxScripts } from '../node/consensus/scripts.js';
import { Block } from '../node/protocol/block.js';
import { equal, fromHex, toHex } from '../node/protocol/bytes.js';
import { nobleBackend } from '../node/protocol/ecdsa.js';
import { hashToDisplay } from '../node/protocol/hash.js';
import { witnessCommitment } from '../node/protocol/merkle.js';
import { checkProofOfWork, decodeCompact } from '../node/protocol/pow.js';
import { ScriptError } from '../node/protocol/script/errors.js';
import { PrecomputedTx } from '../node/protocol/script/sighash.js';
import { legacySigOps, txSigOpCost } from '../node/protocol/script/sigops.js';
import { Tx, TxIn } from '../node/protocol/tx.js';
import { blockVectorFiles, loadBlockVector, spentOutputs, vectorFlags } from './helpers/block-vectors.js';

const files = blockVectorFiles();

it('finds block vectors', () => {
  expect(files.length).toBeGreaterThan(0);
  console.log(`block vectors: ${files.join(', ')}`);
});

describe.each(files)('%s', (file) => {
  const v = loadBlockVector(file);
  const raw = fromHex(v.hex);
  const block = Block.fromBytes(raw);
  const e = v.expect;

  it('round-trips byte for byte with the expected hash, header and ids', () => {
    expect(toHex(block.toBytes())).toBe(v.hex);
    expect(block.hashHex()).toBe(v.hash);
    const h = block.header;
    expect({
      version: h.version,
      prevBlock: hashToDisplay(h.prevBlock),
      merkleRoot: hashToDisplay(h.merkleRoot),
      time: h.time,
      bits: h.bits,
      nonce: h.nonce,
    }).toEqual(e.header);
    expect(block.txs.map((t) => t.txidHex())).toEqual(e.txids);
    if (e.wtxids) expect(block.txs.map((t) => t.wtxidHex())).toEqual(e.wtxids);
    // Re-serializing each parsed tx (not the input slices) gives the same ids.
    for (const tx of block.txs.slice(0, 50)) {
      const again = new Tx({
        version: tx.version,
        inputs: tx.inputs,
        outputs: tx.outputs,
        locktime: tx.locktime,
      });
      expect(toHex(again.txid())).toBe(toHex(tx.txid()));
      expect(toHex(again.wtxid())).toBe(toHex(tx.wtxid()));
    }
  });

  it('has the expected counts, sizes and weight', () => {
    expect(block.txs.length).toBe(e.txCount);
    expect(block.txs.reduce((n, t) => n + t.inputs.length, 0)).toBe(e.inputs);
    expect(block.txs.reduce((n, t) => n + t.outputs.length, 0)).toBe(e.outputs);
    expect(block.size()).toBe(e.size);
    expect(block.strippedSize()).toBe(e.strippedSize);
    expect(block.weight()).toBe(e.weight);
    expect(block.txs.filter((t) => t.hasWitness()).length).toBe(e.witnessTxs);
    expect(block.txs.reduce((n, t) => n + legacySigOps(t), 0)).toBe(e.legacySigops);
  });

  it('has a valid merkle root, witness commitment and proof of work', () => {
    const m = block.merkleRoot();
    expect(m.mutated).toBe(false);
    expect(equal(m.root, block.header.merkleRoot)).toBe(true);
    const { target } = decodeCompact(block.header.bits);
    expect(checkProofOfWork(block.hash(), block.header.bits, target)).toBe(true);
    const idx = block.witnessCommitmentIndex();
    if (block.txs.some((t) => t.hasWitness())) {
      expect(idx).toBeGreaterThanOrEqual(0);
      const reserved = block.txs[0]!.inputs[0]!.witness[0]!;
      const commitment = witnessCommitment(block.witnessMerkleRoot().root, reserved);
      const script = block.txs[0]!.outputs[idx]!.script;
      expect(toHex(script.subarray(6, 38))).toBe(toHex(commitment));
      if (e.witnessCommitment) expect(toHex(commitment)).toBe(e.witnessCommitment);
    }
    const coinbaseValue = block.txs[0]!.outputs.reduce((s, o) => s + o.value, 0n);
    expect(coinbaseValue).toBe(BigInt(e.coinbaseValue as number));
  });

  if (v.prevouts === null) return;
  const spent = spentOutputs(block, v);
  const flags = vectorFlags(v);

  it('has the expected sigop cost and fees', () => {
    let cost = 0;
    let fees = 0n;
    block.txs.forEach((tx, t) => {
      cost += txSigOpCost(
        tx,
        spent[t]!.map((s) => s.script),
        flags,
      );
      if (t > 0) {
        fees += spent[t]!.reduce((s, o) => s + o.value, 0n) - tx.outputs.reduce((s, o) => s + o.value, 0n);
      }
    });
    expect(cost).toBe(e.sigopsCost);
    expect(fees).toBe(BigInt(e.fees as number));
  });

  it(`verifies all ${e.nonCoinbaseInputs} inputs on the default backend`, () => {
    let n = 0;
    block.txs.forEach((tx, t) => {
      if (t === 0) return;
      verifyTxScripts(tx, spent[t]!, flags);
      n += tx.inputs.length;
    });
    expect(n).toBe(e.nonCoinbaseInputs);
  });

  // Block 1 has only its coinbase: nothing to sample or tamper with.
  if ((e.nonCoinbaseInputs as number) === 0) return;

  it('agrees on the pure-JS backend for a sample of inputs', () => {
    const all: [number, number][] = [];
    block.txs.forEach((tx, t) => {
      if (t > 0) for (let i = 0; i < tx.inputs.length; i++) all.push([t, i]);
    });
    const stride = Math.max(1, Math.floor(all.length / 60));
    let n = 0;
    for (let k = 0; k < all.length; k += stride) {
      const [t, i] = all[k]!;
      verifyInput(new PrecomputedTx(block.txs[t]!), i, spent[t]![i]!, flags, nobleBackend);
      n++;
    }
    expect(n).toBeGreaterThan(0);
  });

  it('fails exactly the input whose signature byte is flipped', () => {
    const picks = pickSignedInputs(block, 4);
    expect(picks.length).toBeGreaterThan(0);
    for (const [t, i] of picks) {
      const tampered = flipSignatureByte(block.txs[t]!, i);
      const pre = new PrecomputedTx(tampered);
      tampered.inputs.forEach((_, k) => {
        const run = () => verifyInput(pre, k, spent[t]![k]!, flags);
        if (k === i) {
          expect(run).toThrow(ScriptError);
          try {
            run();
          } catch (err) {
            expect((err as ScriptError).code).toMatch(
              /^(EVAL_FALSE|CHECKSIGVERIFY|CHECKMULTISIGVERIFY|SIG_DER|NULLFAIL)$/,
            );
          }
        } else {
          expect(run).not.toThrow();
        }
      });
    }
  });
});

/** Where an input's first DER signature sits: in the witness or in a scriptSig push. */
function signatureLocation(input: TxIn): { witness: number } | { scriptOffset: number } | null {
  const isSig = (b: Uint8Array) => b.length >= 9 && b[0] === 0x30;
  const w = input.witness.findIndex(isSig);
  if (w >= 0) return { witness: w };
  const s = input.script;
  let pc = 0;
  while (pc < s.length) {
    const op = s[pc]!;
    if (op >= 1 && op <= 75) {
      if (isSig(s.subarray(pc + 1, pc + 1 + op))) return { scriptOffset: pc + 1 };
      pc += 1 + op;
    } else if (op === 0x4c) {
      pc += 2 + s[pc + 1]!;
    } else if (op === 0x4d) {
      pc += 3 + (s[pc + 1]! | (s[pc + 2]! << 8));
    } else {
      pc += 1;
    }
  }
  return null;
}

function pickSignedInputs(block: Block, want: number): [number, number][] {
  const found: [number, number][] = [];
  const txs = block.txs;
  for (let t = 1; t < txs.length && found.length < want; t += Math.max(1, Math.floor(txs.length / want))) {
    const tx = txs[t]!;
    const i = tx.inputs.findIndex((inp) => signatureLocation(inp) !== null);
    if (i >= 0) found.push([t, i]);
  }
  return found;
}

/** A copy of `tx` with one byte inside the r value of input i's signature changed. */
function flipSignatureByte(tx: Tx, i: number): Tx {
  const input = tx.inputs[i]!;
  const loc = signatureLocation(input)!;
  let witness = input.witness;
  let script = input.script;
  if ('witness' in loc) {
    const sig = Uint8Array.from(input.witness[loc.witness]!);
    sig[10]! ^= 0x01;
    witness = input.witness.map((w, k) => (k === loc.witness ? sig : w));
  } else {
    script = Uint8Array.from(input.script);
    script[loc.scriptOffset + 10]! ^= 0x01;
  }
  const inputs = tx.inputs.map((inp, k) =>
    k === i ? new TxIn(inp.prevout, script, inp.sequence, witness) : inp,
  );
  return new Tx({ version: tx.version, inputs, outputs: tx.outputs, locktime: tx.locktime });
}
