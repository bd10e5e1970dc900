/**
 * What the node knows about the wallet's keys, through the explorer API only.
 *
 * Discovery (BIP44's account discovery, gap limit 20 as BIP44 sets it): each chain (receive,
 * change) of each account (BIP84 P2WPKH, BIP86 P2TR) is scanned in batches of concurrent
 * GET /api/address/:a requests until 20 consecutive addresses have no transaction; imported
 * keys are asked once each. One request per address. Coins are then fetched only for addresses
 * whose stats say they hold some, and each is checked against its funding transaction's raw
 * bytes (one request per funding transaction).
 */
import type { CheckedNode } from './esplora/checked.js';
import type { EsploraClient } from './esplora/client.js';
import type { AddressStats, EsploraTx, TxStatus } from './esplora/validate.js';
import { type AddressType, CHANGE, type Chain, RECEIVE, type WalletKey } from './hd.js';
import type { Wallet } from './wallet.js';

export const GAP_LIMIT = 20;
/** Largest discovery batch; batches grow while every address in them turns out used. */
const MAX_BATCH = 200;

export interface KeyState {
  key: WalletKey;
  stats: AddressStats;
}

export interface ScanResult {
  /** Every address asked about, used or not. */
  keys: KeyState[];
  /** First index after the last used one, per chain (0 when none is used), of the BIP84 account. */
  next: Record<Chain, number>;
  /** The same per account type (`next` is `byType.p2wpkh`). */
  byType: Record<AddressType, Record<Chain, number>>;
}

export type Progress = (msg: string) => void;

function used(s: AddressStats): boolean {
  return s.chain.txCount + s.mempool.txCount > 0;
}

export async function discover(
  wallet: Wallet,
  client: EsploraClient,
  progress?: Progress,
): Promise<ScanResult> {
  const keys: KeyState[] = [];
  const imported = client.map(wallet.imported, async (key) => ({
    key,
    stats: await client.addressStats(key.address),
  }));
  const byType: Record<AddressType, Record<Chain, number>> = {
    p2wpkh: { [RECEIVE]: 0, [CHANGE]: 0 },
    p2tr: { [RECEIVE]: 0, [CHANGE]: 0 },
    p2wsh: { [RECEIVE]: 0, [CHANGE]: 0 },
  };
  const chains = wallet
    .accounts()
    .flatMap((a) => [RECEIVE, CHANGE].map((c) => [a.type, c as Chain] as const));
  await Promise.all(
    chains.map(async ([type, chain]) => {
      const next = byType[type];
      let scanned = 0;
      let grow = 0;
      while (scanned < next[chain] + GAP_LIMIT) {
        // Exactly up to the gap limit, or more at once while whole batches turn out used.
        const count = Math.max(next[chain] + GAP_LIMIT - scanned, grow);
        const ks = Array.from({ length: count }, (_, i) => wallet.key(chain, scanned + i, type));
        const states = await client.map(ks, async (key) => ({
          key,
          stats: await client.addressStats(key.address),
        }));
        let allUsed = true;
        for (const st of states) {
          keys.push(st);
          if (used(st.stats)) next[chain] = st.key.index + 1;
          else allUsed = false;
        }
        scanned += count;
        grow = allUsed ? Math.min(MAX_BATCH, count * 2) : 0;
        progress?.(
          `scanned ${scanned} ${type === 'p2tr' ? 'P2TR ' : ''}${chain === RECEIVE ? 'receive' : 'change'} addresses`,
        );
      }
    }),
  );
  keys.push(...(await imported));
  return { keys, next: byType.p2wpkh, byType };
}

export interface Coin {
  txid: string;
  vout: number;
  /** From the funding transaction's own bytes (checked against the node's claim). */
  value: bigint;
  key: WalletKey;
  status: TxStatus;
  /** Confirmations at the tip the scan saw (0 when unconfirmed). */
  confirmations: number;
  /** Its funding transaction is a coinbase (from the transaction's bytes). */
  coinbase: boolean;
  /** False for coinbase outputs younger than maturity. */
  spendable: boolean;
}

