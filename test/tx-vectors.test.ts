/** bcoin's single-transaction vectors: codec, ids, sizes, fee, and validity under given flags. */
import { describe, expect, it } from 'vitest';
import { type SpentOutput, verifyInput } from '../node/consensus/scripts.js';
import { fromHex, toHex } from '../node/protocol/bytes.js';
import { ScriptError } from '../node/protocol/script/errors.js';
import { flagsFromNames, STANDARD_FLAGS } from '../node/protocol/script/flags.js';
import { PrecomputedTx } from '../node/protocol/script/sighash.js';
import { Tx } from '../node/protocol/tx.js';
import { listVectors, readVector } from './helpers/vectors.js';

interface TxVector {
  hex: string;
  txid: string;
  wtxid: string;
  note: string;
  prevouts: { txid: string; vout: number; value: number; scriptPubKey: string }[] | null;
  flags: string[] | null;
  expect: {
    inputs: number;
    outputs: number;
    size: number;
    vsize: number;
    weight: number;
    hasWitness: boolean;
    fee: number | null;
    valid: boolean | null;
    validWithStandardFlags: boolean | null;
  };
}

const files = listVectors('tx', /^tx\d+\.json$/);

it('finds tx vectors', () => expect(files.length).toBeGreaterThan(0));

describe.each(files)('%s', (file) => {
  const v = readVector<TxVector>(file);
  const tx = Tx.fromBytes(fromHex(v.hex));

  it('round-trips with the expected ids and sizes', () => {
    expect(toHex(tx.toBytes())).toBe(v.hex);
    expect(tx.txidHex()).toBe(v.txid);
    expect(tx.wtxidHex()).toBe(v.wtxid);
    expect(tx.inputs.length).toBe(v.expect.inputs);
    expect(tx.outputs.length).toBe(v.expect.outputs);
    expect(tx.size()).toBe(v.expect.size);
    expect(tx.vsize()).toBe(v.expect.vsize);
    expect(tx.weight()).toBe(v.expect.weight);
    expect(tx.hasWitness()).toBe(v.expect.hasWitness);
  });

  if (!v.prevouts || v.flags === null) return;
  const spent: SpentOutput[] = v.prevouts.map((p) => ({
    value: BigInt(p.value),
    script: fromHex(p.scriptPubKey),
  }));
  // tx4 is checked on input 0 only, as bcoin's test does (README).
  const inputs = file.endsWith('tx4.json') ? [0] : tx.inputs.map((_, i) => i);

  const validUnder = (flags: number): boolean => {
    const pre = new PrecomputedTx(tx);
    try {
      for (const i of inputs) verifyInput(pre, i, spent[i]!, flags);
      return true;
    } catch (e) {
      if (e instanceof ScriptError) return false;
      throw e;
    }
  };

  it(`is ${v.expect.valid ? 'valid' : 'invalid'} under ${v.flags.join(',') || 'no flags'} and ${v.expect.validWithStandardFlags ? 'standard' : 'non-standard'}`, () => {
    expect(
      tx.inputs.every((inp, i) => toHex(inp.prevout.txid.slice().reverse()) === v.prevouts![i]!.txid),
    ).toBe(true);
    const fee = spent.reduce((s, o) => s + o.value, 0n) - tx.outputs.reduce((s, o) => s + o.value, 0n);
    expect(fee).toBe(BigInt(v.expect.fee!));
    expect(validUnder(flagsFromNames(v.flags!))).toBe(v.expect.valid);
    expect(validUnder(STANDARD_FLAGS)).toBe(v.expect.validWithStandardFlags);
  });
});
