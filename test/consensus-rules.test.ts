/**
 * Consensus rules as a table (btcd's fullblocktests idea): one valid regtest block (BIP34
 * coinbase, witness commitment, a signed P2WPKH spend and an in-block child spend), then one
 * row per rule that breaks exactly that rule (merkle root, commitment and PoW recomputed) and
 * asserts the RuleError code. Every code in RULES is either covered here or listed as
 * unreachable from a block with a reason.
 */

import { hmac } from '@noble/hashes/hmac.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import * as secp from '@noble/secp256k1';
import { describe, expect, it } from 'vitest';
import { checkBlock, checkBlockContextual } from '../node/consensus/block-check.js';
import { type BlockInputsResult, checkBlockInputs } from '../node/consensus/block-connect.js';
import { NOT_CACHED_INVALID, RULES, type RuleCode, RuleError } from '../node/consensus/errors.js';
import { checkHeaderContextFree, checkHeaderContextual } from '../node/consensus/header-check.js';
import {
  type Coin,
  checkSequenceLocks,
  SEQUENCE_LOCKTIME_DISABLE_FLAG,
  SEQUENCE_LOCKTIME_TYPE_FLAG,
  sequenceLocks,
} from '../node/consensus/tx-inputs.js';
import { consequenceOf } from '../node/p2p/misbehaviour.js';
import { Block } from '../node/protocol/block.js';
import { concat } from '../node/protocol/bytes.js';
import { type EcdsaBackend, nobleBackend } from '../node/protocol/ecdsa.js';
import { hash160, sha256 } from '../node/protocol/hash.js';
import { BlockHeader } from '../node/protocol/header.js';
import {
  merkleRoot,
  WITNESS_COMMITMENT_HEADER,
  witnessCommitment,
  witnessMerkleRoot,
} from '../node/protocol/merkle.js';
import { regtest } from '../node/protocol/params.js';
import { decodeCompact, hashToBigInt } from '../node/protocol/pow.js';
import { MANDATORY_FLAGS } from '../node/protocol/script/flags.js';
import { pushInt } from '../node/protocol/script/script.js';
import { PrecomputedTx, witnessV0Sighash } from '../node/protocol/script/sighash.js';
import { signDigest } from '../node/protocol/sign.js';
import { OutPoint, Tx, TxIn, TxOut } from '../node/protocol/tx.js';

secp.hashes.hmacSha256 = (key, msg) => hmac(nobleSha256, key, msg);
secp.hashes.sha256 = nobleSha256;

const P = regtest;
const COIN = 100_000_000n;
const H = 300;
/** blockSubsidy(300) on regtest: 50 coins halved twice (every 150 blocks). */
const SUBSIDY = (50n * COIN) >> 2n;
const MTP = 1_700_000_000;
const SPACING = 600;
const FEE = 10_000n;

const SECRET = new Uint8Array(32).fill(0x11);
const PUB = secp.getPublicKey(SECRET, true);
const PKH = hash160(PUB);
const P2WPKH = concat(Uint8Array.of(0x00, 0x14), PKH);
const SCRIPT_CODE = concat(Uint8Array.of(0x76, 0xa9, 0x14), PKH, Uint8Array.of(0x88, 0xac));
/** Witness v2 program: anyone can spend with any witness (no rules defined yet). */
const V2_PROGRAM = concat(Uint8Array.of(0x52, 0x20), new Uint8Array(32).fill(0x22));

/** Blocks on the fake branch are SPACING apart in median time; the parent's MTP is MTP. */
const mtpOfBlockBefore = (h: number): number => MTP - (H - h) * SPACING;

function fakeTxid(b: number): Uint8Array {
  return new Uint8Array(32).fill(b);
}

function coin(value: bigint, height: number, coinbase = false, script = P2WPKH): Coin {
  return { value, script, height, coinbase };
}

