/**
 * V8 flags the node sets on itself as it starts (setting `v8-flags`, issue 22). Node.js takes V8
 * flags on its command line or in NODE_OPTIONS, which a `gossip-node` started by npm's bin link
 * or a service manager does not get; `v8.setFlagsFromString` works from inside, but only for
 * flags V8 reads while it runs (the heap's growing strategy), not for those it read when it
 * set the heap up (`--max-semi-space-size`, `--max-old-space-size`).
 *
 * `--optimize-for-size` has V8 size its heap for memory rather than speed, so what it keeps
 * committed stays closer to what is live (bench accept-rss, a node that synced 2,302 regtest
 * blocks: old space 36-37 MiB committed against 110-113, new space 1-4 MiB against 32, RSS
 * 158-164 MiB against 294-298), for more collections: the sync was 20% slower, the median of
 * five interleaved pairs ranging from 5% faster to 53% slower (a shared machine). Sync speed is
 * what users wait for, so the default is `none` (V8's own sizing) until that cost is pinned
 * down; an operator short of memory sets `--optimize-for-size`.
 */
import { setFlagsFromString } from 'node:v8';

export const DEFAULT_V8_FLAGS = 'none';

/** The flags of `text`, each `--name` or `--name=value`, or none for `none`; an error names anything else. */
export function parseV8Flags(text: string): string[] {
  if (text.trim() === 'none') return [];
  const flags = text.split(/\s+/).filter(Boolean);
  for (const f of flags)
    if (!/^--[a-z][a-z0-9_-]*(=\S+)?$/.test(f))
      throw new Error(`not a V8 flag: '${f}' (expected --name or --name=value)`);
  return flags;
}

/** Sets each flag of `text` on this process's V8; the flags set. */
export function applyV8Flags(text: string): string[] {
  const flags = parseV8Flags(text);
  for (const f of flags) setFlagsFromString(f);
  return flags;
}
