/**
 * Script checks of a transaction's inputs against the coins they spend (Core's
 * CheckInputScripts without the cache): one PrecomputedTx per transaction, holding every spent
 * output (BIP341 signs them all), then VerifyScript per input. A failure names the input and
 * the SCRIPT_ERR_* code.
 */
import { defaultBackend, type EcdsaBackend } from '../protocol/ecdsa.js';
import { TxSignatureChecker } from '../protocol/script/checker.js';
import { ScriptError } from '../protocol/script/errors.js';
import { PrecomputedTx, type SpentOutput } from '../protocol/script/sighash.js';
import { verifyScript } from '../protocol/script/verify.js';
import type { Tx } from '../protocol/tx.js';
import { RuleError } from './errors.js';

export type { SpentOutput };

/** Throws ScriptError when input `index` does not satisfy the output it spends. */
export function verifyInput(
  pre: PrecomputedTx,
  index: number,
  spent: SpentOutput,
  flags: number,
  backend: EcdsaBackend = defaultBackend,
): void {
  const input = pre.tx.inputs[index]!;
  verifyScript(
    input.script,
    spent.script,
    input.witness,
    flags,
    new TxSignatureChecker(pre, index, spent.value, backend),
  );
}

/**
 * Every input of a non-coinbase tx; throws RuleError SCRIPT_FAILED naming the first bad one.
 * `pre`, when given, must be of this tx and these spent outputs: runs of one tx under several
 * flags share its hashes, as Core's checks share one PrecomputedTransactionData.
 */
export function verifyTxScripts(
  tx: Tx,
  spent: readonly SpentOutput[],
  flags: number,
  backend: EcdsaBackend = defaultBackend,
  pre: PrecomputedTx = new PrecomputedTx(tx, spent),
): void {
  for (let i = 0; i < tx.inputs.length; i++) {
    try {
      verifyInput(pre, i, spent[i]!, flags, backend);
    } catch (e) {
      if (!(e instanceof ScriptError)) throw e;
      throw new RuleError('SCRIPT_FAILED', `input ${i}: SCRIPT_ERR_${e.code}`, {
        inputIndex: i,
        scriptError: e.code,
      });
    }
  }
}
