/**
 * Progress for reading large files, under the wallet's one rule (wallet/README.md): on stderr
 * only, on a terminal or with --verbose. On a terminal, a bar redrawn in place (`\r`, erase to
 * end of line) at most ten times a second, and erased when done; elsewhere, with --verbose,
 * plain lines, one per quarter of the file. Small files are read too fast to need either.
 */

/** Files below this are read too fast for a bar to help. */
export const BAR_MIN_BYTES = 16 * 1024 * 1024;
const WIDTH = 30;
const REDRAW_MS = 100;

export type StatusLine = (line: string) => void;

export interface Progress {
  update(bytes: number): void;
  done(): void;
}

const NONE: Progress = { update: () => undefined, done: () => undefined };

export function progressBar(
  status: StatusLine | undefined,
  label: string,
  total: number,
  now: () => number = Date.now,
): Progress {
  if (!status || total < BAR_MIN_BYTES) return NONE;
  const start = now();
  let last = 0;
  return {
    update(bytes) {
      const t = now();
      if (t - last < REDRAW_MS && bytes < total) return;
      last = t;
      status(renderBar(label, bytes, total, (t - start) / 1000));
    },
    done() {
      status('');
    },
  };
}

/**
 * Plain progress lines through `report` (the CLI's progress, which prints only with --verbose
 * when stderr is not a terminal): `hashing NAME: 50% (8/16 MiB)` as each quarter is read.
 */
export function progressLines(report: (line: string) => void, label: string, total: number): Progress {
  if (total < BAR_MIN_BYTES) return NONE;
  let quarters = 0;
  return {
    update(bytes) {
      const q = Math.min(4, Math.floor((bytes * 4) / total));
      if (q <= quarters) return;
      quarters = q;
      const mib = (n: number) => (n / 1048576).toFixed(0);
      report(`hashing ${label}: ${q * 25}% (${mib(bytes)}/${mib(total)} MiB)`);
    },
    done: () => undefined,
  };
}

/** `name [#########.....]  42%  430/1024 MiB  350 MB/s` */
export function renderBar(label: string, bytes: number, total: number, seconds: number): string {
  const frac = total === 0 ? 1 : Math.min(1, bytes / total);
  const filled = Math.round(frac * WIDTH);
  const mib = (n: number) => (n / 1048576).toFixed(0);
  const rate = seconds > 0 ? `  ${(bytes / 1e6 / seconds).toFixed(0)} MB/s` : '';
  const name = label.length > 24 ? `…${label.slice(-23)}` : label;
  return `${name} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${String(Math.floor(frac * 100)).padStart(3)}%  ${mib(bytes)}/${mib(total)} MiB${rate}`;
}
