/**
 * Feeler connections (Bitcoin Core's `-feeler` behaviour, net.cpp ThreadOpenConnections and
 * ConnectionType::FEELER, bitcoin/bitcoin#8282): once every outbound full-relay slot is taken,
 * every FEELER_INTERVAL on average (2 minutes, exponential as Core's GetExponentialRand), one
 * address the book has heard of but never connected to (AddrMan's "new" table: no success yet)
 * is dialled. When the handshake completes the address is marked good (moved to "tried":
 * `AddressBook.success`) and the connection is closed; a failure counts against it as any
 * attempt does. So the tried addresses a node falls back on when it needs peers are ones
 * that answered recently, and dead addresses leave the book sooner.
 *
 * A feeler never takes an outbound slot (connections.ts leaves its key out of the count, as it
 * does for manual and file connections), is never handed to the rest of the P2P layer (no
 * getaddr, headers or mempool offer: the peer goes before `onReady`), and at most one is open.
 * Core skips addresses tried in the last 10 minutes unless they failed 30 times; so do we.
 */
import type { Clock, Random } from '../clock.js';
import type { AddrEntry, AddressBook } from './addrbook.js';

/** Core's FEELER_INTERVAL. */
export const FEELER_INTERVAL_MS = 2 * 60_000;
/** Core: addresses tried this recently are not felt again (unless they failed many times). */
const RECENT_TRY_MS = 10 * 60_000;
const RECENT_TRY_MAX_ATTEMPTS = 30;

export class Feelers {
  /** The address key of the feeler being dialled or shaking hands, or null. */
  key: string | null = null;
  /** Feelers whose handshake completed (the address went to tried). */
  completed = 0;
  /** When the next feeler is due; drawn when the outbound slots are first seen full. */
  private nextAt: number | null = null;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly intervalMs: number;

  constructor(clock: Clock, random: Random, intervalMs = FEELER_INTERVAL_MS) {
    this.clock = clock;
    this.random = random;
    this.intervalMs = intervalMs;
  }

  /**
   * Called on each connection tick with whether every full-relay outbound slot is held by a
   * connection: the address to feel now, or null. `skip` filters out what the outbound
   * selection skips (connected, own, banned, one group per outbound peer is not needed here).
   */
  due(full: boolean, book: AddressBook, skip: (e: AddrEntry) => boolean): AddrEntry | null {
    const now = this.clock.now();
    if (this.intervalMs <= 0 || this.key !== null || !full) return null;
    if (this.nextAt === null) this.nextAt = this.draw(now);
    if (now < this.nextAt) return null;
    this.nextAt = this.draw(now);
    const e = book.select(
      (x) =>
        x.lastSuccess > 0 ||
        (now - x.lastAttempt < RECENT_TRY_MS && x.attempts < RECENT_TRY_MAX_ATTEMPTS) ||
        skip(x),
    );
    if (!e) return null;
    this.key = e.key;
    return e;
  }

  /** The feeler's connection ended (or its dial failed). */
  done(key: string | null): void {
    if (key !== null && key === this.key) this.key = null;
  }

  private draw(now: number): number {
    return now - Math.log(1 - this.random.float()) * this.intervalMs;
  }
}
