/**
 * The DHT of issue 17 on 30 in-process nodes (in-memory transport, virtual clock, 20 ms links):
 * every node finds the providers of a file two of them provide; lookups survive the storers
 * and a provider leaving; records expire after 48 h while republished ones stay; unanchored
 * ids are refused and answered without a walk; bad signatures are dropped and cost their
 * sender; hostile nodes closest to the id cannot hide the providers; the table is saved.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { seededRandom } from '../node/clock.js';
import { Dht } from '../node/dht/dht.js';
import { compareDistance } from '../node/dht/distance.js';
import { DhtIdentity } from '../node/dht/identity.js';
import type { DhtBody, DhtMessage } from '../node/dht/messages.js';
import { HOUR_MS } from '../node/dht/params.js';
import { signRecord } from '../node/dht/record.js';
import { DhtWire } from '../node/dht/wire.js';
import type { Consequence } from '../node/p2p/misbehaviour.js';
import { MemoryNetwork, MemoryTransport } from '../node/p2p/transport/memory.js';
import { toHex } from '../node/protocol/bytes.js';
import { sha256 } from '../node/protocol/hash.js';
import { networks } from '../node/protocol/params.js';
import { VirtualClock } from './helpers/virtual-clock.js';

const MAGIC = networks.regtest.magic;
const FILE = sha256(new TextEncoder().encode('an anchored manifest'));
const UNANCHORED = sha256(new TextEncoder().encode('never anchored'));

/** Answers lookups with only its hostile friends and never stores: S/Kademlia's adversary. */
class HostileDht extends Dht {
  friends: Dht[] = [];
  protected override async answer(m: DhtMessage, from: string): Promise<DhtBody | null> {
    const b = m.body;
    const wrong = this.friends.map((f) => f.contact);
    if (b.command === 'dhtfindnode') return { command: 'dhtnodes', contacts: wrong };
    if (b.command === 'dhtgetprov')
      return { command: 'dhtprovs', anchored: true, records: [], contacts: wrong };
    if (b.command === 'dhtaddprov') return { command: 'dhtack', accepted: 1 };
    return super.answer(m, from);
  }
}

interface Net {
  clock: VirtualClock;
  net: MemoryNetwork;
  nodes: Dht[];
  punished: { by: number; host: string; c: Consequence }[];
  dials: number[];
}

let current: Net | null = null;

afterEach(async () => {
  if (current) await Promise.all(current.nodes.map((n) => n.stop()));
  current = null;
});

/** Runs `p` while moving the virtual clock 10 ms at a time. */
async function run<T>(clock: VirtualClock, p: Promise<T>): Promise<T> {
  let result: { ok: true; v: T } | { ok: false; e: unknown } | null = null;
  p.then(
    (v) => {
      result = { ok: true, v };
    },
    (e) => {
      result = { ok: false, e };
    },
  );
  while (!result) await clock.advance(10);
  const r = result as { ok: true; v: T } | { ok: false; e: unknown };
  if (!r.ok) throw r.e;
  return r.v;
}

async function network(
  n: number,
  hostile: (ids: DhtIdentity[]) => Set<number> = () => new Set(),
): Promise<Net> {
  const clock = new VirtualClock(1_800_000_000_000);
  const net = new MemoryNetwork({ clock, link: { latencyMs: 20 } });
  const ids = Array.from({ length: n }, () => DhtIdentity.generate());
  const bad = hostile(ids);
  const punished: Net['punished'] = [];
  const dials = Array.from({ length: n }, () => 0);
  const anchored = new Set([toHex(FILE)]);
  const nodes = ids.map((identity, i) => {
    const host = `10.0.${i >> 8}.${(i & 255) + 1}`;
    const transport = new MemoryTransport(net, host);
    const dial = transport.dial.bind(transport);
    transport.dial = (h, p, o) => {
      dials[i]!++;
      return dial(h, p, o);
    };
    const Kind = bad.has(i) ? HostileDht : Dht;
    return new Kind({
      identity,
      transport,
      magic: MAGIC,
      clock,
      random: seededRandom(i),
      host,
      port: 0,
      isAnchored: async (id) => anchored.has(toHex(id)),
      punish: (h, c) => punished.push({ by: i, host: h, c }),
    });
  });
  await run(clock, Promise.all(nodes.map((d) => d.start())));
  const hostiles = nodes.filter((d): d is HostileDht => d instanceof HostileDht);
  for (const h of hostiles) h.friends = hostiles.filter((x) => x !== h);
  const seed = nodes[0]!;
  // Joins one after another, as nodes come up, each through node 0 only.
  for (const d of nodes.slice(1))
    await run(clock, d.bootstrap([{ host: seed.contact.host, port: seed.port }]));
  current = { clock, net, nodes, punished, dials };
  return current;
}

