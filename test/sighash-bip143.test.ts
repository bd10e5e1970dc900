/**
 * BIP143 sighashes checked against code nobody here wrote: bitcoinjs-lib's hashForWitnessV0,
 * over real testnet transactions with several inputs and outputs, every hash type (each
 * zeroes a different set of the per-tx hashes PrecomputedTx keeps), SINGLE past the last
 * output, and script codes of several lengths.
 */
import * as bitcoin from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { Block } from '../node/protocol/block.js';
import { fromHex, toHex } from '../node/protocol/bytes.js';
import { PrecomputedTx, witnessV0Sighash, witnessV0SighashOf } from '../node/protocol/script/sighash.js';
import { Tx } from '../node/protocol/tx.js';
import { loadBlockVector } from './helpers/block-vectors.js';

const HASH_TYPES = [0x01, 0x02, 0x03, 0x81, 0x82, 0x83];

// A P2WPKH script code, a 2-of-3 multisig witness script and an empty one.
const SCRIPT_CODES = [
  fromHex('76a914000102030405060708090a0b0c0d0e0f1011121388ac'),
  fromHex(`52${`21${'02'.padEnd(66, 'ab')}`.repeat(3)}53ae`),
  new Uint8Array(0),
];

function multiInputTxs(): Tx[] {
  const v = loadBlockVector('block-928831.json');
  const block = Block.fromBytes(fromHex(v.hex));
  const txs = block.txs.filter((t) => t.inputs.length >= 3 && t.outputs.length >= 2).slice(0, 4);
  // One with fewer outputs than inputs, so SINGLE meets an input with no matching output
  // (no vector block has one: the first one's copy with its first output only).
  const first = txs[0]!;
  txs.push(
    new Tx({
      version: first.version,
      inputs: first.inputs,
      outputs: first.outputs.slice(0, 1),
      locktime: first.locktime,
    }),
  );
  return txs;
}

describe('BIP143 sighash against bitcoinjs-lib', () => {
  const txs = multiInputTxs();

  it('found transactions with several inputs and outputs, one with more inputs than outputs', () => {
    expect(txs.length).toBeGreaterThanOrEqual(4);
    expect(txs.some((t) => t.inputs.length > t.outputs.length)).toBe(true);
  });

  it('matches for every input, hash type and script code, hash types interleaved on one PrecomputedTx', () => {
    let checked = 0;
    for (const tx of txs) {
      const theirs = bitcoin.Transaction.fromBuffer(tx.toBytes());
      const pre = new PrecomputedTx(tx);
      for (let i = 0; i < tx.inputs.length; i++) {
        const amount = 1000n + BigInt(i) * 12_345n;
        for (const code of SCRIPT_CODES) {
          for (const hashType of HASH_TYPES) {
            const want = theirs.hashForWitnessV0(i, code, amount, hashType);
            expect(toHex(witnessV0Sighash(pre, i, code, amount, hashType))).toBe(toHex(want));
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('the memo (witnessV0SighashOf) answers as a fresh hash when any part changes, and as the last one when none does', () => {
    let checked = 0;
    for (const tx of txs) {
      const theirs = bitcoin.Transaction.fromBuffer(tx.toBytes());
      const pre = new PrecomputedTx(tx);
      // Twice over, as the mempool's two script runs: the second pass meets each memo again.
      for (const _pass of [0, 1])
        for (let i = 0; i < tx.inputs.length; i++)
          for (const amount of [1000n, 1001n])
            for (const code of SCRIPT_CODES)
              for (const hashType of HASH_TYPES) {
                const want = toHex(theirs.hashForWitnessV0(i, code, amount, hashType));
                expect(toHex(witnessV0SighashOf(pre, i, code, amount, hashType))).toBe(want);
                // Asked again at once: the memo's answer.
                expect(toHex(witnessV0SighashOf(pre, i, code, amount, hashType))).toBe(want);
                checked++;
              }
      // One part changed at a time, the others as the memo holds them.
      const base = { i: 1, code: SCRIPT_CODES[1]!, amount: 5000n, hashType: 0x01 };
      for (const c of [
        { ...base, amount: 5001n },
        { ...base, hashType: 0x81 },
        { ...base, code: SCRIPT_CODES[0]! },
        { ...base, i: 2 },
      ]) {
        witnessV0SighashOf(pre, base.i, base.code, base.amount, base.hashType);
        if (c.i !== base.i) witnessV0SighashOf(pre, c.i, base.code, base.amount, base.hashType);
        expect(toHex(witnessV0SighashOf(pre, c.i, c.code, c.amount, c.hashType))).toBe(
          toHex(theirs.hashForWitnessV0(c.i, c.code, c.amount, c.hashType)),
        );
      }
      // A script code changed in place after it was hashed is not taken for the old one.
      const code = SCRIPT_CODES[0]!.slice();
      const before = witnessV0SighashOf(pre, 0, code, 1000n, 0x01);
      code[5]! ^= 1;
      expect(toHex(witnessV0SighashOf(pre, 0, code, 1000n, 0x01))).toBe(
        toHex(theirs.hashForWitnessV0(0, code, 1000n, 0x01)),
      );
      expect(toHex(before)).not.toBe(toHex(theirs.hashForWitnessV0(0, code, 1000n, 0x01)));
    }
    expect(checked).toBeGreaterThan(200);
  });
});
