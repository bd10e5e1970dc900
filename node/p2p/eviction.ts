/**
 * Which inbound peer makes room for a new one when the inbound slots are full: Bitcoin Core's
 * SelectNodeToEvict (node/eviction.cpp, called by CConnman::AttemptToEvictConnection in
 * net.cpp). Without it a full node, a seed above all, turns every newcomer away for as long as
 * its first 117 inbound peers stay, and a network of new nodes never forms.
 *
 * Protected, in Core's order (each step removes peers from the candidates; an attacker has to
 * beat every step to take all slots):
 *  1. 4 by keyed network group (a per-node secret orders the groups, so nobody can predict which);
 *  2. 8 with the lowest minimum ping (cannot be faked without being close);
 *  3. 4 that most recently sent a new transaction our mempool accepted (useful work);
 *  4. 4 that most recently sent a new block (useful work);
 *  5. half of the rest by longest connection, up to half of those spots going first to
 *     loopback peers (Core's disadvantaged networks; we have no Tor, I2P or CJDNS inbound).
 * Of what is left, peers that misbehaved (Core's m_prefer_evict, "discouraged") go first; then
 * the network group with the most connections (ties: the group whose newest member is newest)
 * loses its newest member. Nothing left: no eviction, and the new connection is refused.
 *
 * Core's 8 block-relay-only protection is left out: we make no block-relay-only connections.
 * Ties end on the peer id (not left to the sort, as Core's std::sort leaves them), so a seeded
 * run picks the same peer every time.
 */
import { sha256Parts } from '../protocol/hash.js';
import { NODE_NETWORK, NODE_WITNESS } from './netaddr.js';
import type { Peer } from './peer.js';

export interface EvictionCandidate {
  id: number;
  /** When the connection was made (any monotonic unit; larger is newer). */
  connectedAt: number;
  /** Lowest ping round trip seen, ms; null before the first pong. */
  minPingMs: number | null;
  /** Last new block / accepted transaction from this peer (0: never). */
  lastBlockAt: number;
  lastTxAt: number;
  /** The peer asked for transactions (version relay flag). */
  relaysTxs: boolean;
  /** The peer serves blocks (NODE_NETWORK and NODE_WITNESS). */
  relevantServices: boolean;
  /** The network group keyed with this node's secret (netaddr.ts netGroup, hashed). */
  keyedNetGroup: bigint;
  /** Loopback address. */
  isLocal: boolean;
  /** Misbehaved below the ban threshold: evicted before anyone else. */
  preferEvict: boolean;
}

const PROTECT_BY_NETGROUP = 4;
const PROTECT_BY_PING = 8;
const PROTECT_BY_TX = 4;
const PROTECT_BY_BLOCK = 4;

type Cmp = (a: EvictionCandidate, b: EvictionCandidate) => number;

/**
 * Sorts by `cmp` and removes the last `k`: Core's EraseLastKElements. Ties go to the older
 * connection (the lower id), as Core's own tie-breaks on connection time do.
 */
function eraseLastK(c: EvictionCandidate[], cmp: Cmp, k: number): void {
  c.sort((a, b) => cmp(a, b) || b.id - a.id);
  c.splice(Math.max(0, c.length - k), k);
}

const ping = (p: EvictionCandidate) => p.minPingMs ?? Number.POSITIVE_INFINITY;
/** Positive when `a` connected after `b` (same second: the later id is the newer). */
const newer = (a: EvictionCandidate, b: EvictionCandidate) => a.connectedAt - b.connectedAt || a.id - b.id;
/** Core's comparators: the peers to protect sort last. */
const byKeyedNetGroup: Cmp = (a, b) =>
  a.keyedNetGroup < b.keyedNetGroup ? -1 : a.keyedNetGroup > b.keyedNetGroup ? 1 : 0;
const byLowestPing: Cmp = (a, b) => (ping(a) === ping(b) ? 0 : ping(a) < ping(b) ? 1 : -1);
const oldestLast: Cmp = (a, b) => newer(b, a);
const byTxTime: Cmp = (a, b) =>
  a.lastTxAt - b.lastTxAt || Number(a.relaysTxs) - Number(b.relaysTxs) || oldestLast(a, b);
const byBlockTime: Cmp = (a, b) =>
  a.lastBlockAt - b.lastBlockAt ||
  Number(a.relevantServices) - Number(b.relevantServices) ||
  oldestLast(a, b);

/** Core's ProtectEvictionCandidatesByRatio: half of the candidates by uptime, loopback first. */
function protectByRatio(c: EvictionCandidate[]): void {
  const total = Math.floor(c.length / 2);
  const local = c.filter((p) => p.isLocal).sort(oldestLast);
  const keep = new Set(local.slice(Math.max(0, local.length - Math.floor(total / 2))));
  const rest = c.filter((p) => !keep.has(p));
  eraseLastK(rest, oldestLast, total - keep.size);
  c.splice(0, c.length, ...rest);
}

/** The id of the inbound peer to disconnect, or null when every candidate is protected. */
export function selectNodeToEvict(candidates: readonly EvictionCandidate[]): number | null {
  const c = [...candidates];
  eraseLastK(c, byKeyedNetGroup, PROTECT_BY_NETGROUP);
  eraseLastK(c, byLowestPing, PROTECT_BY_PING);
  eraseLastK(c, byTxTime, PROTECT_BY_TX);
  eraseLastK(c, byBlockTime, PROTECT_BY_BLOCK);
  protectByRatio(c);
  if (c.length === 0) return null;
  const pool = c.some((p) => p.preferEvict) ? c.filter((p) => p.preferEvict) : c;
  // Newest first, so each group's first member is its newest (Core's order at this point).
  pool.sort(oldestLast);
  const groups = new Map<bigint, EvictionCandidate[]>();
  let worst: EvictionCandidate[] = [];
  for (const p of pool) {
    const g = groups.get(p.keyedNetGroup) ?? [];
    if (g.length === 0) groups.set(p.keyedNetGroup, g);
    g.push(p);
    if (g.length > worst.length || (g.length === worst.length && newer(g[0]!, worst[0]!) > 0)) worst = g;
  }
  return worst[0]!.id;
}

/** Core's nKeyedNetGroup: the peer's network group hashed under this node's secret `key`. */
export function keyedNetGroup(key: Uint8Array, group: string): bigint {
  const h = sha256Parts(key, new TextEncoder().encode(group));
  return new DataView(h.buffer, h.byteOffset, 8).getBigUint64(0);
}

/** What eviction looks at for one inbound peer (Core's NodeEvictionCandidate). */
export function candidateOf(p: Peer, keyedGroup: bigint, misbehaved: boolean): EvictionCandidate {
  const services = p.version?.services ?? 0n;
  const wanted = NODE_NETWORK | NODE_WITNESS;
  return {
    id: p.id,
    connectedAt: p.connectedAt,
    minPingMs: p.minPingMs,
    lastBlockAt: p.lastBlockAt,
    lastTxAt: p.lastTxAt,
    relaysTxs: p.version?.relay ?? false,
    relevantServices: (services & wanted) === wanted,
    keyedNetGroup: keyedGroup,
    isLocal: p.host.startsWith('127.') || p.host === '::1',
    preferEvict: misbehaved,
  };
}