/** The UTXO set as of the parent block. */
const OUT_A = new OutPoint(fakeTxid(0xa1), 0); // plain P2WPKH coin, spent by the valid block
const OUT_B = new OutPoint(fakeTxid(0xb1), 0); // coinbase at H - 99: one block short of maturity
const OUT_C = new OutPoint(fakeTxid(0xc1), 0); // coinbase at H - 100: just mature
const OUT_D = new OutPoint(fakeTxid(0xd1), 0); // confirmed 5 blocks ago, for BIP68
const OUT_V2 = new OutPoint(fakeTxid(0xe1), 0); // witness v2 (anyone-can-spend) coin
function baseView(): Map<string, Coin> {
  return new Map([
    [OUT_A.key(), coin(10n * COIN, 100)],
    [OUT_B.key(), coin(50n * COIN, H - 99, true)],
    [OUT_C.key(), coin(50n * COIN, H - 100, true)],
    [OUT_D.key(), coin(3n * COIN, H - 5)],
    [OUT_V2.key(), coin(COIN, 120, false, V2_PROGRAM)],
  ]);
}

interface InputSpec {
  prevout: OutPoint;
  /** The coin spent: its value is what BIP143 signs. */
  coin: Coin;
  sequence?: number;
  /** Given for non-P2WPKH coins; P2WPKH inputs are signed. */
  witness?: Uint8Array[];
}

/** RFC 6979 low-S signature, DER-encoded (noble/secp256k1 v3 signs compact only). */
function derSig(msg: Uint8Array): Uint8Array {
  return signDigest(msg, SECRET);
}

/** A transaction spending `inputs`, every P2WPKH input signed SIGHASH_ALL over BIP143. */
function spend(
  inputs: InputSpec[],
  outputs: TxOut[],
  opts: { version?: number; locktime?: number } = {},
): Tx {
  const fields = { version: opts.version ?? 2, outputs, locktime: opts.locktime ?? 0 };
  const unsigned = new Tx({
    ...fields,
    inputs: inputs.map((i) => new TxIn(i.prevout, new Uint8Array(0), i.sequence ?? 0xffffffff)),
  });
  const pre = new PrecomputedTx(unsigned);
  const signed = inputs.map((inp, k) => {
    let witness = inp.witness;
    if (!witness) {
      const hash = witnessV0Sighash(pre, k, SCRIPT_CODE, inp.coin.value, 1);
      witness = [concat(derSig(hash), Uint8Array.of(1)), PUB];
    }
    return new TxIn(inp.prevout, new Uint8Array(0), inp.sequence ?? 0xffffffff, witness);
  });
  return new Tx({ ...fields, inputs: signed });
}

function pay(value: bigint): TxOut {
  return new TxOut(value, P2WPKH);
}

function opReturn(size: number): TxOut {
  const script = new Uint8Array(size);
  script[0] = 0x6a;
  return new TxOut(0n, script);
}

/** Spend output `index` of an earlier tx in the same block. */
function from(tx: Tx, index: number, sequence?: number): InputSpec {
  const out = tx.outputs[index]!;
  const spec: InputSpec = {
    prevout: new OutPoint(tx.txid(), index),
    coin: coin(out.value, H, false, out.script),
  };
  if (sequence !== undefined) spec.sequence = sequence;
  return spec;
}

function at(prevout: OutPoint, view: Map<string, Coin>, sequence?: number): InputSpec {
  const spec: InputSpec = { prevout, coin: view.get(prevout.key())! };
  if (sequence !== undefined) spec.sequence = sequence;
  return spec;
}

interface Scenario {
  view: Map<string, Coin>;
  /** Non-coinbase transactions in block order. */
  txs: Tx[];
  version: number;
  time: number;
  bits: number;
  /** 'grind' finds a nonce meeting the target, 'fail' one missing it, 'none' keeps nonce 0. */
  pow: 'grind' | 'fail' | 'none';
  merkle: 'auto' | 'wrong';
  cbScript: Uint8Array;
  /** Coinbase's first output; undefined = subsidy + fees. */
  cbValue?: bigint;
  cbExtraOutputs: TxOut[];
  cbWitness: Uint8Array[];
  commitment: 'auto' | 'wrong' | 'none';
  /** Rearranges [coinbase, ...txs] into the block's final transaction list. */
  layout: (coinbase: Tx, txs: Tx[]) => Tx[];
  ctx: { height: number; expectedBits: number; medianTimePast: number; now: number };
  subsidy: bigint;
}

