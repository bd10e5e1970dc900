/**
 * Payloads of the wire messages this node speaks, as Bitcoin Core serializes them
 * (net_processing.cpp, protocol.h; https://en.bitcoin.it/wiki/Protocol_documentation):
 * version, verack, ping, pong, getaddr, addr, inv, getdata, notfound, tx, block, getheaders,
 * headers, sendheaders, getblocks (the pre-headers-first sync bcoin still uses); BIP155's
 * sendaddrv2 and addrv2 (entries in addrv2.ts); wtxidrelay (BIP339), feefilter (BIP133), and
 * sendcmpct, cmpctblock, getblocktxn, blocktxn (BIP152, codec in protocol/compact-block.ts). Any
 * other command decodes to `unknown` and is ignored by the caller.
 *
 * Decoding goes through the one bounds-checked Reader; counts are checked against Core's limits
 * before anything is allocated, and a payload that does not parse exactly throws P2PError
 * MALFORMED (only `version` may carry fields after the ones we know, as newer versions add them).
 */
import { Block } from '../protocol/block.js';
import {
  type BlockTxn,
  type CompactBlock,
  type GetBlockTxn,
  readBlockTxn,
  readCompactBlock,
  readGetBlockTxn,
  writeBlockTxn,
  writeCompactBlock,
  writeGetBlockTxn,
} from '../protocol/compact-block.js';
import { EncodingError } from '../protocol/errors.js';
import { BlockHeader } from '../protocol/header.js';
import { Reader } from '../protocol/reader.js';
import { Tx } from '../protocol/tx.js';
import { Writer } from '../protocol/writer.js';
import { type AddrV2, readAddrV2, writeAddrV2 } from './addrv2.js';
import { P2PError } from './errors.js';
import {
  decodeFilesMessage,
  encodeFilesPayload,
  type FilesMessage,
  isFilesCommand,
} from './files-messages.js';
import { MAX_ADDR, MAX_HEADERS, MAX_INV, MAX_LOCATOR, MAX_USER_AGENT } from './framing.js';
import {
  type NetAddr,
  readNetAddr,
  readTimedAddr,
  type TimedAddr,
  writeNetAddr,
  writeTimedAddr,
} from './netaddr.js';

/** Inventory types (Core's GetDataMsg). */
export const INV = {
  TX: 1,
  BLOCK: 2,
  FILTERED_BLOCK: 3,
  CMPCT_BLOCK: 4,
  /** BIP339: a transaction by its wtxid. */
  WTX: 5,
  WITNESS_TX: 0x40000001,
  WITNESS_BLOCK: 0x40000002,
} as const;

export interface InvItem {
  type: number;
  /** Internal byte order. */
  hash: Uint8Array;
}

export interface VersionMessage {
  command: 'version';
  version: number;
  services: bigint;
  timestamp: bigint;
  /** The receiver's address as the sender sees it. */
  addrRecv: NetAddr;
  addrFrom: NetAddr;
  nonce: bigint;
  userAgent: string;
  startHeight: number;
  relay: boolean;
}

export type Message =
  | VersionMessage
  | { command: 'verack' | 'getaddr' | 'sendheaders' }
  | { command: 'ping' | 'pong'; nonce: bigint }
  | { command: 'addr'; addrs: TimedAddr[] }
  | { command: 'inv' | 'getdata' | 'notfound'; items: InvItem[] }
  | { command: 'tx'; tx: Tx }
  | { command: 'block'; block: Block }
  | { command: 'getheaders'; version: number; locator: Uint8Array[]; stop: Uint8Array }
  | { command: 'headers'; headers: BlockHeader[] }
  | { command: 'getblocks'; version: number; locator: Uint8Array[]; stop: Uint8Array }
  | { command: 'sendaddrv2' }
  | { command: 'addrv2'; addrs: AddrV2[] }
  | { command: 'wtxidrelay' }
  /** BIP133: the lowest fee rate (sat/kvB) of transactions the sender wants announced. */
  | { command: 'feefilter'; feeRate: bigint }
  | { command: 'sendcmpct'; announce: boolean; version: bigint }
  | { command: 'cmpctblock'; block: CompactBlock }
  | { command: 'getblocktxn'; request: GetBlockTxn }
  | { command: 'blocktxn'; response: BlockTxn }
  | FilesMessage
  | { command: 'unknown'; name: string; payload: Uint8Array };

export type Command = Exclude<Message['command'], 'unknown' | FilesMessage['command']>;

function readVarString(r: Reader, max: number): string {
  const bytes = r.varBytes(max);
  // Core's SanitizeString keeps printable ASCII; anything else is dropped for display.
  let s = '';
  for (const c of bytes) if (c >= 0x20 && c <= 0x7e) s += String.fromCharCode(c);
  return s;
}

function readInv(r: Reader): InvItem[] {
  const n = r.count(MAX_INV, 36);
  const items: InvItem[] = new Array(n);
  for (let i = 0; i < n; i++) items[i] = { type: r.u32(), hash: r.hash() };
  return items;
}

