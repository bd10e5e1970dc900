/**
 * The DHT's messages, each one Bitcoin frame (node/p2p/framing.ts) on a short-lived connection:
 * one request, one answer, close (docs/dht.md). Kademlia's four RPCs (PING, FIND_NODE, and
 * libp2p's GET_PROVIDERS / ADD_PROVIDER) and their answers:
 *
 *   dhtping -> dhtpong          (empty bodies)
 *   dhtfindnode target(32) -> dhtnodes contacts
 *   dhtgetprov id(32) -> dhtprovs anchored(u8) records contacts
 *   dhtaddprov records -> dhtack accepted(varint)
 *
 * Every payload is: sender pubkey (33) | sender IP (16) | sender DHT port (u16 BE, 0: answers
 * only) | nonce (u64, an answer echoes its request's) | body | signature (64) over
 * SHA-256("GLDHT-MSG" || command || everything before the signature). So every id in a table
 * came with its key, and a wrong answer is provably its sender's. A contact in a list is
 * pubkey | IP | port (51 bytes); records are record.ts's.
 */
import { bytesToIp, ipToBytes } from '../p2p/netaddr.js';
import { concat, utf8 } from '../protocol/bytes.js';
import { sha256 } from '../protocol/hash.js';
import { Reader } from '../protocol/reader.js';
import { Writer } from '../protocol/writer.js';
import { DhtError } from './errors.js';
import { type DhtIdentity, nodeIdOf, PUBKEY_BYTES, SIG_BYTES, verifySig } from './identity.js';
import { MAX_CONTACTS_PER_MESSAGE, MAX_RECORDS_PER_MESSAGE } from './params.js';
import { type ProviderRecord, RECORD_BYTES, readRecord, writeRecord } from './record.js';

export interface Contact {
  readonly id: Uint8Array;
  readonly pubkey: Uint8Array;
  readonly host: string;
  readonly port: number;
}

export type DhtBody =
  | { command: 'dhtping' }
  | { command: 'dhtpong' }
  | { command: 'dhtfindnode'; target: Uint8Array }
  | { command: 'dhtnodes'; contacts: Contact[] }
  | { command: 'dhtgetprov'; manifestId: Uint8Array }
  | { command: 'dhtprovs'; anchored: boolean; records: ProviderRecord[]; contacts: Contact[] }
  | { command: 'dhtaddprov'; records: ProviderRecord[] }
  | { command: 'dhtack'; accepted: number };

export type DhtCommand = DhtBody['command'];

export interface DhtMessage {
  readonly sender: Contact;
  readonly nonce: bigint;
  readonly body: DhtBody;
}

const CONTACT_BYTES = PUBKEY_BYTES + 16 + 2;
const HEAD_BYTES = CONTACT_BYTES + 8;
const TAG = utf8('GLDHT-MSG');

/** The largest payload of each command, for the frame decoder to refuse bigger ones unread. */
export const DHT_PAYLOAD_LIMITS: Readonly<Record<DhtCommand, number>> = {
  dhtping: HEAD_BYTES + SIG_BYTES,
  dhtpong: HEAD_BYTES + SIG_BYTES,
  dhtfindnode: HEAD_BYTES + 32 + SIG_BYTES,
  dhtnodes: HEAD_BYTES + 1 + MAX_CONTACTS_PER_MESSAGE * CONTACT_BYTES + SIG_BYTES,
  dhtgetprov: HEAD_BYTES + 32 + SIG_BYTES,
  dhtprovs:
    HEAD_BYTES +
    1 +
    2 * 1 +
    MAX_RECORDS_PER_MESSAGE * RECORD_BYTES +
    MAX_CONTACTS_PER_MESSAGE * CONTACT_BYTES +
    SIG_BYTES,
  dhtaddprov: HEAD_BYTES + 1 + MAX_RECORDS_PER_MESSAGE * RECORD_BYTES + SIG_BYTES,
  dhtack: HEAD_BYTES + 1 + SIG_BYTES,
};

export const REQUESTS: ReadonlySet<string> = new Set(['dhtping', 'dhtfindnode', 'dhtgetprov', 'dhtaddprov']);
export const ANSWER_OF: Readonly<Record<string, DhtCommand>> = {
  dhtping: 'dhtpong',
  dhtfindnode: 'dhtnodes',
  dhtgetprov: 'dhtprovs',
  dhtaddprov: 'dhtack',
};

function writeContact(w: Writer, c: { pubkey: Uint8Array; host: string; port: number }): void {
  w.bytes(c.pubkey).bytes(ipToBytes(c.host)).u16be(c.port);
}

