/**
 * Issue 18, BIP155 (addrv2): Core's own encodings (netbase_tests.cpp `stream_addrv2_hex`,
 * net_tests.cpp `cnetaddr_unserialize_v2`) decode to what Core says and re-encode byte for byte;
 * every known network's length is enforced, 512 bytes is the most any address may take, and
 * more than 1,000 entries costs the peer 20 (five such messages ban its address). On a node:
 * sendaddrv2 goes out between version and verack, addresses reach sendaddrv2 peers as addrv2
 * and the others as addr, TORv3/I2P/CJDNS entries are relayed to addrv2 peers only and never
 * enter the (dialled) address book, and sendaddrv2 after verack ends the connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AddrV2, addrV2ToTimed, isOverlay, NET } from '../node/p2p/addrv2.js';
import { P2PError } from '../node/p2p/errors.js';
import { decodeMessage, encodePayload } from '../node/p2p/messages.js';
import { fromHex, toHex } from '../node/protocol/bytes.js';
import { type NetNode, startNetNode, stopNetNodes } from './helpers/p2p.js';
import { RawPeer } from './helpers/p2p-raw.js';

/** Core's stream_addrv2_hex (src/test/netbase_tests.cpp): three IPv6 ::1 entries. */
const hex = (s: string) => s.replace(/\s+/g, '');
const CORE_ADDRV2 = hex(`
  03
  61bc6649 00 02 10 00000000000000000000000000000001 0000
  79627683 01 02 10 00000000000000000000000000000001 00f1
  ffffffff fd4804 02 10 00000000000000000000000000000001 f1f2
`);

const TORV3 = '79bcc625184b05194975c28b66b66b0469f7f6556fb1ac3189a79b40dda32f1f';
const I2P = 'a2894dabaec08c0051a481a6dac88b64f98232ae42d4b6fd2fa81952dfe36a87';

/**
 * net_tests.cpp cnetaddr_unserialize_v2: network id, length and address, wrapped here in an
 * entry (time 0, no services, port 0). `ip` is the dialable text, `overlay` whether the node
 * keeps it, `error` the reason Core throws.
 */
const CASES: { name: string; hex: string; ip?: string; overlay?: boolean; error?: RegExp }[] = [
  { name: 'valid IPv4', hex: '01 04 01020304', ip: '1.2.3.4' },
  {
    name: 'IPv4, bogus length',
    hex: '01 05 0102030405',
    error: /IPv4 address with length 5 \(should be 4\)/,
  },
  { name: 'IPv4, extreme length', hex: '01 fd0102 01020304', error: /address too long: 513 > 512/ },
  {
    name: 'valid IPv6',
    hex: '02 10 0102030405060708090a0b0c0d0e0f10',
    ip: '102:304:506:708:90a:b0c:d0e:f10',
  },
  { name: 'IPv6 embedding IPv4', hex: '02 10 00000000000000000000ffff01020304' },
  {
    name: 'IPv6, bogus length',
    hex: '02 04 00000000',
    error: /IPv6 address with length 4 \(should be 16\)/,
  },
  { name: 'TORv2 (no longer supported)', hex: '03 0a f1f2f3f4f5f6f7f8f9fa' },
  { name: 'valid TORv3', hex: `04 20 ${TORV3}`, overlay: true },
  { name: 'TORv3, bogus length', hex: '04 00', error: /TORv3 address with length 0 \(should be 32\)/ },
  { name: 'valid I2P', hex: `05 20 ${I2P}`, overlay: true },
  {
    name: 'I2P, bogus length',
    hex: '05 03 000000',
    error: /I2P address with length 3 \(should be 32\)/,
  },
  { name: 'valid CJDNS', hex: '06 10 fc000001000200030004000500060007', overlay: true },
  {
    name: 'CJDNS, bogus length',
    hex: '06 01 00',
    error: /CJDNS address with length 1 \(should be 16\)/,
  },
  {
    name: 'unknown, extreme length',
    hex: 'aa fe00000002 01020304050607',
    error: /address too long: 33554432 > 512/,
  },
  { name: 'unknown, reasonable length', hex: 'aa 04 01020304' },
  { name: 'unknown, zero length', hex: 'aa 00' },
];

function decodeV2(payloadHex: string): AddrV2[] {
  const m = decodeMessage('addrv2', fromHex(payloadHex));
  if (m.command !== 'addrv2') throw new Error('not addrv2');
  return m.addrs;
}

