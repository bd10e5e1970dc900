/**
 * Bitcoin's message framing (Core's V1Transport, net.cpp / protocol.h): a 24-byte header of
 * magic (4), command (12 bytes of ASCII, NUL-padded), payload length (u32 LE) and checksum
 * (the first 4 bytes of hash256(payload)), then the payload.
 *
 * Limits are checked on the header, before a byte of the payload is buffered: the 4 MB of
 * Core's MAX_PROTOCOL_MESSAGE_LENGTH for anything, and per command what its largest valid
 * payload takes (5,000 inv entries, 50,000 getdata/notfound entries, 1,000 addrs, 2,000
 * headers, 101 locator hashes, a 256-byte user agent). The streaming decoder takes socket
 * chunks in any split and returns whole frames; a violation throws P2PError and leaves the
 * decoder dead, never half-parsed.
 *
 * The checksum of a `chunk` (file data, docs/files.md) is written but not checked: each chunk
 * is verified against its anchored Merkle root, which covers every data byte, so the checksum
 * would be a second SHA-256 pass over the same bytes (BIP324's v2 transport drops the checksum
 * altogether, its AEAD tag authenticating instead). A flipped bit in a `chunk` still fails: as
 * BAD_CHUNK or an unrequested chunk rather than BAD_CHECKSUM.
 */
import { equal } from '../protocol/bytes.js';
import { hash256, sha256Parts } from '../protocol/hash.js';
import { networks } from '../protocol/params.js';
import { sha256Small } from '../protocol/sha256-small.js';
import { MAX_ADDRV2_ENTRY } from './addrv2.js';
import { P2PError } from './errors.js';
import { FILES_PAYLOAD_LIMITS } from './files-messages.js';

export const HEADER_LEN = 24;
/** Commands whose checksum is not checked: their payload is verified otherwise (see above). */
const UNCHECKED: ReadonlySet<string> = new Set(['chunk']);
/** Core's MAX_PROTOCOL_MESSAGE_LENGTH. */
export const MAX_MESSAGE = 4_000_000;
/** Core's MAX_INV_SZ: entries in a getdata or notfound. */
export const MAX_INV = 50_000;
/**
 * Core's MAX_PEER_TX_ANNOUNCEMENTS (txrequest): transaction announcements we track per peer
 * before it counts as flooding (tx-relay.ts). It also bounds one `inv`: no honest node sends
 * that many entries unasked (Core trickles at most 1,000 per message, and we never send the
 * BIP35 `mempool` request that a 50,000-entry answer would need), so a bigger one is refused
 * from its header, its 1.8 MB never buffered nor parsed.
 */
export const MAX_PEER_TX_ANNOUNCEMENTS = 5_000;
export const MAX_ADDR = 1_000;
export const MAX_HEADERS = 2_000;
export const MAX_LOCATOR = 101;
export const MAX_USER_AGENT = 256;

const INV_PAYLOAD = 3 + MAX_INV * 36;
const ANNOUNCE_PAYLOAD = 3 + MAX_PEER_TX_ANNOUNCEMENTS * 36;
/** The most bytes a valid payload of each command takes; unknown commands get MAX_MESSAGE. */
export const PAYLOAD_LIMITS: Readonly<Record<string, number>> = {
  // 4+8+8+26+26+8 fixed, a CompactSize and the user agent, start height, relay flag.
  version: 80 + 3 + MAX_USER_AGENT + 4 + 1,
  verack: 0,
  getaddr: 0,
  sendheaders: 0,
  ping: 8,
  pong: 8,
  addr: 3 + MAX_ADDR * 30,
  inv: ANNOUNCE_PAYLOAD,
  getdata: INV_PAYLOAD,
  notfound: INV_PAYLOAD,
  tx: MAX_MESSAGE,
  block: MAX_MESSAGE,
  getheaders: 4 + 1 + MAX_LOCATOR * 32 + 32,
  getblocks: 4 + 1 + MAX_LOCATOR * 32 + 32,
  sendaddrv2: 0,
  addrv2: 3 + MAX_ADDR * MAX_ADDRV2_ENTRY,
  // Each header is followed by a CompactSize transaction count (always 0).
  headers: 3 + MAX_HEADERS * 81,
  wtxidrelay: 0,
  feefilter: 8,
  sendcmpct: 9,
  cmpctblock: MAX_MESSAGE,
  // A block hash, then at most 65,536 differential indexes of at most 3 bytes each.
  getblocktxn: 32 + 5 + 65_536 * 3,
  blocktxn: MAX_MESSAGE,
  ...FILES_PAYLOAD_LIMITS,
};