function baseScenario(): Scenario {
  const view = baseView();
  const tx1 = spend([at(OUT_A, view)], [pay(6n * COIN), pay(4n * COIN - FEE)]);
  const tx2 = spend([from(tx1, 0)], [pay(6n * COIN - FEE)]);
  return {
    view,
    txs: [tx1, tx2],
    version: 0x20000000,
    time: MTP + SPACING,
    bits: 0x207fffff,
    pow: 'grind',
    merkle: 'auto',
    cbScript: concat(pushInt(H), Uint8Array.of(0x00)),
    cbExtraOutputs: [],
    cbWitness: [new Uint8Array(32)],
    commitment: 'auto',
    layout: (cb, txs) => [cb, ...txs],
    ctx: { height: H, expectedBits: 0x207fffff, medianTimePast: MTP, now: MTP + 2 * SPACING },
    subsidy: SUBSIDY,
  };
}

/** Fees of `txs` against the view and earlier txs (missing inputs count as zero, negative fees too). */
function feesOf(txs: readonly Tx[], view: Map<string, Coin>): bigint {
  const outs = new Map<string, bigint>();
  let fees = 0n;
  for (const tx of txs) {
    if (tx.isCoinbase()) continue;
    let fee = 0n;
    for (const i of tx.inputs) fee += outs.get(i.prevout.key()) ?? view.get(i.prevout.key())?.value ?? 0n;
    tx.outputs.forEach((o, k) => {
      fee -= o.value;
      outs.set(new OutPoint(tx.txid(), k).key(), o.value);
    });
    if (fee > 0n) fees += fee;
  }
  return fees;
}

function coinbaseTx(s: Scenario, value: bigint, commitment: Uint8Array | null): Tx {
  const outputs = [pay(value), ...s.cbExtraOutputs];
  if (commitment) outputs.push(new TxOut(0n, concat(WITNESS_COMMITMENT_HEADER, commitment)));
  return new Tx({
    version: 2,
    inputs: [new TxIn(OutPoint.null(), s.cbScript, 0xffffffff, s.cbWitness)],
    outputs,
    locktime: 0,
  });
}

function assemble(s: Scenario): Block {
  const value = s.cbValue ?? s.subsidy + feesOf(s.txs, s.view);
  // The witness root zeroes position 0 whatever sits there, so a placeholder coinbase will do.
  const placeholder = s.layout(coinbaseTx(s, value, null), s.txs);
  let commitment: Uint8Array | null = null;
  if (s.commitment !== 'none') {
    const root = witnessMerkleRoot(placeholder.map((t) => t.wtxid())).root;
    commitment = witnessCommitment(root, s.cbWitness[0] ?? new Uint8Array(32));
    if (s.commitment === 'wrong') commitment = Uint8Array.from(commitment, (b, i) => (i === 0 ? b ^ 1 : b));
  }
  const txs = s.layout(coinbaseTx(s, value, commitment), s.txs);
  const root = s.merkle === 'auto' ? merkleRoot(txs.map((t) => t.txid())).root : fakeTxid(0x77);
  const { target } = decodeCompact(s.bits);
  for (let nonce = 0; ; nonce++) {
    const header = new BlockHeader({
      version: s.version,
      prevBlock: fakeTxid(0x99),
      merkleRoot: root,
      time: s.time,
      bits: s.bits,
      nonce,
    });
    const meets = hashToBigInt(header.hash()) <= target;
    if (s.pow === 'none' || (s.pow === 'grind' && meets) || (s.pow === 'fail' && !meets)) {
      return new Block(header, txs);
    }
    if (nonce > 100_000) throw new Error('bad test: cannot grind');
  }
}

/** Every tier in the order the chain layer runs them. */
function validate(s: Scenario, backend?: EcdsaBackend): BlockInputsResult {
  const block = assemble(s);
  checkHeaderContextFree(block.header, P);
  checkHeaderContextual(block.header, s.ctx, P);
  checkBlock(block, P);
  checkBlockContextual(block, { height: s.ctx.height, medianTimePast: s.ctx.medianTimePast }, P);
  const view = { get: (k: string) => s.view.get(k) };
  return checkBlockInputs(
    block,
    view,
    {
      height: s.ctx.height,
      subsidy: s.subsidy,
      flags: MANDATORY_FLAGS,
      mtpOfBlockBefore,
      ...(backend ? { backend } : {}),
    },
    P,
  );
}

function codeOf(s: Scenario): { code: RuleCode | 'VALID'; err?: RuleError } {
  try {
    validate(s);
    return { code: 'VALID' };
  } catch (e) {
    if (e instanceof RuleError) return { code: e.code, err: e };
    throw e;
  }
}

