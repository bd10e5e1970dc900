/**
 * Network addresses as Bitcoin's wire carries them (Core's CAddress / CService, protocol.h):
 * services u64, 16-byte IPv6 address (IPv4 mapped as ::ffff:a.b.c.d), port big-endian, and in
 * `addr` messages a u32 timestamp before them. Also the text forms operators type
 * ("1.2.3.4:8333", "[2001:db8::1]:8333", "seed.example.org:8333") and Core's network groups
 * (netgroup.cpp: the /16 of an IPv4 address, the /32 of an IPv6 one) that limit how many
 * peers and book entries may come from one operator's range.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { Reader } from '../protocol/reader.js';
import type { Writer } from '../protocol/writer.js';
import { P2PConfigError } from './errors.js';

/** Service bits (Core's ServiceFlags). */
export const NODE_NETWORK = 1n;
export const NODE_WITNESS = 1n << 3n;
/** Serves anchored files (docs/files.md); bit 24 is the first of Core's experimental range. */
export const NODE_FILES = 1n << 24n;

export interface NetAddr {
  host: string;
  port: number;
  services: bigint;
}

export interface TimedAddr extends NetAddr {
  /** Unix seconds the address was last seen (as its sender claims). */
  time: number;
}

function parseIPv4(s: string): number[] {
  return s.split('.').map(Number);
}

function parseIPv6(text: string): Uint8Array {
  let s = text;
  const out = new Uint8Array(16);
  let v4: number[] | null = null;
  if (s.includes('.')) {
    const i = s.lastIndexOf(':');
    v4 = parseIPv4(s.slice(i + 1));
    s = `${s.slice(0, i + 1)}0:0`;
  }
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const groups = (p: string | undefined) => (p ? p.split(':').map((g) => Number.parseInt(g, 16)) : []);
  const h = groups(head);
  const t = groups(tail);
  const all = tail === undefined ? h : [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  if (v4) out.set(v4, 12);
  return out;
}

/** 16-byte form of an IPv4 or IPv6 literal; throws P2PConfigError for anything else. */
export function ipToBytes(host: string): Uint8Array {
  if (isIPv4(host)) return Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...parseIPv4(host));
  if (isIPv6(host) && !host.includes('%')) return parseIPv6(host);
  throw new P2PConfigError('BAD_ADDRESS', `not an IP address: ${host}`);
}

const MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/** Text form of a 16-byte address: dotted IPv4 when mapped, RFC 5952 IPv6 otherwise. */
export function bytesToIp(b: Uint8Array): string {
  if (MAPPED_PREFIX.every((v, i) => b[i] === v)) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[2 * i]! << 8) | b[2 * i + 1]!);
  // The longest run of two or more zero groups becomes '::' (the first, on a tie).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

/** Canonical text of an IP literal (so "::ffff:1.2.3.4" and "1.2.3.4" are one key). */
export function canonicalIp(host: string): string {
  return bytesToIp(ipToBytes(host));
}

export function isIp(host: string): boolean {
  return isIPv4(host) || (isIPv6(host) && !host.includes('%'));
}

/** "host:port", with brackets around IPv6. */
export function addrKey(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Parses "host:port", "[v6]:port", or a bare host with `defaultPort`. Hostnames are kept as
 * given (resolved later); IP literals are canonicalized.
 */
export function parseHostPort(text: string, defaultPort?: number): { host: string; port: number } {
  const s = text.trim();
  let host: string;
  let portText: string | undefined;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracket) {
    host = bracket[1]!;
    portText = bracket[2];
    if (!isIPv6(host)) throw new P2PConfigError('BAD_ADDRESS', `not an IPv6 address: ${text}`);
  } else if (isIPv6(s)) {
    host = s;
  } else {
    const i = s.lastIndexOf(':');
    host = i < 0 ? s : s.slice(0, i);
    portText = i < 0 ? undefined : s.slice(i + 1);
  }
  const port = portText === undefined ? defaultPort : /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (port === undefined || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new P2PConfigError('BAD_ADDRESS', `bad or missing port in '${text}'`);
  if (isIp(host)) return { host: canonicalIp(host), port };
  if (
    !/^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,62}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,62}[a-zA-Z0-9])?)*$/.test(
      host,
    )
  )
    throw new P2PConfigError('BAD_ADDRESS', `not a host name or IP address: '${text}'`);
  return { host, port };
}

/** Loopback, private, link-local, shared, unspecified, documentation or multicast ranges. */
export function isRoutable(host: string): boolean {
  if (!isIp(host)) return false;
  const b = ipToBytes(host);
  if (MAPPED_PREFIX.every((v, i) => b[i] === v)) {
    const [a, c] = [b[12]!, b[13]!];
    if (a === 0 || a === 10 || a === 127 || a >= 224) return false;
    if (a === 169 && c === 254) return false;
    if (a === 172 && c >= 16 && c <= 31) return false;
    if (a === 192 && c === 168) return false;
    if (a === 100 && c >= 64 && c <= 127) return false;
    return true;
  }
  if (b.every((x, i) => (i === 15 ? x <= 1 : x === 0))) return false; // :: and ::1
  if ((b[0]! & 0xfe) === 0xfc) return false; // fc00::/7 unique local
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0x80) return false; // fe80::/10 link local
  if (b[0] === 0xff) return false; // multicast
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0x0d && b[3] === 0xb8) return false; // 2001:db8::/32
  return true;
}

/**
 * The group an address counts against in per-group limits: the /16 of a routable IPv4
 * address, the /32 of a routable IPv6 one. A non-routable address (loopback, a LAN) is its
 * own group, by address and port: the limit guards against one operator's range crowding out
 * the others, which says nothing about several nodes on one machine or one LAN.
 */
export function netGroup(host: string, port: number): string {
  if (!isRoutable(host)) return `local ${addrKey(host, port)}`;
  const b = ipToBytes(host);
  if (MAPPED_PREFIX.every((v, i) => b[i] === v)) return `ipv4 ${b[12]}.${b[13]}`;
  return `ipv6 ${[...b.subarray(0, 4)].map((x) => x.toString(16).padStart(2, '0')).join('')}`;
}

export function readNetAddr(r: Reader): NetAddr {
  const services = r.u64();
  const host = bytesToIp(r.bytes(16));
  const port = r.u16be();
  return { host, port, services };
}

export function writeNetAddr(w: Writer, a: NetAddr): void {
  w.u64(a.services);
  w.bytes(isIp(a.host) ? ipToBytes(a.host) : new Uint8Array(16));
  w.u16be(a.port);
}

export function readTimedAddr(r: Reader): TimedAddr {
  const time = r.u32();
  return { time, ...readNetAddr(r) };
}

export function writeTimedAddr(w: Writer, a: TimedAddr): void {
  w.u32(a.time);
  writeNetAddr(w, a);
}
