/**
 * The push stream's hub (explorer-api/event-hub.ts) on a virtual clock with stand-in responses:
 * the bound on streams, heartbeats only while a stream is open (no timer left behind), a
 * client that stops reading is dropped once its queue passes the limit, a closed response is
 * forgotten, one that closed before it was registered is refused, and close() ends every
 * stream and refuses new ones.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { EventHub, sseMessage } from '../explorer-api/event-hub.js';
import { VirtualClock } from './helpers/virtual-clock.js';

class FakeRes extends EventEmitter {
  written: string[] = [];
  writableLength = 0;
  /** When false, writes pile up as a socket's unsent bytes do. */
  draining = true;
  destroyed = false;
  writableEnded = false;
  write(text: string): boolean {
    this.written.push(text);
    if (!this.draining) this.writableLength += text.length;
    return this.draining;
  }
  end(): void {
    this.writableEnded = true;
    this.emit('close');
  }
  destroy(): void {
    this.destroyed = true;
    this.emit('close');
  }
}

const res = () => new FakeRes();
const asRes = (r: FakeRes) => r as unknown as Parameters<EventHub['add']>[0];

describe('EventHub', () => {
  it('bounds the streams and frees a slot when a client goes away', () => {
    const hub = new EventHub({ maxClients: 2, heartbeatMs: 1000, clock: new VirtualClock() });
    const [a, b, c] = [res(), res(), res()];
    expect(hub.add(asRes(a), new Map())).not.toBeNull();
    expect(hub.add(asRes(b), new Map())).not.toBeNull();
    expect(hub.hasRoom()).toBe(false);
    expect(hub.add(asRes(c), new Map())).toBeNull();
    a.emit('close');
    expect(hub.size).toBe(1);
    expect(hub.add(asRes(c), new Map())).not.toBeNull();
    // Gone before it was registered: never counted.
    b.emit('close');
    const gone = res();
    gone.destroyed = true;
    expect(hub.add(asRes(gone), new Map())).toBeNull();
    expect(hub.size).toBe(1);
  });

  it('sends heartbeats only while a stream is open', async () => {
    const clock = new VirtualClock();
    const hub = new EventHub({ maxClients: 5, heartbeatMs: 1000, clock });
    const a = res();
    hub.add(asRes(a), new Map());
    await clock.advance(3500);
    expect(a.written.filter((w) => w.startsWith(':'))).toHaveLength(3);
    a.emit('close');
    expect(clock.pending).toBe(0);
  });

  it('drops a client that stopped reading, and broadcasts to the rest', () => {
    const hub = new EventHub({
      maxClients: 5,
      heartbeatMs: 1000,
      maxBuffered: 100,
      clock: new VirtualClock(),
    });
    const [slow, fast] = [res(), res()];
    slow.draining = false;
    hub.add(asRes(slow), new Map());
    hub.add(asRes(fast), new Map());
    for (let i = 0; i < 5; i++) hub.broadcast('block', { height: i, pad: 'x'.repeat(20) });
    expect(slow.destroyed).toBe(true);
    expect(hub.size).toBe(1);
    expect(fast.written).toHaveLength(5);
    expect(fast.written[4]).toBe(sseMessage('block', { height: 4, pad: 'x'.repeat(20) }));
  });

  it('close() ends every stream and refuses new ones', () => {
    const clock = new VirtualClock();
    const hub = new EventHub({ maxClients: 5, heartbeatMs: 1000, clock });
    const [a, b] = [res(), res()];
    hub.add(asRes(a), new Map([['k', 'addr']]));
    hub.add(asRes(b), new Map());
    expect(hub.watching).toBe(true);
    expect(hub.watchers()).toHaveLength(1);
    hub.close();
    expect([a.writableEnded, b.writableEnded]).toEqual([true, true]);
    expect(hub.size).toBe(0);
    expect(clock.pending).toBe(0);
    expect(hub.add(asRes(res()), new Map())).toBeNull();
  });
});
