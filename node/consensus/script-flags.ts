/**
 * Script verification flags in force for a block (Core's GetBlockScriptFlags): each buried
 * deployment switches its flag on from its activation height.
 */
import type { NetworkParams } from '../protocol/params.js';
import { FLAGS } from '../protocol/script/flags.js';

export function blockScriptFlags(height: number, params: NetworkParams): number {
  const a = params.activation;
  let flags = 0;
  if (height >= a.bip16) flags |= FLAGS.P2SH;
  if (height >= a.bip66) flags |= FLAGS.DERSIG;
  if (height >= a.bip65) flags |= FLAGS.CHECKLOCKTIMEVERIFY;
  if (height >= a.csv) flags |= FLAGS.CHECKSEQUENCEVERIFY;
  if (height >= a.segwit) flags |= FLAGS.WITNESS | FLAGS.NULLDUMMY;
  if (height >= a.taproot) flags |= FLAGS.TAPROOT;
  return flags;
}
