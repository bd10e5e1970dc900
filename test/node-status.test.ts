/**
 * Issue 8: the status line (peers, height, best header, blocks/s, ETA), the progress bar, and the
 * shutdown sequence (first signal stops in order and exits 0, a second one forces 130 and still
 * removes the cookie).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InitialBlockDownload, MAX_TIP_AGE, verificationProgress } from '../node/ibd.js';
import { createLogger } from '../node/log.js';
import { encodeAddress } from '../node/protocol/address.js';
import { main, regtest } from '../node/protocol/params.js';
import { handleShutdown } from '../node/shutdown.js';
import {
  type Every,
  formatDuration,
  progressBar,
  StatusReporter,
  type StatusSnapshot,
  type StatusTerminal,
  SyncMeter,
} from '../node/status.js';
import { testKey } from './helpers/keys.js';
import { startTestNode, stopTestNodes } from './helpers/node.js';

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

describe('initial block download (issue 13)', () => {
  it("is Core's IsInitialBlockDownload: a tip older than 24 h, latched off once fresh", () => {
    const now = 1_800_000_000;
    const ibd = new InitialBlockDownload();
    expect(ibd.check(now - MAX_TIP_AGE - 1, now)).toBe(true);
    expect(ibd.left).toBe(false);
    expect(ibd.check(now - MAX_TIP_AGE, now)).toBe(false);
    expect(ibd.left).toBe(true);
    // A day without blocks later, the tip is stale again, but the node stays out of IBD.
    expect(ibd.check(now - MAX_TIP_AGE, now + 2 * MAX_TIP_AGE)).toBe(false);
  });

  it("verification progress is Core's estimate: always 1 on regtest, time-based on main", () => {
    const now = 1_800_000_000;
    expect(verificationProgress(regtest, { height: 0, time: regtest.genesis.header.time }, now)).toBe(1);
    const g = main.genesis.header.time;
    // 1,000 minutes after genesis: 1 block of the 1,001 the time should have produced.
    expect(verificationProgress(main, { height: 0, time: g }, g + 60_000)).toBeCloseTo(1 / 1001);
    // At height 999 with a tip an hour old: 1,000 of 1,060.
    expect(verificationProgress(main, { height: 999, time: now - 3600 }, now)).toBeCloseTo(1000 / 1060);
    expect(verificationProgress(main, { height: 999, time: now }, now)).toBe(1);
  });

  it('the status line: in IBD with no peers it waits, with peers it syncs, never "synced"', () => {
    const m = new SyncMeter();
    const waiting = m.describe(snap({ height: 0, headers: 0, ibd: true }), 0);
    expect(waiting.state).toBe('waiting for peers');
    expect(waiting.fields.ibd).toBe('yes');
    expect(m.describe(snap({ height: 5, headers: 5, peersOut: 2, ibd: true }), 1000).state).toBe('syncing');
    expect(m.describe(snap({ height: 5, headers: 5, peersOut: 2, ibd: false }), 2000).state).toBe('synced');
  });
});

describe('a regtest node at genesis (issue 13)', () => {
  afterAll(() => stopTestNodes());

  it('is in IBD and waiting for peers everywhere until it mines a fresh block', {
    timeout: 60_000,
  }, async () => {
    const t = await startTestNode();
    const chain = async () => (await (await fetch(`${t.url}/api/chain`)).json()) as { sync: unknown };
    const metric = async (line: string) => (await (await fetch(`${t.url}/metrics`)).text()).includes(line);

    expect(t.node.sync()).toMatchObject({ state: 'waiting for peers', ibd: true, headers: 0, peers: 0 });
    expect(await t.rpc('getblockchaininfo')).toMatchObject({
      blocks: 0,
      headers: 0,
      initialblockdownload: true,
      verificationprogress: 1, // as Core's regtest (ChainTxData {0, 0, 0})
    });
    expect((await chain()).sync).toEqual({
      best_known_height: 0,
      progress: 0,
      synced: false,
      state: 'waiting for peers',
      initial_block_download: true,
    });
    expect(await metric('gossip_chain_initial_block_download 1')).toBe(true);
    expect(await metric('gossip_node_sync_state{state="waiting_for_peers"} 1')).toBe(true);
    expect(await metric('gossip_node_sync_state{state="synced"} 0')).toBe(true);

    // As in Core, generatetoaddress works during IBD; the fresh block ends it, for good.
    const addr = encodeAddress(testKey('ibd miner').p2wpkh, regtest.address)!;
    expect(await t.rpc<string[]>('generatetoaddress', [1, addr])).toHaveLength(1);
    expect(await t.rpc('getblockchaininfo')).toMatchObject({ blocks: 1, initialblockdownload: false });
    expect((await chain()).sync).toEqual({
      best_known_height: 1,
      progress: 1,
      synced: true,
      state: 'waiting for peers',
      initial_block_download: false,
    });
    expect(await metric('gossip_chain_initial_block_download 0')).toBe(true);
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

describe('StatusReporter cadence (issue 13)', () => {
  /** A timer driven by hand: `fire(ms)` runs each callback whose interval is `ms`. */
  function manualTimer() {
    const timers: { fn: () => void; ms: number }[] = [];
    const every: Every = (fn, ms) => {
      const t = { fn, ms };
      timers.push(t);
      return () => timers.splice(timers.indexOf(t), 1);
    };
    const fire = (ms: number) => {
      for (const t of timers.filter((x) => x.ms === ms)) t.fn();
    };
    return { every, timers, fire };
  }

  function reporter(initial: StatusSnapshot, advice?: string) {
    const lines: string[] = [];
    const clock = { ms: 0 };
    const timer = manualTimer();
    let s = initial;
    const r = new StatusReporter({
      snapshot: () => s,
      log: createLogger('info', (l) => lines.push(l)),
      now: () => clock.ms,
      every: timer.every,
      advice: advice === undefined ? undefined : () => advice,
    });
    r.start();
    /** Advances the clock by one 5 s tick and fires it. */
    const tick = () => {
      clock.ms += 5000;
      timer.fire(5000);
    };
    return { r, lines, timer, tick, set: (n: StatusSnapshot) => (s = n) };
  }

  it('logs every 5 s while syncing, once a minute when synced, and at once on a change', () => {
    const { r, lines, timer, tick, set } = reporter(snap({ height: 10, headers: 1000, peersOut: 1 }));
    expect(timer.timers.map((t) => t.ms)).toEqual([5000]);
    for (let i = 0; i < 3; i++) tick();
    expect(lines.filter((l) => l.includes('status: syncing'))).toHaveLength(3);

    set(snap({ height: 1000, headers: 1000, peersOut: 1 }));
    tick(); // t = 20 s: the state changed, so a line now
    expect(lines.at(-1)).toMatch(/status: synced height=1000/);
    const before = lines.length;
    for (let i = 0; i < 11; i++) tick(); // 25 s .. 75 s: nothing new, under a minute since
    expect(lines).toHaveLength(before);
    tick(); // 80 s: a minute since the last line
    expect(lines).toHaveLength(before + 1);
    expect(lines.at(-1)).toMatch(/status: synced/);
    // An hour idle: 60 lines, not 720.
    for (let i = 0; i < 720; i++) tick();
    expect(lines).toHaveLength(before + 1 + 60);
    r.stop();
    expect(timer.timers).toHaveLength(0);
  });

  it('waiting for peers: says what to do next, once a minute', () => {
    const hint = 'no peer answers. Start a network of your own: --mine';
    const { r, lines, tick } = reporter(snap({ height: 0, headers: 0, ibd: true }), hint);
    for (let i = 0; i < 24; i++) tick(); // two minutes
    const advice = lines.filter((l) => l.includes(hint));
    expect(advice).toHaveLength(2);
    expect(lines.filter((l) => l.includes('status: waiting for peers'))).toHaveLength(2);
    // Each piece of advice right after its status line.
    expect(lines[lines.indexOf(advice[0]!) - 1]).toMatch(/status: waiting for peers/);
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