/** The block's only spend becomes this one, signed. */
function onlyTx(
  s: Scenario,
  inputs: InputSpec[],
  outputs: TxOut[],
  opts?: { version?: number; locktime?: number },
): void {
  const tx1 = spend(inputs, outputs, opts);
  s.txs = [tx1];
}

interface Row {
  name: string;
  mutate: (s: Scenario) => void;
  wantCode: RuleCode;
  check?: (e: RuleError) => void;
}

const MAX_MONEY = P.maxMoney;
const CHECKMULTISIG = 0xae;

const rows: Row[] = [
  // Header, context-free.
  { name: 'hash above target', mutate: (s) => (s.pow = 'fail'), wantCode: 'HIGH_HASH' },
  {
    name: 'bits above powLimit',
    mutate: (s) => {
      s.bits = s.ctx.expectedBits = 0x2100ffff;
      s.pow = 'none';
    },
    wantCode: 'HIGH_HASH',
  },
  {
    name: 'negative bits',
    mutate: (s) => {
      s.bits = s.ctx.expectedBits = 0x20800001;
      s.pow = 'none';
    },
    wantCode: 'HIGH_HASH',
  },
  // Header, contextual.
  { name: 'bits differ from expected', mutate: (s) => (s.bits = 0x207ffffe), wantCode: 'BAD_DIFFBITS' },
  { name: 'time equal to median time past', mutate: (s) => (s.time = MTP), wantCode: 'TIME_TOO_OLD' },
  {
    name: 'time more than 2 hours ahead',
    mutate: (s) => {
      s.time = s.ctx.now + P.maxFutureBlockTime + 1;
    },
    wantCode: 'TIME_TOO_NEW',
  },
  { name: 'version 3 after BIP65', mutate: (s) => (s.version = 3), wantCode: 'BAD_VERSION' },
  { name: 'version 1 after BIP34', mutate: (s) => (s.version = 1), wantCode: 'BAD_VERSION' },
  { name: 'negative version', mutate: (s) => (s.version = -0x20000000), wantCode: 'BAD_VERSION' },
  // CheckBlock.
  { name: 'merkle root mismatch', mutate: (s) => (s.merkle = 'wrong'), wantCode: 'BAD_MERKLE_ROOT' },
  {
    name: 'duplicated last tx (CVE-2012-2459, same root)',
    mutate: (s) => {
      s.layout = (cb, txs) => [cb, ...txs, txs[txs.length - 1]!];
    },
    wantCode: 'DUPLICATE_TX',
  },
  {
    name: 'stripped size over 1,000,000 bytes',
    mutate: (s) => {
      s.cbExtraOutputs = [opReturn(600_000)];
      s.txs[1] = spend([from(s.txs[0]!, 0)], [pay(6n * COIN - FEE), opReturn(600_000)]);
    },
    wantCode: 'BLOCK_LENGTH',
  },
  { name: 'no coinbase', mutate: (s) => (s.layout = (_cb, txs) => txs), wantCode: 'COINBASE_MISSING' },
  {
    name: 'second coinbase',
    mutate: (s) => {
      const cb2 = new Tx({
        version: 1,
        inputs: [new TxIn(OutPoint.null(), Uint8Array.of(0x51, 0x51))],
        outputs: [pay(1n)],
        locktime: 0,
      });
      s.layout = (cb, txs) => [cb, ...txs, cb2];
    },
    wantCode: 'COINBASE_MULTIPLE',
  },
  {
    name: 'coinbase scriptSig of 101 bytes',
    mutate: (s) => {
      s.cbScript = concat(pushInt(H), new Uint8Array(101 - pushInt(H).length));
    },
    wantCode: 'TX_COINBASE_SCRIPT_SIZE',
  },
  {
    name: 'legacy sigops over the limit (1001 bare CHECKMULTISIG)',
    mutate: (s) => {
      s.cbExtraOutputs = [new TxOut(0n, new Uint8Array(1001).fill(CHECKMULTISIG))];
    },
    wantCode: 'BLOCK_SIGOPS',
  },
  {
    name: 'negative output',
    mutate: (s) => onlyTx(s, [at(OUT_A, s.view)], [pay(-1n), pay(COIN)]),
    wantCode: 'TX_OUTPUT_NEGATIVE',
  },
  {
    name: 'output above maxMoney',
    mutate: (s) => onlyTx(s, [at(OUT_A, s.view)], [pay(MAX_MONEY + 1n)]),
    wantCode: 'TX_OUTPUT_TOO_LARGE',
  },
  {
    name: 'outputs summing above maxMoney',
    mutate: (s) => onlyTx(s, [at(OUT_A, s.view)], [pay(MAX_MONEY / 2n + 1n), pay(MAX_MONEY / 2n)]),
    wantCode: 'TX_OUTPUT_TOTAL_TOO_LARGE',
  },
  {
    name: 'duplicate inputs',
    mutate: (s) => onlyTx(s, [at(OUT_A, s.view), at(OUT_A, s.view)], [pay(COIN)]),
    wantCode: 'TX_DUPLICATE_INPUTS',
  },
  {
    name: 'null prevout in a non-coinbase tx',
    mutate: (s) =>
      onlyTx(s, [at(OUT_A, s.view), { prevout: OutPoint.null(), coin: coin(0n, 0) }], [pay(COIN)]),
    wantCode: 'TX_NULL_PREVOUT',
  },
  {
    name: 'tx without outputs',
    mutate: (s) => onlyTx(s, [at(OUT_A, s.view)], []),
    wantCode: 'TX_NO_OUTPUTS',
  },
  {
    name: 'tx without inputs',
    mutate: (s) => s.txs.push(new Tx({ version: 2, inputs: [], outputs: [pay(0n)], locktime: 0 })),
    wantCode: 'TX_NO_INPUTS',
  },
  // ContextualCheckBlock.
  {
    name: 'height locktime not reached (locktime = height)',
    mutate: (s) => onlyTx(s, [at(OUT_A, s.view, 0xfffffffe)], [pay(COIN)], { locktime: H }),
    wantCode: 'TX_NONFINAL',
  },
  {
    name: 'time locktime not reached: BIP113 uses MTP, not the block time',
    mutate: (s) => onlyTx(s, [at(OUT_A, s.view, 0xfffffffe)], [pay(COIN)], { locktime: MTP }),
    wantCode: 'TX_NONFINAL',
  },
  {
    name: 'BIP34 height off by one',
    mutate: (s) => {
      s.cbScript = concat(pushInt(H + 1), Uint8Array.of(0x00));
    },
    wantCode: 'COINBASE_HEIGHT',
  },
  {
    name: 'BIP34 height pushed non-minimally',
    mutate: (s) => {
      s.cbScript = Uint8Array.of(0x03, H & 0xff, H >> 8, 0x00);
    },
    wantCode: 'COINBASE_HEIGHT',
  },
  {
    name: 'witness commitment mismatch',
    mutate: (s) => (s.commitment = 'wrong'),
    wantCode: 'WITNESS_MERKLE_MISMATCH',
  },
  {
    name: 'coinbase witness reserved value of 33 bytes',
    mutate: (s) => {
      s.cbWitness = [new Uint8Array(33)];
    },
    wantCode: 'WITNESS_NONCE_SIZE',
  },
  {
    name: 'coinbase without witness reserved value',
    mutate: (s) => {
      s.cbWitness = [];
    },
    wantCode: 'WITNESS_NONCE_SIZE',
  },
  {
    name: 'witness data without a commitment',
    mutate: (s) => {
      s.commitment = 'none';
      s.cbWitness = [];
    },
    wantCode: 'UNEXPECTED_WITNESS',
  },
  {
    name: 'weight over 4,000,000 from witness data alone',
    mutate: (s) =>
      s.txs.push(spend([{ ...at(OUT_V2, s.view), witness: [new Uint8Array(4_000_000)] }], [pay(COIN - FEE)])),
    wantCode: 'BLOCK_WEIGHT',
  },
  // Inputs (ConnectBlock).
  {
    name: 'input missing from the UTXO set',
    mutate: (s) =>
      onlyTx(s, [{ prevout: new OutPoint(fakeTxid(0x55), 0), coin: coin(10n * COIN, 100) }], [pay(COIN)]),
    wantCode: 'TX_MISSING_INPUTS',
  },
  {
    name: 'double spend inside the block',
    mutate: (s) => s.txs.push(spend([at(OUT_A, s.view)], [pay(9n * COIN)])),
    wantCode: 'TX_MISSING_INPUTS',
  },
  {
    name: 'child before its parent in the block',
    mutate: (s) => {
      s.txs = [s.txs[1]!, s.txs[0]!];
    },
    wantCode: 'TX_MISSING_INPUTS',
  },
  {
    name: 'spend of an in-block OP_RETURN output',
    mutate: (s) => {
      const tx1 = spend([at(OUT_A, s.view)], [new TxOut(COIN, Uint8Array.of(0x6a)), pay(8n * COIN)]);
      s.txs = [tx1, spend([from(tx1, 0)], [pay(COIN - FEE)])];
    },
    wantCode: 'TX_MISSING_INPUTS',
  },
  {
    name: 'coinbase spent at depth 99',
    mutate: (s) => s.txs.push(spend([at(OUT_B, s.view)], [pay(49n * COIN)])),
    wantCode: 'TX_PREMATURE_COINBASE_SPEND',
  },
  {
    name: 'coin value above maxMoney',
    mutate: (s) => {
      const out = new OutPoint(fakeTxid(0x66), 0);
      s.view.set(out.key(), coin(MAX_MONEY + 1n, 100));
      s.txs.push(spend([at(out, s.view)], [pay(COIN)]));
      s.cbValue = s.subsidy;
    },
    wantCode: 'TX_INPUT_VALUES_OUT_OF_RANGE',
  },
  {
    name: 'outputs above inputs',
    mutate: (s) => onlyTx(s, [at(OUT_A, s.view)], [pay(10n * COIN + 1n)]),
    wantCode: 'TX_IN_BELOW_OUT',
  },
  {
    name: 'accumulated fees above maxMoney',
    mutate: (s) => {
      const big = (MAX_MONEY / 10n) * 6n;
      for (const b of [0x67, 0x68]) {
        const out = new OutPoint(fakeTxid(b), 0);
        s.view.set(out.key(), coin(big, 100));
        s.txs.push(spend([at(out, s.view)], [pay(1n)]));
      }
      s.cbValue = s.subsidy;
    },
    wantCode: 'BLOCK_FEES_OUT_OF_RANGE',
  },
  {
    name: 'BIP30: output would overwrite an unspent coin',
    mutate: (s) => s.view.set(new OutPoint(s.txs[0]!.txid(), 1).key(), coin(COIN, 200)),
    wantCode: 'TX_BIP30',
  },
  {
    name: 'BIP68 height lock: 10 blocks on a coin 5 deep',
    mutate: (s) => s.txs.push(spend([at(OUT_D, s.view, 10)], [pay(3n * COIN - FEE)])),
    wantCode: 'TX_SEQUENCE_LOCKS',
  },
  {
    name: 'BIP68 time lock: 6 x 512 s on a coin 3000 s of MTP old',
    mutate: (s) =>
      s.txs.push(spend([at(OUT_D, s.view, SEQUENCE_LOCKTIME_TYPE_FLAG | 6)], [pay(3n * COIN - FEE)])),
    wantCode: 'TX_SEQUENCE_LOCKS',
  },
  {
    name: 'BIP68 on a coin created in the same block',
    mutate: (s) => {
      s.txs[1] = spend([from(s.txs[0]!, 0, 1)], [pay(6n * COIN - FEE)]);
    },
    wantCode: 'TX_SEQUENCE_LOCKS',
  },
  {
    name: 'sigop cost over the limit from a P2WSH witness script',
    mutate: (s) => {
      const ws = new Uint8Array(4001).fill(CHECKMULTISIG);
      const out = new OutPoint(fakeTxid(0x69), 0);
      s.view.set(out.key(), coin(COIN, 100, false, concat(Uint8Array.of(0x00, 0x20), sha256(ws))));
      s.txs.push(spend([{ ...at(out, s.view), witness: [ws] }], [pay(COIN - FEE)]));
    },
    wantCode: 'BLOCK_SIGOPS',
  },
  {
    name: 'bad signature',
    mutate: (s) => {
      const tx1 = s.txs[0]!;
      const input = tx1.inputs[0]!;
      const sig = Uint8Array.from(input.witness[0]!);
      const k = sig.length - 2; // last byte of S
      sig[k] = sig[k]! ^ 1;
      const bad = new TxIn(input.prevout, input.script, input.sequence, [sig, input.witness[1]!]);
      s.txs[0] = new Tx({
        version: tx1.version,
        inputs: [bad],
        outputs: tx1.outputs,
        locktime: tx1.locktime,
      });
      s.txs[1] = spend([from(s.txs[0], 0)], [pay(6n * COIN - FEE)]);
    },
    wantCode: 'SCRIPT_FAILED',
    check: (e) => {
      expect(e.scriptError).toBe('EVAL_FALSE');
      expect(e.inputIndex).toBe(0);
      expect(e.txIndex).toBe(1);
    },
  },
  {
    name: 'coinbase claims subsidy + fees + 1',
    mutate: (s) => {
      s.cbValue = s.subsidy + 2n * FEE + 1n;
    },
    wantCode: 'COINBASE_AMOUNT',
  },
];

