/**
 * BIP133 fee filters, as Core's MaybeSendFeefilter and FeeFilterRounder (net_processing.cpp,
 * policy/fees.cpp):
 *
 * - What we send each peer (protocol >= 70013): our mempool's minimum fee rate, rounded down to
 *   one of a set of buckets 10% apart (two times in three to the bucket below, so the exact
 *   figure, which could tell our mempool apart, never leaves), and never below the minimum relay
 *   fee rate. Sent when it changed, at random intervals averaging 10 minutes; a change by more
 *   than a quarter brings the next send within 5 minutes.
 * - What a peer sends us is kept (only amounts in 0..21e6 coins; others are ignored) and
 *   tx-relay.ts does not announce transactions whose fee is below it.
 */
import { type Clock, type Random, realClock, systemRandom } from '../clock.js';
import type { Peer } from './peer.js';

export const FEEFILTER_VERSION = 70013;
const MAX_MONEY = 21_000_000n * 100_000_000n;
const MAX_FILTER_FEERATE = 1e7;
const FEE_FILTER_SPACING = 1.1;
/** Core's AVG_FEEFILTER_BROADCAST_INTERVAL and MAX_FEEFILTER_CHANGE_DELAY. */
export const AVG_FEEFILTER_INTERVAL_MS = 10 * 60_000;
export const MAX_FEEFILTER_CHANGE_DELAY_MS = 5 * 60_000;

/** Core's FeeFilterRounder. */
export class FeeFilterRounder {
  private readonly buckets: number[];
  private readonly random: Random;

  constructor(minIncrementalFeeRate: bigint, random: Random = systemRandom) {
    this.random = random;
    this.buckets = [0];
    const min = Math.max(1, Number(minIncrementalFeeRate / 2n));
    for (let b = min; b <= MAX_FILTER_FEERATE; b *= FEE_FILTER_SPACING) this.buckets.push(b);
  }

  /** The lowest bucket at or above `rate`, or (two times in three, or past the top) the one below. */
  round(rate: bigint): bigint {
    const r = Number(rate);
    let i = this.buckets.findIndex((b) => b >= r);
    if (i < 0) i = this.buckets.length - 1;
    else if (i > 0 && Math.floor(this.random.float() * 3) !== 0) i--;
    return BigInt(Math.floor(this.buckets[i]!));
  }
}

export interface FeeFilterDeps {
  /**
   * Our mempool's rolling minimum fee rate now, sat/kvB: Core's GetMinFee, 0 until the mempool
   * has been full, NOT already raised to the minimum relay fee. Rounding 1,000 up to the 1,071
   * bucket (one time in three) would otherwise keep 1 sat/vB transactions from this node.
   */
  minFeeRate(): bigint;
  /** The minimum relay fee rate, sat/kvB: we never ask for less. */
  minRelayFeeRate: bigint;
  clock?: Clock;
  random?: Random;
}

interface Sent {
  rate: bigint;
  next: number;
}

export class FeeFilters {
  private readonly deps: FeeFilterDeps;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly rounder: FeeFilterRounder;
  private readonly sent = new Map<Peer, Sent>();

  constructor(deps: FeeFilterDeps) {
    this.deps = deps;
    this.clock = deps.clock ?? realClock;
    this.random = deps.random ?? systemRandom;
    this.rounder = new FeeFilterRounder(deps.minRelayFeeRate, this.random);
  }

  /** A peer's `feefilter`: kept if it is an amount (MoneyRange), else ignored. */
  onFeeFilter(peer: Peer, rate: bigint): void {
    if (rate >= 0n && rate <= MAX_MONEY) peer.feeFilter = rate;
  }

  peerGone(peer: Peer): void {
    this.sent.delete(peer);
  }

  /** Periodic (each P2P tick): sends each peer whatever its schedule says is due. */
  tick(peers: Iterable<Peer>): void {
    const now = this.clock.now();
    const current = this.deps.minFeeRate();
    for (const p of peers) {
      if (!p.ready || (p.version?.version ?? 0) < FEEFILTER_VERSION) continue;
      const s = this.sent.get(p) ?? { rate: 0n, next: 0 };
      this.sent.set(p, s);
      if (now > s.next) {
        let rate = this.rounder.round(current);
        if (rate < this.deps.minRelayFeeRate) rate = this.deps.minRelayFeeRate;
        if (rate !== s.rate) {
          p.send({ command: 'feefilter', feeRate: rate });
          s.rate = rate;
        }
        s.next = now - Math.log(1 - this.random.float()) * AVG_FEEFILTER_INTERVAL_MS;
      } else if (
        now + MAX_FEEFILTER_CHANGE_DELAY_MS < s.next &&
        (current * 4n < s.rate * 3n || current * 3n > s.rate * 4n)
      ) {
        s.next = now + Math.floor(this.random.float() * MAX_FEEFILTER_CHANGE_DELAY_MS);
      }
    }
  }
}
