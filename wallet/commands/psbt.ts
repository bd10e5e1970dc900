/**
 * `psbt sign|combine|finalize|broadcast|decode` (BIP174 roles; `psbt create` is `send --psbt`).
 * A PSBT argument is a file, `-` for stdin, or the base64 (or hex) text itself. Signing needs
 * the password but never the node; combine, finalize and decode need neither; broadcast needs
 * only the node, and runs every input through the script interpreter first (psbt.ts).
 */
import { readFile } from 'node:fs/promises';
import { encodeAddress } from '../../node/protocol/address.js';
import { toHex } from '../../node/protocol/bytes.js';
import { hashToDisplay } from '../../node/protocol/hash.js';
import type { NetworkParams } from '../../node/protocol/params.js';
import { xOnly } from '../../node/protocol/sign-taproot.js';
import { formatCoins } from '../amount.js';
import type { Context } from '../context.js';
import { WalletError } from '../errors.js';
import { CHANGE, RECEIVE } from '../hd.js';
import {
  combinePsbts,
  decodeOrigin,
  decodeTapOrigin,
  extractPsbt,
  finalizePsbt,
  formatPath,
  IN,
  type KeyOrigin,
  OUT,
  Psbt,
  signPsbt,
} from '../psbt.js';
import type { Wallet } from '../wallet.js';
import type { Result } from './result.js';
import { broadcastTx } from './send.js';

const HARD = 0x80000000;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A PSBT from a file, stdin (`-`) or the argument's own text. */
export async function loadPsbt(arg: string): Promise<Psbt> {
  let text: string;
  if (arg === '-') text = await readStdin();
  else if (/^(cHNidP|70736274ff)/.test(arg.trim())) text = arg;
  else {
    try {
      text = await readFile(arg, 'utf8');
    } catch (e) {
      throw new WalletError('BAD_FILE', `cannot read PSBT file ${arg}: ${(e as Error).message}`);
    }
  }
  return Psbt.fromText(text);
}

function out(psbt: Psbt, extra: Record<string, unknown>): Result {
  const b64 = psbt.toBase64();
  return { json: { psbt: b64, ...extra }, text: b64 };
}

/**
 * The private key for an origin in this wallet's BIP84 account (a 33-byte key) or BIP86 account
 * (a 32-byte x-only internal key, BIP371), if it is one of ours.
 */
function keyForOrigin(wallet: Wallet, pub: Uint8Array, o: KeyOrigin | null): Uint8Array | undefined {
  for (const d of wallet.descriptorAccounts) {
    const priv = d.privateKeyFor(pub, o);
    if (priv) return priv;
  }
  const type = pub.length === 32 ? 'p2tr' : 'p2wpkh';
  const a = type === 'p2tr' ? wallet.taproot : wallet.account;
  if (a && o && o.fingerprint === a.fingerprint && o.path.length === 5) {
    const [p, c, acct, chain, index] = o.path as [number, number, number, number, number];
    if (
      p === a.purpose + HARD &&
      c === a.coin + HARD &&
      acct === a.account + HARD &&
      (chain === RECEIVE || chain === CHANGE) &&
      index < HARD
    ) {
      const k = wallet.key(chain, index, type);
      const have = type === 'p2tr' ? xOnly(k.publicKey) : k.publicKey;
      if (toHex(have) === toHex(pub)) return k.privateKey;
    }
  }
  if (type === 'p2tr') return undefined;
  return wallet.imported.find((k) => toHex(k.publicKey) === toHex(pub))?.privateKey;
}

export async function psbtSign(ctx: Context, arg: string): Promise<Result> {
  await ctx.existing();
  const psbt = await loadPsbt(arg);
  const { wallet } = await ctx.open();
  if (wallet.watchOnly)
    throw new WalletError('CANNOT_SIGN', 'this wallet is watch-only: it holds no private keys to sign with');
  const redundant: number[] = [];
  const signed = signPsbt(
    psbt,
    (pub, o) => keyForOrigin(wallet, pub, o),
    (hash) => wallet.imported.find((k) => toHex(k.script.subarray(2)) === toHex(hash))?.privateKey,
    redundant,
  );
  if (signed.length === 0 && redundant.length > 0)
    throw new WalletError(
      'BAD_PSBT',
      `input(s) ${redundant.join(', ')} already have every signature their multisig script needs; a further signature is redundant, nothing signed`,
    );
  if (signed.length === 0)
    throw new WalletError(
      'BAD_PSBT',
      'this wallet holds the key of no unsigned input of this PSBT; nothing signed',
    );
  return out(psbt, {
    signed_inputs: signed,
    // Complete when a finalizer could finish every input (multisig: k signatures).
    complete: finalizePsbt(Psbt.fromBytes(psbt.toBytes())).length === 0,
  });
}

export async function psbtCombine(_ctx: Context, args: readonly string[]): Promise<Result> {
  if (args.length < 2) throw new WalletError('BAD_INPUT', 'combine needs at least two PSBTs');
  const list = await Promise.all(args.map(loadPsbt));
  return out(combinePsbts(list), {});
}

