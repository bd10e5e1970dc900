/**
 * The DHT's pure parts (issue 17): the XOR metric, the record and message codecs with their
 * signatures, the routing table (k per bucket, long-lived contacts kept, replacement of dead
 * ones, persistence), the provider store, and the disjoint-path walk against hostile answers.
 */
import { describe, expect, it } from 'vitest';
import { commonPrefix, compareDistance, idInBucket, xor } from '../node/dht/distance.js';
import { DhtError } from '../node/dht/errors.js';
import { DhtIdentity, nodeIdOf } from '../node/dht/identity.js';
import { disjointWalk } from '../node/dht/lookup.js';
import { type Contact, type DhtBody, decodeMessage, encodeMessage } from '../node/dht/messages.js';
import { K, MAX_PROVIDERS_PER_ID } from '../node/dht/params.js';
import { ProviderStore } from '../node/dht/provider-store.js';
import { readRecord, signRecord, verifyRecord, writeRecord } from '../node/dht/record.js';
import { RoutingTable } from '../node/dht/routing-table.js';
import { toHex } from '../node/protocol/bytes.js';
import { sha256 } from '../node/protocol/hash.js';
import { Reader } from '../node/protocol/reader.js';
import { Writer } from '../node/protocol/writer.js';

const id = (b: number) => Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? b : 0));
const FILE = sha256(Uint8Array.of(1, 2, 3));

function contact(seed: number): Contact {
  const pubkey = new Uint8Array(33);
  pubkey[0] = 2;
  new DataView(pubkey.buffer).setUint32(1, seed);
  return {
    id: nodeIdOf(pubkey),
    pubkey,
    host: `10.1.${(seed >> 8) & 255}.${seed & 255}`,
    port: 8000 + (seed % 1000),
  };
}

describe('XOR metric', () => {
  it('measures distance as the XOR read big-endian', () => {
    expect(xor(id(0b1010), id(0b0110))[0]).toBe(0b1100);
    expect(compareDistance(id(1), id(2), id(0))).toBeLessThan(0);
    expect(compareDistance(id(3), id(2), id(3))).toBeLessThan(0);
    expect(compareDistance(id(5), id(5), id(0))).toBe(0);
    expect(commonPrefix(id(0x80), id(0))).toBe(0);
    expect(commonPrefix(id(1), id(0))).toBe(7);
    expect(commonPrefix(id(0), id(0))).toBe(256);
  });

  it('draws refresh targets in the bucket asked for', () => {
    const self = sha256(Uint8Array.of(9));
    for (let p = 0; p < 256; p += 7) {
      const t = idInBucket(self, p, sha256(Uint8Array.of(p)));
      expect(commonPrefix(self, t)).toBe(p);
    }
  });
});

describe('provider records', () => {
  const me = DhtIdentity.generate();
  const rec = signRecord(me, FILE, '192.0.2.7', 8635, 1_900_000_000);

  it('round-trip, verify, and name their provider by SHA-256 of its key', () => {
    const w = new Writer();
    writeRecord(w, rec);
    const bytes = w.finish();
    expect(bytes.length).toBe(151);
    const back = readRecord(new Reader(bytes));
    expect(back).toEqual(rec);
    expect(verifyRecord(back)).toBe(true);
    expect(toHex(back.nodeId)).toBe(toHex(me.id));
  });

  it('fail to verify after any field changes', () => {
    expect(verifyRecord({ ...rec, port: 8636 })).toBe(false);
    expect(verifyRecord({ ...rec, host: '192.0.2.8' })).toBe(false);
    expect(verifyRecord({ ...rec, expires: rec.expires + 1 })).toBe(false);
    expect(verifyRecord({ ...rec, manifestId: sha256(FILE) })).toBe(false);
    expect(verifyRecord({ ...rec, pubkey: DhtIdentity.generate().pubkey })).toBe(false);
  });

  it('refuse to parse when truncated at any byte', () => {
    const w = new Writer();
    writeRecord(w, rec);
    const bytes = w.finish();
    for (let n = 0; n < bytes.length; n++)
      expect(() => readRecord(new Reader(bytes.subarray(0, n)))).toThrow();
  });
});

