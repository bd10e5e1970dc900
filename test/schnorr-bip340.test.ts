/**
 * BIP340's own test vectors (bips bip-0340/test-vectors.csv), every row, on both Schnorr
 * backends: libsecp256k1 as WebAssembly (tiny-secp256k1) and @noble/secp256k1. Signing rows
 * are also signed with both libraries (with the row's aux_rand) and must give the row's bytes.
 */
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import * as noble from '@noble/secp256k1';
import * as tiny from 'tiny-secp256k1';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../node/protocol/bytes.js';
import { nobleSchnorr, type SchnorrBackend, wasmSchnorr } from '../node/protocol/schnorr.js';
import { vectorPath } from './helpers/vectors.js';

interface Row {
  index: number;
  secret: string;
  pubkey: string;
  aux: string;
  msg: string;
  sig: string;
  valid: boolean;
  comment: string;
}

function rows(): Row[] {
  const lines = readFileSync(vectorPath('taproot', 'bip340-test-vectors.csv'), 'utf8').trim().split(/\r?\n/);
  return lines.slice(1).map((line) => {
    const [index, secret, pubkey, aux, msg, sig, result, comment] = line.split(',');
    return {
      index: Number(index),
      secret: secret!,
      pubkey: pubkey!,
      aux: aux!,
      msg: msg!,
      sig: sig!,
      valid: result === 'TRUE',
      comment: comment ?? '',
    };
  });
}

const ROWS = rows();
const backends = [wasmSchnorr, nobleSchnorr].filter((b): b is SchnorrBackend => b !== null);

it('has all 19 vectors and the WebAssembly backend loads', () => {
  expect(ROWS.length).toBe(19);
  expect(ROWS.filter((r) => !r.valid).length).toBeGreaterThan(5);
  expect(wasmSchnorr?.name).toBe('libsecp256k1-wasm');
});

describe.each(backends.map((b) => [b.name, b] as const))('BIP340 verify on %s', (_name, backend) => {
  it.each(ROWS.map((r) => [r.index, r] as const))('row %i', (_i, r) => {
    expect(backend.verify(fromHex(r.msg), fromHex(r.sig), fromHex(r.pubkey))).toBe(r.valid);
  });
});

describe('BIP340 signing rows', () => {
  const signing = ROWS.filter((r) => r.secret !== '');
  it('tiny-secp256k1 and noble produce the listed signature and key', () => {
    expect(signing.length).toBe(8);
    for (const r of signing) {
      const d = fromHex(r.secret);
      const m = fromHex(r.msg);
      const aux = fromHex(r.aux);
      expect(toHex(tiny.xOnlyPointFromScalar(d)).toUpperCase()).toBe(r.pubkey);
      expect(toHex(noble.schnorr.getPublicKey(d)).toUpperCase()).toBe(r.pubkey);
      if (m.length === 32) expect(toHex(tiny.signSchnorr(m, d, aux)).toUpperCase()).toBe(r.sig);
      expect(toHex(noble.schnorr.sign(m, d, aux)).toUpperCase()).toBe(r.sig);
    }
  });
});

it('tiny-secp256k1 loads and verifies inside a worker thread', async () => {
  const r = ROWS.find((x) => x.index === 1)!;
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { createRequire } = require('node:module');
    const tiny = createRequire(workerData.base)('tiny-secp256k1');
    const h = (s) => Uint8Array.from(Buffer.from(s, 'hex'));
    parentPort.postMessage([
      tiny.verifySchnorr(h(workerData.msg), h(workerData.pubkey), h(workerData.sig)),
      tiny.verifySchnorr(h(workerData.msg), h(workerData.pubkey), h(workerData.bad)),
    ]);`;
  const bad = `${r.sig.slice(0, -2)}${r.sig.endsWith('00') ? '01' : '00'}`;
  const w = new Worker(code, {
    eval: true,
    workerData: { base: import.meta.url, msg: r.msg, pubkey: r.pubkey, sig: r.sig, bad },
  });
  try {
    const got = await new Promise<unknown>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    expect(got).toEqual([true, false]);
  } finally {
    await w.terminate();
  }
}, 30_000);
