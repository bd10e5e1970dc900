/**
 * Mempool acceptance: a valid signed P2WPKH spend goes in with the right fee and sizes; then
 * one row per rejection reason (btcd's table style), each breaking exactly that rule and
 * asserting the code, Core's reason string, whether it is consensus-invalid (ban-worthy), and
 * that the pool did not change. Boundaries (dust, OP_RETURN size, fee, maturity, locks) are
 * tested from both sides. Package limits, RBF, orphans, trimming and block updates have their
 * own files.
 */
import { describe, expect, it } from 'vitest';
import { SEQUENCE_LOCKTIME_TYPE_FLAG } from '../node/consensus/tx-inputs.js';
import type { RejectCode } from '../node/mempool/errors.js';
import type { Mempool } from '../node/mempool/mempool.js';
import { consequenceOf } from '../node/p2p/misbehaviour.js';
import { concat } from '../node/protocol/bytes.js';
import { hash160, sha256 } from '../node/protocol/hash.js';
import { OP } from '../node/protocol/script/opcodes.js';
import { pushBytes } from '../node/protocol/script/script.js';
import { multisig, nullData, p2sh, p2tr, p2wsh } from '../node/protocol/script/templates.js';
import { OutPoint, Tx, TxIn, TxOut } from '../node/protocol/tx.js';
import { outpointOf, payTo, type SpendInput, type SpendOptions, signedSpend } from './helpers/keys.js';
import { ALICE, BOB, COIN, FakeChain, invariants, rejection } from './helpers/mempool-fixture.js';

/** Alice's key as a BIP340 x-only key: a valid point, so only the signature can fail. */
const ALICE_XONLY = ALICE.pub.subarray(1);

/** Spends `input` to Bob, paying `fee`. */
function pay(input: SpendInput, fee = 1000n, opts: SpendOptions = {}): Tx {
  return signedSpend([input], [payTo(BOB, input.value - fee)], opts);
}

/** Spends `input` to Bob paying exactly `rate` sat/vB (re-signs until the size settles). */
function payAtRate(input: SpendInput, rate: number, opts: SpendOptions = {}): Tx {
  let tx = pay(input, 1000n, opts);
  for (let i = 0; i < 5; i++) {
    const next = pay(input, BigInt(tx.vsize() * rate), opts);
    if (next.vsize() === tx.vsize()) return next;
    tx = next;
  }
  throw new Error('size did not settle');
}

describe('accept', () => {
  it('accepts a signed P2WPKH spend and reports fee, sizes and fee rate', async () => {
    const chain = new FakeChain();
    const mp = chain.mempool();
    const added: string[] = [];
    mp.on('added', (e) => added.push(e.txid));
    const tx = pay(chain.fund(COIN), 5000n);
    const r = await mp.accept(tx);
    expect(r.status).toBe('accepted');
    if (r.status !== 'accepted') return;
    expect(r.entry.txid).toBe(tx.txidHex());
    expect(r.entry.fee).toBe(5000n);
    expect(r.entry.vsize).toBe(tx.vsize());
    expect(r.entry.vsize).toBeGreaterThanOrEqual(109);
    expect(r.entry.vsize).toBeLessThanOrEqual(110);
    expect(r.entry.feeRate()).toBe((5000n * 1000n) / BigInt(tx.vsize()));
    expect(r.entry.time).toBe(chain.now);
    expect(r.entry.height).toBe(chain.height);
    expect(r.replaced).toEqual([]);
    expect(added).toEqual([tx.txidHex()]);
    expect(mp.has(tx.txid())).toBe(true);
    expect(mp.has(tx.wtxid())).toBe(true);
    expect(mp.txids()).toEqual([tx.txidHex()]);
    expect(mp.spender(tx.inputs[0]!.prevout)?.txid).toBe(tx.txidHex());
    expect(mp.info()).toMatchObject({ count: 1, vsize: tx.vsize(), bytes: tx.size(), totalFee: 5000n });
    expect(mp.info().minFeeRate).toBe(1000n);
    invariants(mp);
  });

  it('accepts a child spending an unconfirmed parent, tracking ancestors', async () => {
    const chain = new FakeChain();
    const mp = chain.mempool();
    const parent = pay(chain.fund(COIN), 1000n);
    const child = pay({ prevout: outpointOf(parent, 0), value: COIN - 1000n, key: BOB }, 2000n);
    await mp.accept(parent);
    await mp.accept(child);
    const e = mp.get(child.txid())!;
    expect(e.ancestorCount).toBe(2);
    expect(e.ancestorFee).toBe(3000n);
    expect(mp.get(parent.txid())!.descendantCount).toBe(2);
    expect(mp.ancestors(child.txid()).map((a) => a.txid)).toEqual([parent.txidHex()]);
    invariants(mp);
  });

  it('charges sigop-heavy transactions by their sigop vsize (20 vbytes per sigop)', async () => {
    const chain = new FakeChain();
    const mp = chain.mempool();
    const outs = Array.from({ length: 190 }, () => new TxOut(1000n, multisig(1, [ALICE.pub])));
    const input = chain.fund(COIN);
    const fee = 80_000n;
    const tx = signedSpend([input], [...outs, payTo(BOB, COIN - fee - 190_000n)]);
    const r = await mp.accept(tx);
    if (r.status !== 'accepted') throw new Error('not accepted');
    expect(r.entry.sigopCost).toBe(190 * 20 * 4 + 1);
    expect(r.entry.vsize).toBe(Math.ceil(((190 * 80 + 1) * 20) / 4));
  });
});