function readContact(r: Reader): Contact {
  const pubkey = r.bytes(PUBKEY_BYTES);
  const host = bytesToIp(r.bytes(16));
  const port = r.u16be();
  return { id: nodeIdOf(pubkey), pubkey, host, port };
}

function writeList<T>(w: Writer, items: readonly T[], max: number, one: (w: Writer, x: T) => void): void {
  if (items.length > max) throw new RangeError(`at most ${max} items in a DHT message`);
  w.varint(items.length);
  for (const x of items) one(w, x);
}

function readList<T>(r: Reader, max: number, size: number, one: (r: Reader) => T): T[] {
  const n = r.count(max, size);
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(one(r));
  return out;
}

function writeBody(w: Writer, b: DhtBody): void {
  switch (b.command) {
    case 'dhtping':
    case 'dhtpong':
      return;
    case 'dhtfindnode':
      w.bytes(b.target);
      return;
    case 'dhtgetprov':
      w.bytes(b.manifestId);
      return;
    case 'dhtnodes':
      writeList(w, b.contacts, MAX_CONTACTS_PER_MESSAGE, writeContact);
      return;
    case 'dhtprovs':
      w.u8(b.anchored ? 1 : 0);
      writeList(w, b.records, MAX_RECORDS_PER_MESSAGE, writeRecord);
      writeList(w, b.contacts, MAX_CONTACTS_PER_MESSAGE, writeContact);
      return;
    case 'dhtaddprov':
      writeList(w, b.records, MAX_RECORDS_PER_MESSAGE, writeRecord);
      return;
    case 'dhtack':
      w.varint(b.accepted);
      return;
  }
}

function readBody(command: string, r: Reader): DhtBody {
  switch (command) {
    case 'dhtping':
    case 'dhtpong':
      return { command };
    case 'dhtfindnode':
      return { command, target: r.bytes(32) };
    case 'dhtgetprov':
      return { command, manifestId: r.bytes(32) };
    case 'dhtnodes':
      return { command, contacts: readList(r, MAX_CONTACTS_PER_MESSAGE, CONTACT_BYTES, readContact) };
    case 'dhtprovs': {
      const flag = r.u8();
      if (flag > 1) throw new DhtError('MALFORMED', 'anchored flag is not 0 or 1');
      const records = readList(r, MAX_RECORDS_PER_MESSAGE, RECORD_BYTES, readRecord);
      const contacts = readList(r, MAX_CONTACTS_PER_MESSAGE, CONTACT_BYTES, readContact);
      return { command, anchored: flag === 1, records, contacts };
    }
    case 'dhtaddprov':
      return { command, records: readList(r, MAX_RECORDS_PER_MESSAGE, RECORD_BYTES, readRecord) };
    case 'dhtack':
      return { command, accepted: r.varint() };
    default:
      throw new DhtError('MALFORMED', `not a DHT command: '${command}'`);
  }
}

function digest(command: string, signed: Uint8Array): Uint8Array {
  return sha256(concat(TAG, utf8(command), Uint8Array.of(0), signed));
}

/** The payload of `body` from `identity` at `host:port`, signed. */
export function encodeMessage(
  identity: DhtIdentity,
  self: { host: string; port: number },
  nonce: bigint,
  body: DhtBody,
): Uint8Array {
  const w = new Writer(256);
  writeContact(w, { pubkey: identity.pubkey, host: self.host, port: self.port });
  w.u64(nonce);
  writeBody(w, body);
  const signed = w.finish();
  return concat(signed, identity.sign(digest(body.command, signed)));
}

/** Parses and checks a payload: DhtError MALFORMED if it does not parse, DHT_BAD_SIGNATURE if unsigned. */
export function decodeMessage(command: string, payload: Uint8Array): DhtMessage {
  if (payload.length < HEAD_BYTES + SIG_BYTES) throw new DhtError('MALFORMED', `short '${command}'`);
  const signed = payload.subarray(0, payload.length - SIG_BYTES);
  let msg: DhtMessage;
  try {
    const r = new Reader(signed);
    const sender = readContact(r);
    const nonce = r.u64();
    const body = readBody(command, r);
    r.end();
    msg = { sender, nonce, body };
  } catch (e) {
    if (e instanceof DhtError) throw e;
    throw new DhtError('MALFORMED', `bad '${command}': ${(e as Error).message}`);
  }
  if (!verifySig(digest(command, signed), payload.subarray(payload.length - SIG_BYTES), msg.sender.pubkey))
    throw new DhtError('DHT_BAD_SIGNATURE', `'${command}' not signed by its sender's key`);
  return msg;
}
