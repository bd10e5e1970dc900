/** Compact targets (Core's arith_uint256 SetCompact/GetCompact tests), merkle mutation, ScriptNum. */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex, toHexReversed } from '../node/protocol/bytes.js';
import { hash256, hashFromDisplay, hashToDisplay } from '../node/protocol/hash.js';
import { merkleBranch, merkleRoot, rootFromBranch } from '../node/protocol/merkle.js';
import { decodeCompact, encodeCompact, workFromBits } from '../node/protocol/pow.js';
import { ScriptError } from '../node/protocol/script/errors.js';
import { castToBool, decodeNum, encodeNum } from '../node/protocol/script/num.js';

describe('compact targets (Core arith_uint256_tests)', () => {
  const cases: [number, bigint, boolean, boolean, number | null][] = [
    [0, 0n, false, false, 0],
    [0x00123456, 0n, false, false, 0],
    [0x01003456, 0n, false, false, 0],
    [0x02000056, 0n, false, false, 0],
    [0x03000000, 0n, false, false, 0],
    [0x04000000, 0n, false, false, 0],
    [0x00923456, 0n, false, false, 0],
    [0x01803456, 0n, false, false, 0],
    [0x02800056, 0n, false, false, 0],
    [0x03800000, 0n, false, false, 0],
    [0x04800000, 0n, false, false, 0],
    [0x01123456, 0x12n, false, false, 0x01120000],
    [0x01fedcba, 0x7en, true, false, null],
    [0x02123456, 0x1234n, false, false, 0x02123400],
    [0x03123456, 0x123456n, false, false, 0x03123456],
    [0x04123456, 0x12345600n, false, false, 0x04123456],
    [0x04923456, 0x12345600n, true, false, null],
    [0x05009234, 0x92340000n, false, false, 0x05009234],
    [0x20123456, 0x123456n << 232n, false, false, 0x20123456],
    [0xff123456, 0x123456n << 2000n, false, true, null],
  ];
  it.each(cases)('0x%s', (bits, target, negative, overflow, back) => {
    const d = decodeCompact(bits);
    expect(d.negative).toBe(negative);
    expect(d.overflow).toBe(overflow);
    if (!overflow) expect(d.target).toBe(target);
    if (back !== null) expect(encodeCompact(d.target)).toBe(back);
  });

  it('0x80 encodes with a leading zero byte', () => {
    expect(encodeCompact(0x80n)).toBe(0x02008000);
  });

  it('chain work of the difficulty-1 target', () => {
    // Bitcoin block 1's work: 0x0100010001 (Core's nChainWork after two blocks is twice it).
    expect(workFromBits(0x1d00ffff)).toBe(0x100010001n);
  });
});

describe('merkle trees', () => {
  const leaves = [1, 2, 3, 4, 5].map((i) => hash256(Uint8Array.of(i)));

  it('duplicating the last leaves keeps the root but is flagged as mutated (CVE-2012-2459)', () => {
    const honest = merkleRoot(leaves);
    const forged = merkleRoot([...leaves, leaves[4]!]);
    expect(toHex(forged.root)).toBe(toHex(honest.root));
    expect(honest.mutated).toBe(false);
    expect(forged.mutated).toBe(true);
  });

  it('branches prove each leaf', () => {
    const { root } = merkleRoot(leaves);
    leaves.forEach((leaf, i) => {
      expect(toHex(rootFromBranch(leaf, merkleBranch(leaves, i), i))).toBe(toHex(root));
      expect(toHex(rootFromBranch(leaves[(i + 1) % 5]!, merkleBranch(leaves, i), i))).not.toBe(toHex(root));
    });
  });
});

