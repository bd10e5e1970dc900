/**
 * Provider records (issue 17; libp2p kad-dht's ADD_PROVIDER, BEP 5's announce_peer with a
 * signature instead of a token): "the node with this key serves this manifest at this address
 * until this time". The provider signs the record, so a storer cannot forge one for another
 * node, and a record with a bad signature proves its sender wrong.
 *
 * Wire form (151 bytes): manifest id (32) | provider pubkey (33) | IPv6 or mapped IPv4 (16) |
 * port (u16 big-endian, as in Bitcoin's addr) | expiry (u32, Unix seconds) | signature (64,
 * compact low-S ECDSA over SHA-256("GLDHT-PR" || the first 85 bytes)).
 */
import { bytesToIp, ipToBytes } from '../p2p/netaddr.js';
import { concat, utf8 } from '../protocol/bytes.js';
import { sha256 } from '../protocol/hash.js';
import type { Reader } from '../protocol/reader.js';
import type { Writer } from '../protocol/writer.js';
import { type DhtIdentity, nodeIdOf, PUBKEY_BYTES, SIG_BYTES, verifySig } from './identity.js';

export const RECORD_BYTES = 32 + PUBKEY_BYTES + 16 + 2 + 4 + SIG_BYTES;
const TAG = utf8('GLDHT-PR');

export interface ProviderRecord {
  readonly manifestId: Uint8Array;
  readonly pubkey: Uint8Array;
  /** SHA-256 of `pubkey`: the provider's node id. */
  readonly nodeId: Uint8Array;
  readonly host: string;
  readonly port: number;
  /** Unix seconds. */
  readonly expires: number;
  readonly sig: Uint8Array;
}

function body(
  manifestId: Uint8Array,
  pubkey: Uint8Array,
  host: string,
  port: number,
  expires: number,
): Uint8Array {
  const tail = new Uint8Array(6);
  const dv = new DataView(tail.buffer);
  dv.setUint16(0, port);
  dv.setUint32(2, expires, true);
  return concat(manifestId, pubkey, ipToBytes(host), tail);
}

function digest(b: Uint8Array): Uint8Array {
  return sha256(concat(TAG, b));
}

export function signRecord(
  identity: DhtIdentity,
  manifestId: Uint8Array,
  host: string,
  port: number,
  expires: number,
): ProviderRecord {
  const sig = identity.sign(digest(body(manifestId, identity.pubkey, host, port, expires)));
  return { manifestId, pubkey: identity.pubkey, nodeId: identity.id, host, port, expires, sig };
}

export function verifyRecord(r: ProviderRecord): boolean {
  return verifySig(digest(body(r.manifestId, r.pubkey, r.host, r.port, r.expires)), r.sig, r.pubkey);
}

export function writeRecord(w: Writer, r: ProviderRecord): void {
  w.bytes(body(r.manifestId, r.pubkey, r.host, r.port, r.expires)).bytes(r.sig);
}

/** Parses one record; the signature is not checked here (verifyRecord). */
export function readRecord(r: Reader): ProviderRecord {
  const manifestId = r.bytes(32);
  const pubkey = r.bytes(PUBKEY_BYTES);
  const host = bytesToIp(r.bytes(16));
  const port = r.u16be();
  const expires = r.u32();
  const sig = r.bytes(SIG_BYTES);
  return { manifestId, pubkey, nodeId: nodeIdOf(pubkey), host, port, expires, sig };
}