/** Variants that sit exactly on a rule's boundary and must pass. */
const validRows: { name: string; mutate: (s: Scenario) => void }[] = [
  { name: 'base block', mutate: () => {} },
  { name: 'time exactly 2 hours ahead', mutate: (s) => (s.time = s.ctx.now + P.maxFutureBlockTime) },
  { name: 'time one second after MTP', mutate: (s) => (s.time = MTP + 1) },
  {
    name: 'coinbase spent at depth 100',
    mutate: (s) => s.txs.push(spend([at(OUT_C, s.view)], [pay(49n * COIN)])),
  },
  {
    name: 'height locktime = height - 1',
    mutate: (s) => onlyTx(s, [at(OUT_A, s.view, 0)], [pay(COIN)], { locktime: H - 1 }),
  },
  {
    name: 'time locktime = MTP - 1, block time later',
    mutate: (s) => onlyTx(s, [at(OUT_A, s.view, 0)], [pay(COIN)], { locktime: MTP - 1 }),
  },
  {
    name: 'unreached locktime with every sequence final',
    mutate: (s) => onlyTx(s, [at(OUT_A, s.view)], [pay(COIN)], { locktime: H + 1000 }),
  },
  {
    name: 'BIP68 height lock exactly met (5 on a coin 5 deep)',
    mutate: (s) => s.txs.push(spend([at(OUT_D, s.view, 5)], [pay(3n * COIN - FEE)])),
  },
  {
    name: 'BIP68 time lock exactly met (5 x 512 s)',
    mutate: (s) =>
      s.txs.push(spend([at(OUT_D, s.view, SEQUENCE_LOCKTIME_TYPE_FLAG | 5)], [pay(3n * COIN - FEE)])),
  },
  {
    name: 'BIP68 not applied to version 1',
    mutate: (s) => s.txs.push(spend([at(OUT_D, s.view, 10)], [pay(3n * COIN - FEE)], { version: 1 })),
  },
  {
    name: 'BIP68 disable flag',
    mutate: (s) =>
      s.txs.push(spend([at(OUT_D, s.view, SEQUENCE_LOCKTIME_DISABLE_FLAG | 10)], [pay(3n * COIN - FEE)])),
  },
  {
    name: 'no witness and no commitment',
    mutate: (s) => {
      s.commitment = 'none';
      s.cbWitness = [];
      s.txs = [];
    },
  },
  {
    name: 'anyone-can-spend witness v2 coin with a small witness',
    mutate: (s) =>
      s.txs.push(spend([{ ...at(OUT_V2, s.view), witness: [new Uint8Array(100)] }], [pay(COIN - FEE)])),
  },
  { name: 'coinbase claims less than allowed', mutate: (s) => (s.cbValue = 1n) },
];

