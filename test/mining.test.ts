/**
 * Block templates (node/mining/template.ts): ancestor-feerate selection as Core's
 * addPackageTxs, limits, the coinbase (BIP34 height, reward, extra nonce) and the BIP141
 * commitment, each template checked by the consensus block rules.
 */
import { describe, expect, it } from 'vitest';
import { checkBlock, checkBlockContextual } from '../node/consensus/block-check.js';
import { blockSubsidy } from '../node/consensus/subsidy.js';
import { extraNonceOf, withExtraNonce } from '../node/mining/coinbase.js';
import { type BlockTemplate, buildBlockTemplate, type TemplateCandidate } from '../node/mining/template.js';
import { Block } from '../node/protocol/block.js';
import { equal } from '../node/protocol/bytes.js';
import { sha256 } from '../node/protocol/hash.js';
import { isWitnessCommitmentScript } from '../node/protocol/merkle.js';
import { type NetworkParams, regtest } from '../node/protocol/params.js';
import { pushInt } from '../node/protocol/script/script.js';
import { p2wpkh } from '../node/protocol/script/templates.js';
import { OutPoint, Tx, TxIn, TxOut } from '../node/protocol/tx.js';

const PAYOUT = p2wpkh(new Uint8Array(20).fill(7));
const MTP = regtest.genesis.header.time;
let seq = 0;

interface TxSpec {
  /** Parents and the output of each that this spends. */
  spends?: [Tx, number][];
  witness?: boolean;
  locktime?: number;
  sequence?: number;
}

function mkTx(spec: TxSpec = {}): Tx {
  const spends = spec.spends ?? [];
  const prevouts =
    spends.length > 0
      ? spends.map(([p, vout]) => new OutPoint(p.txid(), vout))
      : [new OutPoint(sha256(Uint8Array.of(seq >> 8, seq++ & 0xff, 0x99)), 0)];
  const witness = spec.witness ? [new Uint8Array(72).fill(1), new Uint8Array(33).fill(2)] : [];
  return new Tx({
    version: 2,
    inputs: prevouts.map((op) => new TxIn(op, new Uint8Array(0), spec.sequence ?? 0xfffffffd, witness)),
    // Distinct values keep txs spending the same outpoints distinct.
    outputs: [0, 1, 2].map(() => new TxOut(BigInt(10_000 + seq++), PAYOUT)),
    locktime: spec.locktime ?? 0,
  });
}

/** A candidate paying `rate` sat/vB (rounded), parents taken from what it spends. */
function cand(tx: Tx, rate: number, sigopCost = 0): TemplateCandidate {
  const parents = [...new Set(tx.inputs.map((i) => i.prevout.txid))].map((t) =>
    Array.from(t)
      .reverse()
      .map((b) => b.toString(16).padStart(2, '0'))
      .join(''),
  );
  return {
    tx,
    fee: BigInt(Math.round(rate * tx.vsize())),
    vsize: tx.vsize(),
    weight: tx.weight(),
    sigopCost,
    parents,
  };
}

function template(
  candidates: TemplateCandidate[],
  over: Partial<Parameters<typeof buildBlockTemplate>[0]> = {},
): BlockTemplate {
  const height = over.height ?? 1;
  return buildBlockTemplate({
    params: regtest,
    prevHash: regtest.genesisHash,
    height,
    bits: regtest.powLimitBits,
    time: MTP + 1,
    coinbaseScript: PAYOUT,
    candidates,
    subsidy: blockSubsidy(height, regtest),
    ...over,
  });
}

function order(t: BlockTemplate): Tx[] {
  return t.block.txs.slice(1);
}

/** Context-free and contextual block rules (PoW aside: templates are unsolved). */
function expectValid(t: BlockTemplate, height = 1, params: NetworkParams = regtest): void {
  expect(() => checkBlock(t.block, params)).not.toThrow();
  expect(() => checkBlockContextual(t.block, { height, medianTimePast: MTP }, params)).not.toThrow();
}