interface Row {
  name: string;
  code: RejectCode;
  consensus?: boolean;
  opts?: Parameters<FakeChain['mempool']>[0];
  build(chain: FakeChain, mp: Mempool): Tx | Promise<Tx>;
}

const bigScriptSig = pushBytes(new Uint8Array(1648).fill(1));
const redeem16 = new Uint8Array(16).fill(OP.OP_CHECKSIG);
const witnessScript = Uint8Array.of(OP.OP_DROP, OP.OP_1);

const rows: Row[] = [
  // CheckTransaction: consensus, ban-worthy.
  {
    name: 'no outputs',
    code: 'TX_NO_OUTPUTS',
    consensus: true,
    build: (c) =>
      new Tx({
        version: 2,
        inputs: [new TxIn(c.fund(COIN).prevout, new Uint8Array(0))],
        outputs: [],
        locktime: 0,
      }),
  },
  {
    name: 'no inputs',
    code: 'TX_NO_INPUTS',
    consensus: true,
    build: () => new Tx({ version: 2, inputs: [], outputs: [payTo(BOB, COIN)], locktime: 0 }),
  },
  {
    name: 'duplicate inputs',
    code: 'TX_DUPLICATE_INPUTS',
    consensus: true,
    build: (c) => {
      const i = c.fund(COIN);
      return signedSpend([i, i], [payTo(BOB, COIN)]);
    },
  },
  {
    name: 'negative output',
    code: 'TX_OUTPUT_NEGATIVE',
    consensus: true,
    build: (c) => signedSpend([c.fund(COIN)], [payTo(BOB, -1n)]),
  },
  {
    name: 'output above MAX_MONEY',
    code: 'TX_OUTPUT_TOO_LARGE',
    consensus: true,
    build: (c) => signedSpend([c.fund(COIN)], [payTo(BOB, 21_000_000n * COIN + 1n)]),
  },
  {
    name: 'outputs summing above MAX_MONEY',
    code: 'TX_OUTPUT_TOTAL_TOO_LARGE',
    consensus: true,
    build: (c) =>
      signedSpend([c.fund(COIN)], [payTo(BOB, 20_000_000n * COIN), payTo(BOB, 2_000_000n * COIN)]),
  },
  {
    name: 'null prevout in a non-coinbase',
    code: 'TX_NULL_PREVOUT',
    consensus: true,
    build: (c) =>
      signedSpend([c.fund(COIN), { prevout: OutPoint.null(), value: 0n }], [payTo(BOB, COIN / 2n)]),
  },
  {
    name: 'coinbase',
    code: 'COINBASE',
    consensus: true,
    build: () =>
      new Tx({
        version: 2,
        inputs: [new TxIn(OutPoint.null(), Uint8Array.of(1, 2, 3))],
        outputs: [payTo(BOB, COIN)],
        locktime: 0,
      }),
  },
  // IsStandardTx.
  {
    name: 'version 3 (TRUC not implemented)',
    code: 'VERSION',
    build: (c) => pay(c.fund(COIN), 1000n, { version: 3 }),
  },
  { name: 'version 0', code: 'VERSION', build: (c) => pay(c.fund(COIN), 1000n, { version: 0 }) },
  {
    name: 'weight above 400,000',
    code: 'TX_SIZE',
    build: (c) =>
      signedSpend(
        [c.fund(COIN)],
        Array.from({ length: 3300 }, () => payTo(BOB, 10_000n)),
      ),
  },
  {
    name: 'non-witness size below 65 bytes',
    code: 'TX_SIZE_SMALL',
    build: (c) => signedSpend([c.fund(COIN)], [new TxOut(0n, Uint8Array.of(OP.OP_RETURN))]),
  },
  {
    name: 'scriptSig above 1,650 bytes',
    code: 'SCRIPTSIG_SIZE',
    build: (c) =>
      signedSpend([{ ...c.fund(COIN), scriptSig: concatPush(bigScriptSig) }], [payTo(BOB, COIN / 2n)]),
  },
  {
    name: 'scriptSig not push-only',
    code: 'SCRIPTSIG_NOT_PUSHONLY',
    build: (c) =>
      signedSpend([{ ...c.fund(COIN), scriptSig: Uint8Array.of(OP.OP_NOP) }], [payTo(BOB, COIN / 2n)]),
  },
  {
    name: 'non-standard output script',
    code: 'SCRIPTPUBKEY',
    build: (c) => signedSpend([c.fund(COIN)], [new TxOut(COIN / 2n, Uint8Array.of(OP.OP_1))]),
  },
  {
    name: 'OP_RETURN script of 84 bytes',
    code: 'SCRIPTPUBKEY',
    build: (c) =>
      signedSpend([c.fund(COIN)], [payTo(BOB, COIN / 2n), new TxOut(0n, nullData(new Uint8Array(81)))]),
  },
  {
    name: 'bare multisig with four keys',
    code: 'SCRIPTPUBKEY',
    build: (c) =>
      signedSpend(
        [c.fund(COIN)],
        [new TxOut(COIN / 2n, multisig(1, [ALICE.pub, BOB.pub, ALICE.pub, BOB.pub]))],
      ),
  },
  {
    name: 'bare multisig when not permitted',
    code: 'BARE_MULTISIG',
    opts: { permitBareMultisig: false },
    build: (c) => signedSpend([c.fund(COIN)], [new TxOut(COIN / 2n, multisig(1, [ALICE.pub]))]),
  },
  {
    name: 'dust output (293 sat to P2WPKH)',
    code: 'DUST',
    build: (c) => signedSpend([c.fund(COIN)], [payTo(BOB, COIN / 2n), payTo(BOB, 293n)]),
  },
  {
    name: 'two OP_RETURN outputs',
    code: 'MULTI_OP_RETURN',
    build: (c) =>
      signedSpend(
        [c.fund(COIN)],
        [
          payTo(BOB, COIN / 2n),
          new TxOut(0n, nullData(Uint8Array.of(1))),
          new TxOut(0n, nullData(Uint8Array.of(2))),
        ],
      ),
  },
  // Finality and duplicates.
  {
    name: 'locktime at the next height',
    code: 'NON_FINAL',
    build: (c) => pay({ ...c.fund(COIN), sequence: 0xfffffffe }, 1000n, { locktime: c.height + 1 }),
  },
  {
    name: 'locktime at the median time past',
    code: 'NON_FINAL',
    build: (c) => pay({ ...c.fund(COIN), sequence: 0xfffffffe }, 1000n, { locktime: c.mtp }),
  },
  {
    name: 'already in the mempool',
    code: 'ALREADY_IN_MEMPOOL',
    build: async (c, mp) => {
      const tx = pay(c.fund(COIN));
      await mp.accept(tx);
      return tx;
    },
  },
  {
    name: 'same txid, different witness',
    code: 'SAME_NONWITNESS_DATA',
    build: async (c, mp) => {
      const input = c.fund(COIN);
      await mp.accept(pay(input));
      return pay({ ...input, hashType: 0x81 });
    },
  },
  {
    name: 'already confirmed',
    code: 'ALREADY_KNOWN',
    build: (c) => {
      const tx = pay({ ...c.fund(COIN), prevout: new OutPoint(new Uint8Array(32).fill(7), 0) });
      c.coins.set(outpointOf(tx, 0).key(), { value: 1n, script: BOB.p2wpkh, height: 290, coinbase: false });
      return tx;
    },
  },
  {
    name: 'spends a missing output of a mempool tx',
    code: 'MISSING_INPUTS',
    build: async (c, mp) => {
      const parent = pay(c.fund(COIN));
      await mp.accept(parent);
      return pay({ prevout: new OutPoint(parent.txid(), 5), value: COIN, key: BOB });
    },
  },
  // Inputs.
  {
    name: 'BIP68 height lock not reached',
    code: 'NON_BIP68_FINAL',
    build: (c) => pay({ ...c.fund(COIN, { height: 295 }), sequence: 7 }),
  },
  {
    name: 'BIP68 time lock not reached',
    code: 'NON_BIP68_FINAL',
    build: (c) => pay({ ...c.fund(COIN, { height: 300 }), sequence: SEQUENCE_LOCKTIME_TYPE_FLAG | 2 }),
  },
  {
    name: 'coinbase spent at depth 99',
    code: 'PREMATURE_COINBASE_SPEND',
    build: (c) => pay(c.fund(COIN, { height: 202, coinbase: true })),
  },
  {
    name: 'inputs below outputs',
    code: 'TX_IN_BELOW_OUT',
    consensus: true,
    build: (c) => pay(c.fund(COIN), -1n),
  },
  {
    name: 'input value above MAX_MONEY',
    code: 'TX_INPUT_VALUES_OUT_OF_RANGE',
    consensus: true,
    build: (c) => signedSpend([c.fund(21_000_000n * COIN + 1n)], [payTo(BOB, COIN)]),
  },
  {
    name: 'spends a non-standard output',
    code: 'NONSTANDARD_INPUTS',
    build: (c) =>
      signedSpend(
        [{ ...c.fund(COIN, { script: Uint8Array.of(OP.OP_1) }), key: undefined }],
        [payTo(BOB, COIN / 2n)],
      ),
  },
  {
    name: 'spends a P2TR output with an invalid BIP340 signature',
    code: 'SCRIPT_FAILED',
    consensus: true,
    build: (c) =>
      signedSpend(
        [
          {
            ...c.fund(COIN, { script: p2tr(ALICE_XONLY) }),
            key: undefined,
            witness: [new Uint8Array(64).fill(1)],
          },
        ],
        [payTo(BOB, COIN / 2n)],
      ),
  },
  {
    name: 'P2TR spend with an annex',
    code: 'WITNESS_NONSTANDARD',
    build: (c) =>
      signedSpend(
        [
          {
            ...c.fund(COIN, { script: p2tr(ALICE_XONLY) }),
            key: undefined,
            witness: [new Uint8Array(64).fill(1), Uint8Array.of(0x50)],
          },
        ],
        [payTo(BOB, COIN / 2n)],
      ),
  },
  {
    name: 'tapscript stack item of 81 bytes',
    code: 'WITNESS_NONSTANDARD',
    build: (c) =>
      signedSpend(
        [
          {
            ...c.fund(COIN, { script: p2tr(ALICE_XONLY) }),
            key: undefined,
            witness: [new Uint8Array(81), Uint8Array.of(0x51), concat(Uint8Array.of(0xc0), ALICE_XONLY)],
          },
        ],
        [payTo(BOB, COIN / 2n)],
      ),
  },
  {
    name: 'P2SH redeem script with 16 sigops',
    code: 'NONSTANDARD_INPUTS',
    build: (c) =>
      signedSpend(
        [
          {
            ...c.fund(COIN, { script: p2sh(hash160(redeem16)) }),
            key: undefined,
            scriptSig: pushBytes(redeem16),
          },
        ],
        [payTo(BOB, COIN / 2n)],
      ),
  },
  {
    name: 'P2WSH witness item of 81 bytes',
    code: 'WITNESS_NONSTANDARD',
    build: (c) =>
      signedSpend(
        [
          {
            ...c.fund(COIN, { script: p2wsh(sha256(witnessScript)) }),
            key: undefined,
            witness: [new Uint8Array(81), witnessScript],
          },
        ],
        [payTo(BOB, COIN / 2n)],
      ),
  },
  {
    name: 'witness on a P2PKH spend',
    code: 'WITNESS_NONSTANDARD',
    build: (c) =>
      signedSpend(
        [{ ...c.fund(COIN, { script: ALICE.p2pkh }), key: undefined, witness: [Uint8Array.of(1)] }],
        [payTo(BOB, COIN / 2n)],
      ),
  },
  {
    name: 'sigop cost above 16,000',
    code: 'TOO_MANY_SIGOPS',
    build: (c) =>
      signedSpend(
        [c.fund(COIN)],
        [
          ...Array.from({ length: 201 }, () => new TxOut(1000n, multisig(1, [ALICE.pub]))),
          payTo(BOB, COIN / 2n),
        ],
      ),
  },
  { name: 'zero fee', code: 'MIN_RELAY_FEE', build: (c) => pay(c.fund(COIN), 0n) },
  {
    name: 'fee one satoshi below 1 sat/vB',
    code: 'MIN_RELAY_FEE',
    build: (c) => {
      const ok = payAtRate(c.fund(COIN), 1);
      const input = c.fund(COIN);
      const tx = pay(input, BigInt(ok.vsize()) - 1n);
      if (tx.vsize() !== ok.vsize()) throw new Error('size moved');
      return tx;
    },
  },
  // Scripts.
  {
    name: 'signature by the wrong key',
    code: 'SCRIPT_FAILED',
    consensus: true,
    build: (c) => pay({ ...c.fund(COIN), key: BOB }),
  },
  {
    name: 'high-S signature (standard flags only)',
    code: 'NONSTANDARD_SCRIPT',
    build: (c) => pay({ ...c.fund(COIN), highS: true }),
  },
  {
    name: 'witness stripped',
    code: 'WITNESS_STRIPPED',
    build: (c) => pay({ ...c.fund(COIN), key: undefined }),
  },
];

