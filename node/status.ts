/**
 * What the node is doing: peers, height, best known header and, while behind, sync speed and an
 * ETA. A line every 5 s while syncing; otherwise when the state changes and once a minute (an
 * idle node logs 1,440 lines a day, not 17,000). On a terminal the sync is a progress bar on
 * stderr's last line (see log.ts); elsewhere it is a log line, so a file or journald still shows
 * progress. The state follows Core's IsInitialBlockDownload (ibd.ts): a node whose tip is
 * older than a day is not "synced", however few headers it knows.
 */
import { type Clock, realClock, unref } from './clock.js';
import type { Logger } from './log.js';

export interface StatusSnapshot {
  height: number;
  /** Height of the best valid header known (from peers), at least `height`. */
  headers: number;
  peersIn: number;
  peersOut: number;
  mempoolTxs: number;
  mempoolBytes: number;
  /** In initial block download (Core's IsInitialBlockDownload); absent means it has left it. */
  ibd?: boolean;
}

export type SyncState = 'waiting for peers' | 'syncing' | 'synced';

export interface StatusLine {
  state: SyncState;
  fields: Record<string, string | number>;
  /** Fraction of headers whose blocks are connected, 0..1. */
  progress: number;
  /** Blocks connected per second over the recent window; null before two samples. */
  rate: number | null;
  /** Seconds left at that rate; null when unknown. */
  etaSeconds: number | null;
}

/** Blocks behind the best header before the node calls itself syncing (one may be in flight). */
const BEHIND = 2;

/** Whether a node at `height` that knows headers up to `headers` is in initial sync. */
export function isSyncing(height: number, headers: number): boolean {
  return headers - height >= BEHIND;
}

/**
 * Behind the best header: syncing. Else no peers: waiting for peers (a lone miner too; it is
 * synced in Core's sense, and /api/chain says so, but nobody else sees its blocks). Else a tip
 * older than a day (IBD): syncing, as peers may yet announce more. Else synced.
 */
export function syncState(s: { height: number; headers: number; peers: number; ibd?: boolean }): SyncState {
  if (isSyncing(s.height, s.headers)) return 'syncing';
  if (s.peers === 0) return 'waiting for peers';
  return s.ibd ? 'syncing' : 'synced';
}

/** Speed is measured over this window, so a pause or a burst fades out. */
const WINDOW_MS = 30_000;

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

/** Keeps (time, height) samples to measure sync speed; pure apart from the clock it is given. */
export class SyncMeter {
  private samples: { at: number; height: number }[] = [];

  /** Adds `s` as a sample and describes it. */
  describe(s: StatusSnapshot, now: number): StatusLine {
    this.samples.push({ at: now, height: s.height });
    while (this.samples.length > 2 && now - this.samples[1]!.at >= WINDOW_MS) this.samples.shift();
    const first = this.samples[0]!;
    const span = (now - first.at) / 1000;
    const rate = span > 0 ? Math.max(0, s.height - first.height) / span : null;
    const headers = Math.max(s.headers, s.height);
    const behind = headers - s.height;
    const progress = headers === 0 ? 1 : s.height / headers;
    const peers = s.peersIn + s.peersOut;
    const state = syncState({ height: s.height, headers, peers, ibd: s.ibd });
    const etaSeconds = state === 'syncing' && rate !== null && rate > 0 ? behind / rate : null;
    const fields: Record<string, string | number> = { height: s.height, headers };
    if (state === 'syncing') {
      fields.progress = `${(progress * 100).toFixed(1)}%`;
      fields.blocksPerSecond = rate === null ? '?' : Number(rate.toFixed(1));
      fields.eta = etaSeconds === null ? '?' : formatDuration(etaSeconds);
    }
    fields.peers = peers;
    fields.inbound = s.peersIn;
    fields.outbound = s.peersOut;
    fields.mempoolTxs = s.mempoolTxs;
    fields.mempoolBytes = s.mempoolBytes;
    // Last, so the fields before it read the same in and out of IBD.
    if (s.ibd) fields.ibd = 'yes';
    return { state, fields, progress, rate, etaSeconds };
  }
}

