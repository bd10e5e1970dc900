/**
 * Wire messages for sharing anchored files (docs/files.md; DESIGN.md section 10), Bitcoin-framed
 * on the same connections, negotiated like BIP339's `wtxidrelay`: a peer whose version carries
 * NODE_FILES and that sends `sendfiles` between version and verack speaks them.
 *
 *   sendfiles    u32 version                         (pre-verack)
 *   files        varint n, n x { id 32, flags u8, [varBytes bitfield if partial] }
 *   getmanifest  id 32                                (manifest id, or the commitment of a
 *                                                      single-file anchor, which is the same)
 *   manifest     varBytes manifest, u32 index, u32 count, varint k, k x hash
 *   getchunks    id 32, varint n, n x u32 index       (n <= MAX_GETCHUNKS)
 *   chunk        id 32, u32 index, u32 offset, varint k, k x hash, varBytes data
 *   notfile      id 32, u8 what (0 manifest, 1 chunks), varint n, n x u32 index
 *
 * A chunk larger than PIECE_SIZE travels as several `chunk` messages, in offset order, the audit
 * path in the first: no frame carries more than PIECE_SIZE bytes of file data, so a block or a
 * transaction waits behind at most one piece (files/server.ts). Every count is checked against
 * its limit before anything is allocated (the one Reader).
 */
import { MAX_PATH_LENGTH } from '../anchors/tree.js';
import { EncodingError } from '../protocol/errors.js';
import type { Reader } from '../protocol/reader.js';
import { Writer } from '../protocol/writer.js';

export const FILES_PROTOCOL_VERSION = 1;
/** Bytes of file data in one `chunk` message. */
export const PIECE_SIZE = 256 * 1024;
/** Chunks one `getchunks` may ask for. */
export const MAX_GETCHUNKS = 256;
/** Holdings one `files` message may announce. */
export const MAX_FILES_ENTRIES = 1000;
/** A partial holding's bitfield: enough for 2^22 chunks (1 TiB at 256 KiB). */
export const MAX_BITFIELD_BYTES = 512 * 1024;
/** Canonical manifest bytes: 60 fixed + a 255-byte name with its 1-byte length. */
export const MAX_MANIFEST_BYTES = 60 + 255 + 2;

export const FILES_COMMANDS = [
  'sendfiles',
  'files',
  'getmanifest',
  'manifest',
  'getchunks',
  'chunk',
  'notfile',
] as const;
export type FilesCommand = (typeof FILES_COMMANDS)[number];

export interface FilesEntry {
  id: Uint8Array;
  /** Null: every chunk; else one bit per chunk, LSB first in each byte (BEP 3 is MSB first). */
  bitfield: Uint8Array | null;
}

export interface CommitmentLink {
  index: number;
  count: number;
  path: Uint8Array[];
}

export type FilesMessage =
  | { command: 'sendfiles'; version: number }
  | { command: 'files'; entries: FilesEntry[] }
  | { command: 'getmanifest'; id: Uint8Array }
  | { command: 'manifest'; manifest: Uint8Array; link: CommitmentLink }
  | { command: 'getchunks'; id: Uint8Array; indexes: number[] }
  | {
      command: 'chunk';
      id: Uint8Array;
      index: number;
      offset: number;
      path: Uint8Array[];
      data: Uint8Array;
    }
  | { command: 'notfile'; id: Uint8Array; what: 0 | 1; indexes: number[] };

/** Most bytes a valid payload of each command takes (framing.ts checks it on the header). */
export const FILES_PAYLOAD_LIMITS: Readonly<Record<FilesCommand, number>> = {
  sendfiles: 4,
  files: 3 + MAX_FILES_ENTRIES * 33 + 5 + MAX_BITFIELD_BYTES * 2,
  getmanifest: 32,
  manifest: 3 + MAX_MANIFEST_BYTES + 8 + 1 + MAX_PATH_LENGTH * 32,
  getchunks: 32 + 3 + MAX_GETCHUNKS * 4,
  chunk: 32 + 8 + 1 + MAX_PATH_LENGTH * 32 + 5 + PIECE_SIZE,
  notfile: 32 + 1 + 3 + MAX_GETCHUNKS * 4,
};

