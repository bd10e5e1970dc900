/**
 * A small structured logger: one line per event, `time LEVEL module: message key=value ...`,
 * readable in a terminal and greppable in a file. Library code logs through it, never console.
 * The `json` format writes the same event as one JSON object per line (`time`, `level`,
 * `module`, `msg`, then the fields), the JSON-lines shape log collectors (journald's
 * forwarders, Loki, Elasticsearch) parse without a pattern, as pino writes it.
 */
export const LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LEVELS)[number];
export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(module: string): Logger;
}

function format(fields?: Record<string, unknown>): string {
  if (!fields) return '';
  let out = '';
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    const s = typeof v === 'string' ? v : typeof v === 'bigint' ? v.toString() : JSON.stringify(v);
    out += ` ${k}=${/\s/.test(s) ? JSON.stringify(s) : s}`;
  }
  return out;
}

/** The status line last drawn on a terminal's stderr, redrawn below each log line. */
let sticky = '';

function writeStderr(line: string): void {
  process.stderr.write(sticky ? `\r\x1b[K${line}\n${sticky}` : `${line}\n`);
}

/**
 * Stderr as a place for one line redrawn in place (a progress bar), kept below the log lines.
 * Disabled unless stderr is a terminal: a file or pipe gets plain lines only.
 */
export const stderrTerminal = {
  enabled: process.stderr.isTTY === true,
  set(text: string): void {
    if (!this.enabled) return;
    const width = process.stderr.columns || 80;
    sticky = text.length >= width ? text.slice(0, width - 1) : text;
    process.stderr.write(`\r\x1b[K${sticky}`);
  },
};

/** Fields that would overwrite the line's own keys are prefixed so none is lost. */
const RESERVED = new Set(['time', 'level', 'module', 'msg']);

/** One JSON line; bigints as decimal strings, errors by message, so nothing throws. */
export function jsonLine(
  time: string,
  level: LogLevel,
  module: string,
  msg: string,
  fields?: Record<string, unknown>,
): string {
  const out: Record<string, unknown> = { time, level, module, msg };
  for (const [k, v] of Object.entries(fields ?? {})) {
    if (v === undefined) continue;
    out[RESERVED.has(k) ? `field_${k}` : k] = v instanceof Error ? v.message : v;
  }
  try {
    return JSON.stringify(out, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  } catch {
    // A cycle in a field: say so rather than lose the event.
    return JSON.stringify({ time, level, module, msg, fields: 'unserializable' });
  }
}

export function createLogger(
  level: LogLevel = 'info',
  write: (line: string) => void = writeStderr,
  module = 'node',
  logFormat: LogFormat = 'text',
): Logger {
  const min = LEVELS.indexOf(level);
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (LEVELS.indexOf(lvl) < min) return;
    const time = new Date().toISOString();
    write(
      logFormat === 'json'
        ? jsonLine(time, lvl, module, msg, fields)
        : `${time} ${lvl.toUpperCase().padEnd(5)} ${module}: ${msg}${format(fields)}`,
    );
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (name) => createLogger(level, write, name, logFormat),
  };
}

export const silentLogger: Logger = createLogger('silent');
