/**
 * BIP155 addresses (`addrv2`): each entry is time (u32), services (CompactSize), a network id
 * (u8), the address as CompactSize-prefixed bytes, and the port (u16 big-endian). Network ids
 * and their address lengths are BIP155's table; like Core (netaddress.cpp,
 * CNetAddr::UnserializeV2Stream) an address longer than 512 bytes, or a known network's address
 * of the wrong length, makes the whole message malformed, while an unknown network's address is
 * read past and dropped by the caller (BIP155: never gossip what cannot be checked).
 *
 * Only IPv4 and IPv6 become dialable `TimedAddr`s. An IPv6 entry that embeds IPv4
 * (::ffff:0:0/96), as Core does, is no address at all: IPv4 has its own id.
 */
import { toHex } from '../protocol/bytes.js';
import { EncodingError } from '../protocol/errors.js';
import type { Reader } from '../protocol/reader.js';
import type { Writer } from '../protocol/writer.js';
import { bytesToIp, ipToBytes, type TimedAddr } from './netaddr.js';

/** BIP155 network ids. */
export const NET = { IPV4: 1, IPV6: 2, TORV2: 3, TORV3: 4, I2P: 5, CJDNS: 6 } as const;

const NET_NAMES: Readonly<Record<number, string>> = {
  1: 'IPv4',
  2: 'IPv6',
  3: 'TORv2',
  4: 'TORv3',
  5: 'I2P',
  6: 'CJDNS',
};

/** BIP155's address length per known network id. */
export const ADDR_LENGTH: Readonly<Record<number, number>> = { 1: 4, 2: 16, 3: 10, 4: 32, 5: 32, 6: 16 };

/** Core's MAX_ADDRV2_SIZE (BIP155: "reject messages with ADDRLEN > 512"). */
export const MAX_ADDRV2_SIZE = 512;

/** The most bytes one entry takes: u32, a 9-byte CompactSize, u8, 3 + 512 bytes, u16. */
export const MAX_ADDRV2_ENTRY = 4 + 9 + 1 + 3 + MAX_ADDRV2_SIZE + 2;

/** Networks whose addresses are kept and passed on to addrv2 peers, though never dialled. */
const OVERLAY_NETS: ReadonlySet<number> = new Set([NET.TORV3, NET.I2P, NET.CJDNS]);

export interface AddrV2 {
  time: number;
  services: bigint;
  /** BIP155 network id. */
  net: number;
  addr: Uint8Array;
  port: number;
}

/** CompactSize as a bigint: services are a 64-bit field, which `Reader.varint` stops at 2^53. */
function readServices(r: Reader): bigint {
  const first = r.data[r.offset];
  if (first !== 0xff) return BigInt(r.varint());
  r.u8();
  const v = r.u64();
  if (v < 0x100000000n) throw new EncodingError('NON_CANONICAL_VARINT', 'non-canonical CompactSize');
  return v;
}

function writeServices(w: Writer, s: bigint): void {
  if (s < 0x100000000n) w.varint(Number(s));
  else w.u8(0xff).u64(s);
}

export function readAddrV2(r: Reader): AddrV2 {
  const time = r.u32();
  const services = readServices(r);
  const net = r.u8();
  const len = r.varint();
  if (len > MAX_ADDRV2_SIZE)
    throw new EncodingError('TOO_LARGE', `address too long: ${len} > ${MAX_ADDRV2_SIZE}`);
  const want = ADDR_LENGTH[net];
  if (want !== undefined && len !== want)
    throw new EncodingError(
      'BAD_VALUE',
      `BIP155 ${NET_NAMES[net]} address with length ${len} (should be ${want})`,
    );
  const addr = r.bytes(len);
  const port = r.u16be();
  return { time, services, net, addr, port };
}

export function writeAddrV2(w: Writer, a: AddrV2): void {
  w.u32(a.time);
  writeServices(w, a.services);
  w.u8(a.net).varBytes(a.addr).u16be(a.port);
}

const MAPPED = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/** The dialable form of an IPv4 or IPv6 entry; null for every other network. */
export function addrV2ToTimed(a: AddrV2): TimedAddr | null {
  let host: string;
  if (a.net === NET.IPV4) host = `${a.addr[0]}.${a.addr[1]}.${a.addr[2]}.${a.addr[3]}`;
  else if (a.net === NET.IPV6) {
    if (MAPPED.every((v, i) => a.addr[i] === v)) return null;
    host = bytesToIp(a.addr);
  } else return null;
  return { time: a.time, services: a.services, host, port: a.port };
}

/** An IP address as addrv2 sends it: IPv4 with id 1 and 4 bytes, IPv6 with id 2. */
export function timedToAddrV2(a: TimedAddr): AddrV2 {
  const b = ipToBytes(a.host);
  const v4 = MAPPED.every((v, i) => b[i] === v);
  return {
    time: a.time,
    services: a.services,
    net: v4 ? NET.IPV4 : NET.IPV6,
    addr: v4 ? b.slice(12) : b,
    port: a.port,
  };
}

/** TORv3, I2P and CJDNS: checked and relayed to addrv2 peers, never dialled. */
export function isOverlay(a: AddrV2): boolean {
  return OVERLAY_NETS.has(a.net);
}

/** A map key for an overlay address: its network's name, address bytes and port. */
export function overlayKey(a: AddrV2): string {
  return `${NET_NAMES[a.net] ?? a.net}:${toHex(a.addr)}:${a.port}`;
}