describe('DHT messages', () => {
  const me = DhtIdentity.generate();
  const self = { host: '192.0.2.1', port: 8635 };

  it('round-trip every command, signed by the sender', () => {
    const rec = signRecord(me, FILE, self.host, self.port, 1_900_000_000);
    const bodies = [
      { command: 'dhtping' },
      { command: 'dhtpong' },
      { command: 'dhtfindnode', target: FILE },
      { command: 'dhtnodes', contacts: [contact(1), contact(2)] },
      { command: 'dhtgetprov', manifestId: FILE },
      { command: 'dhtprovs', anchored: true, records: [rec], contacts: [contact(3)] },
      { command: 'dhtaddprov', records: [rec] },
      { command: 'dhtack', accepted: 1 },
    ] satisfies DhtBody[];
    for (const body of bodies) {
      const m = decodeMessage(body.command, encodeMessage(me, self, 7n, body));
      expect(m.body).toEqual(body);
      expect(m.nonce).toBe(7n);
      expect(toHex(m.sender.id)).toBe(toHex(me.id));
      expect([m.sender.host, m.sender.port]).toEqual([self.host, self.port]);
    }
  });

  it('refuse a bad signature, a truncation, trailing bytes and too many contacts', () => {
    const payload = encodeMessage(me, self, 1n, { command: 'dhtfindnode', target: FILE });
    const bad = payload.slice();
    bad[60]! ^= 1;
    expect(() => decodeMessage('dhtfindnode', bad)).toThrow(
      expect.objectContaining({ code: 'DHT_BAD_SIGNATURE' }),
    );
    // Another command under the same bytes: the command is signed too.
    expect(() => decodeMessage('dhtgetprov', payload)).toThrow(DhtError);
    for (let n = 0; n < payload.length; n += 5)
      expect(() => decodeMessage('dhtfindnode', payload.subarray(0, n))).toThrow(DhtError);
    expect(() =>
      encodeMessage(me, self, 1n, {
        command: 'dhtnodes',
        contacts: Array.from({ length: K + 1 }, (_, i) => contact(i)),
      }),
    ).toThrow(RangeError);
    expect(() => decodeMessage('version', payload)).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
  });
});

describe('routing table', () => {
  const self = new Uint8Array(32);

  it('keeps k per bucket, long-lived contacts first, and replaces a dead one from the cache', () => {
    const t = new RoutingTable(self, 0);
    // Contacts are spread over buckets by their id; fill one bucket beyond k.
    const bucket0 = Array.from({ length: 400 }, (_, i) => contact(i)).filter((c) => t.bucketOf(c.id) === 0);
    expect(bucket0.length).toBeGreaterThan(K + 2);
    for (const [i, c] of bucket0.entries()) t.seen(c, i);
    const inTable = bucket0.filter((c) => t.has(c.id));
    expect(inTable.map((c) => toHex(c.id))).toEqual(bucket0.slice(0, K).map((c) => toHex(c.id)));
    // The first contact fails once: kept; twice: replaced by the newest waiting contact.
    const first = bucket0[0]!;
    t.failed(first.id, 1000);
    expect(t.has(first.id)).toBe(true);
    t.failed(first.id, 1001);
    expect(t.has(first.id)).toBe(false);
    expect(t.has(bucket0[bucket0.length - 1]!.id)).toBe(true);
    expect(t.entries().filter((e) => t.bucketOf(e.contact.id) === 0).length).toBe(K);
  });

  it('returns the closest contacts in order, never itself, never a port-0 contact', () => {
    const t = new RoutingTable(self, 0);
    const all = Array.from({ length: 60 }, (_, i) => contact(i));
    for (const c of all) t.seen(c, 0);
    expect(t.seen({ ...contact(999), id: self }, 0)).toBe(false);
    expect(t.seen({ ...contact(998), port: 0 }, 0)).toBe(false);
    const target = FILE;
    const got = t.closest(target, 5);
    const present = all.filter((c) => t.has(c.id)).sort((a, b) => compareDistance(a.id, b.id, target));
    expect(got.map((c) => toHex(c.id))).toEqual(present.slice(0, 5).map((c) => toHex(c.id)));
  });

  it('names the buckets no lookup went through, and saves and loads with ages kept', () => {
    const t = new RoutingTable(self, 0);
    for (let i = 0; i < 50; i++) t.seen(contact(i), 5);
    expect(t.staleBuckets(1).length).toBeGreaterThan(0);
    t.touch(id(0x80), 10);
    expect(t.staleBuckets(1)).not.toContain(0);
    const saved = JSON.parse(JSON.stringify(t.toJSON()));
    const u = new RoutingTable(self, 100);
    expect(u.load(saved, 100)).toBe(t.size);
    expect(u.entries().map((e) => e.firstSeen)).toEqual(t.entries().map((e) => e.firstSeen));
    expect(
      u.load(
        {
          contacts: [
            { pubkey: 'zz', host: 'x', port: 1 },
            { pubkey: '02', host: 'x', port: 0 },
          ],
        },
        0,
      ),
    ).toBe(0);
    expect(u.load(null, 0)).toBe(0);
  });
});

