/**
 * Standard output scripts: byte-exact builders and the classifier.
 *
 * `classifyOutput` follows Bitcoin Core's `Solver` (src/script/solver.cpp) rule for rule and in
 * the same order: P2SH (exactly `a9 14 <20> 87`), witness program (`CScript::IsWitnessProgram`:
 * 4..42 bytes, OP_0 or OP_1..OP_16, then one direct push of the rest, 2..40 bytes; v0 of another
 * size is nonstandard), null data (OP_RETURN then only push-type opcodes, `IsPushOnly`, which
 * counts OP_RESERVED as one), P2PK (`MatchPayToPubkey`), P2PKH, bare multisig (`MatchMultisig`:
 * m and n as OP_1..OP_16 or a minimal push of 17..20, each key a push that `CPubKey::ValidSize`
 * accepts, then OP_CHECKMULTISIG as the last byte).
 *
 * Core 28+ also reports the pay-to-anchor script `51 02 4e73` as its own type `anchor`; it is a
 * v1 witness program, reported here as `witness_unknown` (as Core did before), and its address
 * is the same either way.
 *
 * Opcodes, the op walker and pushes come from `opcodes.ts` and `script.ts`. `witnessProgramOf` and
 * `isPayToScriptHash` are the recognizers `verify.ts` and `sigops.ts` use too.
 */
import { concat } from '../bytes.js';
import { decodeSmallInt, encodeSmallInt, OP } from './opcodes.js';
import {
  isMinimalPush,
  isSmallInt,
  MAX_PUBKEYS_PER_MULTISIG,
  newStep,
  type OpStep,
  pushBytes,
  pushInt,
  readOp,
} from './script.js';

export type OutputType =
  | 'p2pkh'
  | 'p2sh'
  | 'p2wpkh'
  | 'p2wsh'
  | 'p2tr'
  | 'witness_unknown'
  | 'multisig'
  | 'p2pk'
  | 'nulldata'
  | 'nonstandard';

/** What `classifyOutput` found. Byte fields are views into the classified script (no copy). */
export type OutputClass =
  | { type: 'p2pkh'; hash: Uint8Array }
  | { type: 'p2sh'; hash: Uint8Array }
  | { type: 'p2wpkh'; hash: Uint8Array }
  | { type: 'p2wsh'; hash: Uint8Array }
  | { type: 'p2tr'; key: Uint8Array }
  | { type: 'witness_unknown'; version: number; program: Uint8Array }
  | { type: 'multisig'; m: number; pubkeys: Uint8Array[] }
  /** `pushes`: the value each op after OP_RETURN pushes (OP_n as one byte n; OP_RESERVED none). */
  | { type: 'nulldata'; pushes: Uint8Array[] }
  | { type: 'p2pk'; pubkey: Uint8Array }
  | { type: 'nonstandard' };

export interface WitnessProgram {
  version: number;
  program: Uint8Array;
}

// ---------------------------------------------------------------------------------------------
// Pushes

/**
 * The push Core's `CheckMinimalPush` (BIP62 rule 3) accepts: OP_0, OP_1..OP_16, OP_1NEGATE first,
 * else the shortest push opcode for its length (`pushBytes`, Core's `CScript << std::vector`).
 */
export function encodeMinimalPush(data: Uint8Array): Uint8Array {
  if (data.length === 1) {
    const b = data[0]!;
    if (b >= 1 && b <= 16) return Uint8Array.of(encodeSmallInt(b));
    if (b === 0x81) return Uint8Array.of(OP.OP_1NEGATE);
  }
  return pushBytes(data);
}

// ---------------------------------------------------------------------------------------------
// Builders

function need(name: string, bytes: Uint8Array, ...lengths: number[]): void {
  if (!(bytes instanceof Uint8Array) || !lengths.includes(bytes.length)) {
    throw new RangeError(`${name}: expected ${lengths.join(' or ')} bytes, got ${describe(bytes)}`);
  }
}

function describe(v: unknown): string {
  return v instanceof Uint8Array ? `${v.length}` : typeof v;
}

/** OP_DUP OP_HASH160 <20> OP_EQUALVERIFY OP_CHECKSIG */
export function p2pkh(hash20: Uint8Array): Uint8Array {
  need('p2pkh', hash20, 20);
  const s = new Uint8Array(25);
  s.set([OP.OP_DUP, OP.OP_HASH160, 20], 0);
  s.set(hash20, 3);
  s.set([OP.OP_EQUALVERIFY, OP.OP_CHECKSIG], 23);
  return s;
}

/** OP_HASH160 <20> OP_EQUAL (BIP16) */
export function p2sh(hash20: Uint8Array): Uint8Array {
  need('p2sh', hash20, 20);
  const s = new Uint8Array(23);
  s.set([OP.OP_HASH160, 20], 0);
  s.set(hash20, 2);
  s[22] = OP.OP_EQUAL;
  return s;
}

