/**
 * Consensus rules through the chain: for each rule, a block that breaks exactly that rule is
 * rejected with its own code, and the tip and the UTXO set are unchanged afterwards. (The pure
 * rule table, with every code, is test/consensus-rules.test.ts.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Chain } from '../node/chain/chain.js';
import type { RuleCode } from '../node/consensus/errors.js';
import { Block } from '../node/protocol/block.js';
import { concat } from '../node/protocol/bytes.js';
import { BlockHeader } from '../node/protocol/header.js';
import { merkleRoot } from '../node/protocol/merkle.js';
import { regtest } from '../node/protocol/params.js';
import { checkProofOfWork } from '../node/protocol/pow.js';
import { OutPoint, Tx, TxIn, TxOut } from '../node/protocol/tx.js';
import { ANYONE, chainOf, coinbase, makeBlock, spend } from './helpers/blocks.js';

const T0 = regtest.genesis.header.time + 600;
const NOW = 2_000_000_000;
let dir: string;
let chain: Chain;
let base: Block[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gl-chain-rules-'));
  chain = await Chain.open({ params: regtest, path: dir }, { now: () => NOW });
  base = chainOf(120, regtest.genesisHash, 1, T0);
  for (const b of base) await chain.addBlock(b);
});

afterAll(async () => {
  await chain.close();
  rmSync(dir, { recursive: true, force: true });
});

const H = 121;
const tipTime = () => T0 + 600 * 120;
const coin = (height: number) => new OutPoint(base[height - 1]!.txs[0]!.txid(), 0);
const next = (txs: Tx[] = [], extra: Partial<Parameters<typeof makeBlock>[0]> = {}) =>
  makeBlock({ prev: base[119]!.hash(), height: H, time: tipTime(), txs, ...extra });

/** Re-mines a block after its header or transactions were edited by hand. */
function remine(
  header: Partial<ConstructorParameters<typeof BlockHeader>[0]>,
  txs: readonly Tx[],
  fixRoot = true,
): Block {
  const h0 = next().header;
  for (let nonce = 0; ; nonce++) {
    const h = new BlockHeader({
      version: header.version ?? h0.version,
      prevBlock: header.prevBlock ?? h0.prevBlock,
      merkleRoot: fixRoot ? merkleRoot(txs.map((t) => t.txid())).root : (header.merkleRoot ?? h0.merkleRoot),
      time: header.time ?? h0.time,
      bits: header.bits ?? h0.bits,
      nonce,
    });
    if (checkProofOfWork(h.hash(), h.bits, regtest.powLimit)) return new Block(h, txs);
  }
}