describe('provider store', () => {
  it('expires records, keeps the newest per provider and a bounded number per id', () => {
    const s = new ProviderStore();
    const a = DhtIdentity.generate();
    expect(s.put(signRecord(a, FILE, '10.0.0.1', 1, 100), 50)).toBe(true);
    expect(s.put(signRecord(a, FILE, '10.0.0.1', 1, 200), 50)).toBe(true);
    expect(s.size).toBe(1);
    expect(s.get(FILE, 150).map((r) => r.expires)).toEqual([200]);
    expect(s.put(signRecord(a, FILE, '10.0.0.1', 1, 40), 50)).toBe(false);
    for (let i = 0; i < MAX_PROVIDERS_PER_ID + 5; i++)
      s.put(signRecord(DhtIdentity.generate(), FILE, '10.0.0.2', 1, 300 + i), 50);
    expect(s.get(FILE, 50).length).toBe(MAX_PROVIDERS_PER_ID);
    expect(s.expire(10_000)).toBe(MAX_PROVIDERS_PER_ID);
    expect(s.size).toBe(0);
  });
});

describe('disjoint-path walk', () => {
  // 200 contacts, each knowing its 20 closest to any target; the provider is the closest.
  const all = Array.from({ length: 200 }, (_, i) => contact(i));
  const target = FILE;
  const sorted = [...all].sort((a, b) => compareDistance(a.id, b.id, target));
  const provider = DhtIdentity.generate();
  const rec = signRecord(provider, target, '10.0.0.9', 9, 2_000_000_000);
  const holders = new Set(sorted.slice(0, 3).map((c) => toHex(c.id)));
  const honest = (c: Contact) => {
    const own = [...all].sort((a, b) => compareDistance(a.id, b.id, c.id === target ? target : target));
    return {
      contacts: own.filter((x) => x !== c).slice(0, K),
      records: holders.has(toHex(c.id)) ? [rec] : [],
    };
  };

  it('finds the record from far-away seeds', async () => {
    const seeds = sorted.slice(150, 170);
    const res = await disjointWalk(target, new Uint8Array(32), seeds, async (c) => honest(c), {
      paths: 3,
      alpha: 3,
      k: K,
      wantRecords: 1,
    });
    expect(res.records.map((r) => toHex(r.nodeId))).toEqual([toHex(provider.id)]);
  });

  it('finds it although one seed path leads only to hostile nodes that hide it', async () => {
    const hostile = new Set(sorted.slice(100, 120).map((c) => toHex(c.id)));
    const hostileList = sorted.slice(100, 120);
    const seeds = [...sorted.slice(100, 101), ...sorted.slice(180, 182)];
    const res = await disjointWalk(
      target,
      new Uint8Array(32),
      seeds,
      async (c) => (hostile.has(toHex(c.id)) ? { contacts: hostileList, records: [] } : honest(c)),
      { paths: 3, alpha: 3, k: K, wantRecords: 1 },
    );
    expect(res.records.length).toBe(1);
  });

  it('survives contacts that do not answer', async () => {
    const dead = new Set(sorted.slice(3, 60).map((c) => toHex(c.id)));
    const res = await disjointWalk(
      target,
      new Uint8Array(32),
      sorted.slice(150, 170),
      async (c) => (dead.has(toHex(c.id)) ? null : honest(c)),
      { paths: 3, alpha: 3, k: K, wantRecords: 1 },
    );
    expect(res.records.length).toBe(1);
  });
});
