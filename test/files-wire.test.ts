/**
 * Issue 16, a file piece sent in parts (p2p/files-messages.ts encodeChunkParts, Peer.sendParts):
 * the parts end to end are exactly the one-buffer `chunk` payload, and their checksum is the
 * frame checksum of that payload, so a receiver cannot tell how it was sent.
 */
import { describe, expect, it } from 'vitest';
import { encodeChunkParts, encodeFilesPayload, type FilesMessage } from '../node/p2p/files-messages.js';
import { checksum, checksumParts } from '../node/p2p/framing.js';

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

describe('a chunk payload in parts', () => {
  for (const [pathLength, dataLength] of [
    [0, 0],
    [0, 1],
    [3, 1000],
    [20, 256 * 1024],
  ] as const) {
    it(`matches the one-buffer encoding (path of ${pathLength}, ${dataLength} bytes)`, () => {
      const data = new Uint8Array(dataLength).map((_, i) => (i * 31) & 0xff);
      const msg: Extract<FilesMessage, { command: 'chunk' }> = {
        command: 'chunk',
        id: new Uint8Array(32).fill(7),
        index: 0x01020304,
        offset: 262144,
        path: Array.from({ length: pathLength }, (_, i) => new Uint8Array(32).fill(i + 1)),
        data,
      };
      const whole = encodeFilesPayload(msg);
      const parts = encodeChunkParts(msg);
      expect(Buffer.from(concat(parts)).equals(Buffer.from(whole))).toBe(true);
      expect(parts[1]).toBe(data);
      expect([...checksumParts(parts)]).toEqual([...checksum(whole)]);
    });
  }
});
