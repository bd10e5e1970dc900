/**
 * Bitcoin Core's current unit-test vectors (core-data-2026: script_tests, sighash, tx_valid,
 * tx_invalid of master 58a7869f860f), every case, on both signature backends, with the harness
 * semantics of Core's script_tests.cpp and transaction_tests.cpp of that vintage: tapscript
 * placeholders (#SCRIPT#, #CONTROLBLOCK#, #TAPROOTOUTPUT# over the key of secret 1), tx_valid's
 * flags are the ones to exclude, BADTX means CheckTransaction must fail, and the flag-set checks
 * (removing any flag keeps a valid tx valid; an invalid tx stays invalid with any flag added and
 * passes once any one of its flags is removed; these on the fast backend). The 2019 copies run in
 * core-data.test.ts.
 */
import * as tiny from 'tiny-secp256k1';
import { afterAll, describe, expect, it } from 'vitest';
import { RuleError } from '../node/consensus/errors.js';
import { checkTransaction } from '../node/consensus/tx-check.js';
import { concat, fromHex, toHex } from '../node/protocol/bytes.js';
import { type EcdsaBackend, nativeBackend, nobleBackend } from '../node/protocol/ecdsa.js';
import { hashFromDisplay, hashToDisplay } from '../node/protocol/hash.js';
import { parseCoreAsm } from '../node/protocol/script/asm.js';
import { TxSignatureChecker } from '../node/protocol/script/checker.js';
import { ScriptError } from '../node/protocol/script/errors.js';
import { FLAGS, parseFlags } from '../node/protocol/script/flags.js';
import { legacySighash, PrecomputedTx, type SpentOutput } from '../node/protocol/script/sighash.js';
import { TAPROOT_LEAF_TAPSCRIPT, tapleafHash, tapTweakHash } from '../node/protocol/script/taproot.js';
import { verifyScript } from '../node/protocol/script/verify.js';
import { OutPoint, Tx, TxIn, TxOut } from '../node/protocol/tx.js';
import { readVector } from './helpers/vectors.js';

type Row = unknown[];
const DIR = 'core-data-2026';
const backends = [nativeBackend, nobleBackend].filter((b): b is EcdsaBackend => b !== null);
const ran: Record<string, number> = {};
const count = (name: string) => {
  ran[name] = (ran[name] ?? 0) + 1;
};
afterAll(() => {
  console.log(`core-data-2026 cases run: ${JSON.stringify(ran)}`);
});

/** Core's script_tests key0 (secret 1): the internal key of the placeholder taproot outputs. */
const KEY0 = (() => {
  const d = new Uint8Array(32);
  d[31] = 1;
  return tiny.xOnlyPointFromScalar(d);
})();

/** TaprootBuilder with one tapscript leaf at depth 0 over KEY0: the control block and output. */
function singleLeaf(script: Uint8Array): { control: Uint8Array; output: Uint8Array } {
  const leaf = tapleafHash(TAPROOT_LEAF_TAPSCRIPT, script);
  const t = tiny.xOnlyPointAddTweak(KEY0, tapTweakHash(KEY0, leaf))!;
  return {
    control: concat(Uint8Array.of(TAPROOT_LEAF_TAPSCRIPT | t.parity), KEY0),
    output: concat(Uint8Array.of(0x51, 0x20), t.xOnlyPubkey),
  };
}

function spendFor(scriptSig: Uint8Array, spk: Uint8Array, witness: Uint8Array[], amount: bigint): Tx {
  const credit = new Tx({
    version: 1,
    locktime: 0,
    inputs: [new TxIn(OutPoint.null(), Uint8Array.of(0, 0), 0xffffffff)],
    outputs: [new TxOut(amount, spk)],
  });
  return new Tx({
    version: 1,
    locktime: 0,
    inputs: [new TxIn(new OutPoint(credit.txid(), 0), scriptSig, 0xffffffff, witness)],
    outputs: [new TxOut(amount, new Uint8Array(0))],
  });
}