function p2pError(fn: () => unknown): P2PError {
  try {
    fn();
  } catch (e) {
    if (e instanceof P2PError) return e;
    throw e;
  }
  throw new Error('expected a P2PError');
}

const entry = (net: number, addr: string, port = 8333, time = 0): AddrV2 => ({
  time,
  services: 9n,
  net,
  addr: fromHex(addr),
  port,
});

describe('addrv2 codec', () => {
  it("decodes Core's stream_addrv2_hex to its fixture addresses and encodes it back", () => {
    const addrs = decodeV2(CORE_ADDRV2);
    expect(addrs.map((a) => [a.time, a.services, a.net, a.port])).toEqual([
      [0x4966bc61, 0n, NET.IPV6, 0],
      [0x83766279, 1n, NET.IPV6, 0xf1],
      // NODE_WITNESS | NODE_COMPACT_FILTERS | NODE_NETWORK_LIMITED
      [0xffffffff, (1n << 3n) | (1n << 6n) | (1n << 10n), NET.IPV6, 0xf1f2],
    ]);
    expect(addrs.map((a) => addrV2ToTimed(a)?.host)).toEqual(['::1', '::1', '::1']);
    expect(toHex(encodePayload({ command: 'addrv2', addrs }))).toBe(CORE_ADDRV2);
  });

  it("enforces BIP155's lengths as Core's cnetaddr_unserialize_v2 does", () => {
    for (const c of CASES) {
      const payload = hex(`01 00000000 00 ${c.hex} 0000`);
      if (c.error) {
        const e = p2pError(() => decodeV2(payload));
        expect(e.code, c.name).toBe('MALFORMED');
        expect(e.message, c.name).toMatch(c.error);
        continue;
      }
      const [a] = decodeV2(payload);
      expect(addrV2ToTimed(a!)?.host, c.name).toBe(c.ip);
      expect(isOverlay(a!), c.name).toBe(c.overlay === true);
      expect(toHex(encodePayload({ command: 'addrv2', addrs: [a!] })), c.name).toBe(payload);
    }
  });

  it('refuses a payload cut at any byte as MALFORMED', () => {
    const full = encodePayload({
      command: 'addrv2',
      addrs: [entry(NET.IPV4, '0a000001', 18444, 1_700_000_000), entry(NET.TORV3, TORV3)],
    });
    for (let n = 0; n < full.length; n++)
      expect(p2pError(() => decodeMessage('addrv2', full.subarray(0, n))).code).toBe('MALFORMED');
  });

  it('takes 1,000 entries; 1,001 is ADDR_OVERSIZE (score 20) before any entry is read', () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => entry(NET.IPV4, '0a000001', i + 1));
    expect(decodeV2(toHex(encodePayload({ command: 'addrv2', addrs: many(1000) })))).toHaveLength(1000);
    const e = p2pError(() => decodeMessage('addrv2', fromHex('fde903')));
    expect(e.code).toBe('ADDR_OVERSIZE');
    expect(e.score).toBe(20);
  });

  it('carries 64-bit service flags and round-trips sendaddrv2 and getblocks', () => {
    const big = { ...entry(NET.IPV6, '20010db8000000000000000000000001'), services: 1n << 63n };
    expect(decodeV2(toHex(encodePayload({ command: 'addrv2', addrs: [big] })))[0]!.services).toBe(1n << 63n);
    expect(encodePayload({ command: 'sendaddrv2' })).toHaveLength(0);
    expect(decodeMessage('sendaddrv2', new Uint8Array(0))).toEqual({ command: 'sendaddrv2' });
    const gb = {
      command: 'getblocks' as const,
      version: 70016,
      locator: [new Uint8Array(32).fill(7)],
      stop: new Uint8Array(32),
    };
    expect(decodeMessage('getblocks', encodePayload(gb))).toEqual(gb);
  });
});

