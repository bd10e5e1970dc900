/**
 * The creator and updater roles of BIP174 for this wallet: an approved selection (fee caps
 * checked, feecap.ts) becomes an unsigned PSBT with each input's witness UTXO and BIP32 key
 * origin, and the change output's origin (for P2TR keys BIP371's internal key and x-only key
 * origin instead), so any BIP174 signer (a hardware wallet, Core,
 * bitcoinjs-lib, this wallet elsewhere) can check and sign it. Transaction fields as build.ts:
 * version 2, nSequence 0xfffffffd (BIP125), nLockTime = the tip height.
 */
import { randomInt } from 'node:crypto';
import { hashFromDisplay } from '../node/protocol/hash.js';
import { xOnly } from '../node/protocol/sign-taproot.js';
import { OutPoint, Tx, TxIn, TxOut } from '../node/protocol/tx.js';
import { formatCoins, formatRate } from './amount.js';
import { placeChange, SEQUENCE_RBF, TX_VERSION } from './build.js';
import type { Selection } from './coinselect.js';
import type { Result } from './commands/result.js';
import type { Approved } from './feecap.js';
import type { WalletKey } from './hd.js';
import {
  encodeOrigin,
  encodeTapOrigin,
  encodeTxOut,
  IN,
  type KeyOrigin,
  OUT,
  Psbt,
  type PsbtMap,
} from './psbt.js';
import type { Coin } from './scan.js';
import type { Wallet } from './wallet.js';

/** A key's BIP32 origin (master fingerprint and path); null for an imported key. */
export function originOf(_wallet: Wallet, key: WalletKey): KeyOrigin | null {
  return key.origin ?? null;
}

/**
 * A P2WSH multisig input's or output's fields (BIP174): the witness script and every key's
 * BIP32 origin, so each signer finds its key and any finalizer the script.
 */
function setMultisig(m: PsbtMap, key: WalletKey, scriptType: number, derivType: number): boolean {
  if (!key.multisig) return false;
  m.set(scriptType, new Uint8Array(0), key.multisig.witnessScript);
  for (const k of key.multisig.keys) if (k.origin) m.set(derivType, k.pub, encodeOrigin(k.origin));
  return true;
}

export function unsignedPsbt(
  wallet: Wallet,
  sel: Approved<Selection<Coin>>,
  recipients: readonly Uint8Array[],
  changeKey: WalletKey,
  tip: number,
): Psbt {
  const outputs = recipients.map((s, i) => new TxOut(sel.recipientValues[i]!, s));
  const changePos = placeChange(
    outputs,
    sel.change > 0n ? new TxOut(sel.change, changeKey.script) : null,
    randomInt,
  );
  const inputs = sel.inputs.map(
    (c) => new TxIn(new OutPoint(hashFromDisplay(c.txid), c.vout), new Uint8Array(0), SEQUENCE_RBF),
  );
  const tx = new Tx({ version: TX_VERSION, inputs, outputs, locktime: tip });
  const psbt = new Psbt(tx);
  sel.inputs.forEach((c, i) => {
    const m = psbt.inputs[i]!;
    m.set(IN.WITNESS_UTXO, new Uint8Array(0), encodeTxOut(new TxOut(c.value, c.key.script)));
    const o = originOf(wallet, c.key);
    if (setMultisig(m, c.key, IN.WITNESS_SCRIPT, IN.BIP32_DERIVATION)) return;
    if (c.key.type === 'p2tr') {
      const x = xOnly(c.key.publicKey);
      m.set(IN.TAP_INTERNAL_KEY, new Uint8Array(0), x);
      if (o) m.set(IN.TAP_BIP32_DERIVATION, x, encodeTapOrigin(o));
    } else if (o) m.set(IN.BIP32_DERIVATION, c.key.publicKey, encodeOrigin(o));
  });
  if (changePos >= 0) {
    const o = originOf(wallet, changeKey);
    const out = psbt.outputs[changePos]!;
    if (setMultisig(out, changeKey, OUT.WITNESS_SCRIPT, OUT.BIP32_DERIVATION)) {
      // The change output's fields are set.
    } else if (changeKey.type === 'p2tr') {
      const x = xOnly(changeKey.publicKey);
      out.set(OUT.TAP_INTERNAL_KEY, new Uint8Array(0), x);
      if (o) out.set(OUT.TAP_BIP32_DERIVATION, x, encodeTapOrigin(o));
    } else if (o) out.set(OUT.BIP32_DERIVATION, changeKey.publicKey, encodeOrigin(o));
  }
  return psbt;
}

export function psbtResult(psbt: Psbt, rate: bigint): Result {
  const fee = psbt.fee();
  const b64 = psbt.toBase64();
  return {
    json: {
      psbt: b64,
      txid: psbt.tx.txidHex(),
      fee_sat: fee === null ? null : Number(fee),
      fee: fee === null ? null : formatCoins(fee),
      fee_rate: formatRate(rate),
      inputs: psbt.tx.inputs.length,
      outputs: psbt.tx.outputs.length,
    },
    text: b64,
  };
}
