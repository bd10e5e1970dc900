/**
 * One case per taproot rule (BIP341 key and script paths, BIP342 tapscript): each spend breaks
 * exactly one rule and must fail with Core's SCRIPT_ERR_* code through the same check blocks and
 * the mempool use (verifyTxScripts under the block flags of regtest height 1), next to a twin
 * that keeps the rule and passes. Policy-only rules (upgradable leaf versions, OP_SUCCESSx, key
 * types) pass under consensus flags and fail under the standard ones. Signatures are made with
 * libsecp256k1 (tiny-secp256k1) over our BIP341 sighash, and checked on both backends.
 */
import * as tiny from 'tiny-secp256k1';
import { describe, expect, it } from 'vitest';
import { RuleError } from '../node/consensus/errors.js';
import { blockScriptFlags } from '../node/consensus/script-flags.js';
import { verifyTxScripts } from '../node/consensus/scripts.js';
import { concat, toHex } from '../node/protocol/bytes.js';
import { type EcdsaBackend, nativeBackend, nobleBackend } from '../node/protocol/ecdsa.js';
import { hash160, sha256 } from '../node/protocol/hash.js';
import { regtest } from '../node/protocol/params.js';
import { parseCoreAsm } from '../node/protocol/script/asm.js';
import { FLAGS, STANDARD_FLAGS } from '../node/protocol/script/flags.js';
import { PrecomputedTx, SigVersion, type SpentOutput } from '../node/protocol/script/sighash.js';
import { type TaprootExecData, taprootSighash } from '../node/protocol/script/sighash-taproot.js';
import { txSigOpCost } from '../node/protocol/script/sigops.js';
import { tapBranch, tapleafHash, tapTweakHash } from '../node/protocol/script/taproot.js';
import { p2sh, p2wsh } from '../node/protocol/script/templates.js';
import { OutPoint, Tx, TxIn, TxOut } from '../node/protocol/tx.js';
import { Writer } from '../node/protocol/writer.js';

const CONSENSUS = blockScriptFlags(1, regtest);
const backends = [nativeBackend, nobleBackend].filter((b): b is EcdsaBackend => b !== null);

function secret(n: number): Uint8Array {
  const d = new Uint8Array(32);
  d[31] = n;
  return d;
}
const INTERNAL = secret(7);
const P = tiny.xOnlyPointFromScalar(INTERNAL);
const K1 = secret(11);
const K2 = secret(13);
const X1 = tiny.xOnlyPointFromScalar(K1);
const X2 = tiny.xOnlyPointFromScalar(K2);
const hex = toHex;

/** A tapscript tree of `leaves` (two or one), its output key, and each leaf's control block. */
function tree(leaves: { script: Uint8Array; version?: number }[]) {
  const hashes = leaves.map((l) => tapleafHash(l.version ?? 0xc0, l.script));
  const root = hashes.length === 1 ? hashes[0]! : tapBranch(hashes[0]!, hashes[1]!);
  const t = tiny.xOnlyPointAddTweak(P, tapTweakHash(P, root))!;
  const control = (i: number) =>
    concat(
      Uint8Array.of((leaves[i]!.version ?? 0xc0) | t.parity),
      P,
      ...(hashes.length === 2 ? [hashes[1 - i]!] : []),
    );
  return { output: concat(Uint8Array.of(0x51, 0x20), t.xOnlyPubkey), control, hashes, root };
}

/** The key-path output of INTERNAL with no scripts, and its tweaked secret. */
const KEY_ONLY = (() => {
  const t = tiny.xOnlyPointAddTweak(P, tapTweakHash(P, null))!;
  const d = tiny.pointFromScalar(INTERNAL, true)![0] === 3 ? tiny.privateNegate(INTERNAL) : INTERNAL;
  return {
    output: concat(Uint8Array.of(0x51, 0x20), t.xOnlyPubkey),
    secret: tiny.privateAdd(d, tapTweakHash(P, null))!,
  };
})();

const OTHER: SpentOutput = { value: 70_000n, script: KEY_ONLY.output };

