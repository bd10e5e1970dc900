/**
 * Fee bumping, after Core's wallet: `bumpfee` (feebumper.cpp; BIP125 replacement) and `cpfp`
 * (child pays for parent, what Core's users do by hand with a spend of an unconfirmed output).
 *
 * bumpfee: the replacement spends the same inputs and pays the same recipients the same amounts
 * at the same positions; the extra fee comes out of the change, and when the change cannot
 * carry it, confirmed coins are added (BIP125 rule 2: no new unconfirmed inputs). Its fee meets
 * BIP125 rules 3 and 4: at least the original's fee plus the incremental relay fee (1 sat/vB)
 * for its own size, and a rate above the original's. Every input of the original must be this
 * wallet's (their funding transactions are fetched and checked, so the original's fee is
 * computed from bytes, not from the node's word).
 *
 * cpfp: spends this wallet's outputs of an unconfirmed transaction to a fresh change address with
 * a fee that lifts the pair to the asked rate: child fee = rate × (parent + child vsize) − the
 * parent's fee (computed from the parent's inputs' checked bytes), as a miner's ancestor-fee-rate
 * selection counts them.
 *
 * Both go through the fee caps (feecap.ts) before anything is signed.
 */
import { randomInt } from 'node:crypto';
import { toHex } from '../../node/protocol/bytes.js';
import { hashToDisplay } from '../../node/protocol/hash.js';
import type { Tx } from '../../node/protocol/tx.js';
import { feeFor, formatCoins, formatRate, MIN_RELAY_FEE_RATE } from '../amount.js';
import { buildSigned, placeChange, requireSigner, type SpendCoin, TxOut, verifySigned } from '../build.js';
import { readFrozen } from '../coinlock.js';
import { walletCoins } from '../coins.js';
import { minChange, typeOf } from '../coinselect.js';
import type { Context } from '../context.js';
import { WalletError } from '../errors.js';
import type { CheckedNode } from '../esplora/checked.js';
import type { EsploraClient } from '../esplora/client.js';
import { type Approved, approveFee, type Price } from '../feecap.js';
import { CHANGE } from '../hd.js';
import { dustThreshold, txWeight, vsizeOf } from '../policy.js';
import type { Wallet } from '../wallet.js';
import { type Result, table } from './result.js';
import { broadcastTx, chooseFeeRate, type FeeOptions, parseFeeOptions } from './send.js';

/** Core's DEFAULT_INCREMENTAL_RELAY_FEE: 1 sat/vB (BIP125 rule 4), in sat/kvB. */
export const INCREMENTAL_RELAY_FEE = 1000n;

export function parseTxid(text: string): string {
  const t = text.trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(t))
    throw new WalletError('BAD_INPUT', `invalid txid '${text}': expected 64 hex digits`);
  return t;
}

/** The fee rate of `fee` over `vsize`, in sat/kvB, rounded down. */
function rateOf(fee: bigint, vsize: number): bigint {
  return (fee * 1000n) / BigInt(vsize);
}

async function mustBeUnconfirmed(ctx: Context, node: CheckedNode, txid: string): Promise<void> {
  const status = await node.client.txStatus(txid);
  if (status === null) throw new WalletError('BAD_INPUT', `transaction ${txid} is unknown to the node`);
  if (status.confirmed) throw new WalletError('BAD_INPUT', `transaction ${txid} is already confirmed`);
  ctx.io.progress(`${txid} is unconfirmed`);
}

/**
 * Broadcasts a replacement of `txid`. A block can confirm the original between the check above
 * and this send; the node then refuses the replacement's inputs as spent, and the user should
 * hear that the payment went through at the old fee, not a bare missing-inputs error.
 */
