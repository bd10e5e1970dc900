/**
 * Time and chance, injected. Every timer and clock read of the node's I/O layers goes through a
 * `Clock`, and every non-secret random choice (peer picks, relay delays, eviction) through a
 * `Random`, so a simulator can run many nodes on one virtual clock and replay a run from a seed.
 * Secrets (keys, cookies) never come from here: they use the system's CSPRNG directly.
 */
import { randomBytes } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { Reader } from './protocol/reader.js';

export interface Clock {
  /** Milliseconds since the Unix epoch (virtual clocks start wherever they like). */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** Don't keep the process alive for a timer, where the clock's timers support it (Node's do). */
export function unref(handle: unknown): void {
  (handle as { unref?: () => void } | null)?.unref?.();
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
};

export interface Random {
  /** Uniform in [0, 1). */
  float(): number;
  /** `n` bytes, uniform (for nonces that must differ between nodes, not for secrets). */
  bytes(n: number): Uint8Array;
}

/** A uniform 64-bit number from `random` (version and ping nonces), read as the wire reads one. */
export function randomU64(random: Random): bigint {
  return new Reader(random.bytes(8)).u64();
}

export const systemRandom: Random = {
  float: () => Math.random(),
  bytes: (n) => new Uint8Array(randomBytes(n)),
};

/**
 * A deterministic stream from a seed: SHA-256 in counter mode (seed || counter), so the same
 * seed gives the same choices on every machine and Node version.
 */
export function seededRandom(seed: string | number): Random {
  const key = new TextEncoder().encode(String(seed));
  let counter = 0;
  let block = new Uint8Array(0);
  let pos = 0;
  const next = (): number => {
    if (pos >= block.length) {
      const msg = new Uint8Array(key.length + 8);
      msg.set(key);
      new DataView(msg.buffer).setBigUint64(key.length, BigInt(counter++), true);
      block = sha256(msg);
      pos = 0;
    }
    return block[pos++]!;
  };
  return {
    float() {
      // 53 bits, as Math.random gives.
      let x = 0;
      for (let i = 0; i < 7; i++) x = x * 256 + next();
      return (x % 2 ** 53) / 2 ** 53;
    },
    bytes(n) {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = next();
      return out;
    },
  };
}
