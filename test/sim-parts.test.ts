/**
 * The simulator's own parts, without nodes: the virtual clock (heap order, ties in arming order,
 * intervals, cancelling, settling real async work between instants, a timer storm stopped),
 * region placement (shares exact, seeded, one /16 per node), the statistics, the SVG plot and
 * the shared signature cache.
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../node/clock.js';
import { netGroup } from '../node/p2p/netaddr.js';
import { nobleBackend } from '../node/protocol/ecdsa.js';
import { REGION_SHARE, REGIONS } from '../sim/regions.js';
import { SharedSigCache } from '../sim/sig-cache.js';
import { percentile, reachTime, spread } from '../sim/stats.js';
import { cdfPoints, linePlot, niceStep } from '../sim/svg.js';
import { hostOf, place, regionCounts, Topology } from '../sim/topology.js';
import { SimClock, SimClockError } from '../sim/virtual-clock.js';

describe('sim clock', () => {
  it('fires timers in due order, ties in the order they were armed, and skips cancelled ones', async () => {
    const c = new SimClock(1000);
    const got: string[] = [];
    const rnd = seededRandom('clock');
    const due: [number, string][] = [];
    for (let i = 0; i < 500; i++) {
      const ms = Math.floor(rnd.float() * 50);
      const name = `t${i}`;
      due.push([ms, name]);
      c.setTimeout(() => got.push(`${name}@${c.now() - 1000}`), ms);
    }
    const gone = c.setTimeout(() => got.push('cancelled'), 10);
    c.clearTimeout(gone);
    await c.runUntil(2000);
    const want = due
      .map(([ms, name], i) => ({ ms, name, i }))
      .sort((a, b) => a.ms - b.ms || a.i - b.i)
      .map((x) => `${x.name}@${x.ms}`);
    expect(got).toEqual(want);
    expect(c.now()).toBe(2000);
    expect(c.pending).toBe(0);
  });

  it('repeats intervals until cleared and ends at the time asked', async () => {
    const c = new SimClock(0);
    const at: number[] = [];
    const h = c.setInterval(() => {
      at.push(c.now());
      if (at.length === 3) c.clearInterval(h);
    }, 250);
    await c.runUntil(10_000);
    expect(at).toEqual([250, 500, 750]);
    expect(c.now()).toBe(10_000);
  });

  it('lets promise chains started by a timer finish before time moves on', async () => {
    const c = new SimClock(0);
    const log: string[] = [];
    c.setTimeout(async () => {
      for (let i = 0; i < 20; i++) await Promise.resolve();
      await new Promise<void>((r) => setImmediate(r));
      log.push(`done@${c.now()}`);
      c.setTimeout(() => log.push(`next@${c.now()}`), 5);
    }, 10);
    c.setTimeout(() => log.push(`later@${c.now()}`), 11);
    await c.runUntil(100);
    expect(log).toEqual(['done@10', 'later@11', 'next@15']);
  });

  it('stops a timer that re-arms itself at 0 ms forever instead of spinning', async () => {
    const c = new SimClock(0, { maxPerInstant: 1000 });
    const again = () => {
      c.setTimeout(again, 0);
    };
    c.setTimeout(again, 1);
    await expect(c.runUntil(10)).rejects.toThrow(SimClockError);
  });
});

describe('sim topology', () => {
  it("counts nodes per region by the regions' shares, exactly", () => {
    for (const n of [1, 7, 50, 1000]) {
      const counts = regionCounts(n);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(n);
      counts.forEach((k, i) => {
        expect(Math.abs(k - n * REGION_SHARE[i]!)).toBeLessThan(1);
      });
    }
    expect(regionCounts(1000)).toEqual([332, 500, 9, 118, 22, 19]);
  });

  it('places the same way for the same seed and differently for another; one /16 per node', () => {
    const a = place(300, seededRandom('a')).map((p) => p.region);
    expect(place(300, seededRandom('a')).map((p) => p.region)).toEqual(a);
    expect(place(300, seededRandom('b')).map((p) => p.region)).not.toEqual(a);
    const groups = new Set(Array.from({ length: 1000 }, (_, i) => netGroup(hostOf(i), 18444)));
    expect([...groups][0]).toBe('ipv4 20.0');
    expect(groups.size).toBe(1000);
  });

  it("gives links the regions' latency and each host one up and one down bucket", () => {
    const t = new Topology(place(20, seededRandom('x')));
    const [a, b] = t.placements;
    const spec = t.linkSpec(a!.host, b!.host);
    expect(REGIONS).toContain(a!.region);
    expect(spec.latencyMs).toBeGreaterThan(0);
    expect(t.linkSpec(a!.host, t.placements[2]!.host).up).toBe(spec.up);
    expect(t.linkSpec(b!.host, a!.host).down).toBe(t.buckets(a!.host).down);
  });
});

describe('sim statistics and plots', () => {
  it('takes nearest-rank percentiles and reach times over a population', () => {
    const v = [10, 20, 30, 40];
    expect([percentile(v, 0.5), percentile(v, 0.9), percentile(v, 1)]).toEqual([20, 40, 40]);
    expect(reachTime(v, 4, 0.5)).toBe(20);
    expect(reachTime(v, 5, 1)).toBeNull();
    expect(spread([3, null, 1, 2])).toEqual({ p50: 2, p90: 3, p99: 3, max: 3, n: 3 });
  });

  it('draws the same SVG for the same data, with a line per series', () => {
    const pts = cdfPoints([5, 1, 3, 2, 4]);
    expect(pts[0]).toEqual([0, 0]);
    expect(pts.at(-1)).toEqual([5, 1]);
    const o = { title: 'a < b', xLabel: 's', yLabel: 'share' };
    const svg = linePlot([{ label: 'x', color: 'red', points: pts }], o);
    expect(svg).toBe(linePlot([{ label: 'x', color: 'red', points: cdfPoints([5, 1, 3, 2, 4]) }], o));
    expect(svg).toContain('<polyline');
    expect(svg).toContain('a &lt; b');
    expect([niceStep(1), niceStep(7), niceStep(30)]).toEqual([0.2, 2, 10]);
  });
});

describe('shared signature cache', () => {
  it('verifies each triple once and answers the rest from memory, failures included', () => {
    let calls = 0;
    const cache = new SharedSigCache({
      name: 'noble',
      schnorr: nobleBackend.schnorr,
      verify: (m, s, p) => {
        calls++;
        return nobleBackend.verify(m, s, p);
      },
    });
    const msg = new Uint8Array(32);
    const sig = new Uint8Array(64).fill(1);
    const key = Uint8Array.of(2, ...new Uint8Array(32).fill(7));
    expect(cache.verify(msg, sig, key)).toBe(false);
    expect(cache.verify(msg, sig, key)).toBe(false);
    expect([calls, cache.hits, cache.misses]).toEqual([1, 1, 1]);
  });
});
