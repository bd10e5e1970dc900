/**
 * Bounds-checked reader for every wire and disk format (bcoin bufio, btcd ReadVarIntBuf).
 * Each read checks the remaining length first and throws EncodingError, never RangeError;
 * CompactSize varints must be canonical; counts are checked before anything is allocated.
 */
import { EncodingError } from './errors.js';

export class Reader {
  readonly data: Uint8Array;
  offset: number;
  private readonly view: DataView;

  constructor(data: Uint8Array, offset = 0) {
    this.data = data;
    this.offset = offset;
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  get remaining(): number {
    return this.data.length - this.offset;
  }

  private need(n: number): void {
    if (n > this.data.length - this.offset) {
      throw new EncodingError(
        'OUT_OF_BOUNDS',
        `need ${n} bytes at offset ${this.offset}, have ${this.remaining}`,
      );
    }
  }

  u8(): number {
    this.need(1);
    return this.data[this.offset++]!;
  }

  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.offset, true);
    this.offset += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return v;
  }

  i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.offset, true);
    this.offset += 4;
    return v;
  }

  u16be(): number {
    this.need(2);
    const v = this.view.getUint16(this.offset, false);
    this.offset += 2;
    return v;
  }

  u64(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.offset, true);
    this.offset += 8;
    return v;
  }

  i64(): bigint {
    this.need(8);
    const v = this.view.getBigInt64(this.offset, true);
    this.offset += 8;
    return v;
  }

  /** A view into the underlying data (no copy). */
  bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.data.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  /** 32-byte hash in internal byte order. */
  hash(): Uint8Array {
    return this.bytes(32);
  }

  /** CompactSize; non-canonical (over-long) encodings are rejected as Bitcoin Core does. */
  varint(): number {
    const first = this.u8();
    if (first < 0xfd) return first;
    if (first === 0xfd) {
      const v = this.u16();
      if (v < 0xfd) throw new EncodingError('NON_CANONICAL_VARINT', 'non-canonical CompactSize');
      return v;
    }
    if (first === 0xfe) {
      const v = this.u32();
      if (v < 0x10000) throw new EncodingError('NON_CANONICAL_VARINT', 'non-canonical CompactSize');
      return v;
    }
    const v = this.u64();
    if (v < 0x100000000n) throw new EncodingError('NON_CANONICAL_VARINT', 'non-canonical CompactSize');
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new EncodingError('TOO_LARGE', 'CompactSize too large');
    return Number(v);
  }

  /**
   * A count of items that each take at least `minItemSize` bytes: rejected before allocation
   * when above `max` or when the rest of the input could not hold that many.
   */
  count(max: number, minItemSize = 1): number {
    const n = this.varint();
    if (n > max) throw new EncodingError('TOO_LARGE', `count ${n} exceeds limit ${max}`);
    if (n * minItemSize > this.remaining) {
      throw new EncodingError('OUT_OF_BOUNDS', `count ${n} cannot fit in ${this.remaining} bytes`);
    }
    return n;
  }

  varBytes(max = Number.MAX_SAFE_INTEGER): Uint8Array {
    const n = this.varint();
    if (n > max) throw new EncodingError('TOO_LARGE', `length ${n} exceeds limit ${max}`);
    return this.bytes(n);
  }

  /** Throws unless every byte was consumed: trailing garbage is an error in every format here. */
  end(): void {
    if (this.offset !== this.data.length) {
      throw new EncodingError('TRAILING_BYTES', `${this.remaining} unread bytes`);
    }
  }
}