describe('template: selection', () => {
  it('orders independent transactions by fee rate', () => {
    const [a, b, c] = [mkTx(), mkTx(), mkTx()];
    const t = template([cand(a, 5), cand(b, 20), cand(c, 10)]);
    expect(order(t)).toEqual([b, c, a]);
    expectValid(t);
  });

  it('mines a low-fee parent for its high-fee child (CPFP), parent first', () => {
    const parent = mkTx();
    const child = mkTx({ spends: [[parent, 0]] });
    const other = mkTx();
    const t = template([cand(child, 50), cand(other, 20), cand(parent, 1)]);
    expect(order(t)).toEqual([parent, child, other]);
    expectValid(t);
  });

  it('scores a low-fee child by its own rate once its parent is in (modified package)', () => {
    const parent = mkTx();
    const child = mkTx({ spends: [[parent, 0]] });
    const other = mkTx();
    const t = template([cand(child, 2), cand(parent, 30), cand(other, 10)]);
    expect(order(t)).toEqual([parent, other, child]);
  });

  it('puts every ancestor of a diamond before its descendants', () => {
    const a = mkTx();
    const b = mkTx({ spends: [[a, 0]] });
    const c = mkTx({ spends: [[a, 1]] });
    const d = mkTx({
      spends: [
        [b, 0],
        [c, 0],
      ],
    });
    const t = template([cand(d, 100), cand(c, 10), cand(b, 10), cand(a, 10)]);
    const got = order(t);
    expect(got).toHaveLength(4);
    expect(got[0]).toBe(a);
    expect(got[3]).toBe(d);
    // The diamond's top is counted once in the package fee rate and the totals.
    expect(t.fees).toBe(
      [a, b, c, d].reduce((s, x, i) => s + BigInt(Math.round([10, 10, 10, 100][i]! * x.vsize())), 0n),
    );
    expectValid(t);
  });

  it('keeps random dependency graphs in topological order', () => {
    let state = 12345;
    const rand = (n: number): number => {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      return state % n;
    };
    for (let round = 0; round < 20; round++) {
      const txs: Tx[] = [];
      const cands: TemplateCandidate[] = [];
      for (let i = 0; i < 40; i++) {
        const nParents = i === 0 ? 0 : rand(3);
        const spends = new Map<Tx, number>();
        for (let k = 0; k < nParents; k++) spends.set(txs[rand(txs.length)]!, k);
        const tx = mkTx({ spends: [...spends] });
        txs.push(tx);
        cands.push(cand(tx, 1 + rand(100)));
      }
      const limit = 4000 + 20 * txs[0]!.weight();
      const t = template(cands.reverse(), { maxWeight: limit });
      const seen = new Set<string>();
      for (const tx of order(t)) {
        for (const i of tx.inputs) {
          const p = i.prevout.txid;
          if (txs.some((x) => equal(x.txid(), p)))
            expect(seen.has(Buffer.from(p).toString('hex'))).toBe(true);
        }
        seen.add(Buffer.from(tx.txid()).toString('hex'));
      }
      expect(t.weight).toBeLessThanOrEqual(limit);
      expectValid(t);
    }
  });

  it('respects a tiny weight limit, skipping a package too big for what is left', () => {
    const small = [mkTx(), mkTx(), mkTx(), mkTx()];
    const big = mkTx({
      spends: [
        [mkTx(), 0],
        [mkTx(), 1],
        [mkTx(), 2],
      ],
    });
    const w = small[0]!.weight();
    expect(big.weight()).toBeGreaterThan(w);
    const maxWeight = 4000 + 2 * w + 1;
    expect(big.weight()).toBeLessThan(2 * w);
    // s0 goes in; big (next best) no longer fits beside it; s1 still does; then the block is full.
    const t = template(
      [cand(small[0]!, 40), cand(big, 35), cand(small[1]!, 30), cand(small[2]!, 20), cand(small[3]!, 10)],
      { maxWeight },
    );
    expect(order(t)).toEqual([small[0], small[1]]);
    expect(t.weight).toBeLessThanOrEqual(maxWeight);
    expectValid(t);
  });

  it('leaves out what would break the sigop-cost limit (400 reserved for the coinbase)', () => {
    const heavy = mkTx();
    const light = mkTx();
    const t = template([cand(heavy, 100, 79_600), cand(light, 1, 100)]);
    expect(order(t)).toEqual([light]);
    // The P2WPKH payout and the commitment carry no legacy sigops.
    expect(t.sigopCost).toBe(100);
  });

  it('stops below the minimum fee rate', () => {
    const [a, b] = [mkTx(), mkTx()];
    const t = template([cand(a, 5), cand(b, 0.5)], { minFeeRate: 1000n });
    expect(order(t)).toEqual([a]);
  });

  it('leaves out non-final transactions and their descendants when given the median time past', () => {
    const nonFinal = mkTx({ locktime: 50 });
    const child = mkTx({ spends: [[nonFinal, 0]] });
    const fine = mkTx({ locktime: 0 });
    const cands = [cand(nonFinal, 10), cand(child, 10), cand(fine, 5)];
    expect(order(template(cands, { medianTimePast: MTP }))).toEqual([fine]);
    // Final by sequence: every input 0xffffffff.
    const seqFinal = mkTx({ locktime: 50, sequence: 0xffffffff });
    expect(order(template([cand(seqFinal, 1)], { medianTimePast: MTP }))).toEqual([seqFinal]);
  });

  it('rejects duplicate candidates', () => {
    const a = mkTx();
    expect(() => template([cand(a, 1), cand(a, 2)])).toThrow(RangeError);
  });
});

