/**
 * An independent client spends taproot on our regtest: bitcoinjs-lib (with tiny-secp256k1 as its
 * curve library) builds and signs a BIP86-style key-path P2TR spend of a coinbase output; node A
 * accepts it to its mempool, relays it to node B over the in-memory transport, and mines it; B
 * connects the block. bitcoinjs-lib and our parser agree on the txid and the witness.
 * Soft fork: a chain run by the rules before this change (no SCRIPT_VERIFY_TAPROOT, so witness v1
 * is unencumbered, as in Core before activation) connects the same blocks.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as bitcoin from 'bitcoinjs-lib';
import * as tiny from 'tiny-secp256k1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Chain } from '../node/chain/chain.js';
import { blockScriptFlags } from '../node/consensus/script-flags.js';
import { MemoryNetwork } from '../node/p2p/transport/memory.js';
import { Block } from '../node/protocol/block.js';
import { fromHex, toHex } from '../node/protocol/bytes.js';
import { regtest } from '../node/protocol/params.js';
import { FLAGS } from '../node/protocol/script/flags.js';
import { Tx } from '../node/protocol/tx.js';
import { type NetNode, startNetNode, stopNetNodes, waitFor, writeSeeds } from './helpers/p2p.js';

bitcoin.initEccLib(tiny);

const NET = bitcoin.networks.regtest;
const INTERNAL_SECRET = fromHex('1229101a0fcf2104e8808dab35661134aa5903867d44deb73ce1c7e4eb925be8');
const internalPubkey = tiny.xOnlyPointFromScalar(INTERNAL_SECRET);
const P2TR = bitcoin.payments.p2tr({ internalPubkey, network: NET });

/** BIP341's key-path signer: the internal secret, negated for odd y, plus the TapTweak. */
function tweakedSigner(): bitcoin.Signer {
  const d =
    tiny.pointFromScalar(INTERNAL_SECRET, true)![0] === 3
      ? tiny.privateNegate(INTERNAL_SECRET)
      : INTERNAL_SECRET;
  const tweak = bitcoin.crypto.taggedHash('TapTweak', internalPubkey);
  const secret = tiny.privateAdd(d, tweak)!;
  return {
    publicKey: tiny.pointFromScalar(secret, true)!,
    sign: (h) => tiny.sign(h, secret),
    signSchnorr: (h) => tiny.signSchnorr(h, secret),
  };
}

describe('a bitcoinjs-lib key-path P2TR spend on two regtest nodes', () => {
  let a: NetNode;
  let b: NetNode;
  let spendTxid = '';

  beforeAll(async () => {
    const net = new MemoryNetwork({ link: { latencyMs: 2, bandwidth: 20_000_000, burstBytes: 64_000 } });
    const seeds = await writeSeeds(['127.0.0.11:18444']);
    a = await startNetNode({
      p2pHost: '127.0.0.11',
      p2pPort: 18444,
      p2pTransport: net.transport('127.0.0.11'),
      seedsFile: seeds,
    });
    b = await startNetNode({
      p2pHost: '127.0.0.12',
      p2pTransport: net.transport('127.0.0.12'),
      seedsFile: seeds,
    });
    await waitFor(
      'A and B connected',
      () => a.node.peerInfo().length >= 1 && b.node.peerInfo().length >= 1,
      30_000,
    );
  }, 60_000);

  afterAll(stopNetNodes, 60_000);

  it('is accepted, relayed, mined and connected by both nodes', async () => {
    expect(P2TR.address!.startsWith('bcrt1p')).toBe(true);
    // Coinbases pay the P2TR address; the first matures after 100 more blocks.
    const hashes = await a.rpc<string[]>('generatetoaddress', [101, P2TR.address]);
    await waitFor('B synced to 101', () => b.node.chain.height === 101, 60_000);
    const block1 = await a.rpc<{ tx: string[] }>('getblock', [hashes[0], 1]);
    const coinbase = await a.rpc<string>('getrawtransaction', [block1.tx[0]]);
    const funding = bitcoin.Transaction.fromHex(coinbase);
    const value = funding.outs[0]!.value;
    expect(toHex(funding.outs[0]!.script)).toBe(toHex(P2TR.output!));

    const psbt = new bitcoin.Psbt({ network: NET });
    psbt.addInput({
      hash: funding.getId(),
      index: 0,
      witnessUtxo: { script: P2TR.output!, value },
      tapInternalKey: internalPubkey,
    });
    const dest = bitcoin.payments.p2tr({
      internalPubkey: tiny.xOnlyPointFromScalar(fromHex('11'.repeat(32))),
      network: NET,
    });
    psbt.addOutput({ address: dest.address!, value: value - 2_000n });
    psbt.signInput(0, tweakedSigner());
    psbt.finalizeAllInputs();
    const signed = psbt.extractTransaction();
    expect(signed.ins[0]!.witness.length).toBe(1);
    expect(signed.ins[0]!.witness[0]!.length).toBe(64);

    // Our parser and bitcoinjs-lib agree on the bytes.
    const ours = Tx.fromBytes(fromHex(signed.toHex()));
    expect(ours.txidHex()).toBe(signed.getId());
    expect(ours.inputs[0]!.witness.map(toHex)).toEqual(signed.ins[0]!.witness.map(toHex));

    expect(await a.rpc('sendrawtransaction', [signed.toHex()])).toBe(signed.getId());
    await waitFor(
      'B has the tx in its mempool',
      async () => (await b.rpc<string[]>('getrawmempool')).includes(signed.getId()),
      30_000,
    );

    const [mined] = await a.rpc<string[]>('generatetoaddress', [1, dest.address]);
    await waitFor('B connected the block', () => b.node.chain.tip.hashHex === mined, 30_000);
    const block = await b.rpc<{ tx: string[] }>('getblock', [mined, 1]);
    expect(block.tx).toContain(signed.getId());
    spendTxid = signed.getId();
    expect(await b.rpc<string[]>('getrawmempool')).toEqual([]);
  }, 180_000);

  it('is connected by a chain that runs the rules from before taproot (a soft fork)', async () => {
    expect(spendTxid).not.toBe('');
    const old = { ...regtest, activation: { ...regtest.activation, taproot: 2 ** 31 } };
    expect(blockScriptFlags(102, old) & FLAGS.TAPROOT).toBe(0);
    const dir = await mkdtemp(join(tmpdir(), 'gl-pre-taproot-'));
    const chain = await Chain.open({ params: old, path: dir }, { now: () => Date.now() });
    try {
      const height = a.node.chain.height;
      for (let h = 1; h <= height; h++) {
        const hash = await a.rpc<string>('getblockhash', [h]);
        const block = Block.fromBytes(fromHex(await a.rpc<string>('getblock', [hash, 0])));
        expect((await chain.addBlock(block)).status).toBe('connected');
      }
      expect(chain.tip.hashHex).toBe(a.node.chain.tip.hashHex);
    } finally {
      await chain.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