function scriptResult(row: Row, backend: EcdsaBackend): { got: string; want: string } {
  let k = 0;
  const witness: Uint8Array[] = [];
  let amount = 0n;
  let leaf: ReturnType<typeof singleLeaf> | null = null;
  if (Array.isArray(row[0])) {
    const w = row[0] as (string | number)[];
    amount = BigInt(Math.round((w[w.length - 1] as number) * 1e8));
    for (const item of w.slice(0, -1) as string[]) {
      if (item.startsWith('#SCRIPT#')) witness.push(parseCoreAsm(item.slice('#SCRIPT#'.length)));
      else if (item === '#CONTROLBLOCK#') {
        leaf = singleLeaf(witness[witness.length - 1]!);
        witness.push(leaf.control);
      } else witness.push(fromHex(item));
    }
    k = 1;
  }
  const [sigAsm, spkAsm, flagText, want] = row.slice(k) as string[];
  const scriptSig = parseCoreAsm(sigAsm!);
  let spk: Uint8Array;
  if (spkAsm === '0x51 0x20 #TAPROOTOUTPUT#') {
    if (!leaf) throw new Error('bad test: #TAPROOTOUTPUT# without #CONTROLBLOCK#');
    spk = leaf.output;
  } else spk = parseCoreAsm(spkAsm!);
  const spend = spendFor(scriptSig, spk, witness, amount);
  const pre = new PrecomputedTx(spend, [{ value: amount, script: spk }]);
  try {
    verifyScript(
      scriptSig,
      spk,
      witness,
      parseFlags(flagText!),
      new TxSignatureChecker(pre, 0, amount, backend),
    );
    return { got: 'OK', want: want! };
  } catch (e) {
    if (e instanceof ScriptError) return { got: e.code, want: want! };
    throw e;
  }
}

const scriptTests = readVector<Row[]>(DIR, 'script_tests.json').filter((r) => r.length > 1);

describe.each(backends.map((b) => [b.name, b] as const))('2026 script_tests.json on %s', (name, backend) => {
  it(`runs all ${scriptTests.length} script tests with Core's expected error`, () => {
    const failures: string[] = [];
    for (const row of scriptTests) {
      const r = scriptResult(row, backend);
      count(`script_tests/${name}`);
      if (r.got !== r.want) failures.push(`${JSON.stringify(row).slice(0, 240)} -> ${r.got}`);
    }
    expect(failures).toEqual([]);
    expect(scriptTests.length).toBe(1233);
    expect(scriptTests.filter((r) => Array.isArray(r[0])).length).toBe(113);
  });
});

describe('2026 sighash.json', () => {
  const rows = readVector<Row[]>(DIR, 'sighash.json').filter((r) => r.length > 1);
  it(`matches all ${rows.length} legacy signature hashes`, () => {
    const failures: string[] = [];
    for (const row of rows) {
      const [rawTx, script, index, hashType, want] = row as [string, string, number, number, string];
      const tx = Tx.fromBytes(fromHex(rawTx));
      const got = hashToDisplay(legacySighash(tx, index, fromHex(script), hashType));
      count('sighash');
      if (got !== want) failures.push(`${rawTx.slice(0, 16)}… #${index}: ${got} != ${want}`);
    }
    expect(failures).toEqual([]);
    expect(rows.length).toBe(500);
  });
});

/** Every flag name Core's transaction_tests knows (mapFlagNames). */
const ALL_FLAG_BITS = Object.entries(FLAGS)
  .filter(([n]) => n !== 'NONE')
  .map(([, bit]) => bit);
const ALL_FLAGS = ALL_FLAG_BITS.reduce((a, b) => a | b, 0);

/** FillFlags: CLEANSTACK implies WITNESS, WITNESS implies P2SH. */
function fill(flags: number): number {
  if (flags & FLAGS.CLEANSTACK) flags |= FLAGS.WITNESS;
  if (flags & FLAGS.WITNESS) flags |= FLAGS.P2SH;
  return flags;
}
/** TrimFlags: no WITNESS without P2SH, no CLEANSTACK without WITNESS. */
function trim(flags: number): number {
  if (!(flags & FLAGS.P2SH)) flags &= ~FLAGS.WITNESS;
  if (!(flags & FLAGS.WITNESS)) flags &= ~FLAGS.CLEANSTACK;
  return flags;
}

interface TxCase {
  tx: Tx;
  spent: SpentOutput[];
  flagText: string;
}

