/**
 * Building, signing and checking a transaction before it leaves the wallet. P2WPKH inputs are
 * signed over BIP143 sighashes (node/protocol/sign.ts: RFC 6979 nonces, low-S, strict DER,
 * SIGHASH_ALL); BIP86 P2TR inputs by key path over BIP341 sighashes with SIGHASH_DEFAULT (a
 * 64-byte BIP340 signature with fresh auxiliary randomness, node/protocol/sign-taproot.ts),
 * which commit to every input's amount and script, so both kinds mix in one transaction.
 * Version 2, nSequence 0xfffffffd (replaceable, BIP125) and nLockTime = the tip height (Core's
 * anti-fee-sniping) as Core's wallet does. Before anything is sent, every
 * input runs through the protocol's own script interpreter with the standard flags, and the
 * amounts are rechecked; a failure there is a bug, never something to broadcast.
 */
import { hashFromDisplay } from '../node/protocol/hash.js';
import { TxSignatureChecker } from '../node/protocol/script/checker.js';
import { STANDARD_FLAGS } from '../node/protocol/script/flags.js';
import { verifyScript } from '../node/protocol/script/verify.js';
import { PrecomputedTx, signP2wpkh } from '../node/protocol/sign.js';
import { signTaprootKeyPath } from '../node/protocol/sign-taproot.js';
import { OutPoint, Tx, TxIn, TxOut } from '../node/protocol/tx.js';
import { WalletError } from './errors.js';
import type { WalletKey } from './hd.js';
import { isUnspendable } from './policy.js';
import type { Wallet } from './wallet.js';

export const TX_VERSION = 2;
export const SEQUENCE_RBF = 0xfffffffd;
const EMPTY = new Uint8Array(0);

export interface SpendCoin {
  /** Display hex. */
  txid: string;
  vout: number;
  value: bigint;
  key: WalletKey;
}

/**
 * The secret a coin is signed with here; multisig coins (several signers) and watch-only keys
 * are refused with CANNOT_SIGN, before anything is signed.
 */
export function signingKey(key: WalletKey): Uint8Array {
  if (key.multisig)
    throw new WalletError(
      'CANNOT_SIGN',
      `${key.address} is a multisig output: spend it with 'psbt create', 'psbt sign' by each signer, 'psbt combine' and 'psbt broadcast'`,
    );
  if (!key.privateKey)
    throw new WalletError(
      'CANNOT_SIGN',
      `this wallet is watch-only: it holds no private key for ${key.address}; use 'psbt create' and sign elsewhere`,
    );
  return key.privateKey;
}

/**
 * Refuses, before any request, a command that must sign when the wallet cannot: a watch-only
 * wallet, or one whose only accounts are multisig (their coins are spent through PSBTs).
 */
export function requireSigner(wallet: Wallet): void {
  if (wallet.watchOnly)
    throw new WalletError(
      'CANNOT_SIGN',
      "this wallet is watch-only: it holds no private keys; make a PSBT with 'psbt create' (or send --psbt) and have it signed",
    );
  if (wallet.accounts().length > 0 && wallet.accounts().every((a) => a.type === 'p2wsh'))
    throw new WalletError(
      'CANNOT_SIGN',
      "this is a multisig wallet: spend with 'psbt create', 'psbt sign' by each signer, 'psbt combine' and 'psbt broadcast'",
    );
}

/** A signed transaction spending `coins` (in order) to `outputs`. */
export function buildSigned(coins: readonly SpendCoin[], outputs: readonly TxOut[], locktime: number): Tx {
  const prevouts = coins.map((c) => new OutPoint(hashFromDisplay(c.txid), c.vout));
  const fields = { version: TX_VERSION, outputs, locktime };
  const unsigned = new Tx({ ...fields, inputs: prevouts.map((p) => new TxIn(p, EMPTY, SEQUENCE_RBF)) });
  const pre = new PrecomputedTx(
    unsigned,
    coins.map((c) => ({ value: c.value, script: c.key.script })),
  );
  const inputs = coins.map((c, i) => {
    const priv = signingKey(c.key);
    const witness =
      c.key.type === 'p2tr' ? signTaprootKeyPath(pre, i, priv) : signP2wpkh(pre, i, c.value, priv);
    return new TxIn(prevouts[i]!, EMPTY, SEQUENCE_RBF, witness);
  });
  return new Tx({ ...fields, inputs });
}

/**
 * Runs every input through VerifyScript (standard flags) and checks the value flow; throws a
 * plain Error (a bug: exit 70) when the transaction would not be accepted.
 */
export function verifySigned(tx: Tx, coins: readonly SpendCoin[]): void {
  if (tx.inputs.length !== coins.length) throw new Error('internal: input count mismatch');
  const pre = new PrecomputedTx(
    tx,
    coins.map((c) => ({ value: c.value, script: c.key.script })),
  );
  tx.inputs.forEach((input, i) => {
    const coin = coins[i]!;
    try {
      verifyScript(
        input.script,
        coin.key.script,
        input.witness,
        STANDARD_FLAGS,
        new TxSignatureChecker(pre, i, coin.value),
      );
    } catch (e) {
      throw new Error(`internal: input ${i} fails local script verification: ${(e as Error).message}`);
    }
  });
  const inSum = coins.reduce((s, c) => s + c.value, 0n);
  const outSum = tx.outputs.reduce((s, o) => s + o.value, 0n);
  if (outSum > inSum) throw new Error('internal: outputs exceed inputs');
  for (const o of tx.outputs) {
    // Only a data carrier (OP_RETURN) may carry nothing.
    if (o.value < 0n || (o.value === 0n && !isUnspendable(o.script))) {
      throw new Error('internal: non-positive output');
    }
  }
}

/** Inserts the change output at a random position, as Core does, so it is not told apart by place. */
export function placeChange(outputs: TxOut[], change: TxOut | null, random: (n: number) => number): number {
  if (!change) return -1;
  const pos = random(outputs.length + 1);
  outputs.splice(pos, 0, change);
  return pos;
}

export { TxOut };