/** Regtest subsidy at height 121 (halving every 150). */
const value = 5_000_000_000n;
const rows: { name: string; block: () => Block; code: RuleCode }[] = [
  {
    name: 'proof of work above the target',
    code: 'HIGH_HASH',
    block: () => {
      const b = next();
      for (let nonce = 0; ; nonce++) {
        const h = new BlockHeader({ ...b.header, nonce });
        if (!checkProofOfWork(h.hash(), h.bits, regtest.powLimit)) return new Block(h, b.txs);
      }
    },
  },
  { name: 'bits not the required value', code: 'BAD_DIFFBITS', block: () => next([], { bits: 0x207ffffe }) },
  {
    name: 'time at the median time past',
    code: 'TIME_TOO_OLD',
    block: () => next([], { time: T0 + 600 * 114 }),
  },
  { name: 'time beyond now + 2 h', code: 'TIME_TOO_NEW', block: () => next([], { time: NOW + 7201 }) },
  {
    name: 'merkle root wrong',
    code: 'BAD_MERKLE_ROOT',
    block: () => remine({ merkleRoot: new Uint8Array(32) }, next().txs, false),
  },
  {
    name: 'duplicated transaction (CVE-2012-2459)',
    code: 'DUPLICATE_TX',
    block: () => {
      const t = spend([coin(1)], [new TxOut(1000n, ANYONE)]);
      const b = next([t, spend([coin(2)], [new TxOut(1000n, ANYONE)])]);
      return remine({}, [...b.txs, b.txs[2]!]);
    },
  },
  {
    name: 'no coinbase',
    code: 'COINBASE_MISSING',
    block: () => remine({}, [spend([coin(1)], [new TxOut(1000n, ANYONE)])]),
  },
  {
    name: 'two coinbases',
    code: 'COINBASE_MULTIPLE',
    block: () => {
      const b = next();
      return remine({}, [...b.txs, coinbase(H, 1000n, ANYONE, 9)]);
    },
  },
  {
    name: 'coinbase without the BIP34 height',
    code: 'COINBASE_HEIGHT',
    block: () => makeBlock({ prev: base[119]!.hash(), height: H + 1, time: tipTime() }),
  },
  {
    name: 'coinbase pays more than subsidy + fees',
    code: 'COINBASE_AMOUNT',
    block: () => next([], { coinbaseValue: value + 1n }),
  },
  {
    name: 'witness commitment does not match',
    code: 'WITNESS_MERKLE_MISMATCH',
    block: () => {
      const b = next();
      const cb = b.txs[0]!;
      const outs = cb.outputs.map((o, i) =>
        i === 1 ? new TxOut(0n, concat(o.script.subarray(0, 6), new Uint8Array(32))) : o,
      );
      return remine({}, [
        new Tx({ version: cb.version, locktime: cb.locktime, inputs: cb.inputs, outputs: outs }),
      ]);
    },
  },
  {
    name: 'witness data without a commitment',
    code: 'UNEXPECTED_WITNESS',
    block: () => {
      const b = next([spend([coin(1)], [new TxOut(1000n, ANYONE)])]);
      const cb = b.txs[0]!;
      const bare = new Tx({
        version: cb.version,
        locktime: 0,
        inputs: [new TxIn(cb.inputs[0]!.prevout, cb.inputs[0]!.script, cb.inputs[0]!.sequence)],
        outputs: [cb.outputs[0]!],
      });
      return remine({}, [bare, b.txs[1]!]);
    },
  },
  {
    name: 'a transaction not final at this height',
    code: 'TX_NONFINAL',
    block: () => next([spend([coin(1)], [new TxOut(1000n, ANYONE)], { locktime: H })]),
  },
  {
    name: 'input missing',
    code: 'TX_MISSING_INPUTS',
    block: () => next([spend([new OutPoint(new Uint8Array(32).fill(7), 0)], [new TxOut(1000n, ANYONE)])]),
  },
  {
    name: 'double spend inside the block',
    code: 'TX_MISSING_INPUTS',
    block: () =>
      next([spend([coin(1)], [new TxOut(1000n, ANYONE)]), spend([coin(1)], [new TxOut(2000n, ANYONE)])]),
  },
  {
    name: 'coinbase spent before 100 confirmations',
    code: 'TX_PREMATURE_COINBASE_SPEND',
    block: () => next([spend([coin(30)], [new TxOut(1000n, ANYONE)])]),
  },
  {
    name: 'outputs above inputs',
    code: 'TX_IN_BELOW_OUT',
    block: () => next([spend([coin(1)], [new TxOut(value + 1n, ANYONE)])]),
  },
  {
    name: 'negative output',
    code: 'TX_OUTPUT_NEGATIVE',
    block: () => next([spend([coin(1)], [new TxOut(-1n, ANYONE)])]),
  },
  {
    name: 'duplicate inputs',
    code: 'TX_DUPLICATE_INPUTS',
    block: () => next([spend([coin(1), coin(1)], [new TxOut(1000n, ANYONE)])]),
  },
  {
    name: 'relative lock (BIP68) not yet met',
    code: 'TX_SEQUENCE_LOCKS',
    block: () => next([spend([coin(20)], [new TxOut(1000n, ANYONE)], { sequence: 200 })]),
  },
  {
    name: 'script fails (witness does not satisfy the output)',
    code: 'SCRIPT_FAILED',
    block: () => {
      const t = spend([coin(1)], [new TxOut(1000n, ANYONE)]);
      const bad = new Tx({
        version: t.version,
        locktime: t.locktime,
        outputs: t.outputs,
        inputs: [
          new TxIn(t.inputs[0]!.prevout, new Uint8Array(0), t.inputs[0]!.sequence, [Uint8Array.of(0x00)]),
        ],
      });
      return next([bad]);
    },
  },
];

describe('each rule through the chain', () => {
  it.each(rows)('$name -> $code, tip and UTXO set unchanged', async ({ block, code }) => {
    const before = await chain.utxoStats();
    await expect(chain.addBlock(block())).rejects.toMatchObject({ code });
    expect(await chain.utxoStats()).toEqual(before);
    expect(chain.tip.hashHex).toBe(base[119]!.hashHex());
  });

  it('still accepts the valid block afterwards', async () => {
    const ok = next([spend([coin(1)], [new TxOut(1000n, ANYONE)])], { tag: 77 });
    expect((await chain.addBlock(ok)).status).toBe('connected');
  });
});
