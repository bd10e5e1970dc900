/**
 * The last tip this wallet saw, kept in `<wallet file>.tip.json` (mode 0600, written atomically
 * like the wallet file), so a node cannot invent a far-away tip. The tip height becomes the
 * transaction's nLockTime (Core's anti-fee-sniping) and decides coinbase maturity; a header
 * with valid proof of work is cheap on regtest-like difficulty, and a height is only the node's
 * word, so a tip more than MAX_TIP_JUMP blocks past the last one seen is refused (exit 6)
 * unless the user says they trust the node (`--trust-node`). The first tip a wallet sees is
 * taken as it comes (nothing to compare with), as an SPV client trusts its first checkpoint.
 */
import { readFile } from 'node:fs/promises';
import type { NetworkParams } from '../node/protocol/params.js';
import { WalletError } from './errors.js';
import type { CheckedNode, CheckedTip } from './esplora/checked.js';
import { writeAtomic } from './keystore.js';

export const MAX_TIP_JUMP = 1000;
export const TIP_SUFFIX = '.tip.json';

export function tipPathOf(walletPath: string): string {
  return `${walletPath}${TIP_SUFFIX}`;
}

interface SeenTip {
  network: string;
  height: number;
  hash: string;
}

/** The recorded tip, or null when none is (a new wallet) or it is another network's. */
export async function readSeenTip(path: string, network: NetworkParams): Promise<SeenTip | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new WalletError('WALLET_CORRUPT', `cannot read ${path}: ${(e as Error).message}`);
  }
  let v: Partial<SeenTip>;
  try {
    v = JSON.parse(text) as Partial<SeenTip>;
  } catch {
    v = {};
  }
  if (
    typeof v !== 'object' ||
    v === null ||
    typeof v.network !== 'string' ||
    !Number.isSafeInteger(v.height) ||
    (v.height as number) < 0 ||
    typeof v.hash !== 'string' ||
    !/^[0-9a-f]{64}$/.test(v.hash)
  ) {
    throw new WalletError(
      'WALLET_CORRUPT',
      `last-seen tip file ${path} is corrupt; delete it, or run with --trust-node to rewrite it`,
    );
  }
  return v.network === network.name ? (v as SeenTip) : null;
}

/** Refuses a tip far past the last one seen, unless trusted. */
export function checkTipJump(seen: SeenTip | null, tip: CheckedTip, trust: boolean): void {
  if (trust || seen === null || tip.height <= seen.height + MAX_TIP_JUMP) return;
  throw new WalletError(
    'TIP_JUMP',
    `the node's tip is at height ${tip.height}, ${tip.height - seen.height} blocks past the last tip this wallet saw (${seen.height}, ${seen.hash}); more than ${MAX_TIP_JUMP} is refused: check the node, or run with --trust-node if it is yours; nothing signed`,
  );
}

/**
 * The node's tip, checked (header, proof of work, no absurd jump). `record` keeps it as the last
 * seen; the caller runs it once the command's other answers checked out too, so a node caught
 * lying later in the command changes no file. `known`: a tip already checked (the cache's),
 * which costs no more requests if it is still the node's.
 */
export async function acceptTip(
  node: CheckedNode,
  walletPath: string,
  trust: boolean,
  known?: CheckedTip,
): Promise<{ tip: CheckedTip; record: () => Promise<void> }> {
  const path = tipPathOf(walletPath);
  // With --trust-node a corrupt record is simply replaced.
  const seen = await readSeenTip(path, node.network).catch((e: unknown) => {
    if (trust) return null;
    throw e;
  });
  const tip = await node.tip(known);
  checkTipJump(seen, tip, trust);
  const record = async () => {
    if (seen?.hash === tip.hash) return;
    const rec: SeenTip = { network: node.network.name, height: tip.height, hash: tip.hash };
    await writeAtomic(path, `${JSON.stringify(rec)}\n`, false, 'last-seen tip file');
  };
  return { tip, record };
}
