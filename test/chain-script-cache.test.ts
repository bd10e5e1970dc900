/**
 * The script-execution cache between the mempool and the chain (Core's
 * CheckInputsFromMempoolAndCache): a transaction the mempool accepted is not script-checked
 * again when its block connects; one it never saw is; one cached under other flags is; and a
 * block whose transaction shares a cached txid but carries another (invalid) witness is still
 * rejected with SCRIPT_FAILED. Signature checks are counted through the chain's and the
 * mempool's injected ECDSA backends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Chain } from '../node/chain/chain.js';
import { ScriptCache } from '../node/chain/script-cache.js';
import { RuleError } from '../node/consensus/errors.js';
import { blockScriptFlags } from '../node/consensus/script-flags.js';
import { Mempool } from '../node/mempool/mempool.js';
import type { Block } from '../node/protocol/block.js';
import { defaultBackend, type EcdsaBackend } from '../node/protocol/ecdsa.js';
import { type NetworkParams, regtest } from '../node/protocol/params.js';
import { OutPoint, Tx, TxIn } from '../node/protocol/tx.js';
import { makeBlock } from './helpers/blocks.js';
import { payTo, signedSpend, testKey } from './helpers/keys.js';

const KEY = testKey('script-cache');
const T0 = regtest.genesis.header.time + 600;
const dirs: string[] = [];
const open: Chain[] = [];

afterEach(async () => {
  for (const c of open.splice(0)) await c.close().catch(() => undefined);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function counting(): EcdsaBackend & { calls: number } {
  const b = {
    name: defaultBackend.name,
    schnorr: defaultBackend.schnorr,
    calls: 0,
    verify(msg: Uint8Array, sig: Uint8Array, pub: Uint8Array): boolean {
      b.calls++;
      return defaultBackend.verify(msg, sig, pub);
    },
  };
  return b;
}

interface Setup {
  chain: Chain;
  mempool: Mempool;
  cache: ScriptCache;
  chainSigs: ReturnType<typeof counting>;
  mempoolSigs: ReturnType<typeof counting>;
  /** Coinbases of blocks 1..5, paying KEY (mature once 100 more blocks are on them). */
  coins: Tx[];
  blocks: Block[];
  /** Mines `txs` on the tip. */
  mine(txs?: Tx[]): Promise<Block>;
}

async function setup(params: NetworkParams = regtest): Promise<Setup> {
  const dir = mkdtempSync(join(tmpdir(), 'gl-script-cache-'));
  dirs.push(dir);
  const cache = new ScriptCache();
  const chainSigs = counting();
  const mempoolSigs = counting();
  const chain = await Chain.open(
    { params, path: dir, scriptCache: cache, backend: chainSigs },
    { now: () => 2_000_000_000 },
  );
  open.push(chain);
  const mempool = new Mempool(
    { params, scriptCache: cache, backend: mempoolSigs },
    {
      getCoin: (k) => chain.getCoin(k),
      tip: () => ({ height: chain.height, medianTimePast: chain.tip.medianTimePast() }),
      medianTimePast: (h) => chain.entryAt(h)!.medianTimePast(),
      now: () => 2_000_000_000,
    },
  );
  const blocks: Block[] = [];
  const mine = async (txs: Tx[] = []): Promise<Block> => {
    const height = chain.height + 1;
    const b = makeBlock({
      prev: chain.tip.hash,
      height,
      time: T0 + 600 * height,
      txs,
      coinbaseScript: height <= 5 ? KEY.p2wpkh : undefined,
    });
    const r = await chain.addBlock(b);
    if (r.status !== 'connected') throw new Error(`block ${height} not connected: ${r.status}`);
    mempool.removeForBlock(b);
    blocks.push(b);
    return b;
  };
  for (let i = 0; i < 105; i++) await mine();
  const coins = blocks.slice(0, 5).map((b) => b.txs[0]!);
  return { chain, mempool, cache, chainSigs, mempoolSigs, coins, blocks, mine };
}