describe('ScriptNum', () => {
  const cases: [number, string][] = [
    [0, ''],
    [1, '01'],
    [-1, '81'],
    [127, '7f'],
    [128, '8000'],
    [-128, '8080'],
    [255, 'ff00'],
    [256, '0001'],
    [-2147483647, 'ffffffff'],
    [2147483648, '0000008000'],
  ];
  it.each(cases)('%d <-> %s', (n, hex) => {
    expect(toHex(encodeNum(n))).toBe(hex);
    expect(decodeNum(fromHex(hex), true, 5)).toBe(n);
  });

  it('rejects non-minimal and oversized encodings', () => {
    expect(() => decodeNum(fromHex('0100'), true)).toThrow(ScriptError);
    expect(decodeNum(fromHex('0100'), false)).toBe(1);
    expect(() => decodeNum(fromHex('0000000001'), false)).toThrow(ScriptError);
    expect(castToBool(fromHex('0080'))).toBe(false);
    expect(castToBool(fromHex('8000'))).toBe(true);
  });
});

describe('small-message SHA-256', () => {
  it('equals node:crypto for every length 0..300 and across block boundaries', async () => {
    const { createHash, randomBytes } = await import('node:crypto');
    const { sha256Small } = await import('../node/protocol/sha256-small.js');
    const { sha256 } = await import('../node/protocol/hash.js');
    for (let len = 0; len <= 300; len++) {
      const data = randomBytes(len);
      const want = createHash('sha256').update(data).digest('hex');
      expect(toHex(sha256Small(data))).toBe(want);
      expect(toHex(sha256(data))).toBe(want);
    }
    // FIPS 180-2 "abc" vector.
    expect(toHex(sha256Small(new TextEncoder().encode('abc')))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});

describe('SHA-256 over parts', () => {
  it('equals the hash of the parts joined, copied (short) or incremental (long)', async () => {
    const { createHash, randomBytes } = await import('node:crypto');
    const { sha256Parts } = await import('../node/protocol/hash.js');
    // Around the copy threshold (1,024 bytes in all), with empty parts among them.
    for (const sizes of [[], [0], [4, 82, 4], [32, 32, 4], [500, 0, 524], [500, 525], [2000, 3]]) {
      const parts = sizes.map((n) => new Uint8Array(randomBytes(n)));
      const h = createHash('sha256');
      for (const p of parts) h.update(p);
      expect(toHex(sha256Parts(...parts))).toBe(h.digest('hex'));
    }
  });
});

describe('small-message RIPEMD-160', () => {
  it('equals @noble/hashes for every length 0..300 and across block boundaries', async () => {
    const { randomBytes } = await import('node:crypto');
    const { ripemd160: nobleRipemd160 } = await import('@noble/hashes/legacy.js');
    const { ripemd160Small } = await import('../node/protocol/ripemd160-small.js');
    const { ripemd160 } = await import('../node/protocol/hash.js');
    for (let len = 0; len <= 300; len++) {
      const data = randomBytes(len);
      const want = toHex(nobleRipemd160(data));
      expect(toHex(ripemd160Small(data))).toBe(want);
      expect(toHex(ripemd160(data))).toBe(want);
    }
    // The original paper's test vectors.
    const rmd = (s: string) => toHex(ripemd160Small(new TextEncoder().encode(s)));
    expect(rmd('')).toBe('9c1185a5c5e9fc54612808977ee8f548b2258d31');
    expect(rmd('abc')).toBe('8eb208f7e05d987a9b044a8e98c6b087f15a0bfc');
    expect(rmd('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe(
      '12a053384a9c0c88e405a06c27dcf49ada62eb2b',
    );
  });
});

describe('hex', () => {
  it('writes every byte value, short and long inputs alike, forwards and reversed', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const want = Array.from(all, (b) => b.toString(16).padStart(2, '0')).join('');
    expect(toHex(all)).toBe(want);
    expect(toHex(new Uint8Array(0))).toBe('');
    for (const n of [1, 32, 64, 65, 200]) {
      const b = all.subarray(256 - n);
      expect(toHex(b)).toBe(want.slice(2 * (256 - n)));
      expect(toHexReversed(b)).toBe(toHex(Uint8Array.from(b).reverse()));
      expect(fromHex(toHex(b))).toEqual(Uint8Array.from(b));
    }
    // The short-input buffer is reused: an earlier result must not change with a later call.
    const first = toHex(all.subarray(0, 4));
    toHex(all.subarray(200, 204));
    expect(first).toBe('00010203');
    const h = hash256(all);
    expect(hashFromDisplay(hashToDisplay(h))).toEqual(h);
  });
});