function decodeBody(command: string, r: Reader): Message {
  switch (command) {
    case 'version': {
      const version = r.i32();
      const services = r.u64();
      const timestamp = r.i64();
      const addrRecv = readNetAddr(r);
      const addrFrom = readNetAddr(r);
      const nonce = r.u64();
      const userAgent = readVarString(r, MAX_USER_AGENT);
      const startHeight = r.i32();
      // BIP37's relay flag, absent before protocol version 70001 (then: relay).
      const relay = r.remaining > 0 ? r.u8() !== 0 : true;
      r.offset = r.data.length; // later versions may append fields
      return {
        command,
        version,
        services,
        timestamp,
        addrRecv,
        addrFrom,
        nonce,
        userAgent,
        startHeight,
        relay,
      };
    }
    case 'verack':
    case 'getaddr':
    case 'sendheaders':
    case 'sendaddrv2':
      return { command };
    case 'ping':
    case 'pong':
      // BIP31: pings before protocol 60001 carry no nonce.
      return { command, nonce: r.remaining === 0 && command === 'ping' ? 0n : r.u64() };
    case 'addr': {
      const n = r.count(MAX_ADDR, 30);
      const addrs: TimedAddr[] = new Array(n);
      for (let i = 0; i < n; i++) addrs[i] = readTimedAddr(r);
      return { command, addrs };
    }
    case 'inv':
    case 'getdata':
    case 'notfound':
      return { command, items: readInv(r) };
    case 'tx':
      return { command, tx: Tx.read(r) };
    case 'block':
      return { command, block: Block.read(r) };
    case 'getheaders':
    case 'getblocks': {
      const version = r.u32();
      const n = r.count(MAX_LOCATOR, 32);
      const locator: Uint8Array[] = new Array(n);
      for (let i = 0; i < n; i++) locator[i] = r.hash();
      return { command, version, locator, stop: r.hash() };
    }
    case 'headers': {
      const n = r.count(MAX_HEADERS, 81);
      const headers: BlockHeader[] = new Array(n);
      for (let i = 0; i < n; i++) {
        headers[i] = BlockHeader.read(r);
        r.varint(); // the transaction count, always 0 here; Core ignores its value
      }
      return { command, headers };
    }
    case 'addrv2': {
      // Core's Misbehaving(20, "addrv2 message size"), checked before reading an entry.
      const n = r.varint();
      if (n > MAX_ADDR) throw new P2PError('ADDR_OVERSIZE', `addrv2 of ${n} addresses (max ${MAX_ADDR})`);
      const addrs: AddrV2[] = [];
      for (let i = 0; i < n; i++) addrs.push(readAddrV2(r));
      return { command, addrs };
    }
    case 'wtxidrelay':
      return { command };
    case 'feefilter':
      return { command, feeRate: r.i64() };
    case 'sendcmpct':
      return { command, announce: r.u8() !== 0, version: r.u64() };
    case 'cmpctblock':
      return { command, block: readCompactBlock(r) };
    case 'getblocktxn':
      return { command, request: readGetBlockTxn(r) };
    case 'blocktxn':
      return { command, response: readBlockTxn(r) };
    default:
      // Files messages (files-messages.ts) have their own codec.
      if (isFilesCommand(command)) return decodeFilesMessage(command, r);
      r.offset = r.data.length;
      return { command: 'unknown', name: command, payload: r.data };
  }
}

/** Decodes a frame's payload; throws P2PError MALFORMED if it does not parse exactly. */
export function decodeMessage(command: string, payload: Uint8Array): Message {
  const r = new Reader(payload);
  try {
    const msg = decodeBody(command, r);
    r.end();
    return msg;
  } catch (e) {
    if (e instanceof EncodingError) throw new P2PError('MALFORMED', `'${command}': ${e.message}`);
    throw e;
  }
}

function writeInv(w: Writer, items: readonly InvItem[]): void {
  w.varint(items.length);
  for (const it of items) w.u32(it.type).bytes(it.hash);
}

/** Serializes a message's payload. `witness` false sends blocks and txs stripped (MSG_BLOCK). */
export function encodePayload(msg: Exclude<Message, { command: 'unknown' }>, witness = true): Uint8Array {
  const w = new Writer(64);
  switch (msg.command) {
    case 'sendfiles':
    case 'files':
    case 'getmanifest':
    case 'manifest':
    case 'getchunks':
    case 'chunk':
    case 'notfile':
      return encodeFilesPayload(msg);
    case 'version': {
      const ua = new TextEncoder().encode(msg.userAgent);
      w.i32(msg.version).u64(msg.services).i64(msg.timestamp);
      writeNetAddr(w, msg.addrRecv);
      writeNetAddr(w, msg.addrFrom);
      w.u64(msg.nonce)
        .varBytes(ua)
        .i32(msg.startHeight)
        .u8(msg.relay ? 1 : 0);
      break;
    }
    case 'verack':
    case 'getaddr':
    case 'sendheaders':
    case 'sendaddrv2':
    case 'wtxidrelay':
      break;
    case 'feefilter':
      w.i64(msg.feeRate);
      break;
    case 'sendcmpct':
      w.u8(msg.announce ? 1 : 0).u64(msg.version);
      break;
    case 'cmpctblock':
      writeCompactBlock(w, msg.block);
      break;
    case 'getblocktxn':
      writeGetBlockTxn(w, msg.request);
      break;
    case 'blocktxn':
      writeBlockTxn(w, msg.response);
      break;
    case 'ping':
    case 'pong':
      w.u64(msg.nonce);
      break;
    case 'addr':
      w.varint(msg.addrs.length);
      for (const a of msg.addrs) writeTimedAddr(w, a);
      break;
    case 'inv':
    case 'getdata':
    case 'notfound':
      writeInv(w, msg.items);
      break;
    case 'tx':
      return msg.tx.toBytes(witness);
    case 'block':
      return msg.block.toBytes(witness);
    case 'getheaders':
    case 'getblocks':
      w.u32(msg.version).varint(msg.locator.length);
      for (const h of msg.locator) w.bytes(h);
      w.bytes(msg.stop);
      break;
    case 'addrv2':
      w.varint(msg.addrs.length);
      for (const a of msg.addrs) writeAddrV2(w, a);
      break;
    case 'headers':
      w.varint(msg.headers.length);
      for (const h of msg.headers) {
        h.write(w);
        w.varint(0);
      }
      break;
  }
  return w.finish();
}
