/**
 * `gossip-node config`: the effective settings with where each came from, as TOML-looking
 * lines (`http-port = 18443  # flag`) or as JSON ({"http-port": {"value": 18443, "source": "flag"}}).
 */
import type { ResolvedConfig, Source } from './load.js';
import { KEYS, SECRET_KEYS } from './schema.js';

/** A password is never printed, only that it is set. */
function shown(key: string, v: unknown): unknown {
  return v !== undefined && SECRET_KEYS.includes(key) ? '(set)' : v;
}

function tomlValue(v: unknown): string {
  // JSON's strings, numbers, booleans and arrays are valid TOML for the values we hold.
  return Array.isArray(v) ? `[${v.map((x) => JSON.stringify(x)).join(', ')}]` : JSON.stringify(v);
}

/** One line per key; unset ones are comments, so the output still reads as TOML. */
export function formatConfigText(r: ResolvedConfig): string {
  const rows = KEYS.map((s) => {
    const v = shown(s.key, r.values[s.key]);
    return {
      left: v === undefined ? `# ${s.key} (not set)` : `${s.key} = ${tomlValue(v)}`,
      source: r.sources[s.key],
    };
  });
  const width = Math.max(...rows.map((x) => x.left.length));
  return rows.map((x) => `${x.left.padEnd(width)}  # ${x.source}`).join('\n');
}

export function configJson(r: ResolvedConfig): Record<string, { value: unknown; source: Source }> {
  const out: Record<string, { value: unknown; source: Source }> = {};
  for (const s of KEYS)
    out[s.key] = { value: shown(s.key, r.values[s.key]) ?? null, source: r.sources[s.key] };
  return out;
}