/** Codes no block can reach, with the rule that fires first. */
const UNREACHABLE_FROM_BLOCK: Partial<Record<RuleCode, string>> = {
  TX_OVERSIZE: 'a tx over the limit makes its block fail bad-blk-length first',
  DUPLICATE_INVALID: 'needs the block index: test/chain.test.ts',
  BAD_PREVBLK: 'needs the block index: test/chain.test.ts',
  TX_FEE_OUT_OF_RANGE:
    'inputs within MoneyRange and outputs >= 0 bound the fee (Core keeps it as a backstop)',
  TX_NON_BIP68_FINAL: 'mempool policy code',
};

describe('consensus rules: the valid block', () => {
  it('passes every tier and reports fees and sigop cost', () => {
    const r = validate(baseScenario());
    expect(r.fees).toBe(2n * FEE);
    // Two P2WPKH inputs: one witness sigop each.
    expect(r.sigopCost).toBe(2);
    expect(r.spent.map((coins) => coins.map((c) => c.value))).toEqual([[10n * COIN], [6n * COIN]]);
  });

  it('verifies the same signatures with the pure-JS backend', () => {
    expect(validate(baseScenario(), nobleBackend).fees).toBe(2n * FEE);
    const s = baseScenario();
    rows.find((r) => r.wantCode === 'SCRIPT_FAILED')!.mutate(s);
    expect(() => validate(s, nobleBackend)).toThrow(/mandatory-script-verify-flag-failed/);
  });

  it.each(validRows)('still valid: $name', ({ mutate }) => {
    const s = baseScenario();
    mutate(s);
    expect(codeOf(s).code).toBe('VALID');
  });
});

