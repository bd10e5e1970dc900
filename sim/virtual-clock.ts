/**
 * The simulator's clock: one virtual timeline for every node in the process (node/clock.ts's
 * Clock), as discrete-event simulators run one (SimBlock's `Timer` task queue; the jvm-libp2p
 * gossip simulator's virtual time). Timers sit in a binary heap ordered by (due time, order of
 * arming), so ties always run in the same order and a run replays exactly from its seed.
 *
 * The run loop alternates two steps: let real asynchronous work settle (promise chains,
 * memory-level's callbacks: setImmediate rounds until no round arms a timer due now), then jump
 * to the next timer. An idle simulated hour therefore costs only the timers it holds. It is
 * bounded: a run stops with SimClockError when too many timers fire at one instant (a timer
 * re-arming itself at 0 ms forever) instead of spinning.
 */
import type { Clock } from '../node/clock.js';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
  /** Re-armed every `every` ms (setInterval) while not cancelled. */
  every: number;
  cancelled: boolean;
}

export class SimClockError extends Error {
  readonly code = 'TIMER_STORM';
  constructor(message: string) {
    super(message);
    this.name = 'SimClockError';
  }
}

export interface RunLimits {
  /** Timers that may fire at one virtual instant before the run is declared stuck. */
  maxPerInstant?: number;
  /** setImmediate rounds per settle step before moving on anyway. */
  maxSettleRounds?: number;
}

const immediate = () => new Promise<void>((r) => setImmediate(r));

export class SimClock implements Clock {
  private t: number;
  private seq = 0;
  private heap: Timer[] = [];
  private live = 0;
  private readonly maxPerInstant: number;
  private readonly maxSettleRounds: number;
  /** Timers fired so far (a measure of the simulation's work). */
  fired = 0;

  constructor(startMs: number, limits: RunLimits = {}) {
    this.t = startMs;
    this.maxPerInstant = limits.maxPerInstant ?? 2_000_000;
    this.maxSettleRounds = limits.maxSettleRounds ?? 50;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    return this.arm(fn, ms, 0);
  }

  clearTimeout(handle: unknown): void {
    this.cancel(handle);
  }

  setInterval(fn: () => void, ms: number): unknown {
    return this.arm(fn, ms, Math.max(1, ms));
  }

  clearInterval(handle: unknown): void {
    this.cancel(handle);
  }

  /** Timers armed and not yet fired or cancelled. */
  get pending(): number {
    return this.live;
  }

  /** The due time of the next timer, or null. */
  nextAt(): number | null {
    this.dropCancelled();
    return this.heap[0]?.at ?? null;
  }

  /**
   * Runs every timer due up to `until` (virtual ms) in order, settling real async work after
   * each instant; time ends at `until`.
   */
  async runUntil(until: number): Promise<void> {
    await this.settle();
    for (;;) {
      const at = this.nextAt();
      if (at === null || at > until) break;
      this.t = at;
      let n = 0;
      // Everything due at this instant, then one settle: an instant's timers see the same time.
      for (;;) {
        this.dropCancelled();
        const top = this.heap[0];
        if (!top || top.at !== at) break;
        this.pop();
        if (++n > this.maxPerInstant)
          throw new SimClockError(`more than ${this.maxPerInstant} timers fired at t=${at}: a timer loop?`);
        this.fire(top);
      }
      await this.settle();
    }
    this.t = Math.max(this.t, until);
  }

  /**
   * Lets real async work run: setImmediate rounds (at least two, so work that itself waits one
   * setImmediate finishes) until one arms nothing due now.
   */
  async settle(): Promise<void> {
    for (let i = 0; i < this.maxSettleRounds; i++) {
      const before = this.seq;
      await immediate();
      if (i === 0) continue;
      if (this.seq === before) return;
      const next = this.nextAt();
      if (next === null || next > this.t) return;
    }
  }

  private fire(timer: Timer): void {
    this.fired++;
    if (timer.every > 0) {
      timer.at += timer.every;
      timer.seq = ++this.seq;
      this.push(timer);
    } else {
      this.live--;
      timer.cancelled = true;
    }
    timer.fn();
  }

  private arm(fn: () => void, ms: number, every: number): Timer {
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const timer: Timer = {
      at: this.t + (every > 0 ? every : delay),
      seq: ++this.seq,
      fn,
      every,
      cancelled: false,
    };
    this.live++;
    this.push(timer);
    return timer;
  }

  private cancel(handle: unknown): void {
    const timer = handle as Timer | null | undefined;
    if (!timer || typeof timer !== 'object' || timer.cancelled) return;
    timer.cancelled = true;
    this.live--;
    // Cancelled timers are dropped lazily; rebuild when they are most of the heap.
    if (this.heap.length > 1024 && this.live < this.heap.length / 4) this.rebuild();
  }

  private rebuild(): void {
    const keep = this.heap.filter((x) => !x.cancelled);
    this.heap = [];
    for (const x of keep) this.push(x);
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.pop();
  }

  private push(x: Timer): void {
    const h = this.heap;
    h.push(x);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): Timer | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
