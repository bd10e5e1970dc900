/** What a command hands back to the CLI: the same result as JSON and as text for people. */
export interface Result {
  json: unknown;
  text: string;
}

/** `key  value` lines, keys padded to one column. */
export function table(rows: readonly (readonly [string, string])[]): string {
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n');
}
