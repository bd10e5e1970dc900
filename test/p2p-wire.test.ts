/**
 * The wire codec (node/p2p framing, messages, netaddr): known frames from the Bitcoin wiki, round
 * trips of every message, frames split at every byte, payloads truncated at every byte, random
 * garbage (fast-check), and the limits checked on the header before any payload is buffered.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { P2PConfigError, P2PError } from '../node/p2p/errors.js';
import { encodeFrame, FrameDecoder, HEADER_LEN, MAX_MESSAGE, PAYLOAD_LIMITS } from '../node/p2p/framing.js';
import { decodeMessage, encodePayload, INV, type Message } from '../node/p2p/messages.js';
import {
  addrKey,
  bytesToIp,
  ipToBytes,
  isRoutable,
  NODE_NETWORK,
  NODE_WITNESS,
  netGroup,
  parseHostPort,
} from '../node/p2p/netaddr.js';
import { fromHex, toHex } from '../node/protocol/bytes.js';
import { main, regtest } from '../node/protocol/params.js';

const MAINNET_MAGIC = fromHex('f9beb4d9');

/**
 * The version message of the Bitcoin wiki's protocol page (Satoshi 0.7.2, protocol 60002),
 * framed by python-bitcoinlib (Debian's python3-bitcoinlib, `msg_version.to_bytes()`), which
 * also writes the relay flag.
 */
const WIKI_VERSION =
  'f9beb4d976657273696f6e000000000065000000f67ff11a62ea0000010000000000000011b2d05000000000' +
  '010000000000000000000000000000000000ffff000000000000010000000000000000000000000000000000ffff' +
  '0000000000003b2eb35d8ce617650f2f5361746f7368693a302e372e322fc03e030001';

function errorOf(fn: () => unknown): P2PError {
  try {
    fn();
  } catch (e) {
    if (e instanceof P2PError) return e;
    throw e;
  }
  throw new Error('expected a P2PError');
}

const hash = (n: number) => new Uint8Array(32).fill(n);

const samples: Exclude<Message, { command: 'unknown' }>[] = [
  {
    command: 'version',
    version: 70016,
    services: NODE_NETWORK | NODE_WITNESS,
    timestamp: 1_700_000_000n,
    addrRecv: { host: '127.0.0.1', port: 18444, services: 0n },
    addrFrom: { host: '2001:db8::7', port: 8633, services: 9n },
    nonce: 0x0123456789abcdefn,
    userAgent: '/gossip-ledger:0.1.0/',
    startHeight: 2000,
    relay: true,
  },
  { command: 'verack' },
  { command: 'getaddr' },
  { command: 'sendheaders' },
  { command: 'ping', nonce: 42n },
  { command: 'pong', nonce: 0xffffffffffffffffn },
  {
    command: 'addr',
    addrs: [
      { time: 1_700_000_000, host: '10.1.2.3', port: 8633, services: 9n },
      { time: 5, host: 'fe80::1', port: 1, services: 0n },
    ],
  },
  { command: 'inv', items: [{ type: INV.TX, hash: hash(1) }] },
  {
    command: 'getdata',
    items: [
      { type: INV.WITNESS_TX, hash: hash(2) },
      { type: INV.WITNESS_BLOCK, hash: hash(3) },
    ],
  },
  { command: 'notfound', items: [] },
  { command: 'tx', tx: regtest.genesis.txs[0]! },
  { command: 'block', block: regtest.genesis },
  { command: 'getheaders', version: 70016, locator: [hash(4), regtest.genesisHash], stop: hash(0) },
  { command: 'headers', headers: [regtest.genesis.header, main.genesis.header] },
];

