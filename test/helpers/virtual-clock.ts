/**
 * A virtual clock for transports and timers under test: time moves only when the test calls
 * `advance`, which runs the due timers in time order (ties in the order they were set),
 * letting promise callbacks settle after each one, so nothing depends on wall time.
 */
import type { Clock } from '../../node/clock.js';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
}

const settle = () => new Promise<void>((r) => setImmediate(r));

export class VirtualClock implements Clock {
  private t: number;
  private seq = 0;
  private readonly timers = new Map<number, Timer>();

  constructor(start = 1_000_000) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const seq = ++this.seq;
    this.timers.set(seq, { at: this.t + Math.max(0, ms), seq, fn });
    return seq;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Repeats every `ms` (at least 1) under one handle, until cleared. */
  setInterval(fn: () => void, ms: number): unknown {
    const seq = ++this.seq;
    const every = Math.max(1, ms);
    const arm = (at: number) =>
      this.timers.set(seq, {
        at,
        seq,
        fn: () => {
          arm(at + every);
          fn();
        },
      });
    arm(this.t + every);
    return seq;
  }

  clearInterval(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  get pending(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, running every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await settle();
    for (;;) {
      let next: Timer | undefined;
      for (const x of this.timers.values())
        if (x.at <= end && (!next || x.at < next.at || (x.at === next.at && x.seq < next.seq))) next = x;
      if (!next) break;
      this.timers.delete(next.seq);
      this.t = next.at;
      next.fn();
      await settle();
    }
    this.t = end;
  }
}
