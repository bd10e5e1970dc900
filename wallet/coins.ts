/**
 * The wallet's coins as the commands that count or spend them see them: the node's tip
 * (checked and compared with the last one seen: tipstate.ts), then the local cache brought up
 * to it (sync.ts: only what changed since the last command), or a discovery scan when there is
 * no usable cache; every coin checked against its funding transaction's bytes or its block's
 * merkle root before it is counted.
 */
import type { Context } from './context.js';
import type { CheckedNode, CheckedTip } from './esplora/checked.js';
import type { EsploraClient } from './esplora/client.js';
import type { WalletKey } from './hd.js';
import type { Coin, ScanResult } from './scan.js';
import { syncCoins } from './sync.js';
import type { Wallet } from './wallet.js';

export interface WalletCoins {
  node: CheckedNode;
  tip: CheckedTip;
  /** First unused index per chain (change addresses come from it). */
  scan: Pick<ScanResult, 'next' | 'byType'>;
  coins: Coin[];
  /** The wallet's key paying to a script (wallet.keyFor knows only the keys derived so far). */
  keyFor: (scriptHex: string) => WalletKey | undefined;
}

export async function walletCoins(
  ctx: Context,
  walletPath: string,
  wallet: Wallet,
  client: EsploraClient,
): Promise<WalletCoins> {
  const r = await syncCoins(ctx, walletPath, wallet, client);
  return {
    node: r.node,
    tip: r.tip,
    scan: { next: r.next, byType: r.byType },
    coins: r.coins,
    keyFor: r.keyFor,
  };
}