/** A tx spending `spent` (input 0) and OTHER (input 1), paying one output. */
function spendTx(
  spent: SpentOutput,
  witness: Uint8Array[] = [],
  outputs = 1,
): { tx: Tx; spent: SpentOutput[] } {
  const inputs = [
    new TxIn(new OutPoint(sha256(Uint8Array.of(1)), 0), new Uint8Array(0), 0xfffffffd, witness),
    new TxIn(new OutPoint(sha256(Uint8Array.of(2)), 1), new Uint8Array(0), 0xfffffffd, []),
  ];
  const outs = Array.from(
    { length: outputs },
    (_, i) => new TxOut(50_000n - BigInt(i), p2wsh(sha256(Uint8Array.of(i)))),
  );
  return { tx: new Tx({ version: 2, inputs, outputs: outs, locktime: 0 }), spent: [spent, OTHER] };
}

function withWitness(tx: Tx, index: number, witness: Uint8Array[]): Tx {
  const inputs = tx.inputs.map((i, k) =>
    k === index ? new TxIn(i.prevout, i.script, i.sequence, witness) : i,
  );
  return new Tx({ version: tx.version, inputs, outputs: tx.outputs, locktime: tx.locktime });
}

function exec(over: Partial<TaprootExecData> = {}): TaprootExecData {
  return { annexHash: null, codeSeparatorPos: 0xffffffff, validationWeightLeft: 0, ...over };
}

function annexHash(annex: Uint8Array): Uint8Array {
  return sha256(new Writer().varBytes(annex).finish());
}

/** BIP340 signature of input `index` with `hashType` (0 = 64 bytes), signed by `d`. */
function sign(
  c: { tx: Tx; spent: SpentOutput[] },
  index: number,
  d: Uint8Array,
  hashType: number,
  sigversion: SigVersion,
  e: TaprootExecData,
): Uint8Array {
  const h = taprootSighash(new PrecomputedTx(c.tx, c.spent), index, hashType, sigversion, e)!;
  const sig = tiny.signSchnorr(h, d, new Uint8Array(32));
  return hashType === 0 ? sig : concat(sig, Uint8Array.of(hashType));
}

/** 'OK' or the SCRIPT_ERR_* code of the first failing input (named unless it is input 0). */
function result(tx: Tx, spent: SpentOutput[], flags: number, backend: EcdsaBackend): string {
  try {
    verifyTxScripts(tx, spent, flags, backend);
    return 'OK';
  } catch (e) {
    if (e instanceof RuleError)
      return e.inputIndex === 0 ? String(e.scriptError) : `input ${e.inputIndex}: ${e.scriptError}`;
    throw e;
  }
}

/** Input 1 (the OTHER key-path coin) signed properly, so only input 0 decides. */
function finish(c: { tx: Tx; spent: SpentOutput[] }, w0: Uint8Array[]): Tx {
  const tx = withWitness(c.tx, 0, w0);
  const sig1 = sign({ tx, spent: c.spent }, 1, KEY_ONLY.secret, 0, SigVersion.TAPROOT, exec());
  return withWitness(tx, 1, [sig1]);
}

interface Case {
  name: string;
  build: () => { tx: Tx; spent: SpentOutput[] };
  want: string;
  /** The result under the standard (policy) flags, when it differs. */
  standard?: string;
}

const keySpent: SpentOutput = { value: 100_000n, script: KEY_ONLY.output };
function keyPath(
  hashType: number,
  mutate?: (sig: Uint8Array) => Uint8Array,
  annex?: Uint8Array,
  signAnnex = true,
) {
  const c = spendTx(keySpent);
  const sig = sign(
    c,
    0,
    KEY_ONLY.secret,
    hashType,
    SigVersion.TAPROOT,
    exec({ annexHash: annex && signAnnex ? annexHash(annex) : null }),
  );
  const w = [mutate ? mutate(sig) : sig, ...(annex ? [annex] : [])];
  return { tx: finish(c, w), spent: c.spent };
}

const checksigLeaf = parseCoreAsm(`0x20 0x${hex(X1)} CHECKSIG`);
const T = tree([{ script: checksigLeaf }, { script: parseCoreAsm('1') }]);

