/**
 * The files service's use of the DHT (node/files/dht-fallback.ts), with a fake finder and
 * dialer on a virtual clock: lookups only after the wait and then at the retry delay, the
 * providers named dialled once per lookup, file connections closed when their last download
 * ends, and announcements kept equal to the keys given (new ones provided, gone ones
 * withdrawn, one that reached nobody retried).
 */
import { describe, expect, it } from 'vitest';
import type { ProviderFinder } from '../node/dht/dht.js';
import type { ProviderRecord } from '../node/dht/record.js';
import { newCounters } from '../node/files/counters.js';
import { DhtFallback, FALLBACK_WAIT_MS, PROVIDE_RETRY_MS, RETRY_MS } from '../node/files/dht-fallback.js';
import { silentLogger } from '../node/log.js';
import type { FileDial } from '../node/p2p/connections.js';
import { toHex } from '../node/protocol/bytes.js';
import { VirtualClock } from './helpers/virtual-clock.js';

const ID = new Uint8Array(32).fill(7);
const OTHER = new Uint8Array(32).fill(9);

function record(host: string, port: number, n: number): ProviderRecord {
  return {
    manifestId: ID,
    pubkey: new Uint8Array(33).fill(n),
    nodeId: new Uint8Array(32).fill(n),
    host,
    port,
    expires: 2_000_000_000,
    sig: new Uint8Array(64),
  };
}

function setup(records: ProviderRecord[], provideAcks = 3) {
  const clock = new VirtualClock();
  const calls = { find: 0, provide: [] as string[], unprovide: [] as string[] };
  const finder: ProviderFinder = {
    findProviders: async () => {
      calls.find++;
      return records;
    },
    provide: async (id) => {
      calls.provide.push(toHex(id));
      return provideAcks;
    },
    unprovide: (id) => void calls.unprovide.push(toHex(id)),
  };
  const open = new Set<string>();
  const dials: string[] = [];
  const closed: string[] = [];
  const dialer = {
    open: (host: string, port: number): FileDial => {
      const k = `${host}:${port}`;
      dials.push(k);
      if (open.has(k)) return 'connected';
      open.add(k);
      return 'dialing';
    },
    close: (host: string, port: number) => {
      open.delete(`${host}:${port}`);
      closed.push(`${host}:${port}`);
    },
  };
  const counters = newCounters();
  const fb = new DhtFallback({ finder, dialer, clock, log: silentLogger, counters });
  return { clock, calls, dials, closed, counters, fb };
}

describe('the DHT fallback of file downloads', () => {
  it('looks up only after the wait, then at the retry delay, and dials each provider it names', async () => {
    const t = setup([record('10.1.0.1', 18444, 1), record('10.1.0.2', 18444, 2)]);
    t.fb.lacking('f', ID);
    await t.clock.advance(FALLBACK_WAIT_MS - 1);
    t.fb.lacking('f', ID);
    expect(t.calls.find).toBe(0);
    await t.clock.advance(1);
    t.fb.lacking('f', ID);
    await t.clock.advance(0);
    expect(t.calls.find).toBe(1);
    expect(t.dials).toEqual(['10.1.0.1:18444', '10.1.0.2:18444']);
    expect(t.counters).toMatchObject({ dhtLookups: 1, dhtConnections: 2 });
    expect([t.fb.found('f'), t.fb.lookups('f')]).toEqual([2, 1]);
    t.fb.lacking('f', ID);
    await t.clock.advance(RETRY_MS - 1);
    t.fb.lacking('f', ID);
    expect(t.calls.find).toBe(1);
    await t.clock.advance(1);
    t.fb.lacking('f', ID);
    await t.clock.advance(0);
    // Asked again, the dialer says both are connected already: no new connection is counted.
    expect(t.calls.find).toBe(2);
    expect(t.counters.dhtConnections).toBe(2);
  });

  it('keeps a connection two downloads share until the last one ends, and follows a renamed target', async () => {
    const t = setup([record('10.1.0.1', 18444, 1)]);
    for (const id of ['target', 'g']) t.fb.lacking(id, ID);
    await t.clock.advance(FALLBACK_WAIT_MS);
    for (const id of ['target', 'g']) t.fb.lacking(id, ID);
    await t.clock.advance(0);
    expect(t.counters.dhtConnections).toBe(1);
    t.fb.rename('target', 'manifest');
    expect(t.fb.found('manifest')).toBe(1);
    expect(t.fb.found('target')).toBe(0);
    t.fb.end('manifest');
    expect(t.closed).toEqual([]);
    t.fb.end('g');
    expect(t.closed).toEqual(['10.1.0.1:18444']);
  });

  it('provides exactly the keys given, withdraws the others, and retries an announcement nobody stored', async () => {
    const t = setup([], 0);
    t.fb.provideOnly(new Map([[toHex(ID), ID]]));
    await t.clock.advance(0);
    expect(t.calls.provide).toEqual([toHex(ID)]);
    // Reached nobody: not again before the retry delay, then again.
    t.fb.provideOnly(new Map([[toHex(ID), ID]]));
    expect(t.calls.provide).toHaveLength(1);
    await t.clock.advance(PROVIDE_RETRY_MS);
    t.fb.provideOnly(
      new Map([
        [toHex(ID), ID],
        [toHex(OTHER), OTHER],
      ]),
    );
    await t.clock.advance(0);
    expect(t.calls.provide).toEqual([toHex(ID), toHex(ID), toHex(OTHER)]);
    t.fb.provideOnly(new Map([[toHex(OTHER), OTHER]]));
    expect(t.calls.unprovide).toEqual([toHex(ID)]);
    expect(t.fb.providing()).toEqual([toHex(OTHER)]);
    t.fb.reprovide();
    await t.clock.advance(0);
    expect(t.calls.provide.at(-1)).toBe(toHex(OTHER));
    expect(t.calls.provide).toHaveLength(4);
    // A bootstrap that ends while an announcement runs has it made again once it ends.
    t.fb.reprovide();
    t.fb.reprovide();
    await t.clock.advance(0);
    expect(t.calls.provide).toHaveLength(6);
  });

  it('does nothing once stopped, and closes what it opened', async () => {
    const t = setup([record('10.1.0.1', 18444, 1)]);
    t.fb.lacking('f', ID);
    await t.clock.advance(FALLBACK_WAIT_MS);
    t.fb.lacking('f', ID);
    await t.clock.advance(0);
    t.fb.stop();
    expect(t.closed).toEqual(['10.1.0.1:18444']);
    t.fb.lacking('f', ID);
    t.fb.provideOnly(new Map([[toHex(ID), ID]]));
    await t.clock.advance(RETRY_MS * 2);
    t.fb.lacking('f', ID);
    expect([t.calls.find, t.calls.provide.length]).toEqual([1, 0]);
  });
});
