/**
 * The online link, decided from what a node reports (pure: the wallet fetches, this judges), so
 * every client words and codes it alike. After an offline verification passed, the anchoring
 * block must be in the node's best chain, at the proof's height, with at least `minConf`
 * confirmations (1 = in the tip block). Esplora's `GET /block/:hash/status` gives `in_best_chain`
 * and `height` (a block the node does not know counts as not in the best chain), and
 * `GET /blocks/tip/height` the tip height.
 */
import type { OfflineVerification } from './verify.js';

export type OnlineCode = 'NOT_IN_BEST_CHAIN' | 'HEIGHT_MISMATCH' | 'TOO_FEW_CONFIRMATIONS';

export interface ChainView {
  readonly inBestChain: boolean;
  /** Height of the block in the best chain (ignored when it is not in it). */
  readonly height: number | null;
  readonly tipHeight: number;
}

export interface OnlineVerification {
  readonly ok: boolean;
  readonly failure: { readonly link: 'chain'; readonly code: OnlineCode; readonly message: string } | null;
  /** 0 when not in the best chain. */
  readonly confirmations: number;
}

export function checkChainLink(
  offline: OfflineVerification,
  view: ChainView,
  minConf: number,
): OnlineVerification {
  if (!offline.ok || offline.blockHash === null || offline.height === null) {
    throw new RangeError('checkChainLink needs a passed offline verification');
  }
  const fail = (code: OnlineCode, message: string, confirmations = 0): OnlineVerification => ({
    ok: false,
    failure: { link: 'chain', code, message },
    confirmations,
  });
  if (!view.inBestChain || view.height === null) {
    return fail('NOT_IN_BEST_CHAIN', `block ${offline.blockHash} is not in the node's best chain`);
  }
  if (view.height !== offline.height) {
    return fail(
      'HEIGHT_MISMATCH',
      `block ${offline.blockHash} is at height ${view.height}, the proof says ${offline.height}`,
    );
  }
  const confirmations = Math.max(0, view.tipHeight - view.height + 1);
  if (confirmations < minConf) {
    return fail(
      'TOO_FEW_CONFIRMATIONS',
      `${confirmations} confirmation(s), at least ${minConf} required`,
      confirmations,
    );
  }
  return { ok: true, failure: null, confirmations };
}
