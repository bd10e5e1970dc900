/**
 * What the node is doing, said every few seconds: peers, height, best known header and, while
 * behind, sync speed and an ETA. On a terminal the sync is a progress bar on stderr's last line
 * (see log.ts); elsewhere it is a log line, so a file or journald still shows progress.
 */
import type { Logger } from './log.js';

export interface StatusSnapshot {
  height: number;
  /** Height of the best valid header known (from peers), at least `height`. */
  headers: number;
  peersIn: number;
  peersOut: number;
  mempoolTxs: number;
  mempoolBytes: number;
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
    const state: SyncState = isSyncing(s.height, headers)
      ? 'syncing'
      : peers === 0
        ? 'waiting for peers'
        : 'synced';
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

export interface StatusReporterOptions {
  snapshot: () => StatusSnapshot;
  log: Logger;
  /** Between log lines (default 5 s). */
  intervalMs?: number;
  /** The progress bar's terminal; without one (or when not a TTY) sync progress is logged. */
  terminal?: StatusTerminal;
  now?: () => number;
}

/** Logs a status line every interval and, on a terminal, redraws a sync bar twice a second. */
export class StatusReporter {
  private readonly meter = new SyncMeter();
  private logTimer: NodeJS.Timeout | null = null;
  private barTimer: NodeJS.Timeout | null = null;
  private readonly opts: StatusReporterOptions;
  private barShown = false;

  constructor(opts: StatusReporterOptions) {
    this.opts = opts;
  }

  start(): void {
    // A first sample now, so the first bar or line already has a speed to show.
    this.meter.describe(this.opts.snapshot(), this.now());
    const interval = this.opts.intervalMs ?? 5000;
    this.logTimer = setInterval(() => this.report(), interval);
    this.logTimer.unref();
    if (this.opts.terminal?.enabled) {
      this.barTimer = setInterval(() => this.redraw(), 500);
      this.barTimer.unref();
    }
  }

  stop(): void {
    if (this.logTimer) clearInterval(this.logTimer);
    if (this.barTimer) clearInterval(this.barTimer);
    this.logTimer = this.barTimer = null;
    if (this.barShown) this.opts.terminal?.set('');
    this.barShown = false;
  }

  /** One status line now (also what the timer does). */
  report(): StatusLine {
    const line = this.meter.describe(this.opts.snapshot(), this.now());
    // On a terminal the bar already shows sync progress; a log line each interval would scroll it.
    if (!(line.state === 'syncing' && this.opts.terminal?.enabled))
      this.opts.log.info(`status: ${line.state}`, line.fields);
    return line;
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
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
