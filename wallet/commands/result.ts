import type { Context } from '../context.js';

/** What a command hands back to the CLI: the same result as JSON and as text for people. */
export interface Result {
  json: unknown;
  text: string;
  /** A non-zero exit for an answer that is "no" or "not yet" (verify), printed like any result. */
  exitCode?: number;
}

/** `key  value` lines, keys padded to one column. */
export function table(rows: readonly (readonly [string, string])[]): string {
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n');
}

/** A command's body: the context, then its positional arguments and options. */
export type Action = (ctx: Context, ...args: never[]) => Promise<Result> | Result;
/** Wraps an Action as a commander action handler (program.ts). */
export type Runner = (fn: Action) => (...args: unknown[]) => Promise<void>;
