/**
 * The wallet's coins as the commands that count or spend them see them: the node's tip
 * (checked and compared with the last one seen: tipstate.ts), a discovery scan, and every coin
 * checked against its funding transaction's bytes (esplora/checked.ts) before it is counted.
 */
import type { Context } from './context.js';
import { CheckedNode, type CheckedTip } from './esplora/checked.js';
import type { EsploraClient } from './esplora/client.js';
import { type Coin, discover, listCoins, type ScanResult } from './scan.js';
import { acceptTip } from './tipstate.js';
import type { Wallet } from './wallet.js';

export interface WalletCoins {
  node: CheckedNode;
  tip: CheckedTip;
  scan: ScanResult;
  coins: Coin[];
}

export async function walletCoins(
  ctx: Context,
  walletPath: string,
  wallet: Wallet,
  client: EsploraClient,
): Promise<WalletCoins> {
  const node = new CheckedNode(client, wallet.network);
  const tip = await acceptTip(node, walletPath, ctx.opts.trustNode === true);
  const scan = await discover(wallet, client, ctx.io.progress);
  const coins = await listCoins(node, scan, tip.height, wallet.network.coinbaseMaturity, ctx.io.progress);
  return { node, tip, scan, coins };
}