/**
 * The unspent outputs of the scanned keys at `tip`, each checked against its funding
 * transaction's bytes (esplora/checked.ts: txid, value, script), which also say whether it is a
 * coinbase, so maturity does not rest on the node's word.
 */
export async function listCoins(
  node: CheckedNode,
  scan: ScanResult,
  tip: number,
  maturity: number,
  progress?: Progress,
): Promise<Coin[]> {
  const client = node.client;
  const holders = scan.keys.filter(
    ({ stats: s }) => s.chain.fundedCount + s.mempool.fundedCount > s.chain.spentCount + s.mempool.spentCount,
  );
  const lists = await client.map(holders, async (h) => ({
    h,
    utxos: await client.addressUtxos(h.key.address),
  }));
  progress?.(`fetched coins of ${holders.length} addresses`);
  const claimed = lists.flatMap(({ h, utxos }) => utxos.map((u) => ({ u, key: h.key })));
  const coins = await client.map(claimed, async ({ u, key }): Promise<Coin> => {
    const tx = await node.checkCoin(u.txid, u.vout, u.value, key.script);
    const confirmations = u.status.confirmed ? Math.max(0, tip - u.status.blockHeight! + 1) : 0;
    const coinbase = tx.isCoinbase();
    return { ...u, key, confirmations, coinbase, spendable: !coinbase || confirmations >= maturity };
  });
  progress?.(`checked ${coins.length} coins against their transactions`);
  return coins;
}

/** Core's getbalances fields: confirmed and mature, unconfirmed, immature coinbase (satoshis). */
export interface Balances {
  trusted: bigint;
  untrustedPending: bigint;
  immature: bigint;
}

/**
 * Splits checked coins as Core's getbalances does, except that every unconfirmed coin is
 * pending (Core counts its own unconfirmed change as trusted; this wallet keeps no transaction
 * store to know which change is its own).
 */
export function balancesOf(coins: readonly Coin[]): Balances {
  const b: Balances = { trusted: 0n, untrustedPending: 0n, immature: 0n };
  for (const c of coins) {
    if (!c.status.confirmed) b.untrustedPending += c.value;
    else if (!c.spendable) b.immature += c.value;
    else b.trusted += c.value;
  }
  return b;
}

export interface HistoryEntry {
  txid: string;
  /** Net effect on the wallet: received minus spent, in satoshis (fees included). */
  net: bigint;
  fee: bigint | null;
  status: TxStatus;
}

/** Every transaction touching the wallet, newest first, with its net effect. */
export async function history(
  client: EsploraClient,
  wallet: Wallet,
  scan: ScanResult,
): Promise<HistoryEntry[]> {
  const active = scan.keys.filter((k) => k.stats.chain.txCount + k.stats.mempool.txCount > 0);
  const byTxid = new Map<string, EsploraTx>();
  await client.map(active, async ({ key, stats }) => {
    let page = await client.addressTxs(key.address);
    let confirmed = 0;
    for (;;) {
      let last: string | undefined;
      let fresh = 0;
      for (const tx of page) {
        if (!byTxid.has(tx.txid)) byTxid.set(tx.txid, tx);
        if (tx.status.confirmed) {
          confirmed++;
          fresh++;
          last = tx.txid;
        }
      }
      if (fresh === 0 || confirmed >= stats.chain.txCount || last === undefined) break;
      page = await client.addressTxs(key.address, last);
    }
  });
  const entries: HistoryEntry[] = [];
  for (const tx of byTxid.values()) {
    let net = 0n;
    for (const o of tx.vout) if (wallet.keyFor(o.scriptHex)) net += o.value;
    for (const i of tx.vin) if (i.prevout && wallet.keyFor(i.prevout.scriptHex)) net -= i.prevout.value;
    entries.push({ txid: tx.txid, net, fee: tx.fee, status: tx.status });
  }
  const height = (e: HistoryEntry) => (e.status.confirmed ? e.status.blockHeight! : Number.MAX_SAFE_INTEGER);
  return entries.sort((a, b) => height(b) - height(a) || a.txid.localeCompare(b.txid));
}