describe('consensus rules: one broken rule per row', () => {
  it.each(rows)('$name -> $wantCode', ({ mutate, wantCode, check }) => {
    const s = baseScenario();
    mutate(s);
    const { code, err } = codeOf(s);
    expect(code).toBe(wantCode);
    expect(err!.reason).toBe(RULES[wantCode].reason);
    check?.(err!);
  });

  it('covers every rule code', () => {
    const covered = new Set<string>([...rows.map((r) => r.wantCode), ...Object.keys(UNREACHABLE_FROM_BLOCK)]);
    expect(Object.keys(RULES).filter((c) => !covered.has(c))).toEqual([]);
  });
});

describe('rule metadata', () => {
  it('bans for consensus failures, not for a header from the future', () => {
    // The scores live in the P2P layer's one table, keyed by these codes.
    expect(consequenceOf(new RuleError('TIME_TOO_NEW')).score).toBe(0);
    expect(consequenceOf(new RuleError('HIGH_HASH')).score).toBe(100);
    expect(consequenceOf(new RuleError('COINBASE_AMOUNT')).score).toBe(100);
    expect(NOT_CACHED_INVALID.has('TIME_TOO_NEW')).toBe(true);
    expect(NOT_CACHED_INVALID.has('BAD_MERKLE_ROOT')).toBe(true);
    expect(NOT_CACHED_INVALID.has('COINBASE_AMOUNT')).toBe(false);
  });

  it('uses Core reason strings, codes in SCREAMING_SNAKE', () => {
    for (const [code, rule] of Object.entries(RULES)) {
      expect(code).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect(rule.reason).toMatch(/^[a-zA-Z0-9-]+$/);
    }
  });
});

