/**
 * The shared relay policy (node/protocol/policy.ts): Core's GetDustThreshold, CFeeRate::GetFee,
 * GetVirtualTransactionSize and IsStandard per output, and that the wallet and the mempool
 * use these very functions rather than copies.
 */
import { describe, expect, it } from 'vitest';
import { dustThreshold as mempoolDust } from '../node/mempool/standard.js';
import {
  DUST_RELAY_FEE_RATE,
  dustThreshold,
  feeForVsize,
  isDust,
  standardOutputType,
  virtualSize,
} from '../node/protocol/policy.js';
import { TxOut } from '../node/protocol/tx.js';
import * as wallet from '../wallet/policy.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
const P2WPKH = hex(`0014${'11'.repeat(20)}`);
const P2PKH = hex(`76a914${'22'.repeat(20)}88ac`);
const P2WSH = hex(`0020${'33'.repeat(32)}`);
const P2TR = hex(`5120${'44'.repeat(32)}`);
const OP_RETURN_80 = hex(`6a4c50${'55'.repeat(80)}`);
const OP_RETURN_81 = hex(`6a4c51${'55'.repeat(81)}`);
const key = `21${'02'}${'66'.repeat(32)}`;
const BARE_1_OF_3 = hex(`51${key}${key}${key}53ae`);
const BARE_1_OF_4 = hex(`51${key}${key}${key}${key}54ae`);

describe('shared policy', () => {
  it("dust thresholds are Core's at 3 sat/vB", () => {
    expect(DUST_RELAY_FEE_RATE).toBe(3000n);
    expect(dustThreshold(P2WPKH)).toBe(294n);
    expect(dustThreshold(P2PKH)).toBe(546n);
    expect(dustThreshold(P2WSH)).toBe(330n);
    expect(dustThreshold(P2TR)).toBe(330n);
    expect(dustThreshold(OP_RETURN_80)).toBe(0n);
    expect(isDust(293n, P2WPKH)).toBe(true);
    expect(isDust(294n, P2WPKH)).toBe(false);
    // At 1 sat/vB: a third of the above, rounded up.
    expect(dustThreshold(P2WPKH, 1000n)).toBe(98n);
  });

  it('fees round up, at least 1 sat for a positive rate; vsize counts sigops at 20 bytes', () => {
    expect(feeForVsize(1000n, 141)).toBe(141n);
    expect(feeForVsize(1500n, 141)).toBe(212n);
    expect(feeForVsize(1n, 1)).toBe(1n);
    expect(feeForVsize(0n, 100)).toBe(0n);
    expect(virtualSize(561)).toBe(141);
    expect(virtualSize(400, 100)).toBe(500);
  });

  it('standard output types', () => {
    expect(standardOutputType(P2WPKH)).toBe('other');
    expect(standardOutputType(P2TR)).toBe('other');
    expect(standardOutputType(OP_RETURN_80)).toBe('nulldata');
    expect(standardOutputType(OP_RETURN_81)).toBeNull();
    expect(standardOutputType(OP_RETURN_80, null)).toBeNull();
    expect(standardOutputType(BARE_1_OF_3)).toBe('multisig');
    expect(standardOutputType(BARE_1_OF_4)).toBeNull();
    expect(standardOutputType(hex('51'))).toBeNull();
  });

  it('the wallet and the mempool use the same rules, not copies', () => {
    expect(wallet.dustThreshold).toBe(dustThreshold);
    expect(wallet.DUST_RELAY_FEE_RATE).toBe(DUST_RELAY_FEE_RATE);
    for (const s of [P2WPKH, P2PKH, P2WSH, OP_RETURN_80]) {
      expect(mempoolDust(new TxOut(0n, s))).toBe(dustThreshold(s));
    }
    expect(wallet.vsizeOf(wallet.txWeight(1, [P2WPKH, P2WPKH]))).toBe(
      virtualSize(wallet.txWeight(1, [P2WPKH, P2WPKH])),
    );
  });
});
