/**
 * What `send` takes from the user before anything is asked of the node: BIP21 URIs (the BIP's
 * own examples), address/amount pairs, recipient files (CSV and JSON), outpoints for coin
 * control, and the preset-input selection (Core's `inputs` with `add_inputs=false`).
 */
import { describe, expect, it } from 'vitest';
import { encodeAddress } from '../node/protocol/address.js';
import { regtest } from '../node/protocol/params.js';
import { p2wpkh } from '../node/protocol/script/templates.js';
import { parseOutpoint } from '../wallet/coinlock.js';
import { selectPreset } from '../wallet/coinselect.js';
import { WalletError } from '../wallet/errors.js';
import { checkRecipients, parseBip21, parseRecipientArgs, parseRecipientFile } from '../wallet/recipients.js';

const A = encodeAddress(p2wpkh(new Uint8Array(20).fill(1)), regtest.address)!;
const B = encodeAddress(p2wpkh(new Uint8Array(20).fill(2)), regtest.address)!;

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof WalletError) return e.code;
    throw e;
  }
  return 'none';
}

describe('BIP21', () => {
  it("parses the BIP's examples", () => {
    expect(parseBip21('bitcoin:175tWpb8K1S7NmH4Zx6rewF9WQrcZv245W')).toEqual({
      address: '175tWpb8K1S7NmH4Zx6rewF9WQrcZv245W',
    });
    expect(parseBip21('bitcoin:175tWpb8K1S7NmH4Zx6rewF9WQrcZv245W?label=Luke-Jr')).toMatchObject({
      label: 'Luke-Jr',
    });
    expect(parseBip21('bitcoin:175tWpb8K1S7NmH4Zx6rewF9WQrcZv245W?amount=20.3&label=Luke-Jr')).toMatchObject({
      amount: '20.3',
      label: 'Luke-Jr',
    });
    expect(
      parseBip21(
        'bitcoin:175tWpb8K1S7NmH4Zx6rewF9WQrcZv245W?amount=50&label=Luke-Jr&message=Donation%20for%20project%20xyz',
      ),
    ).toMatchObject({ amount: '50', message: 'Donation for project xyz' });
    // An unknown req- parameter must be refused; an unknown plain one ignored.
    expect(
      code(() => parseBip21('bitcoin:175tWpb8K1S7NmH4Zx6rewF9WQrcZv245W?req-somethingyoudontunderstand=50')),
    ).toBe('BAD_INPUT');
    expect(parseBip21('bitcoin:175tWpb8K1S7NmH4Zx6rewF9WQrcZv245W?somethingyoudontunderstand=50')).toEqual({
      address: '175tWpb8K1S7NmH4Zx6rewF9WQrcZv245W',
    });
    expect(parseBip21('BITCOIN:abc?amount=1').address).toBe('abc');
    expect(code(() => parseBip21('bitcoin:?amount=1'))).toBe('BAD_INPUT');
    expect(code(() => parseBip21('bitcoin:abc?amount=1&amount=2'))).toBe('BAD_INPUT');
  });
});

describe('recipients', () => {
  it('takes pairs and URIs, with or without an amount in the URI', () => {
    const rs = parseRecipientArgs([A, '0.5', `bitcoin:${B}?amount=0.25&label=Bob%20B`], regtest);
    expect(rs.map((r) => [r.address, r.value, r.label])).toEqual([
      [A, 50_000_000n, undefined],
      [B, 25_000_000n, 'Bob B'],
    ]);
    expect(parseRecipientArgs([`bitcoin:${B}`, '1000sat'], regtest)[0]!.value).toBe(1000n);
  });

  it('refuses a missing amount, a bad address, dust, and an address given twice', () => {
    expect(code(() => parseRecipientArgs([A], regtest))).toBe('BAD_INPUT');
    expect(code(() => parseRecipientArgs([`bitcoin:${B}`], regtest))).toBe('BAD_INPUT');
    expect(code(() => parseRecipientArgs(['bcrt1qnotanaddress', '1'], regtest))).toBe('BAD_ADDRESS');
    expect(code(() => parseRecipientArgs([A, '1sat'], regtest))).toBe('DUST');
    expect(code(() => parseRecipientArgs([A, '0.1.2'], regtest))).toBe('BAD_AMOUNT');
    expect(code(() => checkRecipients(parseRecipientArgs([A, '1', A, '2'], regtest)))).toBe('BAD_INPUT');
    expect(code(() => checkRecipients([]))).toBe('BAD_INPUT');
  });

  it('reads CSV (header and comments skipped) and both JSON shapes', () => {
    const csv = parseRecipientFile(`address,amount,label\n# rent\n${A},0.1,rent\n\n${B}, 2000sat\n`, regtest);
    expect(csv.map((r) => [r.address, r.value, r.label])).toEqual([
      [A, 10_000_000n, 'rent'],
      [B, 2000n, undefined],
    ]);
    const arr = parseRecipientFile(
      JSON.stringify([
        { address: A, amount: 0.1 },
        { address: B, amount: '3000sat' },
      ]),
      regtest,
    );
    expect(arr.map((r) => r.value)).toEqual([10_000_000n, 3000n]);
    const obj = parseRecipientFile(JSON.stringify({ [A]: '1', [B]: 0.00001 }), regtest);
    expect(obj.map((r) => r.value)).toEqual([100_000_000n, 1000n]);
    expect(code(() => parseRecipientFile(`${A}\n`, regtest))).toBe('BAD_INPUT');
    expect(code(() => parseRecipientFile('[{"address": 5}]', regtest))).toBe('BAD_INPUT');
    expect(code(() => parseRecipientFile('[{', regtest))).toBe('BAD_INPUT');
    expect(code(() => parseRecipientFile(JSON.stringify([{ address: A, amount: 1e-8 }]), regtest))).toBe(
      'BAD_INPUT',
    );
  });
});

describe('coin control', () => {
  it('parses outpoints', () => {
    const t = 'ab'.repeat(32);
    expect(parseOutpoint(`${t.toUpperCase()}:01`)).toBe(`${t}:1`);
    expect(code(() => parseOutpoint(t))).toBe('BAD_INPUT');
    expect(code(() => parseOutpoint(`${t}:70000`))).toBe('BAD_INPUT');
    expect(code(() => parseOutpoint(`${t.slice(2)}:0`))).toBe('BAD_INPUT');
  });

  it('spends every preset coin, with change or with the remainder as fee', () => {
    const change = p2wpkh(new Uint8Array(20).fill(9));
    const recipients = [{ script: p2wpkh(new Uint8Array(20).fill(3)), value: 50_000n }];
    const coins = [{ value: 40_000n }, { value: 30_000n }];
    const sel = selectPreset(coins, { feeRate: 1000n, recipients, changeScript: change });
    expect(sel.inputs).toHaveLength(2);
    expect(sel.algorithm).toBe('preset');
    expect(sel.change + sel.fee + 50_000n).toBe(70_000n);
    expect(sel.change).toBeGreaterThan(0n);
    // A remainder too small for change goes to the fee.
    const tight = selectPreset([{ value: 50_300n }], { feeRate: 1000n, recipients, changeScript: change });
    expect(tight.change).toBe(0n);
    expect(tight.fee).toBe(300n);
    expect(
      code(() => selectPreset([{ value: 50_000n }], { feeRate: 1000n, recipients, changeScript: change })),
    ).toBe('INSUFFICIENT_FUNDS');
  });
});
