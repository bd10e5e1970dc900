/**
 * `descriptors`: this wallet's output descriptors with BIP380 checksums, as Core's
 * `listdescriptors` prints them (public by default; the account xpub, never a private key):
 * `wpkh(...)` (BIP382) for the BIP84 account and `tr(...)` (BIP386, key path only) for the
 * BIP86 account, each with its receive and change chain. Imported WIF keys are listed as
 * `wpkh(PUBKEY)`.
 */
import { toHex } from '../../node/protocol/bytes.js';
import type { Context } from '../context.js';
import { addChecksum } from '../descriptor.js';
import { CHANGE, RECEIVE } from '../hd.js';
import { GAP_LIMIT } from '../scan.js';
import type { Result } from './result.js';

export async function descriptors(ctx: Context): Promise<Result> {
  const { wallet } = await ctx.open();
  const out: { desc: string; internal: boolean; range?: [number, number] }[] = [];
  for (const a of wallet.accounts()) {
    const fp = a.fingerprint.toString(16).padStart(8, '0');
    const origin = `[${fp}/${a.purpose}h/${a.coin}h/${a.account}h]`;
    const fn = a.type === 'p2tr' ? 'tr' : 'wpkh';
    for (const chain of [RECEIVE, CHANGE]) {
      out.push({
        desc: addChecksum(`${fn}(${origin}${a.xpub}/${chain}/*)`),
        internal: chain === CHANGE,
        range: [0, GAP_LIMIT - 1],
      });
    }
  }
  for (const k of wallet.imported)
    out.push({ desc: addChecksum(`wpkh(${toHex(k.publicKey)})`), internal: false });
  return { json: { descriptors: out }, text: out.map((d) => d.desc).join('\n') };
}