export function isFilesCommand(c: string): c is FilesCommand {
  return (FILES_COMMANDS as readonly string[]).includes(c);
}

function readPath(r: Reader): Uint8Array[] {
  const n = r.count(MAX_PATH_LENGTH, 32);
  const out: Uint8Array[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = r.hash().slice();
  return out;
}

function readIndexes(r: Reader): number[] {
  const n = r.count(MAX_GETCHUNKS, 4);
  const out: number[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = r.u32();
  return out;
}

/** Decodes a files message body (the caller checks the Reader is at its end). */
export function decodeFilesMessage(command: FilesCommand, r: Reader): FilesMessage {
  switch (command) {
    case 'sendfiles':
      return { command, version: r.u32() };
    case 'files': {
      const n = r.count(MAX_FILES_ENTRIES, 33);
      const entries: FilesEntry[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const id = r.hash().slice();
        const flags = r.u8();
        if (flags > 1) throw new EncodingError('BAD_VALUE', 'files: unknown flags');
        entries[i] = { id, bitfield: flags === 1 ? r.varBytes(MAX_BITFIELD_BYTES).slice() : null };
      }
      return { command, entries };
    }
    case 'getmanifest':
      return { command, id: r.hash().slice() };
    case 'manifest': {
      const manifest = r.varBytes(MAX_MANIFEST_BYTES).slice();
      const index = r.u32();
      const count = r.u32();
      return { command, manifest, link: { index, count, path: readPath(r) } };
    }
    case 'getchunks':
      return { command, id: r.hash().slice(), indexes: readIndexes(r) };
    case 'chunk': {
      const id = r.hash().slice();
      const index = r.u32();
      const offset = r.u32();
      const path = readPath(r);
      const data = r.varBytes(PIECE_SIZE);
      return { command, id, index, offset, path, data };
    }
    case 'notfile': {
      const id = r.hash().slice();
      const what = r.u8();
      if (what > 1) throw new EncodingError('BAD_VALUE', 'notfile: unknown kind');
      return { command, id, what: what as 0 | 1, indexes: readIndexes(r) };
    }
  }
}

/**
 * A `chunk` payload as two parts, its fields (through the data's length) and the data itself,
 * so the file bytes are sent as read rather than copied into one buffer (Peer.sendParts).
 */
export function encodeChunkParts(
  msg: Extract<FilesMessage, { command: 'chunk' }>,
): [head: Uint8Array, data: Uint8Array] {
  const w = new Writer(32 + 8 + 1 + msg.path.length * 32 + 5);
  w.bytes(msg.id).u32(msg.index).u32(msg.offset).varint(msg.path.length);
  for (const h of msg.path) w.bytes(h);
  w.varint(msg.data.length);
  return [w.finish(), msg.data];
}

export function encodeFilesPayload(msg: FilesMessage): Uint8Array {
  // A chunk's piece is sized up front: growing by doubling would copy it two or three times.
  const w = new Writer(
    msg.command === 'chunk' ? 32 + 8 + 1 + msg.path.length * 32 + 5 + msg.data.length : 64,
  );
  switch (msg.command) {
    case 'sendfiles':
      w.u32(msg.version);
      break;
    case 'files':
      w.varint(msg.entries.length);
      for (const e of msg.entries) {
        w.bytes(e.id).u8(e.bitfield ? 1 : 0);
        if (e.bitfield) w.varBytes(e.bitfield);
      }
      break;
    case 'getmanifest':
      w.bytes(msg.id);
      break;
    case 'manifest':
      w.varBytes(msg.manifest).u32(msg.link.index).u32(msg.link.count).varint(msg.link.path.length);
      for (const h of msg.link.path) w.bytes(h);
      break;
    case 'getchunks':
      w.bytes(msg.id).varint(msg.indexes.length);
      for (const i of msg.indexes) w.u32(i);
      break;
    case 'chunk':
      w.bytes(msg.id).u32(msg.index).u32(msg.offset).varint(msg.path.length);
      for (const h of msg.path) w.bytes(h);
      w.varBytes(msg.data);
      break;
    case 'notfile':
      w.bytes(msg.id).u8(msg.what).varint(msg.indexes.length);
      for (const i of msg.indexes) w.u32(i);
      break;
  }
  return w.finish();
}