function loadTxCase(row: Row): TxCase {
  const [inputs, rawTx, flagText] = row as [[string, number, string, number?][], string, string];
  const byOutpoint = new Map<string, SpentOutput>();
  for (const [hash, index, spk, amount] of inputs) {
    const op = new OutPoint(hashFromDisplay(hash), index === -1 ? 0xffffffff : index);
    byOutpoint.set(op.key(), { script: parseCoreAsm(spk), value: BigInt(amount ?? 0) });
  }
  const tx = Tx.fromBytes(fromHex(rawTx));
  const spent = tx.inputs.map((i) => {
    const s = byOutpoint.get(i.prevout.key());
    if (!s) throw new Error(`bad test: missing prevout ${i.prevout.key()}`);
    return s;
  });
  return { tx, spent, flagText };
}

/** CheckTxScripts: every input under `flags`; the first failure, or null. */
function scriptsFail(c: TxCase, flags: number, backend: EcdsaBackend): string | null {
  const pre = new PrecomputedTx(c.tx, c.spent);
  for (let i = 0; i < c.tx.inputs.length; i++) {
    const input = c.tx.inputs[i]!;
    try {
      const checker = new TxSignatureChecker(pre, i, c.spent[i]!.value, backend);
      verifyScript(input.script, c.spent[i]!.script, input.witness, flags, checker);
    } catch (e) {
      if (e instanceof ScriptError) return `input ${i}: ${e.code}`;
      throw e;
    }
  }
  return null;
}

function checkTxFails(tx: Tx): string | null {
  try {
    checkTransaction(tx);
    return null;
  } catch (e) {
    if (e instanceof RuleError) return e.code;
    throw e;
  }
}

describe.each(backends.map((b) => [b.name, b] as const))('2026 tx_valid.json on %s', (name, backend) => {
  const rows = readVector<Row[]>(DIR, 'tx_valid.json').filter((r) => Array.isArray(r[0]));
  it('every case is valid with all flags but the excluded ones, and with any one flag removed', () => {
    const failures: string[] = [];
    for (const row of rows) {
      const c = loadTxCase(row);
      const excluded = parseFlags(c.flagText);
      const id = `${toHex(c.tx.txid()).slice(0, 12)} [${c.flagText}]`;
      count(`tx_valid/${name}`);
      const bad = checkTxFails(c.tx);
      if (bad) {
        failures.push(`${id}: CheckTransaction ${bad}`);
        continue;
      }
      const flags = ALL_FLAGS & ~excluded;
      if (flags !== fill(flags)) failures.push(`${id}: bad test flags`);
      const why = scriptsFail(c, flags, backend);
      if (why) failures.push(`${id}: ${why}`);
      // The flag-set checks on the fast backend only: 21x the verifications, same logic.
      for (const bit of backend === backends[0] ? ALL_FLAG_BITS : []) {
        const fewer = trim(ALL_FLAGS & ~(excluded | bit));
        const w = scriptsFail(c, fewer, backend);
        if (w) failures.push(`${id} without flag ${bit}: ${w}`);
      }
    }
    expect(failures).toEqual([]);
    expect(rows.length).toBe(121);
  });
});

describe.each(backends.map((b) => [b.name, b] as const))('2026 tx_invalid.json on %s', (name, backend) => {
  const rows = readVector<Row[]>(DIR, 'tx_invalid.json').filter((r) => Array.isArray(r[0]));
  it('every case is invalid, stays so with any flag added, and its flags are minimal', () => {
    const failures: string[] = [];
    for (const row of rows) {
      const c = loadTxCase(row);
      const id = `${toHex(c.tx.txid()).slice(0, 12)} [${c.flagText}]`;
      count(`tx_invalid/${name}`);
      if (c.flagText === 'BADTX') {
        if (!checkTxFails(c.tx)) failures.push(`${id}: passes CheckTransaction`);
        continue;
      }
      if (checkTxFails(c.tx)) failures.push(`${id}: fails CheckTransaction, not its scripts`);
      const flags = parseFlags(c.flagText);
      if (!scriptsFail(c, flags, backend)) failures.push(`${id}: valid`);
      for (const bit of backend === backends[0] ? ALL_FLAG_BITS : []) {
        if (!scriptsFail(c, fill(flags | bit), backend)) failures.push(`${id} with flag ${bit}: valid`);
        if (flags & bit) {
          const w = scriptsFail(c, trim(flags & ~bit), backend);
          if (w) failures.push(`${id} without flag ${bit}: still invalid (${w})`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(rows.length).toBe(93);
  });
});
