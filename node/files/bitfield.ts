/**
 * One bit per chunk, as BitTorrent's `bitfield` (BEP 3) but least significant bit first within
 * each byte (bit i is byte i >> 3, mask 1 << (i & 7)). Bits past the chunk count must be 0 on the
 * wire, so a bitfield has exactly one encoding per set of chunks.
 */
export class Bitfield {
  readonly size: number;
  readonly bytes: Uint8Array;
  private ones = 0;

  constructor(size: number, bytes?: Uint8Array) {
    this.size = size;
    this.bytes = bytes ? bytes.slice() : new Uint8Array(Math.ceil(size / 8));
    if (bytes) for (let i = 0; i < size; i++) if (this.has(i)) this.ones++;
  }

  /** A bitfield read from a peer: null if its length or padding bits are wrong. */
  static fromWire(size: number, bytes: Uint8Array): Bitfield | null {
    if (bytes.length !== Math.ceil(size / 8)) return null;
    const tail = size & 7;
    if (tail !== 0 && bytes[bytes.length - 1]! >> tail !== 0) return null;
    return new Bitfield(size, bytes);
  }

  static full(size: number): Bitfield {
    const b = new Bitfield(size);
    for (let i = 0; i < size; i++) b.set(i);
    return b;
  }

  get count(): number {
    return this.ones;
  }

  get complete(): boolean {
    return this.ones === this.size;
  }

  has(i: number): boolean {
    return (this.bytes[i >> 3]! & (1 << (i & 7))) !== 0;
  }

  set(i: number): void {
    if (i < 0 || i >= this.size || this.has(i)) return;
    this.bytes[i >> 3]! |= 1 << (i & 7);
    this.ones++;
  }
}