describe('BIP68 sequence locks', () => {
  const tx = (sequence: number, version = 2) =>
    new Tx({
      version,
      inputs: [new TxIn(OUT_D, new Uint8Array(0), sequence)],
      outputs: [pay(1n)],
      locktime: 0,
    });

  it('computes the last locked height and time as CalculateSequenceLocks', () => {
    expect(sequenceLocks(tx(10), true, [H - 5], mtpOfBlockBefore)).toEqual({ minHeight: H + 4, minTime: -1 });
    expect(sequenceLocks(tx(SEQUENCE_LOCKTIME_TYPE_FLAG | 2), true, [H - 5], mtpOfBlockBefore)).toEqual({
      minHeight: -1,
      minTime: mtpOfBlockBefore(H - 5) + 1024 - 1,
    });
    expect(sequenceLocks(tx(10), false, [H - 5], mtpOfBlockBefore)).toEqual({ minHeight: -1, minTime: -1 });
    expect(sequenceLocks(tx(10, 1), true, [H - 5], mtpOfBlockBefore)).toEqual({ minHeight: -1, minTime: -1 });
    // Versions read as unsigned: 0xffffffff is >= 2.
    expect(sequenceLocks(tx(10, -1), true, [H - 5], mtpOfBlockBefore).minHeight).toBe(H + 4);
  });

  it('evaluates strictly: locked while minHeight >= height or minTime >= parent MTP', () => {
    expect(checkSequenceLocks({ minHeight: H - 1, minTime: MTP - 1 }, H, MTP)).toBe(true);
    expect(checkSequenceLocks({ minHeight: H, minTime: -1 }, H, MTP)).toBe(false);
    expect(checkSequenceLocks({ minHeight: -1, minTime: MTP }, H, MTP)).toBe(false);
  });
});