export async function psbtFinalize(_ctx: Context, arg: string, opts: { extract?: boolean }): Promise<Result> {
  const psbt = await loadPsbt(arg);
  const missing = finalizePsbt(psbt);
  if (opts.extract === true) {
    if (missing.length > 0)
      throw new WalletError('BAD_PSBT', `input(s) ${missing.join(', ')} lack a signature; not extracted`);
    const tx = extractPsbt(psbt);
    const hex = toHex(tx.toBytes());
    return { json: { hex, txid: tx.txidHex(), complete: true }, text: hex };
  }
  return out(psbt, { complete: missing.length === 0, incomplete_inputs: missing });
}

export async function psbtBroadcast(ctx: Context, arg: string): Promise<Result> {
  const psbt = await loadPsbt(arg);
  const missing = finalizePsbt(psbt);
  if (missing.length > 0)
    throw new WalletError('BAD_PSBT', `input(s) ${missing.join(', ')} lack a signature; nothing sent`);
  const tx = extractPsbt(psbt);
  const { network } = await ctx.existing();
  await broadcastTx(ctx, ctx.client(network), tx);
  return { json: { txid: tx.txidHex(), broadcast: true }, text: tx.txidHex() };
}

function toHexOrNull(b: Uint8Array | undefined): string | null {
  return b === undefined ? null : toHex(b);
}

function address(script: Uint8Array, net: NetworkParams | null): string | null {
  return net ? (encodeAddress(script, net.address) ?? null) : null;
}

export async function psbtDecode(ctx: Context, arg: string): Promise<Result> {
  const psbt = await loadPsbt(arg);
  let net: NetworkParams | null = null;
  try {
    net = (await ctx.existing()).network;
  } catch {
    net = null;
  }
  const fee = psbt.fee();
  const info = {
    txid: psbt.tx.txidHex(),
    version: psbt.tx.version,
    locktime: psbt.tx.locktime,
    fee_sat: fee === null ? null : Number(fee),
    vsize_unsigned: psbt.tx.vsize(),
    inputs: psbt.tx.inputs.map((input, i) => {
      const m = psbt.inputs[i]!;
      const spent = psbt.spent(i);
      return {
        prevout: `${hashToDisplay(input.prevout.txid)}:${input.prevout.index}`,
        sequence: input.sequence,
        value_sat: spent ? Number(spent.value) : null,
        address: spent ? address(spent.script, net) : null,
        partial_signatures: m.all(IN.PARTIAL_SIG).map((s) => toHex(s.keyData)),
        bip32_derivs: m.all(IN.BIP32_DERIVATION).map((d) => {
          const o = decodeOrigin(d.value);
          return {
            pubkey: toHex(d.keyData),
            master_fingerprint: o.fingerprint.toString(16).padStart(8, '0'),
            path: formatPath(o.path),
          };
        }),
        tap_internal_key: toHexOrNull(m.get(IN.TAP_INTERNAL_KEY)),
        tap_key_sig: toHexOrNull(m.get(IN.TAP_KEY_SIG)),
        tap_bip32_derivs: m.all(IN.TAP_BIP32_DERIVATION).map((d) => {
          const { origin: o, leafHashes } = decodeTapOrigin(d.value);
          return {
            pubkey: toHex(d.keyData),
            master_fingerprint: o.fingerprint.toString(16).padStart(8, '0'),
            path: formatPath(o.path),
            leaf_hashes: leafHashes.map(toHex),
          };
        }),
        final: psbt.isFinal(i),
        unknown_fields: m.pairs.filter(
          (p) =>
            p.key[0]! > IN.FINAL_SCRIPTWITNESS &&
            !(p.key[0]! >= IN.TAP_KEY_SIG && p.key[0]! <= IN.TAP_MERKLE_ROOT),
        ).length,
      };
    }),
    outputs: psbt.tx.outputs.map((o, i) => ({
      value_sat: Number(o.value),
      address: address(o.script, net),
      script: toHex(o.script),
      bip32_derivs: [
        ...psbt.outputs[i]!.all(OUT.BIP32_DERIVATION).map((d) => formatPath(decodeOrigin(d.value).path)),
        ...psbt.outputs[i]!.all(OUT.TAP_BIP32_DERIVATION).map((d) =>
          formatPath(decodeTapOrigin(d.value).origin.path),
        ),
      ],
    })),
  };
  const lines = [
    `txid ${info.txid}`,
    `fee ${fee === null ? 'unknown' : formatCoins(fee)}`,
    ...info.inputs.map(
      (x, i) =>
        `in  ${i} ${x.prevout} ${x.value_sat ?? '?'} sat ${x.final ? 'final' : `${x.partial_signatures.length + (x.tap_key_sig ? 1 : 0)} sig(s)`}`,
    ),
    ...info.outputs.map((x, i) => `out ${i} ${x.address ?? x.script} ${x.value_sat} sat`),
  ];
  return { json: info, text: lines.join('\n') };
}
