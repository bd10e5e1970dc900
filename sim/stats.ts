/** Percentiles by nearest rank (the value at rank ceil(p × n)), as latency reports give them. */

export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

export const ascending = (a: number, b: number): number => a - b;

/** Time for an item to reach `share` of `population` nodes, from its sorted arrival delays; null if it never did. */
export function reachTime(sortedDelays: readonly number[], population: number, share: number): number | null {
  const need = Math.max(1, Math.ceil(share * population));
  return sortedDelays.length >= need ? sortedDelays[need - 1]! : null;
}

export interface Spread {
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
  n: number;
}

export function spread(values: readonly (number | null)[]): Spread {
  const v = values.filter((x): x is number => x !== null).sort(ascending);
  return {
    p50: percentile(v, 0.5),
    p90: percentile(v, 0.9),
    p99: percentile(v, 0.99),
    max: v.at(-1) ?? null,
    n: v.length,
  };
}

/** Rounds for stable, readable reports (ms to 0.1, bytes to 1). */
export const round1 = (x: number | null): number | null => (x === null ? null : Math.round(x * 10) / 10);
