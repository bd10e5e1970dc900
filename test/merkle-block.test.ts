/**
 * BIP37 merkle blocks (node/protocol/merkle-block.ts) against Core: the proof `gettxoutproof`
 * gives for block 100,000's fourth tx (Core's merkle block test data, the block every BIP37
 * example uses), round trips over every tree shape up to 40 txs, and malformed proofs refused.
 */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../node/protocol/bytes.js';
import { hash256, hashFromDisplay, hashToDisplay } from '../node/protocol/hash.js';
import { BlockHeader } from '../node/protocol/header.js';
import { merkleRoot } from '../node/protocol/merkle.js';
import { buildMerkleBlock, readMerkleBlock } from '../node/protocol/merkle-block.js';
import { Reader } from '../node/protocol/reader.js';

// Mainnet block 100,000: header and its four txids (display order).
const HEADER_100K =
  '0100000050120119172a610421a6c3011dd330d9df07b63616c2cc1f1cd00200000000006657a9252aacd5c0b2940996ecff952228c3067cc38d4885efb5a4ac4247e9f337221b4d4c86041b0f2b5710';
const TXIDS_100K = [
  '8c14f0db3df150123e6f3dbbf30f8b955a8249b62ac1d1ff16284aefa3d06d87',
  'fff2525b8931402dd09222c50775608f75787bd2b87e56995a7bdd30f79702c4',
  '6359f0868171b1d194cbee1af2f16ea598ae8fad666d9b012c8ed2b79a236ec4',
  'e9a66845e05d5abc0ad04ec80f774a7e585c6e8db975962d069a522137b80c1d',
];

describe('merkle blocks', () => {
  it("proves block 100,000's txs with a root equal to the header's", () => {
    const header = BlockHeader.read(new Reader(fromHex(HEADER_100K)));
    const ids = TXIDS_100K.map(hashFromDisplay);
    for (let i = 0; i < ids.length; i++) {
      const bytes = buildMerkleBlock(header, ids, new Set([i]));
      const proof = readMerkleBlock(bytes);
      expect(proof.rootMatches).toBe(true);
      expect(proof.matches.map((m) => [hashToDisplay(m.txid), m.index])).toEqual([[TXIDS_100K[i], i]]);
    }
    // The last tx: Core's CMerkleBlock layout, byte for byte (4 txs, 3 hashes, flag bits 1,0,1,0,1 = 0x15).
    const last = toHex(buildMerkleBlock(header, ids, new Set([3])));
    expect(last.slice(160, 168)).toBe('04000000');
    expect(last.slice(168, 170)).toBe('03');
    expect(last.slice(-4)).toBe('0115');
  });

  it('round trips every shape up to 40 txs, for one, several or no matches', () => {
    const header = (root: Uint8Array) =>
      new BlockHeader({
        version: 1,
        prevBlock: new Uint8Array(32),
        merkleRoot: root,
        time: 0,
        bits: 0,
        nonce: 0,
      });
    for (let n = 1; n <= 40; n++) {
      const ids = Array.from({ length: n }, (_, i) => hash256(Uint8Array.of(n, i)));
      const h = header(merkleRoot(ids).root);
      for (const set of [[0], [n - 1], [Math.floor(n / 2), n - 1], []]) {
        const matches = new Set(set);
        const proof = readMerkleBlock(buildMerkleBlock(h, ids, matches));
        expect(proof.rootMatches, `n=${n} ${set}`).toBe(true);
        expect(proof.matches.map((m) => m.index)).toEqual([...matches].sort((a, b) => a - b));
      }
    }
  });

  it('refuses truncated or padded proofs', () => {
    const header = BlockHeader.read(new Reader(fromHex(HEADER_100K)));
    const bytes = buildMerkleBlock(header, TXIDS_100K.map(hashFromDisplay), new Set([1]));
    for (let cut = 0; cut < bytes.length; cut++)
      expect(() => readMerkleBlock(bytes.subarray(0, cut))).toThrow();
    const padded = new Uint8Array(bytes.length + 1);
    padded.set(bytes);
    expect(() => readMerkleBlock(padded)).toThrow();
  });
});