/** A scriptSig of 1,651 bytes: the 1,651-byte push-only script itself. */
function concatPush(s: Uint8Array): Uint8Array {
  expect(s.length).toBe(1651);
  return s;
}

describe('testAccept and maxFee (local submissions)', () => {
  it('testAccept checks everything accept does and changes nothing', async () => {
    const chain = new FakeChain();
    const mp = chain.mempool();
    const events: string[] = [];
    mp.on('added', (e) => events.push(`added ${e.txid}`));
    mp.on('removed', (e) => events.push(`removed ${e.txid}`));
    const coin = chain.fund(COIN);
    const first = pay(coin, 5000n);
    await mp.accept(first);
    events.length = 0;
    // A valid replacement (higher fee): accept would evict `first`; testAccept must not.
    const replacement = pay(coin, 20_000n);
    expect(await mp.testAccept(replacement)).toEqual({
      txid: replacement.txidHex(),
      wtxid: replacement.wtxidHex(),
      fee: 20_000n,
      vsize: replacement.vsize(),
      weight: replacement.weight(),
    });
    const orphan = pay({
      prevout: new OutPoint(
        outpointOf(first, 0).txid.map((b) => b ^ 1),
        0,
      ),
      value: COIN,
      key: ALICE,
    });
    expect((await rejection(mp.testAccept(orphan))).code).toBe('MISSING_INPUTS');
    expect((await rejection(mp.testAccept(first))).code).toBe('ALREADY_IN_MEMPOOL');
    expect((await rejection(mp.testAccept(pay(chain.fund(COIN), 0n)))).code).toBe('MIN_RELAY_FEE');
    expect(events).toEqual([]);
    expect(mp.txids()).toEqual([first.txidHex()]);
    expect(mp.hasOrphan(orphan.txid())).toBe(false);
    expect(mp.info().orphans).toBe(0);
    invariants(mp);
  });

  it('accept with maxFee refuses a valid tx paying more, after every other check', async () => {
    const chain = new FakeChain();
    const mp = chain.mempool();
    const tx = pay(chain.fund(COIN), 5000n);
    const over = await rejection(mp.accept(tx, { maxFee: 4999n }));
    expect([over.code, over.reason, over.consensus]).toEqual(['MAX_FEE_EXCEEDED', 'max-fee-exceeded', false]);
    expect(mp.txids()).toEqual([]);
    // An invalid tx is reported for what is wrong with it, not for its fee.
    const immature = pay(chain.fund(COIN, { coinbase: true, height: chain.height - 10 }), 5000n);
    expect((await rejection(mp.accept(immature, { maxFee: 1n }))).code).toBe('PREMATURE_COINBASE_SPEND');
    expect((await mp.accept(tx, { maxFee: 5000n })).status).toBe('accepted');
    invariants(mp);
  });
});

