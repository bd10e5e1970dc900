/**
 * BIP152's wire format: SipHash-2-4 against the reference vectors of the SipHash paper (as
 * Core's crypto_tests.cpp checks them), and every cmpctblock vector in the shared p2p folder
 * (found by pattern): it decodes, re-encodes byte for byte, its key is SHA256(header || nonce),
 * and its short ids recompute from the full block's transactions. Then getblocktxn/blocktxn
 * round trips, the differential index encoding, and what does not decode.
 */
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodePayload } from '../node/p2p/messages.js';
import { Block } from '../node/protocol/block.js';
import { fromHex, toHex } from '../node/protocol/bytes.js';
import { compactBlockOf, shortId, shortIdKey } from '../node/protocol/compact-block.js';
import { hashFromDisplay, hashToDisplay, sha256Parts } from '../node/protocol/hash.js';
import { siphash24, sipKey } from '../node/protocol/siphash.js';
import { Writer } from '../node/protocol/writer.js';
import { listVectors, readVector } from './helpers/vectors.js';

const hex64 = ([hi, lo]: [number, number]) =>
  hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');

describe('SipHash-2-4', () => {
  // Key 00 01 .. 0f, message 00 01 .. (n-1): the paper's Appendix A vectors (vectors_sip64).
  const key = sipKey(Uint8Array.from({ length: 16 }, (_, i) => i));
  const msg = (n: number) => Uint8Array.from({ length: n }, (_, i) => i);
  it.each([
    [0, '726fdb47dd0e0e31'],
    [1, '74f839c593dc67fd'],
    [8, '93f5f5799a932462'],
    [15, 'a129ca6149be45e5'],
    [32, '7127512f72f27cce'],
  ])('of %i bytes is %s', (n, want) => {
    expect(hex64(siphash24(key, msg(n)))).toBe(want);
  });
});

interface CmpctVector {
  height: number;
  hash: string;
  message: string;
  hex: string;
  expect: {
    header: {
      version: number;
      prevBlock: string;
      merkleRoot: string;
      time: number;
      bits: number;
      nonce: number;
    };
    nonce: string;
    sipKey: string;
    shortIds: number[];
    prefilled: { index: number; txid: string }[];
    totalTX: number;
  };
}

const files = listVectors('p2p', /^cmpctblock.*\.json$/);

/** The full block of a vector, from any block file of the shared vectors with its hash. */
function fullBlock(hash: string): Block {
  for (const f of [
    ...listVectors('.', /^block-.*\.json$/),
    ...listVectors('parse-only', /^block-.*\.json$/),
  ]) {
    const b = readVector<{ hash: string; hex: string }>(f);
    if (b.hash === hash) return Block.fromBytes(fromHex(b.hex));
  }
  throw new Error(`no block file with hash ${hash}`);
}

describe('cmpctblock vectors', () => {
  it('finds at least one', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  describe.each(files)('%s', (file) => {
    const v = readVector<CmpctVector>(file);
    const payload = fromHex(v.hex);
    const msg = decodeMessage('cmpctblock', payload);
    if (msg.command !== 'cmpctblock') throw new Error('not a cmpctblock');
    const cb = msg.block;

    it('decodes to the expected header, nonce, short ids and prefilled txs', () => {
      const h = v.expect.header;
      expect(cb.header.hashHex()).toBe(v.hash);
      expect({
        version: cb.header.version,
        prevBlock: hashToDisplay(cb.header.prevBlock),
        merkleRoot: hashToDisplay(cb.header.merkleRoot),
        time: cb.header.time,
        bits: cb.header.bits,
        nonce: cb.header.nonce,
      }).toEqual(h);
      expect(toHex(new Writer(8).u64(cb.nonce).finish())).toBe(v.expect.nonce);
      expect(cb.shortIds).toEqual(v.expect.shortIds);
      expect(cb.prefilled.map((p) => ({ index: p.index, txid: p.tx.txidHex() }))).toEqual(v.expect.prefilled);
      expect(cb.shortIds.length + cb.prefilled.length).toBe(v.expect.totalTX);
    });

    it('re-encodes byte for byte', () => {
      expect(toHex(encodePayload(msg))).toBe(v.hex);
    });

    it('has the key SHA256(header || nonce)[0..16] and short ids that recompute from the block', () => {
      const nonceBytes = new Writer(8).u64(cb.nonce).finish();
      expect(toHex(sha256Parts(cb.header.toBytes(), nonceBytes).subarray(0, 16))).toBe(v.expect.sipKey);
      const block = fullBlock(v.hash);
      expect(block.txs.length).toBe(v.expect.totalTX);
      // The vector's ids are BIP152 version 1 (txid); version 2 hashes wtxids the same way.
      const again = compactBlockOf(
        block.header,
        block.txs,
        cb.nonce,
        cb.prefilled.map((p) => p.index),
        false,
      );
      expect(again.shortIds).toEqual(cb.shortIds);
      expect(toHex(encodePayload({ command: 'cmpctblock', block: again }))).toBe(v.hex);
      const key = shortIdKey(block.header, cb.nonce);
      const v2 = compactBlockOf(block.header, block.txs, cb.nonce, [0]);
      expect(v2.shortIds[5]).toBe(shortId(key, block.txs[6]!.wtxid()));
    });

    it('does not decode when cut short anywhere', () => {
      for (const cut of [1, 80, 88, 89, 95, payload.length - 1]) {
        expect(() => decodeMessage('cmpctblock', payload.subarray(0, cut))).toThrow(/cmpctblock/);
      }
    });
  });
});

describe('getblocktxn and blocktxn', () => {
  const hash = hashFromDisplay('00000000000000000431d0ead6e0bd9f90ff0d469e9b05d51e3d04971f472973');

  it('encodes indexes differentially and decodes them back to absolute ones', () => {
    const payload = encodePayload({
      command: 'getblocktxn',
      request: { blockHash: hash, indexes: [1, 2, 5, 300] },
    });
    // 32-byte hash, count 4, then gaps 1, 0, 2, 294 (0xfd 0x26 0x01).
    expect(toHex(payload.subarray(32))).toBe('04010002fd2601');
    const back = decodeMessage('getblocktxn', payload);
    expect(back).toEqual({ command: 'getblocktxn', request: { blockHash: hash, indexes: [1, 2, 5, 300] } });
  });

  it('refuses indexes past 16 bits, as Core does', () => {
    const w = new Writer(64).bytes(hash).varint(2).varint(0xfffe).varint(5);
    expect(() => decodeMessage('getblocktxn', w.finish())).toThrow(/16 bits/);
  });

  it('round-trips blocktxn with witness transactions', () => {
    const block = fullBlock('00000000000000000431d0ead6e0bd9f90ff0d469e9b05d51e3d04971f472973');
    const txs = block.txs.slice(1, 4);
    const payload = encodePayload({ command: 'blocktxn', response: { blockHash: hash, txs } });
    const back = decodeMessage('blocktxn', payload);
    if (back.command !== 'blocktxn') throw new Error('not blocktxn');
    expect(back.response.txs.map((t) => t.wtxidHex())).toEqual(txs.map((t) => t.wtxidHex()));
    expect(toHex(encodePayload(back))).toBe(toHex(payload));
  });
});
