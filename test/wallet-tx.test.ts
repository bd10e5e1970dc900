/**
 * Transactions and messages the wallet signs, checked by code nobody here wrote: bitcoinjs-lib
 * parses a wallet transaction to the same txid, outputs and witness, computes the same BIP143
 * sighash, and the signatures verify under @noble/secp256k1; message signatures match Bitcoin
 * Core's own signmessagewithprivkey vector.
 */
import * as secp from '@noble/secp256k1';
import * as bitcoin from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../node/protocol/bytes.js';
import { hash160 } from '../node/protocol/hash.js';
import { regtest } from '../node/protocol/params.js';
import { p2wpkhScriptCode } from '../node/protocol/script/verify.js';
import { Tx, TxOut } from '../node/protocol/tx.js';
import { decodeWif } from '../node/protocol/wif.js';
import { buildSigned, SEQUENCE_RBF, verifySigned } from '../wallet/build.js';
import { CHANGE, RECEIVE } from '../wallet/hd.js';
import { HEADER_P2WPKH, signMessage, verifyMessage } from '../wallet/message.js';
import { Wallet } from '../wallet/wallet.js';
import { walletVectors } from './helpers/wallet.js';

const wallet = new Wallet(regtest, {
  mnemonic: walletVectors().bip84.mnemonic,
  account: 0,
  imported: [],
  createdAt: '',
});
const rt = bitcoin.networks.regtest;

function fakeTxid(n: number): string {
  return n.toString(16).padStart(64, 'a');
}

describe('a wallet transaction read by bitcoinjs-lib', () => {
  const coins = Array.from({ length: 5 }, (_, i) => ({
    txid: fakeTxid(i + 1),
    vout: i,
    value: 100_000n * BigInt(i + 1),
    key: wallet.key(i % 2 ? CHANGE : RECEIVE, i),
  }));
  const outputs = [
    new TxOut(1_000_000n, wallet.key(RECEIVE, 40).script),
    new TxOut(490_000n, wallet.key(CHANGE, 40).script),
  ];
  const tx = buildSigned(coins, outputs, 321);

  it('passes the local script check', () => {
    expect(() => verifySigned(tx, coins)).not.toThrow();
  });

  it('has the same txid, outputs, inputs and witness', () => {
    const bt = bitcoin.Transaction.fromHex(toHex(tx.toBytes()));
    expect(bt.getId()).toBe(tx.txidHex());
    expect(toHex(bt.getHash(true))).toBe(toHex(tx.wtxid()));
    expect(bt.version).toBe(2);
    expect(bt.locktime).toBe(321);
    expect(bt.outs.map((o) => [BigInt(o.value), toHex(o.script)])).toEqual(
      outputs.map((o) => [o.value, toHex(o.script)]),
    );
    expect(bitcoin.address.fromOutputScript(bt.outs[0]!.script, rt)).toBe(wallet.key(RECEIVE, 40).address);
    bt.ins.forEach((input, i) => {
      expect(Buffer.from(input.hash).reverse().toString('hex')).toBe(coins[i]!.txid);
      expect(input.index).toBe(coins[i]!.vout);
      expect(input.sequence).toBe(SEQUENCE_RBF);
      expect(input.script.length).toBe(0);
      expect(input.witness.map((w) => toHex(w))).toEqual(tx.inputs[i]!.witness.map(toHex));
    });
    expect(bt.virtualSize()).toBe(tx.vsize());
  });

  it("signatures verify against bitcoinjs-lib's own BIP143 sighash", () => {
    const bt = bitcoin.Transaction.fromHex(toHex(tx.toBytes()));
    bt.ins.forEach((input, i) => {
      const [sig, pub] = input.witness as [Uint8Array, Uint8Array];
      const decoded = bitcoin.script.signature.decode(sig);
      expect(decoded.hashType).toBe(bitcoin.Transaction.SIGHASH_ALL);
      const hash = bt.hashForWitnessV0(i, p2wpkhScriptCode(hash160(pub)), coins[i]!.value, decoded.hashType);
      expect(secp.verify(decoded.signature, hash, pub, { prehash: false })).toBe(true);
    });
  });

  it('a changed output breaks local verification', () => {
    const tampered = new Tx({
      version: tx.version,
      inputs: tx.inputs,
      outputs: [new TxOut(1_000_001n, outputs[0]!.script), outputs[1]!],
      locktime: tx.locktime,
    });
    expect(() => verifySigned(tampered, coins)).toThrow(/fails local script verification/);
  });
});

describe('signed messages (BIP137)', () => {
  // Bitcoin Core's test/functional/rpc_signmessagewithprivkey.py
  const CORE = {
    wif: 'cUeKHd5orzT3mz8P9pxyREHfsWtVfgsfDjiZZBcjUBAaGk1BTj7N',
    address: 'mpLQjfK79b7CCV4VMJWEWAj5Mpx8Up5zxB',
    message: 'This is just a test message',
    signature: 'INbVnW4e6PeRmsv2Qgu8NuopvrVjkcxob+sX8OcZG0SALhWybUjzMLPdAsXI46YZGb0KQTRii+wWIQzRpG/U+S0=',
  };

  it("verifies Core's signature and makes the same one (with the P2WPKH header)", () => {
    expect(verifyMessage(CORE.address, CORE.message, CORE.signature, regtest)).toBe(true);
    expect(verifyMessage(CORE.address, `${CORE.message}!`, CORE.signature, regtest)).toBe(false);
    const { key } = decodeWif(CORE.wif, regtest.address.wif);
    const ours = Buffer.from(signMessage(CORE.message, key), 'base64');
    const core = Buffer.from(CORE.signature, 'base64');
    expect(ours.subarray(1)).toEqual(core.subarray(1));
    expect(ours[0]).toBe(HEADER_P2WPKH + (core[0]! - 31));
  });

  it('round-trips for a wallet address and rejects other addresses and bad encodings', () => {
    const k = wallet.key(RECEIVE, 2);
    const sig = signMessage('hello', k.privateKey!);
    expect(verifyMessage(k.address, 'hello', sig, regtest)).toBe(true);
    expect(verifyMessage(wallet.key(RECEIVE, 3).address, 'hello', sig, regtest)).toBe(false);
    expect(() => verifyMessage(k.address, 'hello', 'AAAA', regtest)).toThrow(/65 bytes/);
    const bad = Buffer.from(sig, 'base64');
    bad[0] = 50;
    expect(() => verifyMessage(k.address, 'hello', bad.toString('base64'), regtest)).toThrow(/header/);
    expect(fromHex(toHex(k.script))).toEqual(k.script);
  });
});
