/**
 * The P2P layer's parts without sockets: address book selection, backoff and limits; ban list
 * expiry; both persisted through the peer LevelDB; seeds files and seed resolution; Core's
 * choice of the peers an address is relayed to; block locators; and header checks before any
 * block is fetched.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Chain } from '../node/chain/chain.js';
import { blockLocator, type Linked } from '../node/chain/locator.js';
import { RuleError } from '../node/consensus/errors.js';
import { relayTargets } from '../node/p2p/addr-relay.js';
import { AddressBook, DEFAULT_ADDRBOOK } from '../node/p2p/addrbook.js';
import { BanList } from '../node/p2p/bans.js';
import { P2PConfigError } from '../node/p2p/errors.js';
import type { Peer } from '../node/p2p/peer.js';
import { PeerDb } from '../node/p2p/peer-db.js';
import { readSeedsFile, resolveSeeds } from '../node/p2p/seeds.js';
import { BlockHeader, type HeaderFields } from '../node/protocol/header.js';
import { blockHashFromDisplay } from '../node/protocol/ids.js';
import { regtest } from '../node/protocol/params.js';
import { checkProofOfWork } from '../node/protocol/pow.js';
import { chainOf, makeBlock } from './helpers/blocks.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'gl-p2p-unit-'));
  dirs.push(d);
  return d;
}

function book(now: { t: number }, opts = {}) {
  let seed = 1;
  const random = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  return new AddressBook({ ...DEFAULT_ADDRBOOK, ...opts }, { db: null, now: () => now.t, random });
}

describe('address book', () => {
  it('prefers addresses that worked, then learned ones, then seeds', () => {
    const now = { t: 1_000_000 };
    const b = book(now);
    b.add([{ host: '8.8.8.8', port: 1, services: 0n }], 'seed');
    expect(b.select(() => false)?.host).toBe('8.8.8.8');
    b.add([{ host: '9.9.9.9', port: 1, services: 0n }], 'addr');
    expect(b.select(() => false)?.host).toBe('9.9.9.9');
    b.add([{ host: '1.1.1.1', port: 1, services: 0n }], 'addr');
    b.success('1.1.1.1:1');
    for (let i = 0; i < 20; i++) expect(b.select(() => false)?.host).toBe('1.1.1.1');
    expect(b.select((e) => e.host === '1.1.1.1')?.host).toBe('9.9.9.9');
  });

  it('backs off exponentially after failures, and forgets what never worked', () => {
    const now = { t: 1_000_000 };
    const b = book(now, { backoffBaseMs: 1000, backoffMaxMs: 8000, maxFailures: 5 });
    b.add([{ host: '8.8.8.8', port: 1, services: 0n }], 'addr');
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      b.attempt('8.8.8.8:1');
      const e = b.get('8.8.8.8:1')!;
      waits.push(b.retryAt(e) - now.t);
      expect(b.select(() => false)).toBeUndefined();
      expect(b.nextRetry(() => false)).toBe(now.t + waits[i]!);
      now.t += waits[i]!;
      expect(b.select(() => false)?.host).toBe('8.8.8.8');
      if (i < 4) expect(b.failed('8.8.8.8:1')).toBeDefined();
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 8000]);
    expect(b.failed('8.8.8.8:1')).toBeUndefined();
    expect(b.size).toBe(0);
  });

  it('caps entries per network group and in all', () => {
    const b = book({ t: 1 }, { maxPerGroup: 3, maxEntries: 5 });
    const fresh = b.add(
      Array.from({ length: 10 }, (_, i) => ({ host: `8.8.${i}.1`, port: 8633, services: 0n })),
      'addr',
    );
    expect(fresh.length).toBe(3);
    b.add(
      Array.from({ length: 10 }, (_, i) => ({ host: `9.${i}.0.1`, port: 8633, services: 0n })),
      'addr',
    );
    expect(b.size).toBe(5);
    // Loopback addresses are each their own group: a local test network is not one operator.
    const local = book({ t: 1 }, { maxPerGroup: 1 });
    local.add(
      [1, 2, 3].map((p) => ({ host: '127.0.0.1', port: p, services: 0n })),
      'addr',
    );
    expect(local.size).toBe(3);
  });

  it('persists entries and bans in the peer database', async () => {
    const dir = await tempDir();
    const db = await PeerDb.open(join(dir, 'peers'));
    const now = { t: 5_000_000 };
    const b = new AddressBook(DEFAULT_ADDRBOOK, { db, now: () => now.t, random: Math.random });
    b.add([{ host: '2001:db8::1', port: 8633, services: 9n, time: 4000 }], 'addr');
    b.add([{ host: '8.8.8.8', port: 8633, services: 1n }], 'seed');
    b.success('8.8.8.8:8633');
    const bans = new BanList({ db, now: () => now.t });
    bans.ban('::ffff:10.0.0.1', 60, 'test');
    bans.ban('10.0.0.2', 1, 'short');
    await db.close();

    const db2 = await PeerDb.open(join(dir, 'peers'));
    const b2 = new AddressBook(DEFAULT_ADDRBOOK, { db: db2, now: () => now.t, random: Math.random });
    b2.load(await db2.loadAddrs());
    expect(b2.get('[2001:db8::1]:8633')).toMatchObject({ services: 9n, lastSeen: 4_000_000, source: 'addr' });
    expect(b2.get('8.8.8.8:8633')).toMatchObject({ lastSuccess: 5_000_000, attempts: 0 });
    now.t += 2000;
    const bans2 = new BanList({ db: db2, now: () => now.t });
    bans2.load(await db2.loadBans());
    expect(bans2.isBanned('10.0.0.1')).toBe(true);
    expect(bans2.isBanned('10.0.0.2')).toBe(false);
    expect(bans2.list().map((x) => x.host)).toEqual(['10.0.0.1']);
    expect(bans2.unban('10.0.0.1')).toBe(true);
    expect(bans2.unban('10.0.0.1')).toBe(false);
    await db2.close();
  });
});

describe('address relay targets (Core RelayAddress)', () => {
  const peers = Array.from({ length: 12 }, (_, i) => ({ id: i + 1 }) as Peer);
  const day = 24 * 3600;

  it('sends an address to the same two peers within its 24-hour window, whoever it came from', () => {
    const now = 1_800_000_000;
    const a = relayTargets(peers, '10.1.2.3:8633', now, 7);
    expect(a).toHaveLength(2);
    expect(new Set(a).size).toBe(2);
    // Heard again a minute later (or from a peer list in another order): the same two.
    expect(relayTargets([...peers].reverse(), '10.1.2.3:8633', now + 60, 7)).toEqual(
      expect.arrayContaining(a),
    );
    // Over many addresses and windows the choice spreads over the peers (not always the same two).
    const chosen = new Set<number>();
    for (let i = 0; i < 50; i++)
      for (const p of relayTargets(peers, `10.1.${i}.1:8633`, now + (i % 3) * day, 7)) chosen.add(p.id);
    expect(chosen.size).toBeGreaterThan(8);
    // Another node (salt) picks differently for some address.
    const differs = Array.from({ length: 20 }, (_, i) => `10.9.${i}.1:8633`).some(
      (k) =>
        relayTargets(peers, k, now, 7)
          .map((p) => p.id)
          .join() !==
        relayTargets(peers, k, now, 8)
          .map((p) => p.id)
          .join(),
    );
    expect(differs).toBe(true);
  });

  it('one peer gets it alone; nobody gets it with no peers', () => {
    expect(relayTargets(peers.slice(0, 1), '10.1.2.3:8633', 0, 1)).toEqual([peers[0]]);
    expect(relayTargets([], '10.1.2.3:8633', 0, 1)).toEqual([]);
  });
});

describe('seeds', () => {
  it('reads a seeds file per network and rejects bad ones with a clear error', async () => {
    const dir = await tempDir();
    const good = join(dir, 'good.json');
    await writeFile(
      good,
      JSON.stringify({ main: ['seed.example.org:8633', '[2001:db8::2]:8633'], regtest: [] }),
    );
    expect(readSeedsFile(good, 'main')).toEqual(['seed.example.org:8633', '[2001:db8::2]:8633']);
    expect(readSeedsFile(good, 'regtest')).toEqual([]);
    const cases: [string, RegExp][] = [
      ['not json', /seeds file .*bad1\.json/],
      ['[]', /expected/],
      ['{"regtest": "x:1"}', /must be an array/],
      ['{"regtest": ["no-port"]}', /port/],
    ];
    for (const [i, [text, msg]] of cases.entries()) {
      const p = join(dir, `bad${i + 1}.json`);
      await writeFile(p, text);
      expect(() => readSeedsFile(p, 'regtest')).toThrow(P2PConfigError);
      expect(() => readSeedsFile(p, 'regtest')).toThrow(msg);
    }
    expect(() => readSeedsFile(join(dir, 'missing.json'), 'regtest')).toThrow(P2PConfigError);
  });

  it('resolves names, keeps IP literals, and reports names that fail', async () => {
    const resolver = async (host: string) => {
      if (host === 'two.example') return ['1.2.3.4', '2001:db8::5'];
      throw new Error('ENOTFOUND');
    };
    const r = await resolveSeeds(['two.example:8633', '5.6.7.8:1', '[::1]:2', 'gone.example:3'], resolver);
    expect(r.found).toEqual(
      expect.arrayContaining([
        { host: '1.2.3.4', port: 8633 },
        { host: '2001:db8::5', port: 8633 },
        { host: '5.6.7.8', port: 1 },
        { host: '::1', port: 2 },
      ]),
    );
    expect(r.failed).toEqual([{ entry: 'gone.example:3', error: 'ENOTFOUND' }]);
  });
});

describe('headers first', () => {
  it('builds locators one apart for ten blocks, then doubling, ending at genesis', () => {
    let e: Linked = { hash: Uint8Array.of(0), height: 0, prev: null };
    for (let h = 1; h <= 1000; h++) e = { hash: Uint8Array.of(h & 0xff, h >> 8), height: h, prev: e };
    const heights = blockLocator(e).map((h) => h[0]! + (h[1] ?? 0) * 256);
    expect(heights).toEqual([
      1000, 999, 998, 997, 996, 995, 994, 993, 992, 991, 989, 985, 977, 961, 929, 865, 737, 481, 0,
    ]);
  });

  it('checks proof of work, bits, time and continuity before keeping a header', async () => {
    const genesis = regtest.genesis.header;
    const now = genesis.time + 100 * 600;
    // Headers are the chain's (its block index); the P2P layer hands them over.
    const chain = await Chain.open({ params: regtest, path: await tempDir() }, { now: () => now });
    const tree = {
      accept: (hs: BlockHeader[]) => chain.acceptHeaders(hs),
      best: () => chain.bestHeader(),
      get: (hex: string) => chain.entry(blockHashFromDisplay(hex)),
      markFailed: (hex: string) => chain.invalidateBlock(blockHashFromDisplay(hex)),
    };
    const blocks = chainOf(20, genesis.hash(), 1, genesis.time + 600);
    const headers = blocks.map((b) => b.header);
    expect(tree.accept(headers.slice(10))).toBeNull(); // does not connect
    expect(tree.accept(headers)?.height).toBe(20);
    expect(tree.best().hashHex).toBe(headers[19]!.hashHex());

    const tip = tree.get(headers[19]!.hashHex())!;
    const base = makeBlock({ prev: tip.hash, height: 21, time: tip.header.time + 600 }).header;
    /** The next header with `f` changed, its nonce ground so proof of work passes (or fails). */
    const next = (f: Partial<HeaderFields>, powOk = true) => {
      for (let nonce = 0; ; nonce++) {
        const h = new BlockHeader({ ...base, ...f, nonce });
        if (checkProofOfWork(h.hash(), h.bits, regtest.powLimit) === powOk) return h;
      }
    };
    const code = (h: BlockHeader) => {
      try {
        tree.accept([h]);
      } catch (e) {
        if (e instanceof RuleError) return e.code;
        throw e;
      }
      return 'accepted';
    };
    expect(code(next({}, false))).toBe('HIGH_HASH');
    expect(code(next({ bits: 0x207ffffe }))).toBe('BAD_DIFFBITS');
    expect(code(next({ time: tip.medianTimePast() }))).toBe('TIME_TOO_OLD');
    expect(code(next({ time: now + 3 * 3600 }))).toBe('TIME_TOO_NEW');
    expect(code(next({ version: 1 }))).toBe('BAD_VERSION');
    expect(tree.best().height).toBe(20);
    expect(code(next({}))).toBe('accepted');
    expect(tree.best().height).toBe(21);

    await tree.markFailed(headers[5]!.hashHex());
    expect(tree.best().height).toBe(5); // headers[5] is height 6
    expect(code(headers[6]!)).toBe('DUPLICATE_INVALID');
    await chain.close();
  });
});
