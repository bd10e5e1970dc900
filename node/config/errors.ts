/**
 * ConfigError: a setting the operator got wrong (an unknown key, a bad value, a missing or
 * unreadable config file). The message starts with where the setting came from (`--port`,
 * `GOSSIP_PORT`, the file's path), so the CLI prints it as one line and exits 1.
 */
export type ConfigErrorCode =
  /** A key in the file, or a GOSSIP_* variable, that no setting has. */
  | 'UNKNOWN_KEY'
  /** A value of the wrong type (a string where the file needs a number, ...). */
  | 'BAD_TYPE'
  /** A value of the right type that is out of range or malformed. */
  | 'BAD_VALUE'
  /** network, datadir or config set in the file, which they locate. */
  | 'NOT_IN_FILE'
  /** Settings that do not fit together (mine without mine-address). */
  | 'CONFLICT'
  /** The config file cannot be read or parsed, is missing when named, or has a twin. */
  | 'BAD_FILE';

export class ConfigError extends Error {
  readonly code: ConfigErrorCode;
  /** `--flag`, `GOSSIP_VAR` or the file path (with `: key` when a key is at fault). */
  readonly where: string;
  constructor(code: ConfigErrorCode, where: string, problem: string) {
    super(`${where}: ${problem}`);
    this.name = 'ConfigError';
    this.code = code;
    this.where = where;
  }
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * The known name closest to `name` when it is plausibly a typo: ignoring case and `-`/`_`
 * spelling, at most 2 edits (and at most a third of the name, so short names do not match
 * everything).
 */
export function nearest(name: string, known: Iterable<string>): string | undefined {
  const norm = (s: string) => s.toLowerCase().replaceAll('_', '-');
  const n = norm(name);
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const d = editDistance(n, norm(k));
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return bestD <= 2 && bestD * 3 <= Math.max(n.length, 3) ? best : undefined;
}
