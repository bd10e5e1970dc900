/**
 * Places N nodes in regions (sim/regions.ts) and gives each its address and access link.
 * Counts per region follow the regions' shares exactly (largest remainder, as a census would),
 * and which node lands where is a seeded shuffle. Each node gets an IPv4 address in its own
 * /16, so Core's netgroup rule (one outbound per /16, p2p/netaddr.ts) never limits a node that
 * a real network would not limit. Links carry the regions' one-way latency; bandwidth is each
 * host's up/down token bucket (memory-link.ts), shared by all its connections, as SimBlock
 * gives each node an upload and a download bandwidth.
 */
import type { Random } from '../node/clock.js';
import { type LinkSpec, TokenBucket } from '../node/p2p/transport/memory.js';
import {
  DOWNLOAD_BYTES_PER_S,
  LATENCY_MS,
  REGION_SHARE,
  REGIONS,
  type Region,
  UPLOAD_BYTES_PER_S,
} from './regions.js';

export interface Placement {
  index: number;
  host: string;
  region: Region;
  regionIndex: number;
}

/** Addresses 20.0.0.1, 20.1.0.1, … 20.255.0.1, 21.0.0.1, …: one /16 per node. */
export function hostOf(index: number): string {
  return `${20 + (index >> 8)}.${index & 255}.0.1`;
}

/** Node counts per region summing to `n`, by largest remainder of n × share. */
export function regionCounts(n: number, shares: readonly number[] = REGION_SHARE): number[] {
  const total = shares.reduce((a, b) => a + b, 0);
  const exact = shares.map((s) => (n * s) / total);
  const counts = exact.map(Math.floor);
  let left = n - counts.reduce((a, b) => a + b, 0);
  const byRemainder = exact
    .map((x, i) => ({ i, r: x - Math.floor(x) }))
    .sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of byRemainder) {
    if (left-- <= 0) break;
    counts[i]!++;
  }
  return counts;
}

/** Fisher–Yates with the seeded stream. */
export function shuffle<T>(items: T[], random: Random): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random.float() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

export function place(n: number, random: Random): Placement[] {
  const regions: number[] = [];
  regionCounts(n).forEach((c, r) => {
    for (let k = 0; k < c; k++) regions.push(r);
  });
  shuffle(regions, random);
  return regions.map((r, index) => ({ index, host: hostOf(index), region: REGIONS[r]!, regionIndex: r }));
}

/** The hosts' buckets and the link spec function for MemoryNetwork. */
export class Topology {
  readonly placements: Placement[];
  private readonly byHost = new Map<string, Placement>();
  private readonly up = new Map<string, TokenBucket>();
  private readonly down = new Map<string, TokenBucket>();
  /**
   * Every link's kernel send buffer (LinkSpec.sendBufferBytes), set before the first connection;
   * 0 (the default, every scenario but files) counts every byte in flight as the sender's backlog.
   */
  sendBufferBytes = 0;

  constructor(placements: Placement[]) {
    this.placements = placements;
    for (const p of placements) this.byHost.set(p.host, p);
  }

  /** A host's buckets, made on first use and kept for the run (a node that rejoins keeps them). */
  buckets(host: string): { up: TokenBucket; down: TokenBucket } {
    const p = this.byHost.get(host);
    let up = this.up.get(host);
    let down = this.down.get(host);
    if (!up || !down) {
      up = new TokenBucket(p ? UPLOAD_BYTES_PER_S[p.regionIndex]! : Number.POSITIVE_INFINITY, 0);
      down = new TokenBucket(p ? DOWNLOAD_BYTES_PER_S[p.regionIndex]! : Number.POSITIVE_INFINITY, 0);
      this.up.set(host, up);
      this.down.set(host, down);
    }
    return { up, down };
  }

  /**
   * Gives `host` an access link of its own (bytes/s; Infinity: not limiting) in place of its
   * region's, before its first connection (a scenario's bandwidth-limited providers).
   */
  setAccess(host: string, access: { up?: number; down?: number }): void {
    this.buckets(host);
    if (access.up !== undefined) this.up.set(host, new TokenBucket(access.up, 0));
    if (access.down !== undefined) this.down.set(host, new TokenBucket(access.down, 0));
  }

  linkSpec = (from: string, to: string): LinkSpec => {
    const a = this.byHost.get(from);
    const b = this.byHost.get(to);
    return {
      latencyMs: a && b ? LATENCY_MS[a.regionIndex]![b.regionIndex]! : 0,
      bandwidth: Number.POSITIVE_INFINITY,
      burstBytes: 0,
      up: this.buckets(from).up,
      down: this.buckets(to).down,
      sendBufferBytes: this.sendBufferBytes,
    };
  };
}
