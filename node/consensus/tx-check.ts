/**
 * Context-free transaction rules: Core's CheckTransaction (consensus/tx_check.cpp), including
 * the value-overflow (CVE-2010-5139) and duplicate-input (CVE-2018-17144) checks.
 */
import type { Tx } from '../protocol/tx.js';
import { RuleError } from './errors.js';

/** Bitcoin's MAX_MONEY, the default for Core's vectors; blocks pass `params.maxMoney`. */
export const BITCOIN_MAX_MONEY = 21_000_000n * 100_000_000n;
export const MAX_BLOCK_WEIGHT = 4_000_000;
const WITNESS_SCALE_FACTOR = 4;

export function checkTransaction(tx: Tx, maxMoney: bigint = BITCOIN_MAX_MONEY): void {
  if (tx.inputs.length === 0) throw new RuleError('TX_NO_INPUTS');
  if (tx.outputs.length === 0) throw new RuleError('TX_NO_OUTPUTS');
  if (tx.strippedSize() * WITNESS_SCALE_FACTOR > MAX_BLOCK_WEIGHT) throw new RuleError('TX_OVERSIZE');
  let total = 0n;
  for (const out of tx.outputs) {
    if (out.value < 0n) throw new RuleError('TX_OUTPUT_NEGATIVE');
    if (out.value > maxMoney) throw new RuleError('TX_OUTPUT_TOO_LARGE');
    total += out.value;
    if (total > maxMoney) throw new RuleError('TX_OUTPUT_TOTAL_TOO_LARGE');
  }
  const seen = new Set<string>();
  for (const input of tx.inputs) {
    const key = input.prevout.key();
    if (seen.has(key)) throw new RuleError('TX_DUPLICATE_INPUTS');
    seen.add(key);
  }
  if (tx.isCoinbase()) {
    const n = tx.inputs[0]!.script.length;
    if (n < 2 || n > 100) throw new RuleError('TX_COINBASE_SCRIPT_SIZE');
  } else {
    for (const input of tx.inputs) if (input.prevout.isNull()) throw new RuleError('TX_NULL_PREVOUT');
  }
}