const ids = (records: { nodeId: Uint8Array }[]) => records.map((r) => toHex(r.nodeId)).sort();

describe('a DHT of 30 nodes', () => {
  it('every node finds both providers; lookups survive the storers and a provider leaving', async () => {
    const { clock, nodes } = await network(30);
    for (const d of nodes) expect(d.table.size).toBeGreaterThan(5);
    const [a, b] = [nodes[3]!, nodes[17]!];
    expect(await run(clock, a.provide(FILE))).toBeGreaterThan(0);
    expect(await run(clock, b.provide(FILE))).toBeGreaterThan(0);
    const both = ids([a, b].map((d) => ({ nodeId: d.id })));

    for (const [i, d] of nodes.entries()) {
      const found = await run(clock, d.findProviders(FILE));
      const want = both.filter((x) => x !== toHex(d.id));
      expect(ids(found), `node ${i}`).toEqual(want);
      for (const r of found) {
        const p = r.nodeId.every((x, j) => x === a.id[j]) ? a : b;
        expect([r.host, r.port]).toEqual([p.contact.host, p.port]);
      }
    }
    expect(nodes.every((d) => d.stats.succeeded === d.stats.lookups)).toBe(true);

    // The five nodes storing closest to the id leave, and so does provider a.
    const storers = [...nodes]
      .filter((d) => d !== a && d !== b && d !== nodes[0])
      .sort((x, y) => compareDistance(x.id, y.id, FILE))
      .slice(0, 5);
    for (const d of [...storers, a]) await d.stop();
    const left = nodes.filter((d) => !storers.includes(d) && d !== a);
    for (const d of left.filter((x) => x !== b)) {
      const found = await run(clock, d.findProviders(FILE));
      expect(ids(found)).toContain(toHex(b.id));
    }
  }, 240_000);

  it('expires the records of a provider that left; a provider that stays republishes', async () => {
    const { clock, nodes } = await network(6);
    const [a, b] = [nodes[3]!, nodes[4]!];
    await run(clock, a.provide(FILE));
    await run(clock, b.provide(FILE));
    await a.stop();
    // 49 hours on: b republished (22 h, 44 h), a could not; a's records are gone everywhere.
    await clock.advance(49 * HOUR_MS);
    const nowSec = Math.floor(clock.now() / 1000);
    for (const d of nodes.filter((x) => x !== a)) {
      expect(d.records.get(FILE, nowSec).some((r) => toHex(r.nodeId) === toHex(a.id))).toBe(false);
      if (d === b) continue;
      expect(ids(await run(clock, d.findProviders(FILE))), 'after 49 h').toEqual([toHex(b.id)]);
    }
  }, 240_000);

  it('refuses records for unanchored ids and answers their lookups without a walk', async () => {
    const { clock, nodes, dials } = await network(30);
    const [p, q] = [nodes[5]!, nodes[6]!];
    const before = dials[5]!;
    expect(await run(clock, p.provide(UNANCHORED))).toBe(0);
    expect(dials[5]).toBe(before);

    // Sent anyway, by hand: every storer refuses it.
    const wire = new DhtWire({
      identity: (p as unknown as { o: { identity: DhtIdentity } }).o.identity,
      transport: new MemoryTransport(current!.net, p.contact.host),
      magic: MAGIC,
      clock,
      self: { host: p.contact.host, port: p.port },
    });
    const rec = signRecord(
      (p as unknown as { o: { identity: DhtIdentity } }).o.identity,
      UNANCHORED,
      p.contact.host,
      p.port,
      Math.floor(clock.now() / 1000) + 3600,
    );
    const ack = await run(clock, wire.request(q.contact, { command: 'dhtaddprov', records: [rec] }));
    expect(ack.body).toEqual({ command: 'dhtack', accepted: 0 });
    expect(q.records.size).toBe(0);

    const ans = await run(clock, wire.request(q.contact, { command: 'dhtgetprov', manifestId: UNANCHORED }));
    expect(ans.body).toEqual({ command: 'dhtprovs', anchored: false, records: [], contacts: [] });

    const lookups = q.stats.lookups;
    const qDials = dials[6]!;
    expect(await run(clock, q.findProviders(UNANCHORED))).toEqual([]);
    expect([dials[6], q.stats.lookups]).toEqual([qDials, lookups]);
  }, 240_000);

  it('drops a record with a bad signature and penalises its sender', async () => {
    const { clock, nodes, punished } = await network(8);
    const [p, q] = [nodes[2]!, nodes[3]!];
    const identity = (p as unknown as { o: { identity: DhtIdentity } }).o.identity;
    const wire = new DhtWire({
      identity,
      transport: new MemoryTransport(current!.net, p.contact.host),
      magic: MAGIC,
      clock,
      self: { host: p.contact.host, port: p.port },
    });
    const good = signRecord(identity, FILE, p.contact.host, p.port, Math.floor(clock.now() / 1000) + 3600);
    const sig = good.sig.slice();
    sig[10]! ^= 1;
    const forged = { ...good, sig };
    await expect(
      run(clock, wire.request(q.contact, { command: 'dhtaddprov', records: [forged] })),
    ).rejects.toThrow();
    expect(q.records.size).toBe(0);
    expect(punished).toContainEqual({
      by: 3,
      host: p.contact.host,
      c: { score: 100, disconnect: true, reason: 'DHT_BAD_SIGNATURE' },
    });
    // Banned now: q neither answers p nor asks it.
    await expect(run(clock, wire.request(q.contact, { command: 'dhtping' }))).rejects.toThrow();
  }, 120_000);

  it('finds the providers although the 3 nodes closest to the id (10%) answer wrong and store nothing', async () => {
    const { clock, nodes } = await network(30, (all) => {
      const order = all.map((x, i) => ({ i, id: x.id })).filter((x) => x.i !== 0);
      order.sort((x, y) => compareDistance(x.id, y.id, FILE));
      return new Set(order.slice(0, 3).map((x) => x.i));
    });
    const honest = nodes.filter((d) => !(d instanceof HostileDht));
    expect(honest.length).toBe(27);
    const [a, b] = [honest[4]!, honest[20]!];
    await run(clock, a.provide(FILE));
    await run(clock, b.provide(FILE));
    for (const d of honest) {
      const found = await run(clock, d.findProviders(FILE));
      expect(ids(found)).toEqual(ids([a, b].filter((x) => x !== d).map((x) => ({ nodeId: x.id }))));
    }
  }, 240_000);

  it('drops a query whose answer it cannot encode instead of crashing (21 contacts, over the limit of 20)', async () => {
    const { clock, nodes } = await network(3);
    const [a, b] = [nodes[1]!, nodes[2]!];
    const over = Array.from({ length: 21 }, () => a.contact);
    (b as unknown as { answer: () => Promise<DhtBody> }).answer = async () => ({
      command: 'dhtnodes',
      contacts: over,
    });
    const wire = new DhtWire({
      identity: (a as unknown as { o: { identity: DhtIdentity } }).o.identity,
      transport: new MemoryTransport(current!.net, a.contact.host),
      magic: MAGIC,
      clock,
      self: { host: a.contact.host, port: a.port },
    });
    await expect(
      run(clock, wire.request(b.contact, { command: 'dhtfindnode', target: FILE })),
    ).rejects.toThrow();
    // b is still up and answers the next query that it can encode.
    delete (b as unknown as { answer?: unknown }).answer;
    const pong = await run(clock, wire.request(b.contact, { command: 'dhtping' }));
    expect(pong.body.command).toBe('dhtpong');
  }, 120_000);

  it('saves its routing table and starts warm from it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dht-table-'));
    try {
      const { clock, net, nodes } = await network(10);
      const identity = DhtIdentity.generate();
      const opts = {
        identity,
        transport: new MemoryTransport(net, '10.9.9.9'),
        magic: MAGIC,
        clock,
        random: seededRandom('saved'),
        host: '10.9.9.9',
        port: 0,
        isAnchored: async () => true,
        tablePath: join(dir, 'dht-table.json'),
      };
      const first = new Dht(opts);
      await run(clock, first.start());
      await run(clock, first.bootstrap([{ host: nodes[0]!.contact.host, port: nodes[0]!.port }]));
      const size = first.table.size;
      expect(size).toBeGreaterThan(5);
      await first.stop();
      const second = new Dht(opts);
      await run(clock, second.start());
      expect(second.table.size).toBe(size);
      await second.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
