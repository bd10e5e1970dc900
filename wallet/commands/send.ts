/**
 * send and sweep: select coins, check the fee against its caps (feecap.ts, Core's -maxtxfee),
 * sign, verify locally, then POST /api/tx (or print with --dry-run). Every check on what the
 * user typed happens before the password prompt and before any request, so bad input never
 * touches the node; coins are checked against their transactions' bytes before they are
 * selected (coins.ts); nothing is signed over a fee cap, nothing broadcast unless the local
 * verification passed.
 */
import { randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { decodeAddress } from '../../node/protocol/address.js';
import { toHex } from '../../node/protocol/bytes.js';
import type { NetworkParams } from '../../node/protocol/params.js';
import { type Tx, TxOut } from '../../node/protocol/tx.js';
import { formatCoins, formatRate, MIN_RELAY_FEE_RATE, parseFeeRate } from '../amount.js';
import { buildSigned, placeChange, requireSigner, verifySigned } from '../build.js';
import { parseOutpoint, readFrozen } from '../coinlock.js';
import { walletCoins } from '../coins.js';
import {
  type Selection,
  type SelectParams,
  selectCoins,
  selectPreset,
  sweep as sweepAll,
} from '../coinselect.js';
import type { Context } from '../context.js';
import { WalletError } from '../errors.js';
import type { EsploraClient } from '../esplora/client.js';
import {
  type Approved,
  type FeeCapOptions,
  type FeeCaps,
  type Price,
  parseFeeCaps,
  selectApproved,
} from '../feecap.js';
import { type AddressType, CHANGE, parseAddressType } from '../hd.js';
import { spendTypeOf, txWeight } from '../policy.js';
import { psbtResult, unsignedPsbt } from '../psbt-build.js';
import { checkRecipients, parseRecipientArgs, parseRecipientFile, type Recipient } from '../recipients.js';
import type { Coin } from '../scan.js';
import type { Wallet } from '../wallet.js';
import { type Result, table } from './result.js';

export interface FeeOptions extends FeeCapOptions {
  feeRate?: string;
  target?: string;
  dryRun?: boolean;
}

export interface SendOptions extends FeeOptions {
  subtractFee?: boolean;
}

/** Core's default confirmation target. */
export const DEFAULT_TARGET = 6;

function recipientScript(address: string, net: NetworkParams): Uint8Array {
  try {
    return decodeAddress(address, net.address);
  } catch (e) {
    throw new WalletError('BAD_ADDRESS', `invalid ${net.name} address '${address}': ${(e as Error).message}`);
  }
}

export function parseTarget(opts: FeeOptions): number | null {
  if (opts.feeRate !== undefined && opts.target !== undefined) {
    throw new WalletError('BAD_INPUT', '--fee-rate and --target cannot be used together');
  }
  if (opts.target === undefined) return null;
  const t = Number(opts.target);
  if (!/^\d{1,4}$/.test(opts.target) || t < 1 || t > 1008) {
    throw new WalletError('BAD_INPUT', `--target must be a number of blocks 1..1008, got '${opts.target}'`);
  }
  return t;
}

/** What send, sweep and anchor check before the password prompt: target, fee rate, fee caps. */
export function parseFeeOptions(
  opts: FeeOptions,
  net: NetworkParams,
): { target: number | null; caps: FeeCaps } {
  const target = parseTarget(opts);
  if (opts.feeRate !== undefined) parseFeeRate(opts.feeRate);
  return { target, caps: parseFeeCaps(opts, net.maxMoney) };
}

/**
 * The fee rate (sat/kvB) and its source: --fee-rate, else the node's estimate for the target:
 * the entry for the largest target not above ours (Esplora lists 1..25, 144, 504, 1008), else
 * the slowest it has. A node without estimates (a quiet regtest) means the relay minimum, 1 sat/vB.
 */
export async function chooseFeeRate(
  client: EsploraClient,
  opts: FeeOptions,
  target: number | null,
): Promise<Price> {
  if (opts.feeRate !== undefined) return { rate: parseFeeRate(opts.feeRate), source: 'from --fee-rate' };
  const want = target ?? DEFAULT_TARGET;
  const est = await client.feeEstimates();
  let pick: number | undefined;
  let pickKey = 0;
  let slowest: number | undefined;
  let slowestKey = Number.POSITIVE_INFINITY;
  for (const [k, v] of est) {
    if (k <= want && k > pickKey) [pick, pickKey] = [v, k];
    if (k < slowestKey) [slowest, slowestKey] = [v, k];
  }
  const rate = pick ?? slowest;
  if (rate === undefined) return { rate: MIN_RELAY_FEE_RATE, source: 'the relay minimum (no estimates)' };
  const source = `the node's estimate for ${pick === undefined ? slowestKey : pickKey} blocks`;
  const perKvb = BigInt(Math.ceil(rate * 1000));
  return { rate: perKvb < MIN_RELAY_FEE_RATE ? MIN_RELAY_FEE_RATE : perKvb, source };
}

/**
 * The change output's type, as Core's wallet picks it (CWallet::TransactionChangeType): the one
 * asked for (--change-type), else P2TR when any recipient is P2TR, else P2WPKH. Following a
 * taproot recipient keeps the change from being the one output of another type (which would
 * tell it apart); P2WPKH otherwise, the wallet's default type, as Core's bech32 default.
 */
export function changeTypeFor(recipients: readonly Uint8Array[], asked?: AddressType): AddressType {
  if (asked) return asked;
  return recipients.some((s) => spendTypeOf(s) === 'p2tr') ? 'p2tr' : 'p2wpkh';
}

/** --change-type, checked before any password or request. */
export function parseChangeType(opt: string | undefined): AddressType | undefined {
  return opt === undefined ? undefined : parseAddressType(opt, '--change-type');
}

/**
 * The wallet's checked coins split by maturity, a change key of `changeType` and the checked tip
 * height (a full discovery scan). Immature coinbase outputs are never offered to coin selection.
 * A wallet of imported keys only has its first key's P2WPKH output for change.
 */
export async function spendableCoins(
  ctx: Context,
  walletPath: string,
  wallet: Wallet,
  client: EsploraClient,
  changeType: AddressType = 'p2wpkh',
) {
  const { scan, coins, tip } = await walletCoins(ctx, walletPath, wallet, client);
  const type = wallet.changeType(changeType);
  const changeKey =
    wallet.accounts().length > 0 ? wallet.key(CHANGE, scan.byType[type][CHANGE], type) : wallet.imported[0]!;
  return {
    coins: coins.filter((c) => c.spendable),
    immature: coins.filter((c) => !c.spendable),
    changeKey,
    tip: tip.height,
  };
}

/** Weight of the smallest transaction paying `recipients`: one input, no change. */
export function minWeight(recipients: readonly Uint8Array[]): number {
  return txWeight(1, recipients);
}

/** Confirmed coins first; unconfirmed ones only when the confirmed ones do not reach. */
export function selectSpend(coins: Coin[], immature: Coin[], params: SelectParams): Selection<Coin> {
  try {
    return selectCoins(
      coins.filter((c) => c.status.confirmed),
      params,
    );
  } catch (e) {
    if (!(e instanceof WalletError) || e.code !== 'INSUFFICIENT_FUNDS') throw e;
    try {
      return selectCoins(coins, params);
    } catch (e2) {
      if (e2 instanceof WalletError && e2.code === 'INSUFFICIENT_FUNDS' && immature.length > 0) {
        const im = immature.reduce((s, c) => s + c.value, 0n);
        throw new WalletError(
          'INSUFFICIENT_FUNDS',
          `${e2.message} (${formatCoins(im)} more is immature coinbase)`,
        );
      }
      throw e2;
    }
  }
}

export interface SignedSpend {
  tx: Tx;
  /** Output index of each recipient, in the order given. */
  recipientVouts: number[];
  /** -1 without change. */
  changePos: number;
}

/**
 * Builds the transaction of a selection (change at a random place), signs and checks it
 * locally. Only a selection whose fee passed the caps (feecap.ts) can be signed.
 */
export function signSelection(
  sel: Approved<Selection<Coin>>,
  recipients: readonly Uint8Array[],
  changeScript: Uint8Array,
  tip: number,
): SignedSpend {
  const outputs = recipients.map((s, i) => new TxOut(sel.recipientValues[i]!, s));
  const changePos = placeChange(
    outputs,
    sel.change > 0n ? new TxOut(sel.change, changeScript) : null,
    randomInt,
  );
  const tx = buildSigned(sel.inputs, outputs, tip);
  verifySigned(tx, sel.inputs);
  if (tx.weight() > sel.weight)
    throw new Error(`internal: weight ${tx.weight()} above the estimate ${sel.weight}`);
  const recipientVouts = recipients.map((_, i) => (changePos >= 0 && i >= changePos ? i + 1 : i));
  return { tx, recipientVouts, changePos };
}

/** POST /api/tx; the node must report the same txid. */
export async function broadcastTx(ctx: Context, client: EsploraClient, tx: Tx): Promise<void> {
  const txid = tx.txidHex();
  ctx.io.progress(`broadcasting ${txid}`);
  const got = await client.broadcast(toHex(tx.toBytes()));
  if (got !== txid) {
    throw new WalletError('BAD_RESPONSE', `node reported txid ${got} for transaction ${txid}`);
  }
}

/** The fee figures of a signed selection, for --json. */
export function feeInfo(sel: Selection<Coin>, tx: Tx, rate: bigint) {
  return {
    fee_sat: Number(sel.fee),
    fee: formatCoins(sel.fee),
    fee_rate: formatRate(rate),
    vsize: tx.vsize(),
    inputs: sel.inputs.length,
    change_sat: Number(sel.change),
  };
}

async function finish(
  ctx: Context,
  client: EsploraClient,
  wallet: Wallet,
  sel: Approved<Selection<Coin>>,
  recipients: Uint8Array[],
  changeScript: Uint8Array,
  rate: bigint,
  tip: number,
  dryRun: boolean,
): Promise<Result> {
  const { tx, changePos } = signSelection(sel, recipients, changeScript, tip);
  const hex = toHex(tx.toBytes());
  const txid = tx.txidHex();
  let broadcast = false;
  if (!dryRun) {
    await broadcastTx(ctx, client, tx);
    broadcast = true;
  }
  const info = {
    txid,
    broadcast,
    ...feeInfo(sel, tx, rate),
    change_index: changePos,
    algorithm: sel.algorithm,
    network: wallet.network.name,
    ...(dryRun ? { hex } : {}),
  };
  const rows: [string, string][] = [
    ['txid', txid],
    ['fee', `${formatCoins(sel.fee)} (${tx.vsize()} vB at ${formatRate(rate)} sat/vB)`],
    ['inputs', String(sel.inputs.length)],
    ['change', sel.change > 0n ? formatCoins(sel.change) : 'none'],
  ];
  if (dryRun) rows.push(['not sent', '(--dry-run)'], ['hex', hex]);
  return { json: info, text: dryRun ? table(rows) : txid };
}

export interface SendManyOptions extends SendOptions {
  /** A CSV or JSON file of recipients (recipients.ts). */
  toFile?: string;
  /** Coin control: spend exactly these coins (`txid:vout`). */
  utxo?: string[];
  /** Print an unsigned PSBT (BIP174) instead of signing and broadcasting. */
  psbt?: boolean;
  /** p2wpkh or p2tr; default: changeTypeFor's choice. */
  changeType?: string;
}

/** Recipients from the arguments and --to-file, checked before any password or request. */
export async function sendRecipients(
  args: readonly string[],
  opts: SendManyOptions,
  network: NetworkParams,
): Promise<Recipient[]> {
  const rs = parseRecipientArgs(args, network);
  if (opts.toFile !== undefined) {
    let text: string;
    try {
      text = await readFile(opts.toFile, 'utf8');
    } catch (e) {
      throw new WalletError('BAD_FILE', `cannot read --to-file ${opts.toFile}: ${(e as Error).message}`);
    }
    rs.push(...parseRecipientFile(text, network, opts.toFile));
  }
  checkRecipients(rs);
  return rs;
}

/**
 * The coins a payment may use: the named ones (--utxo, each must be a spendable coin of this
 * wallet), else every spendable coin not frozen.
 */
export function coinControl(
  coins: Coin[],
  frozen: ReadonlySet<string>,
  preset: readonly string[],
): { coins: Coin[]; preset: boolean } {
  if (preset.length === 0)
    return { coins: coins.filter((c) => !frozen.has(`${c.txid}:${c.vout}`)), preset: false };
  const byId = new Map(coins.map((c) => [`${c.txid}:${c.vout}`, c]));
  const out: Coin[] = [];
  for (const o of new Set(preset)) {
    const c = byId.get(o);
    if (!c) throw new WalletError('BAD_INPUT', `--utxo ${o} is not a spendable coin of this wallet`);
    out.push(c);
  }
  return { coins: out, preset: true };
}

export async function send(ctx: Context, args: readonly string[], opts: SendManyOptions): Promise<Result> {
  const { network } = await ctx.existing();
  const recipients = await sendRecipients(args, opts, network);
  const preset = (opts.utxo ?? []).map(parseOutpoint);
  const { target, caps } = parseFeeOptions(opts, network);
  const scripts = recipients.map((r) => r.script);
  const changeType = changeTypeFor(scripts, parseChangeType(opts.changeType));
  // A PSBT needs no private key (as Core's walletcreatefundedpsbt): no password for it.
  const { path, wallet } = opts.psbt === true ? await ctx.openPublic() : await ctx.open();
  if (opts.psbt !== true) requireSigner(wallet);
  const frozen = await readFrozen(path, network.name);
  const client = ctx.client(network);
  const price = await chooseFeeRate(client, opts, target);
  const spend = await spendableCoins(ctx, path, wallet, client, changeType);
  const chosen = coinControl(spend.coins, frozen, preset);
  const params = {
    feeRate: price.rate,
    recipients: recipients.map((r) => ({ script: r.script, value: r.value })),
    changeScript: spend.changeKey.script,
    subtractFee: opts.subtractFee === true,
  };
  const sel = selectApproved(
    () =>
      chosen.preset ? selectPreset(chosen.coins, params) : selectSpend(chosen.coins, spend.immature, params),
    price,
    caps,
    minWeight(scripts),
  );
  if (opts.psbt === true) {
    return psbtResult(unsignedPsbt(wallet, sel, scripts, spend.changeKey, spend.tip), price.rate);
  }
  return finish(
    ctx,
    client,
    wallet,
    sel,
    scripts,
    spend.changeKey.script,
    price.rate,
    spend.tip,
    opts.dryRun === true,
  );
}

export async function sweep(ctx: Context, address: string, opts: FeeOptions): Promise<Result> {
  const { network } = await ctx.existing();
  const script = recipientScript(address, network);
  const { target, caps } = parseFeeOptions(opts, network);
  const { path, wallet } = await ctx.open();
  requireSigner(wallet);
  const client = ctx.client(network);
  const price = await chooseFeeRate(client, opts, target);
  const frozen = await readFrozen(path, network.name);
  const spend = await spendableCoins(ctx, path, wallet, client);
  const { changeKey, tip } = spend;
  // Frozen coins stay where they are (coin control), as Core's locked coins do.
  const coins = coinControl(spend.coins, frozen, []).coins;
  const sel = selectApproved(() => sweepAll(coins, script, price.rate), price, caps, minWeight([script]));
  return finish(ctx, client, wallet, sel, [script], changeKey.script, price.rate, tip, opts.dryRun === true);
}
