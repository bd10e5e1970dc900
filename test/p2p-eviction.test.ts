/**
 * Inbound eviction (node/p2p/eviction.ts) follows Bitcoin Core's SelectNodeToEvict: 4 peers
 * protected by keyed network group, 8 by lowest ping, 4 by latest new transaction, 4 by latest
 * new block, half of the rest by uptime (loopback first, up to half of those spots); then a
 * misbehaving peer goes first, else the newest peer of the largest network group.
 */
import { describe, expect, it } from 'vitest';
import { type EvictionCandidate, selectNodeToEvict } from '../node/p2p/eviction.js';

/** Peer `id` connected at second 1000 + id (a larger id is newer), in a group of its own. */
function cand(id: number, o: Partial<EvictionCandidate> = {}): EvictionCandidate {
  return {
    id,
    connectedAt: 1000 + id,
    minPingMs: null,
    lastBlockAt: 0,
    lastTxAt: 0,
    relaysTxs: true,
    relevantServices: true,
    keyedNetGroup: BigInt(id),
    isLocal: false,
    preferEvict: false,
    ...o,
  };
}

/**
 * Peers 1-20 each earn one protection: 1-4 the highest keyed groups, 5-12 the lowest pings,
 * 13-16 the latest transactions, 17-20 the latest blocks. Peers 21..n have none.
 */
function protectedTwenty(): EvictionCandidate[] {
  return Array.from({ length: 20 }, (_, k) => {
    const id = k + 1;
    if (id <= 4) return cand(id, { keyedNetGroup: 1_000_000n + BigInt(id) });
    if (id <= 12) return cand(id, { minPingMs: 10 + id });
    if (id <= 16) return cand(id, { lastTxAt: 5_000 + id });
    return cand(id, { lastBlockAt: 5_000 + id });
  });
}
const plain = (from: number, to: number, o: Partial<EvictionCandidate> = {}) =>
  Array.from({ length: to - from + 1 }, (_, k) => cand(from + k, o));

describe('inbound eviction (Core SelectNodeToEvict)', () => {
  it('evicts nobody while the protections cover every candidate (20 or fewer)', () => {
    expect(selectNodeToEvict([])).toBeNull();
    expect(selectNodeToEvict(protectedTwenty())).toBeNull();
    expect(selectNodeToEvict(plain(1, 20))).toBeNull();
    expect(selectNodeToEvict(plain(1, 21))).not.toBeNull();
  });

  it('never picks a protected peer; among equals it picks the newest', () => {
    // 30 unprotected peers of one group each: the newest goes (all groups tie at one member).
    expect(selectNodeToEvict([...protectedTwenty(), ...plain(21, 50)])).toBe(50);
    // The 21st candidate is the only one left after the protections.
    expect(selectNodeToEvict([...protectedTwenty(), cand(21)])).toBe(21);
  });

  it('protects each criterion: a peer in the crowded group with a low ping, a new tx or a new block stays', () => {
    // Peers 31-40 share one network group; the rest have one each.
    const crowd = (id: number, o: Partial<EvictionCandidate> = {}) => cand(id, { keyedNetGroup: 7n, ...o });
    const base = [...protectedTwenty().slice(0, 4), ...plain(5, 30)];
    const group = [
      ...plain(31, 37).map((c) => ({ ...c, keyedNetGroup: 7n })),
      crowd(38, { lastBlockAt: 9_000 }),
      crowd(39, { lastTxAt: 9_000 }),
      crowd(40, { minPingMs: 1 }),
    ];
    // Pings for seven more, transactions and blocks for three more each: 38-40 are protected.
    const all = [...base, ...group].map((c) =>
      c.id >= 5 && c.id <= 11
        ? { ...c, minPingMs: 10 + c.id }
        : c.id >= 12 && c.id <= 14
          ? { ...c, lastTxAt: 100 + c.id }
          : c.id >= 15 && c.id <= 17
            ? { ...c, lastBlockAt: 100 + c.id }
            : c,
    );
    // Left: 18-30 and 31-37; uptime protects the older half (18-27); the crowded group loses its newest.
    expect(selectNodeToEvict(all)).toBe(37);
    // Without its low ping, peer 40 is the crowded group's newest unprotected member.
    expect(selectNodeToEvict(all.map((c) => (c.id === 40 ? { ...c, minPingMs: null } : c)))).toBe(40);
  });

  it('evicts from the largest network group, even when another group has a newer peer', () => {
    const peers = [...protectedTwenty(), ...plain(21, 40)];
    // 22, 24, 26 share a group; 40 is newer but alone in its group. Uptime protects 21-30 ...
    const a = peers.map((c) => ([22, 24, 26, 33, 35].includes(c.id) ? { ...c, keyedNetGroup: 3n } : c));
    // ... so of that group 33 and 35 are left, and 35 (its newest) goes, not 40.
    expect(selectNodeToEvict(a)).toBe(35);
    // Two groups of two: the one whose newest member is newer loses it.
    const b = peers.map((c) =>
      [31, 38].includes(c.id)
        ? { ...c, keyedNetGroup: 5n }
        : [32, 39].includes(c.id)
          ? { ...c, keyedNetGroup: 6n }
          : c,
    );
    expect(selectNodeToEvict(b)).toBe(39);
  });

  it('evicts a misbehaving peer first, unless a protection covers it', () => {
    const peers = [...protectedTwenty(), ...plain(21, 40)];
    expect(selectNodeToEvict(peers.map((c) => (c.id === 33 ? { ...c, preferEvict: true } : c)))).toBe(33);
    // Peer 5 has one of the lowest pings: protected, so the usual choice stands.
    expect(selectNodeToEvict(peers.map((c) => (c.id === 5 ? { ...c, preferEvict: true } : c)))).toBe(40);
  });

  it('keeps up to a quarter of the candidates for loopback peers, longest connected first', () => {
    // Left after the fixed protections: 21-30; uptime protects 5 of them, up to 2 spots loopback.
    const peers = [...protectedTwenty(), ...plain(21, 30)];
    expect(selectNodeToEvict(peers)).toBe(30);
    const local = peers.map((c) => (c.id >= 28 ? { ...c, isLocal: true } : c));
    // Loopback 28 and 29 (the older two of 28-30) are protected, then 21-23 by uptime: 30 goes.
    expect(selectNodeToEvict(local)).toBe(30);
    const newest = peers.map((c) => (c.id === 30 ? { ...c, isLocal: true } : c));
    // The one loopback peer, the newest, is protected; the next newest goes.
    expect(selectNodeToEvict(newest)).toBe(29);
  });
});
