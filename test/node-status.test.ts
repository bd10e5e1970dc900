/**
 * Issue 8: the status line (peers, height, best header, blocks/s, ETA), the progress bar, and the
 * shutdown sequence (first signal stops in order and exits 0, a second one forces 130 and still
 * removes the cookie).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../node/log.js';
import { handleShutdown } from '../node/shutdown.js';
import {
  formatDuration,
  progressBar,
  StatusReporter,
  type StatusSnapshot,
  type StatusTerminal,
  SyncMeter,
} from '../node/status.js';

const snap = (over: Partial<StatusSnapshot>): StatusSnapshot => ({
  height: 0,
  headers: 0,
  peersIn: 0,
  peersOut: 0,
  mempoolTxs: 0,
  mempoolBytes: 0,
  ...over,
});

describe('SyncMeter', () => {
  it('says waiting for peers, then syncing with speed and ETA, then synced', () => {
    const m = new SyncMeter();
    expect(m.describe(snap({ height: 0, headers: 0 }), 0).state).toBe('waiting for peers');
    const first = m.describe(snap({ height: 100, headers: 1100, peersOut: 2 }), 1000);
    expect(first.state).toBe('syncing');
    expect(first.rate).toBe(100); // 100 blocks in the 1 s since the first sample
    const s = m.describe(snap({ height: 600, headers: 1100, peersOut: 2, peersIn: 1 }), 6000);
    expect(s.state).toBe('syncing');
    expect(s.rate).toBe(100); // 600 blocks over 6 s
    expect(s.etaSeconds).toBe(5); // 500 left at 100/s
    expect(s.progress).toBeCloseTo(600 / 1100);
    expect(s.fields).toMatchObject({
      height: 600,
      headers: 1100,
      progress: '54.5%',
      blocksPerSecond: 100,
      eta: '5s',
      peers: 3,
      inbound: 1,
      outbound: 2,
    });
    const done = m.describe(snap({ height: 1100, headers: 1100, peersOut: 2 }), 11_000);
    expect(done.state).toBe('synced');
    expect(done.fields.eta).toBeUndefined();
    // One block behind is a block in flight, not a sync.
    expect(m.describe(snap({ height: 1100, headers: 1101, peersOut: 1 }), 12_000).state).toBe('synced');
  });

  it('measures speed over a recent window, so a stall shows as a falling rate', () => {
    const m = new SyncMeter();
    m.describe(snap({ height: 0, headers: 10_000, peersOut: 1 }), 0);
    m.describe(snap({ height: 3000, headers: 10_000, peersOut: 1 }), 30_000);
    // Stalled for 60 s: the 0..30 s burst leaves the window.
    m.describe(snap({ height: 3000, headers: 10_000, peersOut: 1 }), 60_000);
    const s = m.describe(snap({ height: 3000, headers: 10_000, peersOut: 1 }), 90_000);
    expect(s.rate).toBe(0);
    expect(s.etaSeconds).toBeNull();
    expect(s.fields.eta).toBe('?');
  });
});

describe('formatting', () => {
  it('durations', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(59.4)).toBe('59s');
    expect(formatDuration(61)).toBe('1m01s');
    expect(formatDuration(3600 * 5 + 120)).toBe('5h02m');
    expect(formatDuration(86400 * 3 + 3600)).toBe('3d01h');
  });

  it('progress bar', () => {
    const m = new SyncMeter();
    m.describe(snap({ height: 0, headers: 3500, peersOut: 3 }), 0);
    const line = m.describe(snap({ height: 1234, headers: 3500, peersOut: 3 }), 10_000);
    expect(progressBar(line, 10)).toBe(
      '[####......]  35.3%  1,234/3,500 blocks  123.4 blk/s  ETA 18s  peers 3',
    );
  });
});

describe('StatusReporter', () => {
  const collect = () => {
    const lines: string[] = [];
    return { lines, log: createLogger('info', (l) => lines.push(l)) };
  };

  it('logs one line per report with the fields', () => {
    const { lines, log } = collect();
    const r = new StatusReporter({
      snapshot: () => snap({ height: 7, headers: 7, peersOut: 2, mempoolTxs: 3, mempoolBytes: 600 }),
      log,
      now: () => 0,
    });
    r.report();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /INFO {2}node: status: synced height=7 headers=7 peers=2 inbound=0 outbound=2 mempoolTxs=3 mempoolBytes=600$/,
    );
  });

  it('on a terminal, shows sync as a bar instead of log lines, and clears it when done', async () => {
    const { lines, log } = collect();
    const drawn: string[] = [];
    const terminal: StatusTerminal = { enabled: true, set: (t) => drawn.push(t) };
    let s = snap({ height: 10, headers: 100, peersOut: 1 });
    let t = 0;
    const r = new StatusReporter({ snapshot: () => s, log, terminal, intervalMs: 60_000, now: () => t });
    r.report();
    expect(lines).toHaveLength(0);
    r.start();
    await new Promise((res) => setTimeout(res, 1100));
    expect(drawn.at(-1)).toMatch(/^\[#.*\] +10\.0% {2}10\/100 blocks/);
    s = snap({ height: 100, headers: 100, peersOut: 1 });
    t = 5000;
    await new Promise((res) => setTimeout(res, 1000));
    expect(drawn.at(-1)).toBe('');
    r.report();
    expect(lines.at(-1)).toMatch(/status: synced height=100/);
    r.stop();
  });
});

describe('handleShutdown', () => {
  async function setup(stop: () => Promise<void>) {
    const dir = await mkdtemp(join(tmpdir(), 'gl-shutdown-'));
    const cookie = join(dir, '.cookie');
    await writeFile(cookie, 'x');
    const handlers = new Map<string, () => void>();
    const exits: number[] = [];
    const lines: string[] = [];
    const node = { stop, onStopRequest: () => undefined };
    const clock = { ms: 0 };
    handleShutdown(
      Promise.resolve(node),
      cookie,
      createLogger('info', (l) => lines.push(l)),
      {
        exit: (c) => exits.push(c),
        on: (sig, fn) => handlers.set(sig, fn),
        now: () => clock.ms,
      },
    );
    return { dir, cookie, handlers, exits, lines, node, clock };
  }

  it('first SIGTERM stops the node and exits 0, logging how long it took', async () => {
    let stopped = 0;
    const { dir, handlers, exits, lines } = await setup(async () => {
      stopped++;
    });
    handlers.get('SIGTERM')!();
    await new Promise((r) => setTimeout(r, 10));
    expect(stopped).toBe(1);
    expect(exits).toEqual([0]);
    expect(lines.join('\n')).toMatch(/shutting down .* reason=SIGTERM/);
    expect(lines.join('\n')).toMatch(/shutdown complete seconds=\d/);
    await rm(dir, { recursive: true, force: true });
  });

  it('a second SIGINT while stopping exits 130 at once and removes the cookie', async () => {
    const { dir, cookie, handlers, exits, lines, clock } = await setup(() => new Promise(() => undefined));
    await new Promise((r) => setTimeout(r, 0));
    handlers.get('SIGINT')!();
    expect(exits).toEqual([]);
    expect(existsSync(cookie)).toBe(true);
    // npm's forwarded copy of the same Ctrl-C, 100 ms later, is not a second request.
    clock.ms = 100;
    handlers.get('SIGINT')!();
    expect(exits).toEqual([]);
    clock.ms = 1500;
    handlers.get('SIGINT')!();
    expect(exits).toEqual([130]);
    expect(existsSync(cookie)).toBe(false);
    expect(lines.at(-1)).toMatch(/WARN .*second stop request/);
    await rm(dir, { recursive: true, force: true });
  });

  it('RPC stop goes the same way', async () => {
    let stopped = 0;
    const { dir, node, exits } = await setup(async () => {
      stopped++;
    });
    await new Promise((r) => setTimeout(r, 0));
    node.onStopRequest();
    await new Promise((r) => setTimeout(r, 10));
    expect([stopped, exits]).toEqual([1, [0]]);
    await rm(dir, { recursive: true, force: true });
  });

  it('a signal during start-up waits for the start, then stops', async () => {
    let stopped = 0;
    let started!: (n: { stop(): Promise<void>; onStopRequest: () => void }) => void;
    const starting = new Promise<Parameters<typeof started>[0]>((r) => {
      started = r;
    });
    const handlers = new Map<string, () => void>();
    const exits: number[] = [];
    handleShutdown(starting, '/nonexistent/.cookie', createLogger('silent'), {
      exit: (c) => exits.push(c),
      on: (sig, fn) => handlers.set(sig, fn),
      now: () => 0,
    });
    handlers.get('SIGINT')!();
    await new Promise((r) => setTimeout(r, 10));
    expect([stopped, exits]).toEqual([0, []]);
    started({
      stop: async () => {
        stopped++;
      },
      onStopRequest: () => undefined,
    });
    await new Promise((r) => setTimeout(r, 10));
    expect([stopped, exits]).toEqual([1, [0]]);
  });

  it('a failed stop exits 1', async () => {
    const { dir, handlers, exits, lines } = await setup(async () => {
      throw new Error('disk gone');
    });
    handlers.get('SIGINT')!();
    await new Promise((r) => setTimeout(r, 10));
    expect(exits).toEqual([1]);
    expect(lines.at(-1)).toMatch(/shutdown failed error="disk gone"/);
    await rm(dir, { recursive: true, force: true });
  });
});