describe('addrv2 on a node', () => {
  let node: NetNode;
  const port = () => node.node.p2p!.listenPort;
  const now = () => Math.floor(Date.now() / 1000);
  const isBanned = async (ip: string) =>
    (await node.rpc<{ address: string }[]>('listbanned')).some((b) => b.address === `${ip}/32`);

  /** Handshake from `local`; with `v2`, sendaddrv2 between version and verack. Ready once the node's own address arrives. */
  async function connect(local: string, v2: boolean): Promise<RawPeer> {
    const p = await RawPeer.connect(port(), local);
    p.version();
    await p.waitFor('version');
    if (v2) p.send({ command: 'sendaddrv2' });
    p.send({ command: 'verack' });
    await p.waitFor(v2 ? 'addrv2' : 'addr');
    return p;
  }

  beforeAll(async () => {
    node = await startNetNode();
  });
  afterAll(stopNetNodes);

  it('sends sendaddrv2 between version and verack, and its own address as addrv2 or addr', async () => {
    const v2 = await connect('127.0.1.1', true);
    const v1 = await connect('127.0.1.2', false);
    try {
      const order = v2.received.map((m) => m.command);
      expect(order.indexOf('version')).toBeLessThan(order.indexOf('sendaddrv2'));
      expect(order.indexOf('sendaddrv2')).toBeLessThan(order.indexOf('verack'));
      const self = await v2.waitFor('addrv2');
      expect(self.addrs.map((a) => [a.net, addrV2ToTimed(a)?.host, a.port])).toEqual([
        [NET.IPV4, '127.0.0.1', port()],
      ]);
      expect((await v1.waitFor('addr')).addrs.map((a) => a.host)).toEqual(['127.0.0.1']);
      expect(v1.received.some((m) => m.command === 'addrv2')).toBe(false);
    } finally {
      v2.close();
      v1.close();
    }
  });

  it('relays IPs to both kinds of peer and overlay addresses to addrv2 peers only; getaddr serves them', async () => {
    const from = await connect('127.0.2.1', true);
    const legacy = await connect('127.0.2.2', false);
    const modern = await connect('127.0.2.3', true);
    try {
      from.send({
        command: 'addrv2',
        addrs: [
          entry(NET.IPV4, '7f090909', 1, now()),
          entry(NET.TORV3, TORV3, 9050, now()),
          entry(0xaa, '01020304', 1, now()),
        ],
      });
      const ip = await legacy.waitFor('addr', 10_000, (m) => m.addrs.some((a) => a.host === '127.9.9.9'));
      expect(ip.addrs.map((a) => a.host)).toEqual(['127.9.9.9']);
      await modern.waitFor('addrv2', 10_000, (m) =>
        m.addrs.some((a) => a.net === NET.IPV4 && toHex(a.addr) === '7f090909'),
      );
      const tor = await modern.waitFor('addrv2', 10_000, (m) => m.addrs.some((a) => a.net === NET.TORV3));
      expect(tor.addrs.map((a) => [a.net, toHex(a.addr), a.port])).toEqual([[NET.TORV3, TORV3, 9050]]);

      // Kept for addrv2 peers, never in the book the node dials from; the unknown network is gone.
      const book = node.node.p2p!.conns.book.all().map((e) => e.key);
      expect(book).toContain('127.9.9.9:1');
      expect(book.every((k) => /^[\d.]+:\d+$|^\[[0-9a-f:]+\]:\d+$/.test(k))).toBe(true);
      modern.send({ command: 'getaddr' });
      const served = await modern.waitFor('addrv2', 10_000, (m) => m.addrs.length > 1);
      expect(served.addrs.map((a) => a.net)).toContain(NET.TORV3);
      expect(served.addrs.some((a) => a.net === 0xaa)).toBe(false);
      expect(legacy.received.some((m) => m.command === 'addrv2')).toBe(false);
    } finally {
      for (const p of [from, legacy, modern]) p.close();
    }
  });

  it('disconnects a peer sending sendaddrv2 after verack, without a score', async () => {
    const p = await connect('127.0.3.1', false);
    p.send({ command: 'sendaddrv2' });
    expect(await p.waitClosed()).toBe(true);
    expect(await isBanned('127.0.3.1')).toBe(false);
  });

  it('disconnects and scores an addrv2 of 1,001 entries: the fifth from one address bans it', async () => {
    const oversize = {
      command: 'addrv2' as const,
      addrs: Array.from({ length: 1001 }, () => entry(NET.IPV4, '0a000009')),
    };
    for (let i = 1; i <= 5; i++) {
      const p = await connect('127.0.4.1', true);
      p.send(oversize);
      expect(await p.waitClosed()).toBe(true);
      expect(await isBanned('127.0.4.1'), `after ${i}`).toBe(i === 5);
    }
  });
});
