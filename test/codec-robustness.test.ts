/**
 * Decoders under hostile input: every truncation and random bytes give a typed EncodingError,
 * never a RangeError, a hang or a huge allocation. The interpreter under random scripts only
 * ever throws ScriptError.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Block } from '../node/protocol/block.js';
import { fromHex, toHex } from '../node/protocol/bytes.js';
import { EncodingError } from '../node/protocol/errors.js';
import { BlockHeader } from '../node/protocol/header.js';
import { Reader } from '../node/protocol/reader.js';
import { parseCoreAsm } from '../node/protocol/script/asm.js';
import { NULL_CHECKER } from '../node/protocol/script/checker.js';
import { ScriptError } from '../node/protocol/script/errors.js';
import { FLAGS, STANDARD_FLAGS } from '../node/protocol/script/flags.js';
import { decodeScript, encodeScript } from '../node/protocol/script/script.js';
import { verifyScript } from '../node/protocol/script/verify.js';
import { Tx } from '../node/protocol/tx.js';
import { Writer } from '../node/protocol/writer.js';
import { listVectors, readVector } from './helpers/vectors.js';

function expectEncodingError(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof EncodingError) return;
    throw new Error(`expected EncodingError, got ${(e as Error).name}: ${(e as Error).message}`);
  }
  throw new Error('expected EncodingError, got success');
}

/** Either decodes or fails with EncodingError. */
function decodesOrEncodingError(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof EncodingError)) throw e;
  }
}

const smallTxs = listVectors('tx', /^tx\d+\.json$/)
  .map((f) => fromHex(readVector<{ hex: string }>(f).hex))
  .filter((b) => b.length < 5000);

describe('truncation at every byte', () => {
  it('transactions', () => {
    expect(smallTxs.length).toBeGreaterThan(0);
    for (const raw of smallTxs) {
      for (let k = 0; k < raw.length; k++) expectEncodingError(() => Tx.fromBytes(raw.subarray(0, k)));
      expect(toHex(Tx.fromBytes(raw).toBytes())).toBe(toHex(raw));
    }
  });

  it('a segwit transaction from a real block', () => {
    const block = Block.fromBytes(
      fromHex(readVector<{ hex: string }>('parse-only', 'block-482683.json').hex),
    );
    const raw = block.txs.find((t) => t.hasWitness())!.toBytes();
    for (let k = 0; k < raw.length; k++) expectEncodingError(() => Tx.fromBytes(raw.subarray(0, k)));
  });

  it('blocks and headers', () => {
    const raw = fromHex(readVector<{ hex: string }>('block-1.json').hex);
    for (let k = 0; k < raw.length; k++) expectEncodingError(() => Block.fromBytes(raw.subarray(0, k)));
    for (let k = 0; k < 80; k++) expectEncodingError(() => BlockHeader.fromBytes(raw.subarray(0, k)));
  });

  it('trailing bytes are rejected', () => {
    const raw = smallTxs[0]!;
    const padded = new Uint8Array(raw.length + 1);
    padded.set(raw);
    expectEncodingError(() => Tx.fromBytes(padded));
  });
});

describe('headers-1.json (one P2P headers entry)', () => {
  it('decodes block 1 header followed by a zero tx count', () => {
    const v = readVector<{ hex: string; expect: { header: Record<string, number> } }>('headers-1.json');
    const r = new Reader(fromHex(v.hex));
    const h = BlockHeader.read(r);
    expect(r.varint()).toBe(0);
    r.end();
    expect(h.version).toBe(v.expect.header.version);
    expect(h.time).toBe(v.expect.header.time);
    expect(h.nonce).toBe(v.expect.header.nonce);
    expect(h.hashHex()).toBe(readVector<{ hash: string }>('block-1.json').hash);
  });
});

describe('CompactSize', () => {
  const cases: [string, number | null][] = [
    ['00', 0],
    ['fc', 252],
    ['fdfd00', 253],
    ['fdfc00', null],
    ['fe00000100', 0x10000],
    ['feffff0000', null],
    ['ff0000000001000000', 0x100000000],
    ['ffffffffff00000000', null],
    ['fd00', null],
  ];
  it.each(cases)('%s', (hex, want) => {
    const read = () => new Reader(fromHex(hex)).varint();
    if (want === null) expectEncodingError(read);
    else {
      expect(read()).toBe(want);
      expect(toHex(new Writer().varint(want).finish())).toBe(hex);
    }
  });

  it('a count far beyond the input is refused before allocating', () => {
    // version, then 0xffffffff inputs claimed by a 5-byte varint.
    const raw = fromHex('01000000feffffffff');
    expectEncodingError(() => Tx.fromBytes(raw));
    const block = new Uint8Array(80 + 5);
    block.set(fromHex('feffffff7f'), 80);
    expectEncodingError(() => Block.fromBytes(block));
  });
});

describe('random input (fast-check)', () => {
  it('Tx.fromBytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (b) => decodesOrEncodingError(() => Tx.fromBytes(b))),
      { numRuns: 3000 },
    );
  });

  it('Tx.fromBytes on mutated real transactions', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...smallTxs),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        (raw, edits) => {
          const b = Uint8Array.from(raw);
          for (const [pos, val] of edits) b[pos % b.length] = val;
          decodesOrEncodingError(() => {
            const tx = Tx.fromBytes(b);
            // Anything that decodes must re-encode to the same bytes.
            expect(toHex(tx.toBytes())).toBe(toHex(b));
          });
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('Block.fromBytes and BlockHeader.fromBytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 80, maxLength: 400 }), (b) => {
        decodesOrEncodingError(() => Block.fromBytes(b));
        decodesOrEncodingError(() => BlockHeader.fromBytes(b));
      }),
      { numRuns: 2000 },
    );
  });

  it('script decode/encode round trip', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        decodesOrEncodingError(() => {
          const ops = decodeScript(b);
          expect(toHex(encodeScript(ops))).toBe(toHex(b));
        });
      }),
      { numRuns: 3000 },
    );
  });

  it('hex and script assembly parsers', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (s) => {
        decodesOrEncodingError(() => fromHex(s));
        decodesOrEncodingError(() => parseCoreAsm(s));
      }),
      { numRuns: 3000 },
    );
  });

  it('the interpreter only throws ScriptError on random scripts', () => {
    const flagSets = [0, FLAGS.P2SH, STANDARD_FLAGS];
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 120 }),
        fc.uint8Array({ maxLength: 120 }),
        fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 3 }),
        fc.constantFrom(...flagSets),
        (sig, spk, witness, flags) => {
          try {
            verifyScript(sig, spk, witness, flags, NULL_CHECKER);
          } catch (e) {
            if (!(e instanceof ScriptError)) throw e;
          }
        },
      ),
      { numRuns: 5000 },
    );
  });
});
