/**
 * BIP86 taproot in the wallet against a real regtest node (in-process FullNode, its explorer
 * API on an ephemeral port; the wallet run in-process through program.ts's `main`): a bcrt1p
 * address receives, the gap-limit scan finds the coin (balance, utxos, next address), a
 * key-path spend and a spend mixing P2WPKH and P2TR inputs are accepted to the node's mempool
 * and mined, their fees are the estimated sizes at the asked rate, and bitcoinjs-lib reads the
 * raw transactions the node serves back to the same txid and witnesses and accepts every
 * Schnorr signature over its own BIP341 sighash.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as bitcoin from 'bitcoinjs-lib';
import * as tiny from 'tiny-secp256k1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAddress } from '../node/protocol/address.js';
import { fromHex, toHex } from '../node/protocol/bytes.js';
import { regtest } from '../node/protocol/params.js';
import { p2wpkh } from '../node/protocol/script/templates.js';
import { startTestNode, stopTestNodes, type TestNode } from './helpers/node.js';
import { runInProcess } from './helpers/wallet-run.js';

bitcoin.initEccLib(tiny);

const PW = { GOSSIP_WALLET_PASSWORD: 'taproot password' };
const BURN = p2wpkh(new Uint8Array(20).fill(0xee));
const RATE = 2; // sat/vB

let dir: string;
let node: TestNode;
let miner: string;
let alice: string;

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
  path: string;
  confirmations: number;
}

interface Sent {
  txid: string;
  fee_sat: number;
  vsize: number;
  inputs: number;
  change_index: number;
}

interface EsploraTx {
  vin: { txid: string; vout: number; prevout: { scriptpubkey: string; value: number } }[];
  vout: { scriptpubkey: string; scriptpubkey_address?: string; scriptpubkey_type: string; value: number }[];
  status: { confirmed: boolean };
}

async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${node.url}/api${path}`);
  expect(res.status).toBe(200);
  return (path.endsWith('/hex') ? await res.text() : await res.json()) as T;
}

/** Mines one block and checks the transactions left the mempool for it. */
async function mine(...txids: string[]): Promise<void> {
  for (const t of txids) expect(await node.rpc<string[]>('getrawmempool')).toContain(t);
  await node.node.generate(1, BURN);
  for (const t of txids) expect((await api<EsploraTx>(`/tx/${t}`)).status.confirmed).toBe(true);
}

/**
 * The node's copy of `txid` parsed by bitcoinjs-lib: same txid, and each P2TR input's single
 * witness item a valid BIP340 signature, over bitcoinjs's own BIP341 sighash (SIGHASH_DEFAULT,
 * all prevouts' amounts and scripts), by the output key of the coin it spends.
 */
async function checkWithBitcoinjs(txid: string): Promise<{ taproot: number; segwitV0: number }> {
  const hex = await api<string>(`/tx/${txid}/hex`);
  const theirs = bitcoin.Transaction.fromHex(hex);
  expect(theirs.getId()).toBe(txid);
  const esplora = await api<EsploraTx>(`/tx/${txid}`);
  const scripts = esplora.vin.map((i) => fromHex(i.prevout.scriptpubkey));
  const values = esplora.vin.map((i) => BigInt(i.prevout.value));
  let taproot = 0;
  let segwitV0 = 0;
  theirs.ins.forEach((input, i) => {
    const script = scripts[i]!;
    if (script[0] === 0x51) {
      expect(input.witness).toHaveLength(1);
      expect(input.witness[0]).toHaveLength(64);
      const hash = theirs.hashForWitnessV1(i, scripts, values, bitcoin.Transaction.SIGHASH_DEFAULT);
      expect(tiny.verifySchnorr(hash, script.subarray(2), input.witness[0]!)).toBe(true);
      // The same signature over another input's sighash must not verify: the check can fail.
      const other = theirs.hashForWitnessV1((i + 1) % theirs.ins.length, scripts, values, 0);
      if (theirs.ins.length > 1)
        expect(tiny.verifySchnorr(other, script.subarray(2), input.witness[0]!)).toBe(false);
      taproot++;
    } else {
      expect(input.witness).toHaveLength(2);
      segwitV0++;
    }
  });
  return { taproot, segwitV0 };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gl-wallet-taproot-'));
  node = await startTestNode();
  miner = join(dir, 'miner.json');
  alice = join(dir, 'alice.json');
  for (const f of [miner, alice]) {
    const r = await runInProcess(['-n', 'regtest', '-w', f, 'create', '--scrypt-log-n', '10'], PW);
    expect(r.code).toBe(0);
  }
  const { address } = await json<{ address: string }>(miner, 'address');
  // 101 blocks: one mature coinbase of 50 coins.
  await node.node.generate(101, decodeAddress(address, regtest.address));
}, 300_000);