/** A script-path spend of leaf `script` in a one- or two-leaf tree; `stack` below the script. */
function scriptPath(
  script: Uint8Array,
  stackFor: (c: { tx: Tx; spent: SpentOutput[] }, leaf: Uint8Array) => Uint8Array[],
  opts: { version?: number; control?: (cb: Uint8Array) => Uint8Array; annex?: Uint8Array } = {},
) {
  const t = tree([{ script, version: opts.version }, { script: parseCoreAsm('1') }]);
  const spent = { value: 90_000n, script: t.output };
  const c = spendTx(spent);
  const control = opts.control ? opts.control(t.control(0)) : t.control(0);
  const w = [...stackFor(c, t.hashes[0]!), script, control, ...(opts.annex ? [opts.annex] : [])];
  return { tx: finish(c, w), spent: c.spent };
}

/** A tapscript signature by `d` for leaf `leaf` at code-separator position `pos`. */
function tsig(
  c: { tx: Tx; spent: SpentOutput[] },
  leaf: Uint8Array,
  d: Uint8Array,
  hashType = 0,
  pos = 0xffffffff,
) {
  return sign(c, 0, d, hashType, SigVersion.TAPSCRIPT, exec({ tapleafHash: leaf, codeSeparatorPos: pos }));
}

const flip = (sig: Uint8Array) => {
  const s = Uint8Array.from(sig);
  s[5]! ^= 1;
  return s;
};
const repeat = (n: number) =>
  parseCoreAsm(
    `${Array.from({ length: n }, () => `DUP 0x20 0x${hex(X1)} CHECKSIGVERIFY`).join(' ')} 0x20 0x${hex(X1)} CHECKSIG`,
  );