async function broadcastReplacement(
  ctx: Context,
  node: CheckedNode,
  client: EsploraClient,
  tx: Tx,
  txid: string,
): Promise<void> {
  try {
    await broadcastTx(ctx, client, tx);
  } catch (e) {
    const status = await node.client.txStatus(txid).catch(() => null);
    if (status?.confirmed)
      throw new WalletError(
        'BAD_INPUT',
        `transaction ${txid} was confirmed in block ${status.blockHeight} before its replacement reached the node; it paid the original fee, and nothing was replaced`,
      );
    throw e;
  }
}

/** The spent outputs of `tx`, from their funding transactions' checked bytes. */
async function prevouts(node: CheckedNode, tx: Tx): Promise<TxOut[]> {
  return node.client.map(tx.inputs, async (input) => {
    const prevTxid = hashToDisplay(input.prevout.txid);
    const prev = await node.tx(prevTxid);
    const out = prev.outputs[input.prevout.index];
    if (!out) throw new WalletError('NODE_MISMATCH', `${prevTxid} has no output ${input.prevout.index}`);
    return out;
  });
}

function maxBig(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function outSum(tx: Tx): bigint {
  return tx.outputs.reduce((s, o) => s + o.value, 0n);
}

interface BumpPlan {
  inputs: SpendCoin[];
  outputs: TxOut[];
  fee: bigint;
  weight: number;
  changeValue: bigint;
  addedInputs: number;
}

/** Signs an approved plan and checks it locally; the only way a bump or child gets signed. */
function signPlan(plan: Approved<BumpPlan>, locktime: number): Tx {
  const tx = buildSigned(plan.inputs, plan.outputs, locktime);
  verifySigned(tx, plan.inputs);
  if (tx.weight() > plan.weight)
    throw new Error(`internal: weight ${tx.weight()} above the estimate ${plan.weight}`);
  return tx;
}

function insufficient(what: string): WalletError {
  return new WalletError('INSUFFICIENT_FUNDS', `insufficient funds: ${what}`);
}

export async function bumpfee(ctx: Context, txidText: string, opts: FeeOptions): Promise<Result> {
  const { network } = await ctx.existing();
  const txid = parseTxid(txidText);
  const { target, caps } = parseFeeOptions(opts, network);
  const { path, wallet } = await ctx.open();
  requireSigner(wallet);
  const frozen = await readFrozen(path, network.name);
  const client = ctx.client(network);
  const { node, scan, coins, tip, keyFor } = await walletCoins(ctx, path, wallet, client);
  await mustBeUnconfirmed(ctx, node, txid);
  const orig = await node.tx(txid);
  const spent = await prevouts(node, orig);
  const inputs: SpendCoin[] = orig.inputs.map((input, i) => {
    const key = keyFor(toHex(spent[i]!.script));
    if (!key)
      throw new WalletError(
        'BAD_INPUT',
        `input ${i} of ${txid} is not this wallet's; only the payer can bump a fee`,
      );
    return {
      txid: hashToDisplay(input.prevout.txid),
      vout: input.prevout.index,
      value: spent[i]!.value,
      key,
    };
  });
  const inSum = inputs.reduce((s, c) => s + c.value, 0n);
  const oldFee = inSum - outSum(orig);
  const oldVsize = orig.vsize();
  const oldRate = rateOf(oldFee, oldVsize);
  // The change: an output to this wallet's change chain (Core's IsChange), else none.
  const changePos = orig.outputs.findIndex((o) => keyFor(toHex(o.script))?.chain === CHANGE);
  const changeScript =
    changePos >= 0
      ? orig.outputs[changePos]!.script
      : wallet.accounts().length > 0
        ? wallet.key(CHANGE, scan.byType[wallet.defaultType()][CHANGE], wallet.defaultType()).script
        : wallet.imported[0]!.script;
  const payments = orig.outputs.filter((_, i) => i !== changePos);
  const paySum = payments.reduce((s, o) => s + o.value, 0n);

  let price: Price;
  const floor = oldRate + INCREMENTAL_RELAY_FEE;
  if (opts.feeRate !== undefined || opts.target !== undefined) {
    price = await chooseFeeRate(client, opts, target);
    if (price.rate < floor) {
      throw new WalletError(
        'BAD_INPUT',
        `fee rate ${formatRate(price.rate)} sat/vB (${price.source}) is not above the original's ${formatRate(oldRate)} sat/vB plus ${formatRate(INCREMENTAL_RELAY_FEE)} (BIP125); ask for at least ${formatRate(floor)}`,
      );
    }
  } else {
    const est = await chooseFeeRate(client, opts, null);
    price = est.rate > floor ? est : { rate: floor, source: "the original's rate plus 1 sat/vB (BIP125)" };
  }

  const viable = minChange(changeScript);
  const plan = (ins: SpendCoin[]): BumpPlan | null => {
    const sum = ins.reduce((s, c) => s + c.value, 0n);
    const scripts = payments.map((o) => o.script);
    for (const withChange of [true, false]) {
      const weight = txWeight(ins.map(typeOf), withChange ? [...scripts, changeScript] : scripts);
      const vsize = vsizeOf(weight);
      // BIP125 rules 3 and 4: pay the original's fee and the relay of the replacement itself.
      const need = [feeFor(vsize, price.rate), oldFee + feeFor(vsize, INCREMENTAL_RELAY_FEE)].reduce(maxBig);
      const change = sum - paySum - need;
      if (change < 0n) continue;
      if (withChange && change < viable) continue;
      const outputs = payments.map((o) => new TxOut(o.value, o.script));
      if (withChange) {
        if (changePos >= 0) outputs.splice(changePos, 0, new TxOut(change, changeScript));
        else placeChange(outputs, new TxOut(change, changeScript), randomInt);
      }
      const fee = withChange ? need : sum - paySum;
      return {
        inputs: ins,
        outputs,
        fee,
        weight,
        changeValue: withChange ? change : 0n,
        addedInputs: ins.length - inputs.length,
      };
    }
    return null;
  };
  let chosen = plan(inputs);
  if (!chosen) {
    // BIP125 rule 2: only confirmed coins may join; largest first.
    const used = new Set(inputs.map((c) => `${c.txid}:${c.vout}`));
    const extra = coins
      .filter(
        (c) =>
          c.spendable &&
          c.status.confirmed &&
          !used.has(`${c.txid}:${c.vout}`) &&
          !frozen.has(`${c.txid}:${c.vout}`),
      )
      .sort((a, b) => (b.value > a.value ? 1 : b.value < a.value ? -1 : 0));
    const ins = [...inputs];
    for (const c of extra) {
      ins.push(c);
      chosen = plan(ins);
      if (chosen) break;
    }
  }
  if (!chosen)
    throw insufficient(
      `no confirmed coins left to raise the fee of ${txid} to ${formatRate(price.rate)} sat/vB`,
    );
  const approved = approveFee(chosen, price, caps);
  const tx = signPlan(approved, tip.height);
  if (opts.dryRun !== true) await broadcastReplacement(ctx, node, client, tx, txid);
  const newTxid = tx.txidHex();
  const info = {
    txid: newTxid,
    replaces: txid,
    broadcast: opts.dryRun !== true,
    original_fee_sat: Number(oldFee),
    original_fee_rate: formatRate(oldRate),
    fee_sat: Number(chosen.fee),
    fee: formatCoins(chosen.fee),
    fee_rate: formatRate(price.rate),
    vsize: tx.vsize(),
    inputs_added: chosen.addedInputs,
    change_sat: Number(chosen.changeValue),
    network: network.name,
    ...(opts.dryRun === true ? { hex: toHex(tx.toBytes()) } : {}),
  };
  const rows: [string, string][] = [
    ['txid', newTxid],
    ['replaces', txid],
    [
      'fee',
      `${formatCoins(chosen.fee)} (was ${formatCoins(oldFee)}; ${tx.vsize()} vB at ${formatRate(price.rate)} sat/vB)`,
    ],
    ['inputs added', String(chosen.addedInputs)],
  ];
  if (opts.dryRun === true) rows.push(['not sent', '(--dry-run)'], ['hex', toHex(tx.toBytes())]);
  return { json: info, text: opts.dryRun === true ? table(rows) : newTxid };
}

export async function cpfp(ctx: Context, txidText: string, opts: FeeOptions): Promise<Result> {
  const { network } = await ctx.existing();
  const txid = parseTxid(txidText);
  const { target, caps } = parseFeeOptions(opts, network);
  const { path, wallet } = await ctx.open();
  requireSigner(wallet);
  const client = ctx.client(network);
  const { node, scan, coins, tip } = await walletCoins(ctx, path, wallet, client);
  await mustBeUnconfirmed(ctx, node, txid);
  const parent = await node.tx(txid);
  const parentFee = (await prevouts(node, parent)).reduce((s, o) => s + o.value, 0n) - outSum(parent);
  const parentVsize = parent.vsize();
  const mine = coins.filter((c) => c.txid === txid);
  if (mine.length === 0)
    throw new WalletError('BAD_INPUT', `no unspent output of ${txid} belongs to this wallet`);
  const price = await chooseFeeRate(client, opts, target);
  const parentRate = rateOf(parentFee, parentVsize);
  if (parentRate >= price.rate) {
    throw new WalletError(
      'BAD_INPUT',
      `${txid} already pays ${formatRate(parentRate)} sat/vB, not below ${formatRate(price.rate)} (${price.source}); nothing to do`,
    );
  }
  const changeScript = chainScript(wallet, scan.byType[wallet.defaultType()][CHANGE]);
  const weight = txWeight(mine.map(typeOf), [changeScript]);
  const childVsize = vsizeOf(weight);
  const forPackage = feeFor(parentVsize + childVsize, price.rate) - parentFee;
  const ownFloor = feeFor(childVsize, MIN_RELAY_FEE_RATE);
  const fee = maxBig(forPackage, ownFloor);
  const sum = mine.reduce((s, c) => s + c.value, 0n);
  const value = sum - fee;
  if (value < dustThreshold(changeScript)) {
    throw insufficient(
      `the child would pay ${formatCoins(fee)} from ${formatCoins(sum)}, leaving less than dust`,
    );
  }
  const plan: BumpPlan = {
    inputs: mine,
    outputs: [new TxOut(value, changeScript)],
    fee,
    weight,
    changeValue: value,
    addedInputs: 0,
  };
  const tx = signPlan(approveFee(plan, price, caps), tip.height);
  if (opts.dryRun !== true) await broadcastTx(ctx, client, tx);
  const packageRate = rateOf(parentFee + fee, parentVsize + tx.vsize());
  const info = {
    txid: tx.txidHex(),
    parent: txid,
    broadcast: opts.dryRun !== true,
    parent_fee_sat: Number(parentFee),
    parent_fee_rate: formatRate(parentRate),
    fee_sat: Number(fee),
    fee: formatCoins(fee),
    vsize: tx.vsize(),
    package_fee_rate: formatRate(packageRate),
    network: network.name,
    ...(opts.dryRun === true ? { hex: toHex(tx.toBytes()) } : {}),
  };
  const rows: [string, string][] = [
    ['txid', tx.txidHex()],
    ['parent', `${txid} (${formatRate(parentRate)} sat/vB)`],
    ['fee', `${formatCoins(fee)} (${tx.vsize()} vB; package ${formatRate(packageRate)} sat/vB)`],
  ];
  if (opts.dryRun === true) rows.push(['not sent', '(--dry-run)'], ['hex', toHex(tx.toBytes())]);
  return { json: info, text: opts.dryRun === true ? table(rows) : tx.txidHex() };
}

function chainScript(wallet: Wallet, next: number): Uint8Array {
  return wallet.accounts().length > 0
    ? wallet.key(CHANGE, next, wallet.defaultType()).script
    : wallet.imported[0]!.script;
}
