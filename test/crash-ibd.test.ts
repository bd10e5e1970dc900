/**
 * Crash safety during initial block download with the coin view (issue 22): a regtest
 * `gossip-node` in a child process syncs a 1,200-block chain of spends from a node in this
 * process (`--connect`) and is killed with SIGKILL at random moments, a quarter of them during
 * its startup (when it replays the coin changes of the blocks above its last flush). First with
 * a coin view large enough that it never flushes while syncing (`--dbcache 256`: every kill
 * loses the whole view), then with one that flushes every few dozen blocks (`--dbcache 1`, so
 * kills also land during flushes). After every kill a fresh process opens the data dir, without
 * a peer, and must show
 *   - every block any earlier run logged as connected, at its height, and nothing else: the
 *     chain here is the only one, so its main chain is a prefix of it, and
 *   - a `gettxoutsetinfo` equal to the UTXO set computed here by replaying the same blocks
 *     (helpers/crash-utxo.ts, independent of the node's chain code).
 * At the end the node syncs the whole chain, stops cleanly (which flushes: the next start replays
 * nothing) and its UTXO set is checked the same way.
 *
 * The kill schedule is seeded: CRASH_SEED=<seed> replays it (process timing still varies).
 */
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Block } from '../node/protocol/block.js';
import { regtest } from '../node/protocol/params.js';
import { OutPoint, type Tx, TxOut } from '../node/protocol/tx.js';
import { ANYONE, makeBlock, spend } from './helpers/blocks.js';
import { CLI, killAll, NodeProcess, ROOT } from './helpers/crash-node.js';
import { UtxoReplay } from './helpers/crash-utxo.js';
import { type NetNode, startNetNode, stopNetNodes, waitFor } from './helpers/p2p.js';
import { prng } from './helpers/prng.js';

const SEED = process.env.CRASH_SEED ? Number(process.env.CRASH_SEED) : randomInt(2 ** 31);
const BLOCKS = 1_200;
const MATURE = 110;
/** Outputs each spend block's split makes, and how many of the previous split it spends. */
const SPLIT = 24;
const RESPEND = 12;
const ROUNDS_PER_CACHE = 4;
const START_TIMEOUT_MS = 120_000;
const STARTUP_KILL_MS = [50, 1_500] as const;
const SYNCING_KILL_MS = [100, 2_500] as const;

/**
 * MATURE coinbase-only blocks, then blocks that each split a matured coinbase in SPLIT outputs
 * and spend RESPEND of the previous block's split: coins live for one block, or for good.
 * Times end an hour ago, so the source is out of initial download and serves headers.
 */
function buildChain(): Block[] {
  const t0 = Math.floor(Date.now() / 1000) - 3_600 - 60 * BLOCKS;
  const out: Block[] = [];
  let prev = regtest.genesisHash;
  let last: Tx | null = null;
  for (let h = 1; h <= BLOCKS; h++) {
    const txs: Tx[] = [];
    if (h > MATURE) {
      const cb = out[h - MATURE - 1]!.txs[0]!;
      const value = cb.outputs[0]!.value / BigInt(SPLIT + 1);
      const split = spend(
        [new OutPoint(cb.txid(), 0)],
        Array.from({ length: SPLIT }, () => new TxOut(value, ANYONE)),
      );
      txs.push(split);
      if (last) {
        const ins = Array.from({ length: RESPEND }, (_, i) => new OutPoint(last!.txid(), i * 2));
        txs.push(spend(ins, [new TxOut(last.outputs[0]!.value * BigInt(RESPEND) - 10_000n, ANYONE)]));
      }
      last = split;
    }
    const b = makeBlock({ prev, height: h, time: t0 + 60 * h, txs });
    out.push(b);
    prev = b.hash();
  }
  return out;
}

