/**
 * Bitcoin Core's taproot script tests (script_taproot_tests.json, from the generator in
 * feature_taproot.py as used by Core's script_assets_test): every entry, on both signature
 * backends, under the flags Core verified them with (P2SH, CHECKLOCKTIMEVERIFY,
 * CHECKSEQUENCEVERIFY, WITNESS, NULLFAIL, TAPROOT): `success` must pass and `failure` must fail.
 * The tx carries the spent outputs of every input, so the BIP341 sighash commits to all of them.
 */
import { describe, expect, it } from 'vitest';
import { fromHex } from '../node/protocol/bytes.js';
import { type EcdsaBackend, nativeBackend, nobleBackend } from '../node/protocol/ecdsa.js';
import { Reader } from '../node/protocol/reader.js';
import { TxSignatureChecker } from '../node/protocol/script/checker.js';
import { ScriptError } from '../node/protocol/script/errors.js';
import { parseFlags } from '../node/protocol/script/flags.js';
import { PrecomputedTx } from '../node/protocol/script/sighash.js';
import { verifyScript } from '../node/protocol/script/verify.js';
import { Tx, TxIn, TxOut } from '../node/protocol/tx.js';
import { readVector } from './helpers/vectors.js';

interface Spend {
  scriptSig: string;
  witness: string[];
}
interface Entry {
  tx: string;
  prevouts: string[];
  index: number;
  success: Spend;
  failure?: Spend;
  comment: string;
}

const ENTRIES = readVector<Entry[]>('taproot', 'script_taproot_tests.json');
const FLAGS = parseFlags('P2SH,CHECKLOCKTIMEVERIFY,CHECKSEQUENCEVERIFY,WITNESS,NULLFAIL,TAPROOT');
const backends = [nativeBackend, nobleBackend].filter((b): b is EcdsaBackend => b !== null);

function txOut(hex: string): TxOut {
  const r = new Reader(fromHex(hex));
  const out = new TxOut(r.i64(), r.varBytes());
  r.end();
  return out;
}

/** The entry's tx with input `index` given this spend; the result code ('OK' or Core's name). */
function runEntry(e: Entry, spend: Spend, backend: EcdsaBackend): string {
  const base = Tx.fromBytes(fromHex(e.tx));
  const witness = spend.witness.map(fromHex);
  const inputs = base.inputs.map((input, i) =>
    i === e.index ? new TxIn(input.prevout, fromHex(spend.scriptSig), input.sequence, witness) : input,
  );
  const tx = new Tx({ version: base.version, inputs, outputs: base.outputs, locktime: base.locktime });
  const spent = e.prevouts.map(txOut);
  const pre = new PrecomputedTx(tx, spent);
  const prev = spent[e.index]!;
  try {
    verifyScript(
      inputs[e.index]!.script,
      prev.script,
      witness,
      FLAGS,
      new TxSignatureChecker(pre, e.index, prev.value, backend),
    );
    return 'OK';
  } catch (err) {
    if (err instanceof ScriptError) return err.code;
    throw err;
  }
}

it('reads every entry of the file', () => {
  expect(ENTRIES.length).toBe(84);
});

describe.each(backends.map((b) => [b.name, b] as const))('script_taproot_tests.json on %s', (_n, backend) => {
  it('every success passes and every failure fails', () => {
    const wrong: string[] = [];
    let failures = 0;
    for (const [k, e] of ENTRIES.entries()) {
      const ok = runEntry(e, e.success, backend);
      if (ok !== 'OK') wrong.push(`#${k} ${e.comment}: success -> ${ok}`);
      if (e.failure) {
        failures++;
        const bad = runEntry(e, e.failure, backend);
        if (bad === 'OK') wrong.push(`#${k} ${e.comment}: failure passed`);
      }
    }
    expect(wrong).toEqual([]);
    expect(failures).toBeGreaterThan(0);
  });
});
