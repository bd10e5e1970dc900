/**
 * `descriptors`: this wallet's output descriptors with BIP380 checksums, as Core's
 * `listdescriptors` prints them (public: account xpubs, never a private key): `wpkh(...)`
 * (BIP382) for the BIP84 account and `tr(...)` (BIP386, key path only) for the BIP86 account,
 * each with its receive and change chain; imported descriptors (`wsh(sortedmulti(...))`,
 * BIP383) in their public form; imported WIF keys as `wpkh(PUBKEY)`. No password for a
 * version 2 wallet file (its descriptors are kept readable, keystore.ts).
 */
import type { Context } from '../context.js';
import { GAP_LIMIT } from '../scan.js';
import type { Result } from './result.js';

export async function descriptors(ctx: Context): Promise<Result> {
  const { wallet } = await ctx.openPublic();
  const out = wallet
    .descriptors()
    .map((d) => (d.desc.includes('*') ? { ...d, range: [0, GAP_LIMIT - 1] as [number, number] } : d));
  return { json: { descriptors: out }, text: out.map((d) => d.desc).join('\n') };
}