describe('crash safety during initial block download, with the coin view', () => {
  const chain = buildChain();
  let source: NetNode;
  let datadir = '';
  /** height -> hash of every block any run logged as connected. */
  const reported = new Map<number, string>();
  /** Restarts that replayed coin changes (logged `coins replayed` before listening). */
  let replays = 0;

  beforeAll(async () => {
    console.log(`crash-ibd seed=${SEED} (rerun with CRASH_SEED=${SEED})`);
    if (!existsSync(CLI))
      execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, timeout: 120_000 });
    source = await startNetNode();
    for (const b of chain) {
      const r = await source.node.chain.addBlock(b);
      if (r.status !== 'connected') throw new Error(`source refused block ${r.height}: ${r.status}`);
    }
    datadir = mkdtempSync(join(tmpdir(), 'gossip-crash-ibd-'));
  }, 600_000);

  afterEach(killAll);

  afterAll(async () => {
    await killAll();
    await stopNetNodes();
    if (datadir) rmSync(datadir, { recursive: true, force: true });
  });

  function syncing(dbcache: number): NodeProcess {
    return NodeProcess.spawn({
      datadir,
      extraArgs: ['--connect', source.addr, '--dbcache', String(dbcache), '--log-level', 'debug'],
      onConnected: (h, hash) => {
        reported.set(h, hash);
      },
    });
  }

  /** Opens the data dir with no peer and checks its chain and UTXO set; returns its height. */
  async function verify(ctx: string): Promise<number> {
    const node = NodeProcess.spawn({ datadir, extraArgs: ['--dbcache', '256'] });
    await node.waitListening(START_TIMEOUT_MS);
    if (node.log().includes('coins replayed')) replays++;
    const info = await node.rpc<{
      height: number;
      bestblock: string;
      txouts: number;
      hash_serialized: string;
    }>('gettxoutsetinfo');
    expect(info.bestblock, `${ctx}: tip`).toBe(
      info.height === 0 ? regtest.genesisHashHex : chain[info.height - 1]!.hashHex(),
    );
    const lost = [...reported].filter(([h, hash]) => h > info.height || chain[h - 1]!.hashHex() !== hash);
    expect(
      lost.slice(0, 5),
      `${ctx}: blocks reported connected, gone after the restart (tip ${info.height})`,
    ).toEqual([]);
    const utxo = new UtxoReplay();
    for (let h = 1; h <= info.height; h++) utxo.apply(chain[h - 1]!, h);
    const want = utxo.stats();
    expect({ txouts: info.txouts, hash: info.hash_serialized }, `${ctx}: UTXO set at ${info.height}`).toEqual(
      {
        txouts: want.count,
        hash: want.hash,
      },
    );
    await node.kill();
    return info.height;
  }

  it(`keeps every reported block and a UTXO set matching them over ${2 * ROUNDS_PER_CACHE} kills while syncing`, async () => {
    const rand = prng(SEED);
    let height = 0;
    let midSync = 0;
    for (const dbcache of [256, 1]) {
      for (let round = 0; round < ROUNDS_PER_CACHE; round++) {
        const ctx = `seed ${SEED}, dbcache ${dbcache}, round ${round}`;
        const fromSpawn = rand() < 0.25;
        const [lo, hi] = fromSpawn ? STARTUP_KILL_MS : SYNCING_KILL_MS;
        const ms = lo + Math.floor(rand() * (hi - lo));
        const node = syncing(dbcache);
        let timer: NodeJS.Timeout | undefined;
        const arm = () => {
          timer = setTimeout(() => node.child.kill('SIGKILL'), ms);
        };
        if (fromSpawn) arm();
        try {
          await node.waitListening(START_TIMEOUT_MS);
          if (!fromSpawn) arm();
        } catch (e) {
          if (!fromSpawn) throw e;
        }
        const exit = await node.exited;
        clearTimeout(timer);
        expect(exit, `${ctx}: the node exited on its own:\n${node.log()}`).toEqual({
          code: null,
          signal: 'SIGKILL',
        });
        const before = height;
        height = await verify(ctx);
        if (height > before && height < BLOCKS) midSync++;
        console.log(
          `${ctx}: killed ${ms} ms after ${fromSpawn ? 'spawn' : 'listening'}; restarted at height ${height}`,
        );
      }
    }
    // A last run syncs to the end.
    const node = syncing(32);
    await node.waitListening(START_TIMEOUT_MS);
    await waitFor(
      `height ${BLOCKS}`,
      () => (reported.get(BLOCKS) ?? '') === chain[BLOCKS - 1]!.hashHex(),
      300_000,
    );
    expect(await node.stop(60_000)).toEqual({ code: 0, signal: null });
    // A clean stop flushes the coin view: nothing to replay.
    const replaysBefore = replays;
    expect(await verify('after the full sync')).toBe(BLOCKS);
    expect(replays, 'a start after a clean stop replayed coins').toBe(replaysBefore);
    console.log(
      `crash-ibd seed=${SEED}: ${midSync} kills left the node mid-sync, ${replays} starts replayed coins`,
    );
  }, 1_200_000);
});
