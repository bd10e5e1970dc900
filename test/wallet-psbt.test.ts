/**
 * PSBT (BIP174) against an independent implementation and a real node: bitcoinjs-lib's `Psbt`
 * reads, checks and signs what this wallet makes, and this wallet reads and signs what
 * bitcoinjs-lib makes; the finished transactions are accepted by a regtest node (in-process
 * FullNode; the wallet run in-process through program.ts's `main`) and confirm.
 *
 * Two signers hold two keys: the wallet (its BIP84 seed) and the test, through bitcoinjs-lib,
 * with a plain private key K (its coins also in a coordinator wallet, as an imported key).
 *
 * - ours creates (coordinator: the seed and K) -> bitcoinjs-lib signs K's input -> ours (the
 *   seed alone) signs the other -> ours finalizes and broadcasts -> the node accepts, it confirms;
 * - bitcoinjs-lib creates (with our key origin) -> ours signs its input -> bitcoinjs-lib signs
 *   K's, finalizes and extracts -> the node accepts.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as secp from '@noble/secp256k1';
import * as bitcoin from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAddress, encodeAddress } from '../node/protocol/address.js';
import { toHex } from '../node/protocol/bytes.js';
import { hash160 } from '../node/protocol/hash.js';
import { regtest } from '../node/protocol/params.js';
import { p2wpkh } from '../node/protocol/script/templates.js';
import { encodeWif } from '../node/protocol/wif.js';
import { startTestNode, stopTestNodes, type TestNode } from './helpers/node.js';
import { runInProcess } from './helpers/wallet-run.js';

const PW = { GOSSIP_WALLET_PASSWORD: 'psbt password' };
const BURN = p2wpkh(new Uint8Array(20).fill(0xee));
const K = new Uint8Array(32).fill(0x11);
const K_PUB = secp.getPublicKey(K, true);
const K_SCRIPT = p2wpkh(hash160(K_PUB));
const K_ADDR = encodeAddress(K_SCRIPT, regtest.address)!;
const signerK = {
  publicKey: K_PUB,
  sign: (hash: Uint8Array) => secp.sign(hash, K, { prehash: false, format: 'compact' }) as Uint8Array,
};

let dir: string;
let node: TestNode;
let seedFile: string;
let coordFile: string;

async function json<T = Record<string, unknown>>(file: string, ...args: string[]): Promise<T> {
  const r = await runInProcess(['-w', file, '--node', node.url, ...args, '--json'], PW);
  if (r.code !== 0) throw new Error(`gossip-wallet ${args.join(' ')} exited ${r.code}: ${r.err.trim()}`);
  return JSON.parse(r.out) as T;
}

interface Utxo {
  txid: string;
  vout: number;
  value_sat: number;
  address: string;
  spendable: boolean;
  confirmations: number;
}

const validator = (pub: Uint8Array, msg: Uint8Array, sig: Uint8Array) =>
  secp.verify(sig, msg, pub, { prehash: false, format: 'compact' });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gl-wallet-psbt-'));
  node = await startTestNode();
  seedFile = join(dir, 'seed.json');
  coordFile = join(dir, 'coord.json');
  const created = await json<{ mnemonic: string }>(
    seedFile,
    '-n',
    'regtest',
    'create',
    '--scrypt-log-n',
    '10',
  );
  const r = await runInProcess(['-n', 'regtest', '-w', coordFile, 'restore', '--scrypt-log-n', '10'], {
    ...PW,
    GOSSIP_WALLET_MNEMONIC: created.mnemonic,
  });
  expect(r.code).toBe(0);
  const wif = encodeWif(K, true, regtest.address.wif);
  expect((await runInProcess(['-w', coordFile, 'import-wif', wif], PW)).code).toBe(0);
  const { address } = await json<{ address: string }>(seedFile, 'address');
  await node.node.generate(101, decodeAddress(address, regtest.address));
  // Fund K twice, confirmed.
  await json(seedFile, 'send', K_ADDR, '2', '--fee-rate', '1');
  await json(seedFile, 'send', K_ADDR, '3', '--fee-rate', '1');
  await node.node.generate(1, BURN);
}, 300_000);

afterAll(async () => {
  await stopTestNodes();
  await rm(dir, { recursive: true, force: true });
});

describe('PSBT round trips with bitcoinjs-lib on a regtest node', () => {
  it('ours creates, bitcoinjs-lib signs one input, ours signs the other and broadcasts', async () => {
    const coins = await json<Utxo[]>(coordFile, 'utxos');
    const kCoin = coins.find((c) => c.address === K_ADDR && c.confirmations > 0)!;
    const hdCoin = coins.find((c) => c.address !== K_ADDR && c.spendable && c.confirmations > 0)!;
    expect(kCoin && hdCoin).toBeTruthy();
    const { address: to } = await json<{ address: string }>(seedFile, 'address');
    const created = await json<{ psbt: string; txid: string; fee_sat: number }>(
      coordFile,
      'psbt',
      'create',
      to,
      '1.5',
      '--utxo',
      `${kCoin.txid}:${kCoin.vout}`,
      '--utxo',
      `${hdCoin.txid}:${hdCoin.vout}`,
      '--fee-rate',
      '2',
    );
    // bitcoinjs-lib reads it: the same transaction, the UTXOs and the seed key's origin.
    const p = bitcoin.Psbt.fromBase64(created.psbt, { network: bitcoin.networks.regtest });
    expect(p.txInputs).toHaveLength(2);
    const inSum = p.data.inputs.reduce((s, i) => s + i.witnessUtxo!.value, 0n);
    expect(inSum - p.txOutputs.reduce((s, o) => s + o.value, 0n)).toBe(BigInt(created.fee_sat));
    const kIndex = p.data.inputs.findIndex((i) => toHex(i.witnessUtxo!.script) === toHex(K_SCRIPT));
    const hdIndex = 1 - kIndex;
    expect(p.data.inputs[hdIndex]!.bip32Derivation?.[0]?.path).toMatch(/^m\/84'\/1'\/0'\/[01]\/\d+$/);
    p.signInput(kIndex, signerK);
    const file = join(dir, 'half.psbt');
    await writeFile(file, p.toBase64());

    // The seed wallet alone signs the other input (K is not its key).
    const signed = await json<{ psbt: string; signed_inputs: number[] }>(seedFile, 'psbt', 'sign', file);
    expect(signed.signed_inputs).toEqual([hdIndex]);
    // bitcoinjs-lib checks both partial signatures.
    const both = bitcoin.Psbt.fromBase64(signed.psbt);
    expect(both.validateSignaturesOfInput(0, validator)).toBe(true);
    expect(both.validateSignaturesOfInput(1, validator)).toBe(true);
    const decoded = await json<{ inputs: { partial_signatures: string[]; final: boolean }[] }>(
      seedFile,
      'psbt',
      'decode',
      signed.psbt,
    );
    expect(decoded.inputs.map((i) => i.partial_signatures.length)).toEqual([1, 1]);

    const fin = await json<{ psbt: string; complete: boolean }>(seedFile, 'psbt', 'finalize', signed.psbt);
    expect(fin.complete).toBe(true);
    const sent = await json<{ txid: string }>(seedFile, 'psbt', 'broadcast', fin.psbt);
    expect(sent.txid).toBe(created.txid);
    expect(await node.rpc<string[]>('getrawmempool')).toContain(sent.txid);
    // bitcoinjs-lib extracts the same transaction from our finalized PSBT.
    expect(bitcoin.Psbt.fromBase64(fin.psbt).extractTransaction().getId()).toBe(sent.txid);
    await node.node.generate(1, BURN);
    const st = (await (await fetch(`${node.url}/api/tx/${sent.txid}/status`)).json()) as {
      confirmed: boolean;
    };
    expect(st.confirmed).toBe(true);
  }, 120_000);

  it('bitcoinjs-lib creates, ours signs its input, bitcoinjs-lib signs, finalizes, and the node accepts', async () => {
    const coins = await json<Utxo[]>(coordFile, 'utxos');
    const kCoin = coins.find((c) => c.address === K_ADDR && c.confirmations > 0)!;
    const hdCoin = coins.find((c) => c.address !== K_ADDR && c.spendable && c.confirmations > 0)!;
    // Our key origin, as a coordinator would learn it: from a PSBT of ours.
    const probe = await json<{ psbt: string }>(
      coordFile,
      'psbt',
      'create',
      K_ADDR,
      '0.1',
      '--utxo',
      `${hdCoin.txid}:${hdCoin.vout}`,
    );
    const origin = bitcoin.Psbt.fromBase64(probe.psbt).data.inputs[0]!.bip32Derivation![0]!;

    const p = new bitcoin.Psbt({ network: bitcoin.networks.regtest });
    p.addInput({
      hash: hdCoin.txid,
      index: hdCoin.vout,
      sequence: 0xfffffffd,
      witnessUtxo: {
        script: decodeAddress(hdCoin.address, regtest.address),
        value: BigInt(hdCoin.value_sat),
      },
      bip32Derivation: [origin],
    });
    p.addInput({
      hash: kCoin.txid,
      index: kCoin.vout,
      sequence: 0xfffffffd,
      witnessUtxo: { script: K_SCRIPT, value: BigInt(kCoin.value_sat) },
    });
    const total = BigInt(hdCoin.value_sat + kCoin.value_sat);
    p.addOutput({ script: BURN, value: total - 10_000n });
    const file = join(dir, 'theirs.psbt');
    await writeFile(file, p.toBase64());

    const signed = await json<{ psbt: string; signed_inputs: number[] }>(seedFile, 'psbt', 'sign', file);
    expect(signed.signed_inputs).toEqual([0]);
    const back = bitcoin.Psbt.fromBase64(signed.psbt, { network: bitcoin.networks.regtest });
    expect(back.validateSignaturesOfInput(0, validator)).toBe(true);
    back.signInput(1, signerK);
    back.finalizeAllInputs();
    const tx = back.extractTransaction();
    const res = await fetch(`${node.url}/api/tx`, { method: 'POST', body: tx.toHex() });
    expect(await res.text()).toBe(tx.getId());
    expect(await node.rpc<string[]>('getrawmempool')).toContain(tx.getId());
    // Unknown fields survive our signer (BIP174: never removed).
    const withUnknown = bitcoin.Psbt.fromBase64(p.toBase64());
    withUnknown.addUnknownKeyValToInput(0, { key: Uint8Array.of(0xfc, 1, 2), value: Uint8Array.of(9) });
    const s2 = await json<{ psbt: string }>(seedFile, 'psbt', 'sign', withUnknown.toBase64());
    expect(bitcoin.Psbt.fromBase64(s2.psbt).data.inputs[0]!.unknownKeyVals).toHaveLength(1);
  }, 120_000);

  it('refuses malformed PSBTs with one line and exit 1', async () => {
    const good = await json<{ psbt: string }>(coordFile, 'psbt', 'create', K_ADDR, '0.1');
    const bytes = Buffer.from(good.psbt, 'base64');
    const cases = [
      'cHNidP8=', // magic only
      Buffer.from(bytes.subarray(0, bytes.length - 3)).toString('base64'), // truncated
      Buffer.concat([Buffer.from('psbt\x00', 'latin1'), bytes.subarray(5)]).toString('base64'), // bad magic
      'not a psbt',
    ];
    for (const c of cases) {
      const r = await runInProcess(['-w', seedFile, 'psbt', 'decode', c], PW);
      expect({ c, code: r.code }).toEqual({ c, code: 1 });
      expect(r.err.split('\n')).toHaveLength(1);
    }
    // A PSBT the seed wallet holds no key for: exit 1, nothing signed.
    const foreign = new bitcoin.Psbt({ network: bitcoin.networks.regtest });
    foreign.addInput({ hash: '00'.repeat(32), index: 0, witnessUtxo: { script: K_SCRIPT, value: 1000n } });
    foreign.addOutput({ script: BURN, value: 500n });
    const r = await runInProcess(['-w', seedFile, 'psbt', 'sign', foreign.toBase64()], PW);
    expect(r.code).toBe(1);
    // Combining PSBTs of different transactions is refused.
    const other = await json<{ psbt: string }>(coordFile, 'psbt', 'create', K_ADDR, '0.2');
    const c = await runInProcess(['psbt', 'combine', good.psbt, other.psbt]);
    expect(c.code).toBe(1);
  }, 120_000);
});