/** Spends coinbase `cb` (paying KEY) to a P2WPKH output, fee 10,000 sats. */
function spendCoinbase(cb: Tx): Tx {
  const value = cb.outputs[0]!.value;
  return signedSpend(
    [{ prevout: new OutPoint(cb.txid(), 0), value, key: KEY }],
    [payTo(testKey('payee'), value - 10_000n)],
  );
}

describe('script-execution cache', () => {
  it('skips the scripts of a tx the mempool accepted, and uses its entry up', async () => {
    const s = await setup();
    const tx = spendCoinbase(s.coins[0]!);
    expect((await s.mempool.accept(tx)).status).toBe('accepted');
    // Two script runs (standard flags, then the next block's), one signature check.
    expect(s.mempoolSigs.calls).toBe(1);
    expect(s.cache.has(tx.wtxid(), blockScriptFlags(s.chain.height + 1, regtest))).toBe(true);

    const before = s.chainSigs.calls;
    await s.mine([tx]);
    expect(s.chainSigs.calls - before).toBe(0);
    expect(s.cache.size).toBe(0);
    expect(s.mempool.has(tx.txid())).toBe(false);
  });

  it('checks a tx the mempool never saw', async () => {
    const s = await setup();
    const seen = spendCoinbase(s.coins[0]!);
    await s.mempool.accept(seen);
    const unseen = spendCoinbase(s.coins[1]!);
    const before = s.chainSigs.calls;
    await s.mine([seen, unseen]);
    expect(s.chainSigs.calls - before).toBe(1);
  });

  it('checks a tx cached under other flags (a soft fork activated in between)', async () => {
    // CLTV from height 107: the mempool at tip 105 caches under block 106's flags.
    const params: NetworkParams = { ...regtest, activation: { ...regtest.activation, bip65: 107 } };
    const s = await setup(params);
    const tx = spendCoinbase(s.coins[0]!);
    await s.mempool.accept(tx);
    expect(blockScriptFlags(106, params)).not.toBe(blockScriptFlags(107, params));
    await s.mine();
    const before = s.chainSigs.calls;
    await s.mine([tx]);
    expect(s.chain.height).toBe(107);
    expect(s.chainSigs.calls - before).toBe(1);
  });

  it('rejects a block whose tx has a cached txid but another, invalid witness', async () => {
    const s = await setup();
    const tx = spendCoinbase(s.coins[0]!);
    await s.mempool.accept(tx);
    // Same txid (the witness is not in it), different wtxid: a tampered signature.
    const sig = Uint8Array.from(tx.inputs[0]!.witness[0]!);
    sig[10]! ^= 1;
    const forged = new Tx({
      version: tx.version,
      locktime: tx.locktime,
      outputs: tx.outputs,
      inputs: [
        new TxIn(tx.inputs[0]!.prevout, tx.inputs[0]!.script, tx.inputs[0]!.sequence, [
          sig,
          tx.inputs[0]!.witness[1]!,
        ]),
      ],
    });
    expect(forged.txidHex()).toBe(tx.txidHex());
    expect(forged.wtxidHex()).not.toBe(tx.wtxidHex());
    const tip = s.chain.tip.hashHex;
    const height = s.chain.height + 1;
    const bad = makeBlock({ prev: s.chain.tip.hash, height, time: T0 + 600 * height, txs: [forged] });
    const err = await s.chain.addBlock(bad).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RuleError);
    expect((err as RuleError).code).toBe('SCRIPT_FAILED');
    expect(s.chain.tip.hashHex).toBe(tip);

    // The honest tx still connects, from the cache.
    const before = s.chainSigs.calls;
    await s.mine([tx]);
    expect(s.chainSigs.calls - before).toBe(0);
  });

  it('is bounded, oldest entry first out', () => {
    const cache = new ScriptCache({ max: 2 });
    const id = (n: number) => new Uint8Array(32).fill(n);
    cache.add(id(1), 1);
    cache.add(id(2), 1);
    cache.add(id(3), 1);
    expect(cache.size).toBe(2);
    expect(cache.has(id(1), 1)).toBe(false);
    expect(cache.has(id(3), 1)).toBe(true);
    expect(cache.has(id(3), 2)).toBe(false);
    expect(cache.take(id(2), 1)).toBe(true);
    expect(cache.take(id(2), 1)).toBe(false);
  });
});