describe('rejections', () => {
  it.each(rows)('$name -> $code', async (row) => {
    const chain = new FakeChain();
    const mp = chain.mempool(row.opts);
    const tx = await row.build(chain, mp);
    const before = mp.txids();
    const err = await rejection(mp.accept(tx));
    expect(err.code).toBe(row.code);
    expect(err.consensus).toBe(row.consensus ?? false);
    expect(consequenceOf(err).score).toBe(row.consensus ? 100 : 0);
    expect(err.message.startsWith(err.reason)).toBe(true);
    expect(mp.txids()).toEqual(before);
    invariants(mp);
  });

  it('uses Core reason strings', async () => {
    const chain = new FakeChain();
    const mp = chain.mempool();
    expect((await rejection(mp.accept(pay(chain.fund(COIN), 0n)))).reason).toBe('min relay fee not met');
    expect((await rejection(mp.accept(pay({ ...chain.fund(COIN), key: BOB })))).reason).toBe(
      'mandatory-script-verify-flag-failed',
    );
    expect((await rejection(mp.accept(pay({ ...chain.fund(COIN), highS: true })))).reason).toBe(
      'non-mandatory-script-verify-flag',
    );
    const dust = signedSpend([chain.fund(COIN)], [payTo(BOB, 100n)]);
    expect((await rejection(mp.accept(dust))).reason).toBe('dust');
  });
});

