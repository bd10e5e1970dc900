/**
 * assumevalid through the chain (Core's feature_assumevalid.py, in-process): a block with an
 * invalid script is connected without its scripts checked when it is an ancestor of the
 * assumed-valid block and of the best header and more than two weeks of work (2,016 regtest
 * blocks) below it; the same block is rejected with its script error as a fork, above the
 * assumed block, with too little work on top, or with the setting off.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Chain } from '../node/chain/chain.js';
import { RuleError } from '../node/consensus/errors.js';
import type { Block } from '../node/protocol/block.js';
import type { BlockHash } from '../node/protocol/ids.js';
import { regtest } from '../node/protocol/params.js';
import { OutPoint, Tx, TxIn, TxOut } from '../node/protocol/tx.js';
import { ANYONE, chainOf, makeBlock } from './helpers/blocks.js';

const T0 = regtest.genesis.header.time + 600;
const NOW = 2_000_000_000;
/** Blocks on top of the bad one: more than Core's two weeks at regtest's 600 s spacing (2,016). */
const ABOVE = 2_030;

let base: Block[];
let bad: Block;
let long: Block[];
const dirs: string[] = [];
const chains: Chain[] = [];

/** Spends the first coinbase with a witness script that does not hash to its P2WSH program. */
function badSpend(): Tx {
  const op = new OutPoint(base[0]!.txs[0]!.txid(), 0);
  return new Tx({
    version: 2,
    locktime: 0,
    inputs: [new TxIn(op, new Uint8Array(0), 0xfffffffe, [Uint8Array.of(0x52)])],
    outputs: [new TxOut(1000n, ANYONE)],
  });
}

beforeAll(() => {
  base = chainOf(101, regtest.genesisHash, 1, T0);
  bad = makeBlock({ prev: base[100]!.hash(), height: 102, time: T0 + 600 * 101, txs: [badSpend()] });
  long = [...base, bad, ...chainOf(ABOVE, bad.hash(), 103, T0 + 600 * 102)];
});

afterEach(async () => {
  for (const c of chains.splice(0)) await c.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function open(assumeValid: BlockHash | null): Promise<Chain> {
  const dir = mkdtempSync(join(tmpdir(), 'gl-assume-valid-'));
  dirs.push(dir);
  const chain = await Chain.open({ params: regtest, path: dir, assumeValid }, { now: () => NOW });
  chains.push(chain);
  return chain;
}

/** Accepts the headers of `blocks` as a peer would send them, at most 2,000 per message. */
function headers(chain: Chain, blocks: readonly Block[]): void {
  for (let i = 0; i < blocks.length; i += 2000)
    expect(chain.acceptHeaders(blocks.slice(i, i + 2000).map((b) => b.header))).not.toBeNull();
}

async function scriptError(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(RuleError);
  expect((e as RuleError).code).toBe('SCRIPT_FAILED');
  return (e as RuleError).message;
}

describe('assumevalid', () => {
  it('rejects the bad block with its script error when the setting is off', async () => {
    const chain = await open(null);
    headers(chain, long);
    for (const b of base) await chain.addBlock(b);
    expect(await scriptError(chain.addBlock(bad))).toMatch(/SCRIPT_ERR_WITNESS_PROGRAM_MISMATCH/);
    expect(chain.height).toBe(101);
  });

  it('connects the bad block unchecked below the assumed block, two weeks of work deep', async () => {
    const chain = await open(long.at(-1)!.hash());
    headers(chain, long);
    for (const b of long) await chain.addBlock(b);
    expect(chain.height).toBe(long.length);
    expect(chain.isMain(chain.entry(bad.hash())!)).toBe(true);
  }, 120_000);

  it('checks a block above the assumed block', async () => {
    const chain = await open(base[100]!.hash());
    headers(chain, long);
    for (const b of base) await chain.addBlock(b);
    expect(await scriptError(chain.addBlock(bad))).toMatch(/SCRIPT_ERR_WITNESS_PROGRAM_MISMATCH/);
    expect(chain.height).toBe(101);
  });

  it('checks a block on a fork of the assumed chain', async () => {
    const chain = await open(long.at(-1)!.hash());
    headers(chain, long);
    for (const b of base) await chain.addBlock(b);
    const fork = makeBlock({
      prev: base[100]!.hash(),
      height: 102,
      time: T0 + 600 * 101,
      txs: [badSpend()],
      tag: 1,
    });
    expect(await scriptError(chain.addBlock(fork))).toMatch(/SCRIPT_ERR_WITNESS_PROGRAM_MISMATCH/);
    expect(chain.height).toBe(101);
  });

  it('checks an ancestor of the assumed block less than two weeks of work below the best header', async () => {
    const assumed = long[101 + 100]!;
    const chain = await open(assumed.hash());
    headers(chain, long.slice(0, 101 + 200));
    for (const b of base) await chain.addBlock(b);
    expect(await scriptError(chain.addBlock(bad))).toMatch(/SCRIPT_ERR_WITNESS_PROGRAM_MISMATCH/);
    expect(chain.height).toBe(101);
  });
});