/** <version> <program>: version 0..16, program 2..40 bytes (BIP141). */
export function witnessProgram(version: number, program: Uint8Array): Uint8Array {
  if (!Number.isInteger(version) || version < 0 || version > 16) {
    throw new RangeError(`small integer out of range: ${version}`);
  }
  const op = encodeSmallInt(version);
  if (!(program instanceof Uint8Array) || program.length < 2 || program.length > 40) {
    throw new RangeError(`witness program: expected 2..40 bytes, got ${describe(program)}`);
  }
  const s = new Uint8Array(2 + program.length);
  s[0] = op;
  s[1] = program.length;
  s.set(program, 2);
  return s;
}

/** OP_0 <20> (BIP141) */
export function p2wpkh(hash20: Uint8Array): Uint8Array {
  need('p2wpkh', hash20, 20);
  return witnessProgram(0, hash20);
}

/** OP_0 <32> (BIP141) */
export function p2wsh(hash32: Uint8Array): Uint8Array {
  need('p2wsh', hash32, 32);
  return witnessProgram(0, hash32);
}

/** OP_1 <32-byte x-only output key> (BIP341) */
export function p2tr(key32: Uint8Array): Uint8Array {
  need('p2tr', key32, 32);
  return witnessProgram(1, key32);
}

/** OP_RETURN followed by one minimal push of `data`. */
export function nullData(data: Uint8Array): Uint8Array {
  if (!(data instanceof Uint8Array)) throw new RangeError('nullData: data must be a Uint8Array');
  const push = encodeMinimalPush(data);
  const s = new Uint8Array(1 + push.length);
  s[0] = OP.OP_RETURN;
  s.set(push, 1);
  return s;
}

/** <pubkey> OP_CHECKSIG, for a 33-byte compressed or 65-byte uncompressed (or hybrid) key. */
export function p2pk(pubkey: Uint8Array): Uint8Array {
  if (!(pubkey instanceof Uint8Array) || !validPubkeySize(pubkey)) {
    throw new RangeError('p2pk: expected a 33-byte (02/03) or 65-byte (04/06/07) public key');
  }
  const s = new Uint8Array(pubkey.length + 2);
  s[0] = pubkey.length;
  s.set(pubkey, 1);
  s[s.length - 1] = OP.OP_CHECKSIG;
  return s;
}

/** <m> <pubkey>... <n> OP_CHECKMULTISIG, as Core's GetScriptForMultisig; 1 <= m <= n <= 20. */
export function multisig(m: number, pubkeys: readonly Uint8Array[]): Uint8Array {
  const n = pubkeys.length;
  if (!Number.isInteger(m) || m < 1 || m > n || n > MAX_PUBKEYS_PER_MULTISIG) {
    throw new RangeError(`multisig: need 1 <= m <= n <= ${MAX_PUBKEYS_PER_MULTISIG}, got m=${m} n=${n}`);
  }
  const parts: Uint8Array[] = [pushInt(m)];
  for (const k of pubkeys) {
    if (!(k instanceof Uint8Array) || !validPubkeySize(k)) {
      throw new RangeError('multisig: each key must be 33 bytes (02/03) or 65 bytes (04/06/07)');
    }
    parts.push(pushBytes(k));
  }
  parts.push(pushInt(n), Uint8Array.of(OP.OP_CHECKMULTISIG));
  return concat(...parts);
}

// ---------------------------------------------------------------------------------------------
// Matchers

/** Core's `CScript::IsPayToScriptHash`: exactly `a9 14 <20 bytes> 87`. */
export function isPayToScriptHash(script: Uint8Array): boolean {
  return (
    script.length === 23 && script[0] === OP.OP_HASH160 && script[1] === 20 && script[22] === OP.OP_EQUAL
  );
}

/** Core's `CScript::IsPayToPubKeyHash`: exactly `76 a9 14 <20 bytes> 88 ac`. */
export function isPayToPubKeyHash(script: Uint8Array): boolean {
  return (
    script.length === 25 &&
    script[0] === OP.OP_DUP &&
    script[1] === OP.OP_HASH160 &&
    script[2] === 20 &&
    script[23] === OP.OP_EQUALVERIFY &&
    script[24] === OP.OP_CHECKSIG
  );
}

/**
 * Core's `CScript::IsWitnessProgram`: 4..42 bytes, first op OP_0 or OP_1..OP_16, then a single
 * direct push of all remaining bytes (so 2..40 of them). The program is a view into `script`.
 */
export function witnessProgramOf(script: Uint8Array): WitnessProgram | null {
  const n = script.length;
  if (n < 4 || n > 42) return null;
  const v = script[0]!;
  if (!isSmallInt(v)) return null;
  if (script[1]! + 2 !== n) return null;
  return { version: decodeSmallInt(v), program: script.subarray(2) };
}

/** Core's `CPubKey::ValidSize`: length agrees with the header byte (02/03: 33; 04/06/07: 65). */
export function validPubkeySize(key: Uint8Array): boolean {
  if (key.length === 0) return false;
  const h = key[0]!;
  if (h === 2 || h === 3) return key.length === 33;
  if (h === 4 || h === 6 || h === 7) return key.length === 65;
  return false;
}

