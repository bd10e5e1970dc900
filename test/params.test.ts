/**
 * Network parameters and genesis blocks: regtest's genesis is Bitcoin's (hash and merkle root
 * as Core's chainparams asserts), main's is ours and re-mines to its hard-coded hash.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Block } from '../node/protocol/block.js';
import { toHex } from '../node/protocol/bytes.js';
import {
  BITCOIN_GENESIS_MERKLE_ROOT,
  createGenesisBlock,
  genesisCoinbaseScript,
  MAIN_GENESIS_HASH,
  MAIN_GENESIS_MERKLE_ROOT,
  MAIN_GENESIS_SPEC,
  REGTEST_GENESIS_HASH,
} from '../node/protocol/genesis.js';
import { hashToDisplay } from '../node/protocol/hash.js';
import { getNetwork, isNetworkName, main, networks, regtest } from '../node/protocol/params.js';
import { checkProofOfWork, decodeCompact, encodeCompact, hashToBigInt } from '../node/protocol/pow.js';
import { classifyOutput } from '../node/protocol/script/templates.js';

describe('regtest genesis (Bitcoin Core CRegTestParams)', () => {
  const g = regtest.genesis;

  it('has Core’s hash and merkle root', () => {
    expect(g.hashHex()).toBe('0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206');
    expect(REGTEST_GENESIS_HASH).toBe(g.hashHex());
    expect(hashToDisplay(g.header.merkleRoot)).toBe(
      '4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b',
    );
    expect(hashToDisplay(g.merkleRoot().root)).toBe(BITCOIN_GENESIS_MERKLE_ROOT);
    expect(g.txs[0]!.txidHex()).toBe(BITCOIN_GENESIS_MERKLE_ROOT);
    expect(toHex(regtest.genesisHash)).toBe(toHex(g.hash()));
    expect(regtest.genesisHashHex).toBe(g.hashHex());
  });

  it('is built exactly as Core builds it', () => {
    const cb = g.txs[0]!;
    expect(toHex(cb.inputs[0]!.script)).toBe(
      '04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73',
    );
    expect(toHex(cb.outputs[0]!.script)).toBe(
      '4104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac',
    );
    expect(cb.outputs[0]!.value).toBe(5_000_000_000n);
    expect(cb.isCoinbase()).toBe(true);
    expect(g.header).toMatchObject({ version: 1, time: 1296688602, bits: 0x207fffff, nonce: 2 });
    expect(g.header.prevBlock).toEqual(new Uint8Array(32));
  });

  it('serializes to the 285-byte block Core ships and round-trips', () => {
    const bytes = g.toBytes();
    expect(bytes.length).toBe(285);
    expect(Block.fromBytes(bytes).hashHex()).toBe(g.hashHex());
  });

  it('meets its proof of work', () => {
    expect(checkProofOfWork(g.hash(), g.header.bits, regtest.powLimit)).toBe(true);
  });
});

describe('main genesis (ours)', () => {
  const g = main.genesis;

  it('has the hard-coded hash and merkle root', () => {
    expect(g.hashHex()).toBe(MAIN_GENESIS_HASH);
    expect(main.genesisHashHex).toBe(MAIN_GENESIS_HASH);
    expect(toHex(main.genesisHash)).toBe(toHex(g.hash()));
    expect(hashToDisplay(g.header.merkleRoot)).toBe(MAIN_GENESIS_MERKLE_ROOT);
    expect(g.merkleRoot()).toEqual({ root: g.header.merkleRoot, mutated: false });
  });

  it('meets its proof of work at the pow limit', () => {
    expect(g.header.bits).toBe(main.powLimitBits);
    expect(checkProofOfWork(g.hash(), g.header.bits, main.powLimit)).toBe(true);
  });

  it('re-mines with the builder: the hard-coded nonce is the first that meets the target', () => {
    const { target } = decodeCompact(MAIN_GENESIS_SPEC.bits);
    const header = Uint8Array.from(createGenesisBlock({ ...MAIN_GENESIS_SPEC, nonce: 0 }).header.toBytes());
    const view = new DataView(header.buffer);
    let first = -1;
    for (let nonce = 0; nonce <= MAIN_GENESIS_SPEC.nonce; nonce++) {
      view.setUint32(76, nonce, true);
      const h = createHash('sha256').update(createHash('sha256').update(header).digest()).digest();
      if (hashToBigInt(h) <= target) {
        first = nonce;
        break;
      }
    }
    expect(first).toBe(MAIN_GENESIS_SPEC.nonce);
    expect(createGenesisBlock(MAIN_GENESIS_SPEC).hashHex()).toBe(MAIN_GENESIS_HASH);
  });

  it('has our message and an unspendable output', () => {
    const cb = g.txs[0]!;
    const sig = cb.inputs[0]!.script;
    expect(toHex(sig.subarray(0, 7))).toBe('04ffff001f0104');
    expect(sig).toEqual(genesisCoinbaseScript(0x1f00ffff, MAIN_GENESIS_SPEC.message));
    expect(new TextDecoder().decode(sig.subarray(8))).toMatch(/^gossip-ledger genesis 2026-11-21/);
    expect(classifyOutput(cb.outputs[0]!.script).type).toBe('nulldata');
    expect(g.header.time).toBe(1795219200);
    expect(new Date(g.header.time * 1000).toISOString()).toBe('2026-11-21T00:00:00.000Z');
  });
});

describe('network parameters', () => {
  it('main matches DESIGN.md section 4', () => {
    expect(toHex(main.magic)).toBe('c70f5e1d');
    expect([main.p2pPort, main.httpPort, main.rpcPort]).toEqual([8633, 8634, 8332]);
    expect(main.address).toEqual({ bech32: 'gl', pubkeyHash: 38, scriptHash: 85, wif: 0xa6 });
    expect(main.targetSpacing).toBe(60);
    expect(main.powLimitBits).toBe(0x1f00ffff);
    expect(main.powLimit).toBe(0xffffn << 224n);
    expect(main.difficulty).toEqual({
      kind: 'asert',
      halfLife: 3600,
      anchorHeight: 0,
      anchorBits: 0x1f00ffff,
      anchorParentTime: main.genesis.header.time - 60,
    });
    expect(main.subsidy).toBe(5_000_000_000n);
    expect(main.halvingInterval).toBe(2_100_000);
    expect(main.maxMoney).toBe(21_000_000_000_000_000n);
    expect(main.activation).toEqual({
      bip16: 0,
      bip34: 1,
      bip65: 1,
      bip66: 1,
      csv: 1,
      segwit: 0,
      taproot: 0,
    });
  });

  it('regtest matches Bitcoin Core CRegTestParams', () => {
    expect(toHex(regtest.magic)).toBe('fabfb5da');
    expect([regtest.p2pPort, regtest.httpPort, regtest.rpcPort]).toEqual([18444, 3002, 18443]);
    expect(regtest.address).toEqual({ bech32: 'bcrt', pubkeyHash: 111, scriptHash: 196, wif: 0xef });
    expect(regtest.targetSpacing).toBe(600);
    expect(regtest.powLimit).toBe(BigInt(`0x7f${'ff'.repeat(31)}`));
    expect(regtest.powLimitBits).toBe(0x207fffff);
    expect(regtest.difficulty).toEqual({ kind: 'fixed' });
    expect(regtest.subsidy).toBe(5_000_000_000n);
    expect(regtest.halvingInterval).toBe(150);
    expect(regtest.maxMoney).toBe(2_100_000_000_000_000n);
    expect(regtest.activation).toEqual({
      bip16: 0,
      bip34: 1,
      bip65: 1,
      bip66: 1,
      csv: 1,
      segwit: 0,
      taproot: 0,
    });
  });

  it('shares Bitcoin’s limits', () => {
    for (const p of [main, regtest]) {
      expect(p.coinbaseMaturity).toBe(100);
      expect(p.maxBlockWeight).toBe(4_000_000);
      expect(p.maxBlockSigopsCost).toBe(80_000);
      expect(p.maxFutureBlockTime).toBe(7200);
      expect(p.medianTimeSpan).toBe(11);
    }
  });

  it('keeps powLimit and powLimitBits consistent', () => {
    for (const p of [main, regtest]) {
      expect(encodeCompact(p.powLimit)).toBe(p.powLimitBits);
      expect(decodeCompact(p.powLimitBits).target <= p.powLimit).toBe(true);
    }
  });

  it('is frozen data', () => {
    expect(Object.isFrozen(main)).toBe(true);
    expect(Object.isFrozen(main.address)).toBe(true);
    expect(Object.isFrozen(regtest.activation)).toBe(true);
    expect(Object.isFrozen(networks)).toBe(true);
  });

  it('looks networks up by name', () => {
    expect(getNetwork('main')).toBe(main);
    expect(getNetwork('regtest')).toBe(regtest);
    expect(networks.main).toBe(main);
    expect(isNetworkName('regtest')).toBe(true);
    expect(isNetworkName('toString')).toBe(false);
    expect(() => getNetwork('testnet')).toThrow(/unknown network 'testnet' \(known: main, regtest\)/);
    expect(() => getNetwork('__proto__')).toThrow(RangeError);
  });
});
