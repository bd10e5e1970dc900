/**
 * Taproot benchmarks: BIP340 verifies/s (libsecp256k1 as WebAssembly through tiny-secp256k1, and
 * noble) against libsecp256k1's native ECDSA in the same run; then a block of 2,000 key-path
 * P2TR inputs against one of 2,000 P2WPKH inputs, checked by the script pool on the calling
 * thread alone ("1 thread") and with one worker helping ("2 threads"), as inputs/s.
 */
import * as tiny from 'tiny-secp256k1';
import { verifyTxs } from '../node/chain/script-chunks.js';
import { ScriptPool } from '../node/chain/script-pool.js';
import type { Coin } from '../node/consensus/tx-inputs.js';
import { Block } from '../node/protocol/block.js';
import { concat } from '../node/protocol/bytes.js';
import { nativeBackend } from '../node/protocol/ecdsa.js';
import { createGenesisBlock, REGTEST_GENESIS_SPEC } from '../node/protocol/genesis.js';
import { hash160, sha256 } from '../node/protocol/hash.js';
import { nobleSchnorr, wasmSchnorr } from '../node/protocol/schnorr.js';
import { MANDATORY_FLAGS } from '../node/protocol/script/flags.js';
import { PrecomputedTx, SigVersion, witnessV0Sighash } from '../node/protocol/script/sighash.js';
import { taprootSighash } from '../node/protocol/script/sighash-taproot.js';
import { tapTweakHash } from '../node/protocol/script/taproot.js';
import { p2pkh, p2tr, p2wpkh } from '../node/protocol/script/templates.js';
import { derEncode } from '../node/protocol/sign.js';
import { OutPoint, Tx, TxIn, TxOut } from '../node/protocol/tx.js';
import { emit, rate } from './lib.js';

const INPUTS = 2000;
const PER_TX = 10;

function secretOf(i: number): Uint8Array {
  return sha256(Uint8Array.of(i & 0xff, i >> 8, 7));
}

function signatureRates(): void {
  const d = secretOf(1);
  const msg = sha256(Uint8Array.of(1));
  const x = tiny.xOnlyPointFromScalar(d);
  const sig = tiny.signSchnorr(msg, d, new Uint8Array(32));
  const pub = tiny.pointFromScalar(d, true)!;
  const ecdsa = tiny.sign(msg, d);
  const figures: Record<string, number> = {};
  const native = nativeBackend;
  const wasm = wasmSchnorr;
  if (native) figures.ecdsaNativePerSec = rate(() => (native.verify(msg, ecdsa, pub) ? 1 : 0)).opsPerSec;
  if (wasm) figures.schnorrWasmPerSec = rate(() => (wasm.verify(msg, sig, x) ? 1 : 0)).opsPerSec;
  figures.schnorrNoblePerSec = rate(() => (nobleSchnorr.verify(msg, sig, x) ? 1 : 0), 500).opsPerSec;
  if (figures.ecdsaNativePerSec && figures.schnorrWasmPerSec) {
    figures.schnorrWasmVsNativeEcdsa =
      Math.round((figures.schnorrWasmPerSec / figures.ecdsaNativePerSec) * 100) / 100;
  }
  emit('taproot-signatures', figures);
}

/** A block of INPUTS inputs of one kind, signed, and the coins they spend. */
function buildBlock(kind: 'p2tr' | 'p2wpkh'): { block: Block; raw: Uint8Array; spent: Coin[][] } {
  const genesis = createGenesisBlock(REGTEST_GENESIS_SPEC);
  const txs: Tx[] = [genesis.txs[0]!];
  const spent: Coin[][] = [];
  for (let t = 0; t < INPUTS / PER_TX; t++) {
    const keys = Array.from({ length: PER_TX }, (_, k) => secretOf(t * PER_TX + k));
    const coins: Coin[] = keys.map((d) => {
      const script =
        kind === 'p2tr'
          ? p2tr(
              tiny.xOnlyPointAddTweak(
                tiny.xOnlyPointFromScalar(d),
                tapTweakHash(tiny.xOnlyPointFromScalar(d), null),
              )!.xOnlyPubkey,
            )
          : p2wpkh(hash160(tiny.pointFromScalar(d, true)!));
      return { value: 100_000n, script, height: 1, coinbase: false };
    });
    const inputs = keys.map(
      (_, k) => new TxIn(new OutPoint(sha256(Uint8Array.of(t, k, 9)), k), new Uint8Array(0), 0xffffffff),
    );
    const unsigned = new Tx({
      version: 2,
      inputs,
      outputs: [new TxOut(900_000n, coins[0]!.script)],
      locktime: 0,
    });
    const pre = new PrecomputedTx(unsigned, coins);
    const witnesses = keys.map((d, k) => {
      if (kind === 'p2tr') {
        const h = taprootSighash(pre, k, 0, SigVersion.TAPROOT, {
          annexHash: null,
          codeSeparatorPos: 0xffffffff,
          validationWeightLeft: 0,
        })!;
        const even = tiny.pointFromScalar(d, true)![0] === 3 ? tiny.privateNegate(d) : d;
        const tweaked = tiny.privateAdd(even, tapTweakHash(tiny.xOnlyPointFromScalar(d), null))!;
        return [tiny.signSchnorr(h, tweaked, new Uint8Array(32))];
      }
      const pub = tiny.pointFromScalar(d, true)!;
      const h = witnessV0Sighash(pre, k, p2pkh(hash160(pub)), 100_000n, 1);
      return [concat(derEncode(tiny.sign(h, d)), Uint8Array.of(1)), pub];
    });
    const signedInputs = inputs.map((i, k) => new TxIn(i.prevout, i.script, i.sequence, witnesses[k]!));
    txs.push(new Tx({ version: 2, inputs: signedInputs, outputs: unsigned.outputs, locktime: 0 }));
    spent.push(coins);
  }
  const block = new Block(genesis.header, txs);
  return { block, raw: block.toBytes(), spent };
}

async function blockRates(): Promise<void> {
  const pool = ScriptPool.create(1);
  try {
    for (const kind of ['p2wpkh', 'p2tr'] as const) {
      const b = buildBlock(kind);
      const one = await measure(async () => {
        // One thread: the calling thread verifies everything (no worker is asked).
        const f = verifyTxs(b.block.txs.slice(1), 1, (k) => b.spent[k]!, MANDATORY_FLAGS);
        if (f) throw new Error(`bench block fails: ${JSON.stringify(f)}`);
      });
      const two = pool
        ? await measure(async () => {
            const f = await pool.verify(b.block, b.raw, b.spent, MANDATORY_FLAGS);
            if (f) throw new Error(`bench block fails: ${JSON.stringify(f)}`);
          })
        : null;
      emit('taproot-block', {
        kind,
        inputs: INPUTS,
        inputsPerSec1Thread: Math.round(INPUTS / one),
        inputsPerSec2Threads: two === null ? null : Math.round(INPUTS / two),
      });
    }
  } finally {
    await pool?.close();
  }
}

/** Best of three runs, in seconds. */
async function measure(fn: () => Promise<void>): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const start = process.hrtime.bigint();
    await fn();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
  }
  return best;
}

export async function run(): Promise<void> {
  signatureRates();
  await blockRates();
}