afterAll(async () => {
  await stopTestNodes();
  await rm(dir, { recursive: true, force: true });
});

describe('BIP86 P2TR on a regtest node', () => {
  let trCoin: Utxo;
  let wpkhCoin: Utxo;

  it('receives to a bcrt1p address; the scan finds the coin and moves to the next address', async () => {
    const first = await json<{ address: string; path: string; type: string }>(
      alice,
      'address',
      '--type',
      'p2tr',
    );
    expect(first.address).toMatch(/^bcrt1p/);
    expect(first.path).toBe("m/86'/1'/0'/0/0");
    expect(first.type).toBe('p2tr');
    const plain = await json<{ address: string }>(alice, 'address');
    expect(plain.address).toMatch(/^bcrt1q/);
    const toTr = await json<Sent>(miner, 'send', first.address, '1', '--fee-rate', String(RATE));
    const toWpkh = await json<Sent>(miner, 'send', plain.address, '0.5', '--fee-rate', String(RATE));
    // A P2TR recipient gets P2TR change (the default rule), a P2WPKH one P2WPKH change.
    const outTypes = async (t: string) =>
      (await api<EsploraTx>(`/tx/${t}`)).vout.map((o) => o.scriptpubkey_type).sort();
    expect(await outTypes(toTr.txid)).toEqual(['v1_p2tr', 'v1_p2tr']);
    await mine(toTr.txid, toWpkh.txid);
    expect(await outTypes(toWpkh.txid)).toEqual(['v0_p2wpkh', 'v0_p2wpkh']);

    const bal = await json<{ trusted_sat: number }>(alice, 'balance');
    expect(bal.trusted_sat).toBe(150_000_000);
    const coins = await json<Utxo[]>(alice, 'utxos');
    trCoin = coins.find((c) => c.address === first.address)!;
    wpkhCoin = coins.find((c) => c.address === plain.address)!;
    expect(trCoin.path).toBe("m/86'/1'/0'/0/0");
    expect(trCoin.value_sat).toBe(100_000_000);
    expect(wpkhCoin.value_sat).toBe(50_000_000);
    const next = await json<{ path: string }>(alice, 'address', '--type', 'p2tr');
    expect(next.path).toBe("m/86'/1'/0'/0/1");
    // The miner's P2TR change was found on its BIP86 change chain.
    const minerCoins = await json<Utxo[]>(miner, 'utxos');
    expect(minerCoins.some((c) => c.path.startsWith("m/86'/1'/0'/1/"))).toBe(true);
  }, 300_000);

  it('spends a P2TR coin by key path; the node accepts and mines it', async () => {
    const { address } = await json<{ address: string }>(miner, 'address');
    const sent = await json<Sent>(
      alice,
      'send',
      address,
      '0.3',
      '--utxo',
      `${trCoin.txid}:${trCoin.vout}`,
      '--change-type',
      'p2tr',
      '--fee-rate',
      String(RATE),
    );
    expect(sent.inputs).toBe(1);
    // 1 P2TR input (57.5 vB), a P2WPKH payment (31 vB), P2TR change (43 vB), 10.5 vB overhead.
    expect(sent.vsize).toBe(142);
    expect(sent.fee_sat).toBe(142 * RATE);
    expect(await checkWithBitcoinjs(sent.txid)).toEqual({ taproot: 1, segwitV0: 0 });
    await mine(sent.txid);
    const coins = await json<Utxo[]>(alice, 'utxos');
    const change = coins.find((c) => c.txid === sent.txid)!;
    expect(change.path).toBe("m/86'/1'/0'/1/0");
    expect(change.value_sat).toBe(70_000_000 - sent.fee_sat);
    trCoin = change;
  }, 300_000);

  it('spends P2WPKH and P2TR coins in one transaction; the node accepts and mines it', async () => {
    const { address } = await json<{ address: string }>(miner, 'address', '--type', 'p2tr');
    const sent = await json<Sent>(
      alice,
      'send',
      address,
      '1',
      '--utxo',
      `${trCoin.txid}:${trCoin.vout}`,
      '--utxo',
      `${wpkhCoin.txid}:${wpkhCoin.vout}`,
      '--change-type',
      'p2wpkh',
      '--fee-rate',
      String(RATE),
    );
    expect(sent.inputs).toBe(2);
    expect(await checkWithBitcoinjs(sent.txid)).toEqual({ taproot: 1, segwitV0: 1 });
    // Planned with a 72-byte DER signature: the fee covers the real size, at most 1 vB over.
    expect(sent.fee_sat).toBeGreaterThanOrEqual(sent.vsize * RATE);
    expect(sent.fee_sat).toBeLessThanOrEqual((sent.vsize + 1) * RATE);
    await mine(sent.txid);
    const hist = await json<{ txid: string; net_sat: number }[]>(alice, 'history');
    expect(hist[0]!.txid).toBe(sent.txid);
    expect(hist[0]!.net_sat).toBe(-(100_000_000 + sent.fee_sat));
    const bal = await json<{ trusted_sat: number; total_sat: number }>(alice, 'balance');
    expect(bal.total_sat).toBe(150_000_000 - 30_000_000 - 100_000_000 - 142 * RATE - sent.fee_sat);
  }, 300_000);

  it('bumps the fee of an unconfirmed P2TR spend (BIP125 replacement signed by key path)', async () => {
    // The mixed spend left only P2WPKH change: move some of it to our own P2TR address first.
    const wp = (await json<Utxo[]>(alice, 'utxos')).find((c) => c.path.startsWith("m/84'/"))!;
    const self = await json<{ address: string }>(alice, 'address', '--type', 'p2tr');
    const prep = await json<Sent>(alice, 'send', self.address, '0.1', '--utxo', `${wp.txid}:${wp.vout}`);
    await mine(prep.txid);
    const tr = (await json<Utxo[]>(alice, 'utxos')).find((c) => c.address === self.address)!;
    expect(tr.path).toMatch(/^m\/86'\/1'\/0'\/0\/\d+$/);
    const { address } = await json<{ address: string }>(miner, 'address');
    const orig = await json<Sent>(
      alice,
      'send',
      address,
      '0.01',
      '--utxo',
      `${tr.txid}:${tr.vout}`,
      '--fee-rate',
      '1',
    );
    const bumped = await json<{ txid: string; replaces: string; fee_sat: number }>(
      alice,
      'bumpfee',
      orig.txid,
      '--fee-rate',
      '5',
    );
    expect(bumped.replaces).toBe(orig.txid);
    expect(bumped.fee_sat).toBeGreaterThan(orig.fee_sat);
    expect(await node.rpc<string[]>('getrawmempool')).not.toContain(orig.txid);
    expect(await checkWithBitcoinjs(bumped.txid)).toEqual({ taproot: 1, segwitV0: 0 });
    await mine(bumped.txid);
  }, 300_000);

  it('PSBT (BIP174/BIP371): create, sign and finalize a P2TR + P2WPKH spend that bitcoinjs-lib checks', async () => {
    const coins = await json<Utxo[]>(alice, 'utxos');
    const tr = coins.find((c) => c.path.startsWith("m/86'/"))!;
    const wp = coins.find((c) => c.path.startsWith("m/84'/"))!;
    expect(tr).toBeDefined();
    expect(wp).toBeDefined();
    const { address } = await json<{ address: string }>(miner, 'address');
    const created = await json<{ psbt: string }>(
      alice,
      'psbt',
      'create',
      address,
      '0.05',
      '--utxo',
      `${tr.txid}:${tr.vout}`,
      '--utxo',
      `${wp.txid}:${wp.vout}`,
      '--change-type',
      'p2tr',
      '--fee-rate',
      String(RATE),
    );
    const unsigned = bitcoin.Psbt.fromBase64(created.psbt, { network: bitcoin.networks.regtest });
    const at = (c: Utxo) => unsigned.txInputs.findIndex((i) => toHex(i.hash.slice().reverse()) === c.txid);
    const iTr = at(tr);
    const iWp = at(wp);
    const trIn = unsigned.data.inputs[iTr]!;
    expect(trIn.tapInternalKey).toHaveLength(32);
    expect(trIn.tapBip32Derivation!.map((d) => d.path)).toEqual([tr.path]);
    expect(toHex(trIn.tapBip32Derivation![0]!.pubkey)).toBe(toHex(trIn.tapInternalKey!));
    expect(
      bitcoin.payments.p2tr({ internalPubkey: trIn.tapInternalKey!, network: bitcoin.networks.regtest })
        .address,
    ).toBe(tr.address);
    expect(unsigned.data.inputs[iWp]!.bip32Derivation!.map((d) => d.path)).toEqual([wp.path]);
    const changeOut = unsigned.data.outputs.find((o) => o.tapInternalKey !== undefined)!;
    expect(changeOut.tapBip32Derivation![0]!.path).toMatch(/^m\/86'\/1'\/0'\/1\/\d+$/);

    const signed = await json<{ psbt: string; signed_inputs: number[]; complete: boolean }>(
      alice,
      'psbt',
      'sign',
      created.psbt,
    );
    expect(signed.signed_inputs.sort()).toEqual([0, 1]);
    expect(signed.complete).toBe(true);
    const theirs = bitcoin.Psbt.fromBase64(signed.psbt, { network: bitcoin.networks.regtest });
    expect(theirs.data.inputs[iTr]!.tapKeySig).toHaveLength(64);
    const validator = (pubkey: Uint8Array, hash: Uint8Array, sig: Uint8Array) =>
      pubkey.length === 32 ? tiny.verifySchnorr(hash, pubkey, sig) : tiny.verify(hash, pubkey, sig);
    expect(theirs.validateSignaturesOfInput(iTr, validator)).toBe(true);
    expect(theirs.validateSignaturesOfInput(iWp, validator)).toBe(true);
    theirs.finalizeAllInputs();
    const theirHex = theirs.extractTransaction().toHex();

    const ours = await json<{ hex: string; txid: string }>(
      alice,
      'psbt',
      'finalize',
      signed.psbt,
      '--extract',
    );
    expect(ours.hex).toBe(theirHex);
    const sent = await json<{ txid: string }>(alice, 'psbt', 'broadcast', signed.psbt);
    expect(sent.txid).toBe(ours.txid);
    expect(await checkWithBitcoinjs(sent.txid)).toEqual({ taproot: 1, segwitV0: 1 });
    await mine(sent.txid);
  }, 300_000);

  it('refuses an unknown --type or --change-type with exit 1, one line, nothing sent', async () => {
    const pool = await node.rpc<string[]>('getrawmempool');
    const a = await runInProcess(['-w', alice, '--node', node.url, 'address', '--type', 'p2sh'], PW);
    expect(a.code).toBe(1);
    expect(a.err.trim()).toBe("gossip-wallet: --type must be p2wpkh, p2tr or p2wsh, got 'p2sh'");
    const { address } = await json<{ address: string }>(miner, 'address');
    const s = await runInProcess(
      ['-w', alice, '--node', node.url, 'send', address, '0.01', '--change-type', 'taproot'],
      PW,
    );
    expect(s.code).toBe(1);
    expect(s.err.trim().split('\n')).toEqual([
      "gossip-wallet: --change-type must be p2wpkh, p2tr or p2wsh, got 'taproot'",
    ]);
    expect(await node.rpc<string[]>('getrawmempool')).toEqual(pool);
  });

  it('exports tr() descriptors beside wpkh()', async () => {
    const { descriptors } = await json<{ descriptors: { desc: string; internal: boolean }[] }>(
      alice,
      'descriptors',
    );
    expect(descriptors.map((d) => d.desc.slice(0, d.desc.indexOf('(')))).toEqual([
      'wpkh',
      'wpkh',
      'tr',
      'tr',
    ]);
    expect(descriptors[2]!.desc).toMatch(/^tr\(\[[0-9a-f]{8}\/86h\/1h\/0h\]tpub\w+\/0\/\*\)#\w{8}$/);
  });
});