const CASES: Case[] = [
  { name: 'key path, SIGHASH_DEFAULT (64 bytes)', build: () => keyPath(0), want: 'OK' },
  { name: 'key path, explicit SIGHASH_ALL', build: () => keyPath(1), want: 'OK' },
  { name: 'key path, ALL|ANYONECANPAY', build: () => keyPath(0x81), want: 'OK' },
  { name: 'key path, SINGLE with its output', build: () => keyPath(3), want: 'OK' },
  { name: 'bad Schnorr signature', build: () => keyPath(0, flip), want: 'SCHNORR_SIG' },
  {
    name: '65-byte signature with hash type 0x00',
    build: () => keyPath(0, (s) => concat(s, Uint8Array.of(0))),
    want: 'SCHNORR_SIG_HASHTYPE',
  },
  {
    name: 'undefined hash type 0x04',
    build: () => keyPath(0, (s) => concat(s, Uint8Array.of(4))),
    want: 'SCHNORR_SIG_HASHTYPE',
  },
  {
    name: 'wrong sighash type byte (ALL signed, NONE claimed)',
    build: () => keyPath(1, (s) => concat(s.subarray(0, 64), Uint8Array.of(2))),
    want: 'SCHNORR_SIG',
  },
  {
    name: 'signature of 63 bytes',
    build: () => keyPath(0, (s) => s.subarray(0, 63)),
    want: 'SCHNORR_SIG_SIZE',
  },
  {
    name: 'signature of 66 bytes',
    build: () => keyPath(1, (s) => concat(s, Uint8Array.of(1))),
    want: 'SCHNORR_SIG_SIZE',
  },
  {
    name: 'SIGHASH_SINGLE without a matching output',
    build: () => {
      const c = spendTx(keySpent, [], 1);
      // Input 1 signs SINGLE but the tx has one output: no sighash exists.
      const tx = withWitness(c.tx, 0, [sign(c, 0, KEY_ONLY.secret, 0, SigVersion.TAPROOT, exec())]);
      const bad = concat(new Uint8Array(64).fill(1), Uint8Array.of(3));
      return { tx: withWitness(tx, 1, [bad]), spent: c.spent };
    },
    want: 'input 1: SCHNORR_SIG_HASHTYPE',
  },
  {
    name: 'amount of another input changed (BIP341 signs all spent amounts)',
    build: () => {
      const k = keyPath(0);
      return { tx: k.tx, spent: [k.spent[0]!, { ...OTHER, value: OTHER.value + 1n }] };
    },
    want: 'SCHNORR_SIG',
  },
  {
    name: 'script of another input changed (BIP341 signs all spent scripts)',
    build: () => {
      const k = keyPath(0);
      return {
        tx: k.tx,
        spent: [k.spent[0]!, { ...OTHER, script: concat(OTHER.script.subarray(0, 33), Uint8Array.of(0)) }],
      };
    },
    want: 'SCHNORR_SIG',
  },
  {
    name: 'annex signed',
    build: () => keyPath(0, undefined, Uint8Array.of(0x50, 1, 2)),
    want: 'OK',
    standard: 'OK',
  },
  {
    name: 'annex added after signing',
    build: () => keyPath(0, undefined, Uint8Array.of(0x50, 1, 2), false),
    want: 'SCHNORR_SIG',
  },
  {
    name: 'a lone 0x50 item is the signature, not an annex',
    build: () => {
      const c = spendTx(keySpent);
      return { tx: finish(c, [Uint8Array.of(0x50)]), spent: c.spent };
    },
    want: 'SCHNORR_SIG_SIZE',
  },
  {
    name: 'empty witness',
    build: () => {
      const c = spendTx(keySpent);
      return { tx: finish(c, []), spent: c.spent };
    },
    want: 'WITNESS_PROGRAM_WITNESS_EMPTY',
  },
  {
    name: 'script path, tapscript CHECKSIG',
    build: () => scriptPath(checksigLeaf, (c, l) => [tsig(c, l, K1)]),
    want: 'OK',
  },
  {
    name: 'script path with an annex signed',
    build: () => {
      const annex = Uint8Array.of(0x50);
      return scriptPath(
        checksigLeaf,
        (c, l) => [
          sign(c, 0, K1, 0, SigVersion.TAPSCRIPT, exec({ tapleafHash: l, annexHash: annexHash(annex) })),
        ],
        { annex },
      );
    },
    want: 'OK',
  },
  {
    name: 'tapscript signature made for the key path',
    build: () => scriptPath(checksigLeaf, (c) => [sign(c, 0, K1, 0, SigVersion.TAPROOT, exec())]),
    want: 'SCHNORR_SIG',
  },
  {
    name: 'control block of 34 bytes',
    build: () =>
      scriptPath(checksigLeaf, (c, l) => [tsig(c, l, K1)], {
        control: (cb) => concat(cb.subarray(0, 33), Uint8Array.of(0)),
      }),
    want: 'TAPROOT_WRONG_CONTROL_SIZE',
  },
  {
    name: 'control block of 32 bytes',
    build: () =>
      scriptPath(checksigLeaf, (c, l) => [tsig(c, l, K1)], { control: (cb) => cb.subarray(0, 32) }),
    want: 'TAPROOT_WRONG_CONTROL_SIZE',
  },
  {
    name: 'control block of 129 path nodes',
    build: () =>
      scriptPath(checksigLeaf, (c, l) => [tsig(c, l, K1)], {
        control: (cb) => concat(cb.subarray(0, 33), new Uint8Array(32 * 129)),
      }),
    want: 'TAPROOT_WRONG_CONTROL_SIZE',
  },
  {
    name: 'Merkle path mismatch (sibling hash changed)',
    build: () =>
      scriptPath(checksigLeaf, (c, l) => [tsig(c, l, K1)], {
        control: (cb) => {
          const x = Uint8Array.from(cb);
          x[40]! ^= 1;
          return x;
        },
      }),
    want: 'WITNESS_PROGRAM_MISMATCH',
  },
  {
    name: 'output key parity bit wrong',
    build: () =>
      scriptPath(checksigLeaf, (c, l) => [tsig(c, l, K1)], {
        control: (cb) => {
          const x = Uint8Array.from(cb);
          x[0]! ^= 1;
          return x;
        },
      }),
    want: 'WITNESS_PROGRAM_MISMATCH',
  },
  {
    name: 'internal key not on the curve',
    build: () =>
      scriptPath(checksigLeaf, (c, l) => [tsig(c, l, K1)], {
        control: (cb) => concat(cb.subarray(0, 1), new Uint8Array(32).fill(0xff), cb.subarray(33)),
      }),
    want: 'WITNESS_PROGRAM_MISMATCH',
  },
  {
    name: 'tapscript: invalid non-empty signature aborts',
    build: () => scriptPath(checksigLeaf, (c, l) => [flip(tsig(c, l, K1))]),
    want: 'SCHNORR_SIG',
  },
  {
    name: 'tapscript: empty signature is a false result',
    build: () => scriptPath(checksigLeaf, () => [new Uint8Array(0)]),
    want: 'EVAL_FALSE',
  },
  {
    name: 'tapscript: empty public key',
    build: () => scriptPath(parseCoreAsm('0 CHECKSIG'), () => [new Uint8Array(64).fill(1)]),
    want: 'TAPSCRIPT_EMPTY_PUBKEY',
  },
  {
    name: 'tapscript: 33-byte (upgradable) key type',
    build: () => scriptPath(parseCoreAsm(`0x21 0x02${hex(X1)} CHECKSIG`), () => [new Uint8Array(64).fill(1)]),
    want: 'OK',
    standard: 'DISCOURAGE_UPGRADABLE_PUBKEYTYPE',
  },
  {
    name: 'validation weight within budget (5 signatures)',
    build: () => scriptPath(repeat(4), (c, l) => [tsig(c, l, K1)]),
    want: 'OK',
  },
  {
    name: 'validation weight exceeded (21 signatures)',
    build: () => scriptPath(repeat(20), (c, l) => [tsig(c, l, K1)]),
    want: 'TAPSCRIPT_VALIDATION_WEIGHT',
  },
  {
    name: 'OP_CHECKMULTISIG in tapscript',
    build: () =>
      scriptPath(parseCoreAsm(`1 0x20 0x${hex(X1)} 1 CHECKMULTISIG`), (c, l) => [
        new Uint8Array(0),
        tsig(c, l, K1),
      ]),
    want: 'TAPSCRIPT_CHECKMULTISIG',
  },
  {
    name: 'OP_CHECKSIGADD 2-of-2',
    build: () =>
      scriptPath(
        parseCoreAsm(`0x20 0x${hex(X1)} CHECKSIG 0x20 0x${hex(X2)} CHECKSIGADD 2 NUMEQUAL`),
        (c, l) => [tsig(c, l, K2), tsig(c, l, K1)],
      ),
    want: 'OK',
  },
  {
    name: 'OP_CHECKSIGADD with one empty signature counts 1',
    build: () =>
      scriptPath(
        parseCoreAsm(`0x20 0x${hex(X1)} CHECKSIG 0x20 0x${hex(X2)} CHECKSIGADD 2 NUMEQUAL`),
        (c, l) => [new Uint8Array(0), tsig(c, l, K1)],
      ),
    want: 'EVAL_FALSE',
  },
  {
    name: 'OP_CHECKSIGADD in a segwit v0 script is an unknown opcode',
    build: () => {
      const ws = parseCoreAsm('0 0 1 CHECKSIGADD');
      const spent = { value: 90_000n, script: p2wsh(sha256(ws)) };
      const c = spendTx(spent);
      return { tx: finish(c, [ws]), spent: c.spent };
    },
    want: 'BAD_OPCODE',
  },
  {
    name: 'MINIMALIF: IF argument 0x02',
    build: () => scriptPath(parseCoreAsm('IF 1 ENDIF'), () => [Uint8Array.of(2)]),
    want: 'TAPSCRIPT_MINIMALIF',
  },
  {
    name: 'MINIMALIF: IF argument 0x01',
    build: () => scriptPath(parseCoreAsm('IF 1 ENDIF'), () => [Uint8Array.of(1)]),
    want: 'OK',
  },
  {
    name: 'OP_SUCCESS80 makes the script succeed',
    build: () => scriptPath(Uint8Array.of(0x50, 0x6a), () => []),
    want: 'OK',
    standard: 'DISCOURAGE_OP_SUCCESS',
  },
  {
    name: 'OP_SUCCESS before an undecodable push',
    build: () => scriptPath(Uint8Array.of(0xbb, 0x4d, 0xff), () => []),
    want: 'OK',
    standard: 'DISCOURAGE_OP_SUCCESS',
  },
  {
    name: 'undecodable push without OP_SUCCESS',
    build: () => scriptPath(Uint8Array.of(0x51, 0x4d, 0xff), () => []),
    want: 'BAD_OPCODE',
  },
  {
    name: 'unknown leaf version 0xc2',
    build: () => scriptPath(parseCoreAsm('RETURN'), () => [], { version: 0xc2 }),
    want: 'OK',
    standard: 'DISCOURAGE_UPGRADABLE_TAPROOT_VERSION',
  },
  {
    name: 'tapscript: more than 1000 initial stack items',
    build: () => scriptPath(parseCoreAsm('1'), () => Array.from({ length: 1001 }, () => new Uint8Array(0))),
    want: 'STACK_SIZE',
  },
  {
    name: 'tapscript: no 201-opcode limit',
    build: () => scriptPath(parseCoreAsm(`${'NOP '.repeat(300)}1`), () => []),
    want: 'OK',
  },
  {
    name: 'tapscript: no 10,000-byte script limit',
    build: () => scriptPath(concat(new Uint8Array(10_001).fill(0x61), Uint8Array.of(0x51)), () => []),
    want: 'OK',
  },
  {
    name: 'tapscript: OP_CODESEPARATOR position is signed',
    build: () =>
      scriptPath(parseCoreAsm(`CODESEPARATOR 0x20 0x${hex(X1)} CHECKSIG`), (c, l) => [tsig(c, l, K1, 0, 0)]),
    want: 'OK',
  },
  {
    name: 'tapscript: signature ignoring OP_CODESEPARATOR',
    build: () =>
      scriptPath(parseCoreAsm(`CODESEPARATOR 0x20 0x${hex(X1)} CHECKSIG`), (c, l) => [tsig(c, l, K1)]),
    want: 'SCHNORR_SIG',
  },
  {
    name: 'P2SH-wrapped witness v1 is not taproot (unencumbered)',
    build: () => {
      const redeem = T.output;
      const spent = { value: 90_000n, script: p2sh(hash160(redeem)) };
      const c = spendTx(spent);
      const tx = finish(c, []);
      const inputs = tx.inputs.map((i, k) =>
        k === 0 ? new TxIn(i.prevout, concat(Uint8Array.of(0x22), redeem), i.sequence, []) : i,
      );
      return { tx: new Tx({ version: 2, inputs, outputs: tx.outputs, locktime: 0 }), spent: c.spent };
    },
    want: 'OK',
    standard: 'DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM',
  },
];

describe.each(backends.map((b) => [b.name, b] as const))('taproot rules on %s', (_n, backend) => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const { tx, spent } = c.build();
    expect(result(tx, spent, CONSENSUS, backend)).toBe(c.want);
    expect(result(tx, spent, STANDARD_FLAGS, backend)).toBe(c.standard ?? c.want);
  });
});

describe('taproot activation and sigops', () => {
  it('is active from genesis on both networks, and without the flag a v1 spend is unencumbered', () => {
    expect(blockScriptFlags(0, regtest) & FLAGS.TAPROOT).toBe(FLAGS.TAPROOT);
    const bad = keyPath(0, flip);
    expect(result(bad.tx, bad.spent, CONSENSUS & ~FLAGS.TAPROOT, backends[0]!)).toBe('OK');
  });

  it('counts no sigops for a tapscript, however many CHECKSIGs (BIP342 uses the weight budget)', () => {
    const c = scriptPath(repeat(4), (x, l) => [tsig(x, l, K1)]);
    expect(
      txSigOpCost(
        c.tx,
        c.spent.map((s) => s.script),
        CONSENSUS,
      ),
    ).toBe(0);
  });
});
