/**
 * One direction of an in-memory link: what leaves one end arrives at the other after the
 * link's latency, in the order it was sent, and no faster than its bandwidth allows.
 *
 * Bandwidth is a token bucket (bytes per second, holding up to `burstBytes`): a chunk leaves
 * once the bucket has paid for it, so chunks queue behind each other and a big message takes
 * size/bandwidth on the wire before its latency starts. Control items (connect, end) cost no
 * bandwidth but never overtake data sent before them.
 *
 * Delivery is FIFO from the head only; the receiver may refuse an item (a paused stream), and
 * the link then holds it, and everything behind it, until `unblock`. Time and timers come from
 * the injected Clock, so the same calls on a virtual clock give the same schedule.
 */
import type { Clock } from './transport.js';

export interface LinkSpec {
  /** One-way delay, ms. */
  latencyMs: number;
  /** Bytes per second; Infinity for no limit. */
  bandwidth: number;
  /** Bytes the bucket may save up while the link is idle and then send at once. */
  burstBytes: number;
  /** The sending host's uplink, shared by all its links: data leaves once it has paid here too. */
  up?: TokenBucket;
  /** The receiving host's downlink, shared by all its links: data arrives once it has paid here. */
  down?: TokenBucket;
  /**
   * The sender's kernel socket buffer, bytes (default 0): sent bytes not yet delivered that the
   * stream's `writableLength` does not count, as a TCP socket's user-space backlog leaves out
   * what the kernel has accepted and keeps in flight. 0 counts every byte until it arrives.
   */
  sendBufferBytes?: number;
}

/**
 * A host's access link in one direction (SimBlock's per-node upload/download bandwidth): every
 * link of the host pays its bytes here, so a node sending a block to eight peers at once takes
 * eight times as long. `pay` is asked in time order per host for the uplink; for a downlink the
 * arrival times of different senders may come out of order, and a later-asked earlier arrival
 * then waits behind the bytes already booked (a FIFO approximation). Counts what crossed it.
 */
export class TokenBucket {
  /** Bytes that have paid. */
  bytes = 0;
  private readonly rate: number;
  private readonly burst: number;
  private tokens: number;
  private at = Number.NEGATIVE_INFINITY;

  /** `rate` bytes/s (Infinity: no limit, only counting), `burst` bytes saved up while idle. */
  constructor(rate: number, burst: number) {
    if (!(rate > 0)) throw new RangeError(`bucket rate must be > 0 bytes/s, got ${rate}`);
    if (!(Number.isFinite(burst) && burst >= 0))
      throw new RangeError(`bucket burst must be >= 0, got ${burst}`);
    this.rate = rate;
    this.burst = burst;
    this.tokens = burst;
  }

  /** Books `size` bytes asked at `when` (ms); returns when they have passed. */
  pay(when: number, size: number): number {
    this.bytes += size;
    if (!Number.isFinite(this.rate)) return when;
    const now = Math.max(when, this.at);
    if (Number.isFinite(this.at))
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) * this.rate) / 1000);
    this.at = now;
    this.tokens -= size;
    return this.tokens >= 0 ? now : now + (-this.tokens * 1000) / this.rate;
  }
}

interface Item<T> {
  at: number;
  size: number;
  value: T;
}

export class Link<T> {
  /** Bytes of data items sent and not yet delivered (or dropped). */
  pendingBytes = 0;
  /** LinkSpec.sendBufferBytes. */
  readonly sendBufferBytes: number;
  private readonly spec: LinkSpec;
  private readonly clock: Clock;
  private readonly deliver: (value: T, size: number) => boolean;
  private readonly queue: Item<T>[] = [];
  private tokens: number;
  private refilledAt: number;
  private lastAt = 0;
  private timer: unknown = null;
  private blocked = false;
  private pumping = false;

  /** `deliver` returns false to hold the item (and those behind it) until `unblock`. */
  constructor(spec: LinkSpec, clock: Clock, deliver: (value: T, size: number) => boolean) {
    this.spec = spec;
    this.clock = clock;
    this.deliver = deliver;
    this.sendBufferBytes = spec.sendBufferBytes ?? 0;
    this.tokens = spec.burstBytes;
    this.refilledAt = clock.now();
  }

  /** Sends `value`; `size` bytes go through the bucket (0 for a control item). */
  send(value: T, size: number): void {
    const now = this.clock.now();
    let departs = size > 0 ? this.pay(now, size) : now;
    if (size > 0 && this.spec.up) departs = this.spec.up.pay(departs, size);
    let arrives = departs + this.spec.latencyMs;
    if (size > 0 && this.spec.down) arrives = this.spec.down.pay(arrives, size);
    const at = Math.max(arrives, this.lastAt);
    this.lastAt = at;
    this.pendingBytes += size;
    this.queue.push({ at, size, value });
    this.schedule();
  }

  /** The receiver takes items again (a stream resumed). */
  unblock(): void {
    if (!this.blocked) return;
    this.blocked = false;
    if (!this.pumping) this.pump();
  }

  /** Drops whatever is queued and stops the timer: the receiver is gone (later items are dropped too). */
  clear(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.queue.length = 0;
    this.pendingBytes = 0;
    this.blocked = false;
  }

  /** Takes `size` bytes from the bucket; returns when they leave (now, or once paid for). */
  private pay(now: number, size: number): number {
    const rate = this.spec.bandwidth;
    if (!Number.isFinite(rate)) return now;
    this.tokens = Math.min(this.spec.burstBytes, this.tokens + ((now - this.refilledAt) * rate) / 1000);
    this.refilledAt = now;
    this.tokens -= size;
    return this.tokens >= 0 ? now : now + (-this.tokens * 1000) / rate;
  }

  private schedule(): void {
    const next = this.queue[0];
    if (!next || this.blocked || this.timer !== null) return;
    this.timer = this.clock.setTimeout(
      () => {
        this.timer = null;
        this.pump();
      },
      Math.max(0, next.at - this.clock.now()),
    );
  }

  private pump(): void {
    this.pumping = true;
    try {
      const now = this.clock.now();
      for (;;) {
        const item = this.queue[0];
        if (!item || item.at > now) break;
        // Counted as delivered before the receiver sees it, so its handler reads the backlog after.
        this.pendingBytes -= item.size;
        if (!this.deliver(item.value, item.size)) {
          this.pendingBytes += item.size;
          this.blocked = true;
          return;
        }
        // A receiver that went away inside `deliver` may have cleared the queue.
        if (this.queue[0] === item) this.queue.shift();
      }
    } finally {
      this.pumping = false;
    }
    this.schedule();
  }
}
