/**
 * What devnet prints: numbered steps with a check mark or a cross and a short detail, indented
 * detail lines, and one-line errors on stderr ("devnet: ..."). Plain text, line by line, so the
 * output reads the same in a terminal, a CI log, or a test's captured stdout.
 */
export const OK = '✓';
const FAIL = '✗';

export function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  // fetch() says only "fetch failed"; the cause says why (ECONNREFUSED, a timeout).
  const cause = e.cause instanceof Error ? `: ${e.cause.message}` : '';
  return `${e.message}${cause}`;
}

export class Output {
  private readonly total: number;
  private readonly write: (line: string) => void;
  private readonly writeErr: (line: string) => void;

  constructor(
    total: number,
    write: (line: string) => void = (l) =>
      process.stdout.write(`${l}
`),
    writeErr: (line: string) => void = (l) =>
      process.stderr.write(`${l}
`),
  ) {
    this.total = total;
    this.write = write;
    this.writeErr = writeErr;
  }

  private label(n: number): string {
    return `[${n}/${this.total}]`;
  }

  ok(n: number, title: string, ms: number, detail: string[] = []): void {
    this.write(`${this.label(n)} ${OK} ${title} (${(ms / 1000).toFixed(1)} s)`);
    for (const d of detail) this.info(d);
  }

  failed(n: number, title: string, reason: string): void {
    this.write(`${this.label(n)} ${FAIL} ${title}: ${reason}`);
  }

  /** A detail line under a step, or a note while devnet runs. */
  info(line: string): void {
    this.write(`      ${line}`);
  }

  line(text = ''): void {
    this.write(text);
  }

  /** One line on stderr; the stack too with --verbose. */
  error(e: unknown, verbose: boolean): void {
    this.writeErr(`devnet: ${errorText(e)}`);
    if (verbose) this.stack(e);
  }

  stack(e: unknown): void {
    if (e instanceof Error && e.stack) this.writeErr(e.stack);
  }
}