/** Core's `IsPushOnly` from `start`: pushes for the values OP_1..OP_16 push; OP_RESERVED none. */
function pushOnly(script: Uint8Array, start: number): Uint8Array[] | null {
  const pushes: Uint8Array[] = [];
  const step = newStep();
  let pc = start;
  while (pc < script.length) {
    if (!readOp(script, pc, step) || step.op > OP.OP_16) return null;
    const { op, data } = step;
    if (data !== null) pushes.push(data);
    else if (op === OP.OP_1NEGATE) pushes.push(Uint8Array.of(0x81));
    else if (op >= OP.OP_1) pushes.push(Uint8Array.of(decodeSmallInt(op)));
    pc = step.next;
  }
  return pushes;
}

function matchPayToPubkey(script: Uint8Array): Uint8Array | null {
  if (script.length === 67 && script[0] === 65 && script[66] === OP.OP_CHECKSIG) {
    const key = script.subarray(1, 66);
    return validPubkeySize(key) ? key : null;
  }
  if (
    script.length === 35 &&
    script[0] === 33 &&
    script[34] === OP.OP_CHECKSIG &&
    (script[1] === 2 || script[1] === 3)
  ) {
    return script.subarray(1, 34);
  }
  return null;
}

/**
 * Core's `GetScriptNumber`: OP_1..OP_16, or a minimal push (CheckMinimalPush) of a minimally
 * encoded number of at most 4 bytes (CScriptNum), within [min, max]; null otherwise.
 */
function scriptNumber(op: OpStep, min: number, max: number): number | null {
  let n: number;
  if (op.op >= OP.OP_1 && op.op <= OP.OP_16) {
    n = decodeSmallInt(op.op);
  } else if (op.data !== null) {
    if (!isMinimalPush(op.data, op.op)) return null;
    const d = op.data;
    if (d.length > 4) return null;
    if (
      d.length > 0 &&
      (d[d.length - 1]! & 0x7f) === 0 &&
      (d.length <= 1 || (d[d.length - 2]! & 0x80) === 0)
    ) {
      return null;
    }
    n = 0;
    for (let i = 0; i < d.length; i++) n += d[i]! * 2 ** (8 * i);
    if (d.length > 0 && d[d.length - 1]! & 0x80) n = -(n - 0x80 * 2 ** (8 * (d.length - 1)));
  } else {
    return null;
  }
  return n < min || n > max ? null : n;
}

function matchMultisig(script: Uint8Array): { m: number; pubkeys: Uint8Array[] } | null {
  if (script.length < 1 || script[script.length - 1] !== OP.OP_CHECKMULTISIG) return null;
  const step = newStep();
  if (!readOp(script, 0, step)) return null;
  const m = scriptNumber(step, 1, MAX_PUBKEYS_PER_MULTISIG);
  if (m === null) return null;
  const pubkeys: Uint8Array[] = [];
  let pc = step.next;
  // Ends at the first op that is not a key push; a failed read leaves OP_INVALIDOPCODE in `step`.
  while (readOp(script, pc, step)) {
    pc = step.next;
    if (step.data === null || !validPubkeySize(step.data)) break;
    pubkeys.push(step.data);
  }
  const n = scriptNumber(step, m, MAX_PUBKEYS_PER_MULTISIG);
  if (n === null || pubkeys.length !== n) return null;
  return pc + 1 === script.length ? { m, pubkeys } : null;
}

/** Classify an output script exactly as Core's `Solver` does (see the file header). */
export function classifyOutput(script: Uint8Array): OutputClass {
  if (isPayToScriptHash(script)) return { type: 'p2sh', hash: script.subarray(2, 22) };

  const wp = witnessProgramOf(script);
  if (wp) {
    if (wp.version === 0 && wp.program.length === 20) return { type: 'p2wpkh', hash: wp.program };
    if (wp.version === 0 && wp.program.length === 32) return { type: 'p2wsh', hash: wp.program };
    if (wp.version === 1 && wp.program.length === 32) return { type: 'p2tr', key: wp.program };
    if (wp.version !== 0) return { type: 'witness_unknown', version: wp.version, program: wp.program };
    return { type: 'nonstandard' };
  }

  if (script.length >= 1 && script[0] === OP.OP_RETURN) {
    const pushes = pushOnly(script, 1);
    if (pushes) return { type: 'nulldata', pushes };
  }

  const pubkey = matchPayToPubkey(script);
  if (pubkey) return { type: 'p2pk', pubkey };

  if (isPayToPubKeyHash(script)) return { type: 'p2pkh', hash: script.subarray(3, 23) };

  const ms = matchMultisig(script);
  if (ms) return { type: 'multisig', m: ms.m, pubkeys: ms.pubkeys };

  return { type: 'nonstandard' };
}