export interface Frame {
  command: string;
  payload: Uint8Array;
}

export function checksum(payload: Uint8Array): Uint8Array {
  return hash256(payload).subarray(0, 4);
}

/** The checksum of the payload the parts make end to end, without joining them. */
export function checksumParts(parts: readonly Uint8Array[]): Uint8Array {
  return sha256Small(sha256Parts(...parts)).subarray(0, 4);
}

export function encodeFrame(magic: Uint8Array, command: string, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_LEN + payload.length);
  out.set(encodeHeader(magic, command, payload.length, checksum(payload)), 0);
  out.set(payload, HEADER_LEN);
  return out;
}

/** The 24-byte header alone, for a payload written after it without being copied behind it. */
export function encodeHeader(
  magic: Uint8Array,
  command: string,
  length: number,
  sum: Uint8Array,
): Uint8Array {
  if (command.length > 12 || !/^[a-z0-9]*$/.test(command)) throw new RangeError(`bad command '${command}'`);
  const out = new Uint8Array(HEADER_LEN);
  out.set(magic, 0);
  for (let i = 0; i < command.length; i++) out[4 + i] = command.charCodeAt(i);
  new DataView(out.buffer).setUint32(16, length, true);
  out.set(sum, 20);
  return out;
}

/** The 12-byte command field: printable ASCII, then only NULs (Core's IsCommandValid). */
function readCommand(b: Uint8Array): string {
  let end = 12;
  for (let i = 0; i < 12; i++) {
    if (b[i] === 0) {
      end = i;
      break;
    }
  }
  for (let i = end; i < 12; i++) {
    if (b[i] !== 0) throw new P2PError('MALFORMED', 'command field not NUL-padded');
  }
  let s = '';
  for (let i = 0; i < end; i++) {
    const c = b[i]!;
    if (c < 0x20 || c > 0x7e) throw new P2PError('MALFORMED', 'command not printable ASCII');
    s += String.fromCharCode(c);
  }
  return s;
}

function knownMagic(m: Uint8Array): boolean {
  return Object.values(networks).some((n) => equal(n.magic, m));
}

export class FrameDecoder {
  private readonly magic: Uint8Array;
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private header: { command: string; length: number; checksum: Uint8Array } | null = null;
  private dead = false;

  constructor(magic: Uint8Array) {
    this.magic = magic;
  }

  /** Bytes received but not yet returned as frames. */
  get pending(): number {
    return this.buffered;
  }

  /** Adds bytes; returns every frame now complete. Throws P2PError on a violation. */
  push(chunk: Uint8Array): Frame[] {
    if (this.dead) throw new P2PError('MALFORMED', 'decoder used after an error');
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const frames: Frame[] = [];
    try {
      for (;;) {
        if (!this.header) {
          if (this.buffered < HEADER_LEN) break;
          this.header = this.parseHeader(this.take(HEADER_LEN));
        }
        const h = this.header;
        if (this.buffered < h.length) break;
        const payload = this.take(h.length);
        if (!UNCHECKED.has(h.command) && !equal(checksum(payload), h.checksum))
          throw new P2PError('BAD_CHECKSUM', `bad checksum on '${h.command}'`);
        this.header = null;
        frames.push({ command: h.command, payload });
      }
    } catch (e) {
      this.dead = true;
      this.chunks = [];
      this.buffered = 0;
      throw e;
    }
    return frames;
  }

  private parseHeader(b: Uint8Array) {
    const magic = b.subarray(0, 4);
    if (!equal(magic, this.magic)) {
      if (knownMagic(magic)) throw new P2PError('WRONG_NETWORK', "another network's magic");
      throw new P2PError('BAD_MAGIC', 'bad magic bytes');
    }
    const command = readCommand(b.subarray(4, 16));
    const length = new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(16, true);
    if (length > MAX_MESSAGE) throw new P2PError('OVERSIZED_FRAME', `'${command}' announces ${length} bytes`);
    const limit = PAYLOAD_LIMITS[command] ?? MAX_MESSAGE;
    if (length > limit)
      throw new P2PError('OVERSIZED', `'${command}' payload of ${length} bytes exceeds ${limit}`);
    return { command, length, checksum: b.slice(20, 24) };
  }

  /** Removes and returns the first `n` buffered bytes (no copy when one chunk holds them). */
  private take(n: number): Uint8Array {
    const first = this.chunks[0];
    if (n === 0) return new Uint8Array(0);
    if (first && first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return first.subarray(0, n);
    }
    const out = new Uint8Array(n);
    let off = 0;
    while (off < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - off);
      out.set(c.subarray(0, k), off);
      off += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    this.buffered -= n;
    return out;
  }
}
