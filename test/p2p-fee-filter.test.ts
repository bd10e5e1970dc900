/**
 * BIP133 fee filters: Core's FeeFilterRounder (buckets 10% apart, rounded down two times in
 * three, never below the minimum relay fee), its sending schedule (on change, about every
 * 10 minutes, within 5 when the minimum moved by more than a quarter) on a fake clock, and
 * against a regtest node: a peer's filter stops announcements of cheaper transactions to it
 * and to no one else, and the node sends its own filter to peers of protocol 70013 and later.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Clock, seededRandom } from '../node/clock.js';
import { FeeFilterRounder, FeeFilters, MAX_FEEFILTER_CHANGE_DELAY_MS } from '../node/p2p/fee-filter.js';
import { INV } from '../node/p2p/messages.js';
import type { Outgoing, Peer } from '../node/p2p/peer.js';
import { hashToDisplay } from '../node/protocol/hash.js';
import { OutPoint, type Tx, TxOut } from '../node/protocol/tx.js';
import { ANYONE, spend } from './helpers/blocks.js';
import { type NetNode, startNetNode, stopNetNodes, waitFor } from './helpers/p2p.js';
import { RawPeer } from './helpers/p2p-raw.js';

describe('FeeFilterRounder (Core)', () => {
  it('rounds 1 sat/vB to the bucket above (1071) one time in three, else the one below (974)', () => {
    const r = new FeeFilterRounder(1000n, seededRandom('rounder'));
    const seen = new Map<bigint, number>();
    for (let i = 0; i < 3000; i++) {
      const v = r.round(1000n);
      seen.set(v, (seen.get(v) ?? 0) + 1);
    }
    expect([...seen.keys()].sort((a, b) => (a < b ? -1 : 1))).toEqual([974n, 1071n]);
    const up = seen.get(1071n)! / 3000;
    expect(up).toBeGreaterThan(0.28);
    expect(up).toBeLessThan(0.39);
    expect(r.round(0n)).toBe(0n);
    // Past the top bucket (1e7 sat/kvB): the top one.
    expect(r.round(10n ** 12n)).toBeLessThanOrEqual(10_000_000n);
  });
});

describe('feefilter schedule (Core: MaybeSendFeefilter)', () => {
  function fakePeer(version = 70016) {
    const sent: bigint[] = [];
    const p = {
      ready: true,
      version: { version },
      send: (m: Outgoing) => {
        if (m.command === 'feefilter') sent.push(m.feeRate);
      },
    } as unknown as Peer;
    return { p, sent };
  }

  it('sends at once, not again while unchanged, and within 5 minutes after a big change', () => {
    let now = 1_000_000;
    const clock = { now: () => now } as Clock;
    let min = 1000n;
    const f = new FeeFilters({
      minFeeRate: () => min,
      minRelayFeeRate: 1000n,
      clock,
      random: seededRandom(1),
    });
    const { p, sent } = fakePeer();
    const old = fakePeer(70012);
    f.tick([p, old.p]);
    expect(sent.length).toBe(1);
    expect(sent[0]! >= 1000n).toBe(true);
    expect(old.sent).toEqual([]);
    now += 1000;
    f.tick([p]);
    expect(sent.length).toBe(1);
    min = 50_000n;
    f.tick([p]);
    now += MAX_FEEFILTER_CHANGE_DELAY_MS + 1;
    f.tick([p]);
    expect(sent.length).toBe(2);
    expect(sent[1]! >= 45_000n && sent[1]! <= 55_000n).toBe(true);
  });

  it('asks for exactly the minimum relay fee while the mempool has never been full (Core: rounds GetMinFee, 0, then the floor)', () => {
    // A regression: rounding the relay floor itself (1,000) gave 1,071 one time in three, and a
    // peer with that filter never announced 1 sat/vB transactions to this node.
    let now = 1_000_000;
    const clock = { now: () => now } as Clock;
    for (let seed = 0; seed < 30; seed++) {
      const f = new FeeFilters({
        minFeeRate: () => 0n,
        minRelayFeeRate: 1000n,
        clock,
        random: seededRandom(seed),
      });
      const { p, sent } = fakePeer();
      f.tick([p]);
      now += 1000;
      expect(sent).toEqual([1000n]);
    }
  });

  it('keeps a peer filter only within MoneyRange', () => {
    const f = new FeeFilters({ minFeeRate: () => 1000n, minRelayFeeRate: 1000n });
    const { p } = fakePeer();
    f.onFeeFilter(p, 5000n);
    expect(p.feeFilter).toBe(5000n);
    f.onFeeFilter(p, -1n);
    f.onFeeFilter(p, 21_000_001n * 100_000_000n);
    expect(p.feeFilter).toBe(5000n);
  });
});

describe('fee filters on a node', () => {
  let t: NetNode;
  const peers: RawPeer[] = [];

  async function peer(host: string): Promise<RawPeer> {
    const p = await RawPeer.connect(t.node.p2p!.listenPort, host);
    peers.push(p);
    await p.handshake(t.node.chain.height);
    return p;
  }

  async function coinSpend(h: number, fee: bigint): Promise<Tx> {
    const cb = (await t.node.chain.getBlock(t.node.chain.entryAt(h)!.hash))!.txs[0]!;
    return spend([new OutPoint(cb.txid(), 0)], [new TxOut(5_000_000_000n - fee, ANYONE)]);
  }

  const announced = (p: RawPeer, tx: Tx) =>
    p.received.some(
      (m) =>
        m.command === 'inv' &&
        m.items.some((i) => i.type === INV.TX && hashToDisplay(i.hash) === tx.txidHex()),
    );

  beforeAll(async () => {
    t = await startNetNode();
    await t.node.generate(105, ANYONE);
  }, 120_000);

  afterAll(async () => {
    for (const p of peers) p.close();
    await stopNetNodes();
  });

  it('sends its filter, exactly the minimum relay fee while its mempool is not full, to 70016 peers', async () => {
    // Each peer's filter is rounded on its own; rounding the floor itself gave 1,071 one time in
    // three, and such a peer never announced 1 sat/vB transactions here (the devnet's payment).
    for (const host of ['127.0.0.40', '127.0.0.43', '127.0.0.44', '127.0.0.45', '127.0.0.46']) {
      const p = await peer(host);
      const m = await p.waitFor('feefilter');
      expect(m.feeRate).toBe(1000n);
    }
  });

  it("does not announce a transaction below a peer's filter to it, and does to others", async () => {
    const picky = await peer('127.0.0.41');
    const plain = await peer('127.0.0.42');
    picky.send({ command: 'feefilter', feeRate: 200_000n });
    // The filter is handled before the ping that follows it.
    picky.send({ command: 'ping', nonce: 5n });
    await waitFor('pong', () => picky.received.some((m) => m.command === 'pong' && m.nonce === 5n));
    const cheap = await coinSpend(1, 10_000n); // about 90 sat/vB
    const dear = await coinSpend(2, 300_000n); // about 2,700 sat/vB
    expect(await t.rpc('sendrawtransaction', [Buffer.from(cheap.toBytes()).toString('hex')])).toBe(
      cheap.txidHex(),
    );
    expect(await t.rpc('sendrawtransaction', [Buffer.from(dear.toBytes()).toString('hex')])).toBe(
      dear.txidHex(),
    );
    await waitFor(
      'both announced to the plain peer',
      () => announced(plain, cheap) && announced(plain, dear),
    );
    await waitFor('the dear one announced to the picky peer', () => announced(picky, dear));
    expect(announced(picky, cheap)).toBe(false);
  });
});