describe('boundaries that are accepted', () => {
  const accepted: { name: string; build(c: FakeChain): Tx }[] = [
    { name: 'version 1', build: (c) => pay(c.fund(COIN), 1000n, { version: 1 }) },
    {
      name: 'P2WPKH output of exactly 294 sat',
      build: (c) => signedSpend([c.fund(COIN)], [payTo(BOB, COIN / 2n), payTo(BOB, 294n)]),
    },
    {
      name: 'P2PKH output of exactly 546 sat',
      build: (c) => signedSpend([c.fund(COIN)], [payTo(BOB, COIN / 2n), new TxOut(546n, BOB.p2pkh)]),
    },
    {
      name: 'one OP_RETURN of 83 bytes',
      build: (c) =>
        signedSpend([c.fund(COIN)], [payTo(BOB, COIN / 2n), new TxOut(0n, nullData(new Uint8Array(80)))]),
    },
    { name: 'fee of exactly 1 sat/vB', build: (c) => payAtRate(c.fund(COIN), 1) },
    { name: 'coinbase spent at depth 100', build: (c) => pay(c.fund(COIN, { height: 201, coinbase: true })) },
    {
      name: 'locktime at the tip height',
      build: (c) => pay({ ...c.fund(COIN), sequence: 0xfffffffe }, 1000n, { locktime: c.height }),
    },
    {
      name: 'non-final locktime with every input final',
      build: (c) => pay(c.fund(COIN), 1000n, { locktime: c.height + 100 }),
    },
    {
      name: 'BIP68 height lock just reached',
      build: (c) => pay({ ...c.fund(COIN, { height: 295 }), sequence: 6 }),
    },
    {
      name: 'BIP68 time lock just reached',
      build: (c) => pay({ ...c.fund(COIN, { height: 299 }), sequence: SEQUENCE_LOCKTIME_TYPE_FLAG | 2 }),
    },
    {
      name: 'BIP68 ignored in version 1',
      build: (c) => pay({ ...c.fund(COIN, { height: 295 }), sequence: 100 }, 1000n, { version: 1 }),
    },
    {
      name: 'P2WSH spend within the witness limits',
      build: (c) =>
        signedSpend(
          [
            {
              ...c.fund(COIN, { script: p2wsh(sha256(witnessScript)) }),
              key: undefined,
              witness: [new Uint8Array(80), witnessScript],
            },
          ],
          [payTo(BOB, COIN / 2n)],
        ),
    },
  ];
  it.each(accepted)('$name', async ({ build }) => {
    const chain = new FakeChain();
    const mp = chain.mempool();
    const r = await mp.accept(build(chain));
    expect(r.status).toBe('accepted');
    invariants(mp);
  });
});