describe('framing', () => {
  it("decodes python-bitcoinlib's version frame field by field", () => {
    const [frame] = new FrameDecoder(MAINNET_MAGIC).push(fromHex(WIKI_VERSION));
    expect(frame!.command).toBe('version');
    const v = decodeMessage('version', frame!.payload);
    expect(v).toMatchObject({
      version: 60002,
      services: 1n,
      timestamp: 0x50d0b211n,
      nonce: 0x6517e68c5db32e3bn,
      userAgent: '/Satoshi:0.7.2/',
      startHeight: 212672,
      relay: true,
    });
    expect(v.command === 'version' && v.addrRecv).toEqual({ host: '0.0.0.0', port: 0, services: 1n });
  });

  it('encodes verack as on Bitcoin mainnet (checksum of the empty payload 5df6e0e2)', () => {
    expect(toHex(encodeFrame(MAINNET_MAGIC, 'verack', new Uint8Array(0)))).toBe(
      'f9beb4d976657261636b000000000000000000005df6e0e2',
    );
  });

  it('round-trips every message, whatever way the bytes are split', () => {
    for (const msg of samples) {
      const payload = encodePayload(msg);
      const frame = encodeFrame(regtest.magic, msg.command, payload);
      expect(decodeMessage(msg.command, payload)).toEqual(
        msg.command === 'tx' || msg.command === 'block' || msg.command === 'headers'
          ? decodeMessage(msg.command, payload)
          : msg,
      );
      expect(toHex(encodePayload(decodeMessage(msg.command, payload) as typeof msg))).toBe(toHex(payload));
      for (let cut = 0; cut <= frame.length; cut++) {
        const d = new FrameDecoder(regtest.magic);
        const frames = [...d.push(frame.subarray(0, cut)), ...d.push(frame.subarray(cut))];
        expect(frames.length).toBe(1);
        expect(toHex(frames[0]!.payload)).toBe(toHex(payload));
        expect(d.pending).toBe(0);
      }
    }
  });

  it('returns several frames from one chunk, byte by byte as well', () => {
    const all = samples.map((m) => encodeFrame(regtest.magic, m.command, encodePayload(m)));
    const joined = Buffer.concat(all);
    expect(new FrameDecoder(regtest.magic).push(joined).map((f) => f.command)).toEqual(
      samples.map((m) => m.command),
    );
    const d = new FrameDecoder(regtest.magic);
    const got: string[] = [];
    for (const b of joined) got.push(...d.push(Uint8Array.of(b)).map((f) => f.command));
    expect(got).toEqual(samples.map((m) => m.command));
  });

  it('rejects a bad checksum, bad magic, another network, a bad command field', () => {
    const frame = encodeFrame(regtest.magic, 'ping', encodePayload({ command: 'ping', nonce: 1n }));
    const bad = frame.slice();
    bad[HEADER_LEN] = bad[HEADER_LEN]! ^ 1;
    expect(errorOf(() => new FrameDecoder(regtest.magic).push(bad)).code).toBe('BAD_CHECKSUM');
    // A `chunk`'s checksum is not checked: its data is verified against the anchored root.
    const chunk = encodeFrame(regtest.magic, 'chunk', Uint8Array.of(1, 2, 3));
    chunk[20] = chunk[20]! ^ 1;
    expect(new FrameDecoder(regtest.magic).push(chunk).map((f) => f.command)).toEqual(['chunk']);
    expect(
      errorOf(() => new FrameDecoder(regtest.magic).push(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')))
        .code,
    ).toBe('BAD_MAGIC');
    expect(errorOf(() => new FrameDecoder(main.magic).push(frame)).code).toBe('WRONG_NETWORK');
    const cmd = frame.slice();
    cmd[8] = 0x01; // 'ping\x00\x00\x00\x00' -> control character after the NULs
    expect(errorOf(() => new FrameDecoder(regtest.magic).push(cmd)).code).toBe('MALFORMED');
  });

  it('refuses oversized payloads from the header alone, before buffering them', () => {
    const header = (command: string, length: number) => {
      const f = encodeFrame(regtest.magic, command, new Uint8Array(0)).slice(0, HEADER_LEN);
      new DataView(f.buffer).setUint32(16, length, true);
      return f;
    };
    const huge = errorOf(() => new FrameDecoder(regtest.magic).push(header('block', 50_000_000)));
    expect([huge.code, huge.score]).toEqual(['OVERSIZED_FRAME', 100]);
    expect(
      errorOf(() => new FrameDecoder(regtest.magic).push(header('inv', PAYLOAD_LIMITS.inv! + 1))).code,
    ).toBe('OVERSIZED');
    expect(errorOf(() => new FrameDecoder(regtest.magic).push(header('verack', 1))).code).toBe('OVERSIZED');
    // At the limit, the decoder waits for the payload.
    expect(new FrameDecoder(regtest.magic).push(header('block', MAX_MESSAGE))).toEqual([]);
    expect(new FrameDecoder(regtest.magic).push(header('somethingnew', MAX_MESSAGE))).toEqual([]);
  });

  it('a decoder that failed stays failed', () => {
    const d = new FrameDecoder(regtest.magic);
    expect(() => d.push(new Uint8Array(24))).toThrow(P2PError);
    expect(() => d.push(encodeFrame(regtest.magic, 'verack', new Uint8Array(0)))).toThrow(P2PError);
  });

  it('never throws anything but P2PError on random bytes, valid header or not', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (bytes, framed) => {
        const d = new FrameDecoder(regtest.magic);
        const input = framed ? encodeFrame(regtest.magic, 'inv', bytes) : bytes;
        try {
          for (const f of d.push(input)) decodeMessage(f.command, f.payload);
        } catch (e) {
          if (!(e instanceof P2PError)) throw e;
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('messages', () => {
  it('reports every truncation of every payload as MALFORMED', () => {
    for (const msg of samples) {
      const payload = encodePayload(msg);
      // version may omit the relay flag (protocol < 70001)
      const minimum = msg.command === 'version' ? payload.length - 1 : payload.length;
      for (let n = 0; n < minimum; n++) {
        if (msg.command === 'ping' && n === 0) continue; // BIP31: an empty ping is valid
        expect(errorOf(() => decodeMessage(msg.command, payload.subarray(0, n))).code).toBe('MALFORMED');
      }
    }
  });

  it('rejects trailing bytes, and counts above the limits before allocating', () => {
    expect(errorOf(() => decodeMessage('pong', new Uint8Array(9))).code).toBe('MALFORMED');
    // 50,001 inventory items announced in 3 bytes
    expect(errorOf(() => decodeMessage('inv', fromHex('fd51c3'))).message).toMatch(/exceeds limit 50000/);
    expect(errorOf(() => decodeMessage('addr', fromHex('fde903'))).message).toMatch(/exceeds limit 1000/);
    expect(errorOf(() => decodeMessage('headers', fromHex('fdd107'))).message).toMatch(/exceeds limit 2000/);
    const locator = new Uint8Array(4 + 1 + 102 * 32 + 32);
    locator[4] = 102;
    expect(errorOf(() => decodeMessage('getheaders', locator)).message).toMatch(/exceeds limit 101/);
  });

  it('decodes unknown commands as ignorable, keeping their bytes', () => {
    // Erlay's (BIP330), which this node does not speak.
    expect(decodeMessage('sendtxrcncl', new Uint8Array(0))).toEqual({
      command: 'unknown',
      name: 'sendtxrcncl',
      payload: new Uint8Array(0),
    });
  });

  it('sends blocks without witness data when asked for MSG_BLOCK', () => {
    const block = regtest.genesis;
    expect(encodePayload({ command: 'block', block }, false).length).toBe(block.strippedSize());
  });
});

describe('addresses', () => {
  it('maps IPv4 into IPv6 and prints RFC 5952 forms', () => {
    expect(toHex(ipToBytes('1.2.3.4'))).toBe('00000000000000000000ffff01020304');
    expect(bytesToIp(ipToBytes('::ffff:1.2.3.4'))).toBe('1.2.3.4');
    expect(bytesToIp(ipToBytes('2001:0db8:0000:0000:0001:0000:0000:0001'))).toBe('2001:db8::1:0:0:1');
    expect(bytesToIp(ipToBytes('::1'))).toBe('::1');
    expect(bytesToIp(ipToBytes('::'))).toBe('::');
    expect(bytesToIp(ipToBytes('fe80::1:2:3:4:5:6'))).toBe('fe80:0:1:2:3:4:5:6');
    expect(bytesToIp(ipToBytes('64:ff9b::192.0.2.33'))).toBe('64:ff9b::c000:221');
  });

  it('parses host:port forms and refuses bad ones', () => {
    const table: [string, { host: string; port: number } | 'error'][] = [
      ['1.2.3.4:8633', { host: '1.2.3.4', port: 8633 }],
      ['[2001:db8::1]:18444', { host: '2001:db8::1', port: 18444 }],
      ['seed1.gossip-ledger.net:8633', { host: 'seed1.gossip-ledger.net', port: 8633 }],
      ['localhost', { host: 'localhost', port: 8633 }],
      ['::1', { host: '::1', port: 8633 }],
      ['1.2.3.4:0', 'error'],
      ['1.2.3.4:65536', 'error'],
      ['1.2.3.4:x', 'error'],
      ['bad host:1', 'error'],
      ['[1.2.3.4]:5', 'error'],
      ['', 'error'],
    ];
    for (const [text, want] of table) {
      if (typeof want === 'string') expect(() => parseHostPort(text, 8633), text).toThrow(P2PConfigError);
      else expect(parseHostPort(text, 8633), text).toEqual(want);
    }
    expect(addrKey('2001:db8::1', 1)).toBe('[2001:db8::1]:1');
  });

  it('groups routable addresses by /16 and /32, local ones each on their own', () => {
    expect(netGroup('8.8.4.4', 1)).toBe(netGroup('8.8.200.1', 2));
    expect(netGroup('8.8.4.4', 1)).not.toBe(netGroup('8.9.4.4', 1));
    expect(netGroup('2a01:4f8::1', 1)).toBe(netGroup('2a01:4f8:ffff::2', 1));
    expect(netGroup('127.0.0.1', 1)).not.toBe(netGroup('127.0.0.1', 2));
    for (const h of [
      '127.0.0.1',
      '10.0.0.1',
      '192.168.1.1',
      '172.16.0.1',
      '::1',
      'fe80::1',
      'fd00::1',
      '0.0.0.0',
    ])
      expect(isRoutable(h), h).toBe(false);
    for (const h of ['8.8.8.8', '172.32.0.1', '2a01:4f8::1']) expect(isRoutable(h), h).toBe(true);
  });
});