describe('template: coinbase and header', () => {
  it('pays subsidy plus fees to the coinbase script', () => {
    const txs = [mkTx(), mkTx(), mkTx()];
    const cands = txs.map((tx, i) => cand(tx, 3 + i));
    const t = template(cands, { height: 151 });
    const fees = cands.reduce((s, c) => s + c.fee, 0n);
    expect(t.fees).toBe(fees);
    expect(blockSubsidy(151, regtest)).toBe(25n * 100_000_000n);
    expect(t.reward).toBe(25n * 100_000_000n + fees);
    const cb = t.block.txs[0]!;
    expect(cb.outputs[0]!.value).toBe(t.reward);
    expect(equal(cb.outputs[0]!.script, PAYOUT)).toBe(true);
    expect(cb.version).toBe(2);
    expect(cb.inputs[0]!.sequence).toBe(0xffffffff);
    expect(t.txCount).toBe(4);
    expect(t.weight).toBe(t.block.weight());
    expectValid(t, 151);
  });

  it.each([1, 16, 17, 127, 128, 255, 256, 32_767, 32_768, 500_000, 2 ** 31])(
    'puts the BIP34 height %i first in the coinbase scriptSig',
    (height) => {
      const t = template([], { height });
      const script = t.block.txs[0]!.inputs[0]!.script;
      const prefix = pushInt(height);
      expect(equal(script.subarray(0, prefix.length), prefix)).toBe(true);
      expect(script.length).toBeGreaterThanOrEqual(2);
      expect(script.length).toBeLessThanOrEqual(100);
      expectValid(t, height);
    },
  );

  it('writes heights 1..16 as OP_1..OP_16, as CScript() << height does', () => {
    expect(template([], { height: 1 }).block.txs[0]!.inputs[0]!.script[0]).toBe(0x51);
    expect(template([], { height: 16 }).block.txs[0]!.inputs[0]!.script[0]).toBe(0x60);
  });

  it('commits to witness data (BIP141) and the consensus check agrees', () => {
    const w = mkTx({ witness: true });
    const parent = mkTx();
    const wChild = mkTx({ spends: [[parent, 0]], witness: true });
    const t = template([cand(w, 5), cand(parent, 5), cand(wChild, 5)]);
    expect(order(t)).toHaveLength(3);
    const cb = t.block.txs[0]!;
    expect(cb.inputs[0]!.witness).toHaveLength(1);
    expect(equal(cb.inputs[0]!.witness[0]!, new Uint8Array(32))).toBe(true);
    expect(t.block.witnessCommitmentIndex()).toBe(cb.outputs.length - 1);
    expect(cb.outputs[1]!.value).toBe(0n);
    expectValid(t);

    // A wrong commitment is caught by the same check: tamper with a witness tx.
    const tampered = mkTx({ witness: true });
    const bad = buildBlockTemplate({
      params: regtest,
      prevHash: regtest.genesisHash,
      height: 1,
      bits: regtest.powLimitBits,
      time: MTP + 1,
      coinbaseScript: PAYOUT,
      candidates: [cand(tampered, 1)],
      subsidy: 0n,
    });
    const swapped = new Tx({
      version: tampered.version,
      inputs: [
        new TxIn(tampered.inputs[0]!.prevout, tampered.inputs[0]!.script, tampered.inputs[0]!.sequence, [
          Uint8Array.of(9),
        ]),
      ],
      outputs: tampered.outputs,
      locktime: tampered.locktime,
    });
    const forged = new Block(bad.block.header, [bad.block.txs[0]!, swapped]);
    expect(() => checkBlockContextual(forged, { height: 1, medianTimePast: MTP }, regtest)).toThrow(
      /witness merkle/,
    );
  });

  it('adds the commitment even without witness transactions, as Core does', () => {
    const t = template([cand(mkTx(), 1)]);
    const outs = t.block.txs[0]!.outputs;
    expect(outs).toHaveLength(2);
    expect(isWitnessCommitmentScript(outs[1]!.script)).toBe(true);
    expectValid(t);
  });

  it('builds the header over the merkle root', () => {
    const t = template([cand(mkTx(), 1), cand(mkTx(), 2)], { time: MTP + 77 });
    const h = t.block.header;
    expect(equal(h.merkleRoot, t.block.merkleRoot().root)).toBe(true);
    expect(equal(h.prevBlock, regtest.genesisHash)).toBe(true);
    expect(h.version).toBe(0x20000000);
    expect(h.time).toBe(MTP + 77);
    expect(h.bits).toBe(0x207fffff);
    expect(h.nonce).toBe(0);
  });

  it('takes an extra nonce and coinbase flags, within 100 bytes', () => {
    const flags = new TextEncoder().encode('/gossip-ledger/');
    const t = template([], { height: 300, extraNonce: 70_000, coinbaseFlags: flags });
    const cb = t.block.txs[0]!;
    expect(extraNonceOf(cb)).toBe(70_000);
    expect(Buffer.from(cb.inputs[0]!.script).toString('latin1').endsWith('/gossip-ledger/')).toBe(true);
    expectValid(t, 300);
    expect(() => template([], { coinbaseFlags: new Uint8Array(99) })).toThrow(RangeError);
    expect(() => template([], { extraNonce: -1 })).toThrow(RangeError);
  });

  it('rolls the extra nonce: new coinbase txid and merkle root, commitment still valid', () => {
    const t = template([cand(mkTx({ witness: true }), 3)], {
      height: 42,
      coinbaseFlags: Uint8Array.of(1, 2, 3),
    });
    const rolled = withExtraNonce(t.block, 0xffffffff);
    expect(extraNonceOf(rolled.txs[0]!)).toBe(0xffffffff);
    expect(equal(rolled.txs[0]!.txid(), t.block.txs[0]!.txid())).toBe(false);
    expect(equal(rolled.header.merkleRoot, t.block.header.merkleRoot)).toBe(false);
    const script = rolled.txs[0]!.inputs[0]!.script;
    expect(Array.from(script.subarray(script.length - 3))).toEqual([1, 2, 3]);
    expect(() => checkBlock(rolled, regtest)).not.toThrow();
    expect(() => checkBlockContextual(rolled, { height: 42, medianTimePast: MTP }, regtest)).not.toThrow();
  });
});