/** `[#######.............]  35.2%  1,234/3,500 blocks  57.0 blk/s  ETA 39s  peers 3` */
export function progressBar(line: StatusLine, width = 24): string {
  const p = Math.min(1, Math.max(0, line.progress));
  const filled = Math.round(p * width);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
  const f = line.fields;
  const fmt = (n: unknown) => Number(n).toLocaleString('en-US');
  const rate = line.rate === null ? '? blk/s' : `${line.rate.toFixed(1)} blk/s`;
  const eta = line.etaSeconds === null ? 'ETA ?' : `ETA ${formatDuration(line.etaSeconds)}`;
  return `${bar} ${(p * 100).toFixed(1).padStart(5)}%  ${fmt(f.height)}/${fmt(f.headers)} blocks  ${rate}  ${eta}  peers ${f.peers}`;
}

export interface StatusTerminal {
  /** Whether a redrawn line can be shown (stderr is a TTY). */
  readonly enabled: boolean;
  /** Shows `text` as the sticky last line; '' removes it. */
  set(text: string): void;
}

/** Runs `fn` every `ms` until the returned function is called. */
export type Every = (fn: () => void, ms: number) => () => void;

/** `Every` on a clock's intervals, unref'ed where the clock's timers allow (the status line alone never keeps a process up). */
export function everyOn(clock: Clock): Every {
  return (fn, ms) => {
    const t = clock.setInterval(fn, ms);
    unref(t);
    return () => clock.clearInterval(t);
  };
}

export interface StatusReporterOptions {
  snapshot: () => StatusSnapshot;
  log: Logger;
  /** Between checks, and between log lines while syncing (default 5 s). */
  intervalMs?: number;
  /** Between log lines while the state stays waiting or synced (default 60 s). */
  idleIntervalMs?: number;
  /**
   * What to do next, logged after a "waiting for peers" line (so at most once per idle
   * interval); undefined for none.
   */
  advice?: (line: StatusLine) => string | undefined;
  /** The progress bar's terminal; without one (or when not a TTY) sync progress is logged. */
  terminal?: StatusTerminal;
  /** Milliseconds (default the real clock's). */
  now?: () => number;
  /** The timer (default the real clock's; tests drive it by hand, the node passes its clock's). */
  every?: Every;
}

/**
 * Checks the node every interval and logs a status line: each time while syncing, else when the
 * state changes or the idle interval has passed. On a terminal, redraws a sync bar twice a second.
 */
export class StatusReporter {
  private readonly meter = new SyncMeter();
  private readonly opts: StatusReporterOptions;
  private cancels: (() => void)[] = [];
  private barShown = false;
  private lastLogged: { state: SyncState; at: number } | null = null;

  constructor(opts: StatusReporterOptions) {
    this.opts = opts;
  }

  start(): void {
    // A first sample now, so the first bar or line already has a speed to show.
    this.meter.describe(this.opts.snapshot(), this.now());
    const timer = this.opts.every ?? everyOn(realClock);
    this.cancels.push(timer(() => this.tick(), this.opts.intervalMs ?? 5000));
    if (this.opts.terminal?.enabled) this.cancels.push(timer(() => this.redraw(), 500));
  }

  stop(): void {
    for (const cancel of this.cancels) cancel();
    this.cancels = [];
    if (this.barShown) this.opts.terminal?.set('');
    this.barShown = false;
  }

  /** What the timer does: a sample, logged if syncing, changed, or the idle interval is up. */
  tick(): StatusLine {
    const now = this.now();
    const line = this.meter.describe(this.opts.snapshot(), now);
    const last = this.lastLogged;
    const due =
      line.state === 'syncing' ||
      last === null ||
      last.state !== line.state ||
      now - last.at >= (this.opts.idleIntervalMs ?? 60_000);
    if (due) this.log(line, now);
    return line;
  }

  /** One status line now, whatever the cadence. */
  report(): StatusLine {
    const now = this.now();
    const line = this.meter.describe(this.opts.snapshot(), now);
    this.log(line, now);
    return line;
  }

  private log(line: StatusLine, now: number): void {
    this.lastLogged = { state: line.state, at: now };
    // On a terminal the bar already shows sync progress; a log line each interval would scroll it.
    if (line.state === 'syncing' && this.opts.terminal?.enabled) return;
    this.opts.log.info(`status: ${line.state}`, line.fields);
    const advice = line.state === 'waiting for peers' ? this.opts.advice?.(line) : undefined;
    if (advice) this.opts.log.info(advice);
  }

  private now(): number {
    return this.opts.now ? this.opts.now() : realClock.now();
  }

  private redraw(): void {
    const t = this.opts.terminal!;
    const line = this.meter.describe(this.opts.snapshot(), this.now());
    if (line.state === 'syncing') {
      t.set(progressBar(line));
      this.barShown = true;
    } else if (this.barShown) {
      t.set('');
      this.barShown = false;
    }
  }
}
