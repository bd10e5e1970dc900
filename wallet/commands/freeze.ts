/**
 * `freeze` / `unfreeze`: coin control's persistent lock (Core's `lockunspent` with
 * `persistent=true`; coinlock.ts keeps the list). Outpoints are public data, so neither command
 * asks for the password; the wallet file must exist and its network decides the list's.
 */
import { parseOutpoint, readFrozen, writeFrozen } from '../coinlock.js';
import type { Context } from '../context.js';
import type { Result } from './result.js';

export async function freeze(ctx: Context, outpoints: readonly string[], unfreeze: boolean): Promise<Result> {
  const { path, network } = await ctx.existing();
  const wanted = outpoints.map(parseOutpoint);
  const frozen = await readFrozen(path, network.name);
  let changed = 0;
  for (const o of wanted) {
    if (unfreeze ? frozen.delete(o) : !frozen.has(o) && frozen.add(o)) changed++;
  }
  if (changed > 0) await writeFrozen(path, network.name, frozen);
  const list = [...frozen].sort();
  return {
    json: { frozen: list, changed },
    text: list.length === 0 ? 'no frozen coins' : list.join('\n'),
  };
}
