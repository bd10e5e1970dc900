/**
 * Core's blockchain RPCs beyond the basic readers (rpc/blockchain.cpp, mempool.cpp):
 * getchaintips, getdifficulty, gettxout, getblockstats, getmempoolancestors and
 * getmempooldescendants, invalidateblock and reconsiderblock.
 */
import type { BlockEntry, MempoolEntry, RpcNode } from '../api.js';
import { blockSubsidy } from '../consensus/subsidy.js';
import { encodeAddress } from '../protocol/address.js';
import { toHex } from '../protocol/bytes.js';
import { coreScriptType } from '../protocol/describe.js';
import { difficultyFromBits } from '../protocol/pow.js';
import { toAsm } from '../protocol/script/script.js';
import { OutPoint, TxOut } from '../protocol/tx.js';
import { blockHashArg, coins, int, str, txidArg } from './args.js';
import { RPC, RpcError } from './errors.js';
import type { RpcHandler } from './jsonrpc.js';
import { entryJson } from './methods.js';

/** Core's PER_UTXO_OVERHEAD: outpoint, height/coinbase code, a flag (getblockstats utxo_size_inc). */
const PER_UTXO_OVERHEAD = 41;

const STATS = [
  'avgfee',
  'avgfeerate',
  'avgtxsize',
  'blockhash',
  'feerate_percentiles',
  'height',
  'ins',
  'maxfee',
  'maxfeerate',
  'maxtxsize',
  'medianfee',
  'mediantime',
  'mediantxsize',
  'minfee',
  'minfeerate',
  'mintxsize',
  'outs',
  'subsidy',
  'swtotal_size',
  'swtotal_weight',
  'swtxs',
  'time',
  'total_out',
  'total_size',
  'total_weight',
  'totalfee',
  'txs',
  'utxo_increase',
  'utxo_size_inc',
  'utxo_increase_actual',
  'utxo_size_inc_actual',
] as const;

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : Math.floor((s[m - 1]! + s[m]!) / 2);
}

/** Core's CalculatePercentilesByWeight: fee rates at 10/25/50/75/90% of the block's weight. */
function percentilesByWeight(rates: { rate: number; weight: number }[], total: number): number[] {
  const out = [0, 0, 0, 0, 0];
  if (rates.length === 0) return out;
  const sorted = [...rates].sort((a, b) => a.rate - b.rate);
  const bounds = [total / 10, total / 4, total / 2, (total * 3) / 4, (total * 9) / 10];
  let next = 0;
  let acc = 0;
  for (const r of sorted) {
    acc += r.weight;
    while (next < 5 && acc >= bounds[next]!) out[next++] = r.rate;
  }
  while (next < 5) out[next++] = sorted[sorted.length - 1]!.rate;
  return out;
}

function related(start: MempoolEntry, next: (e: MempoolEntry) => Iterable<MempoolEntry>): MempoolEntry[] {
  const seen = new Set<MempoolEntry>();
  const stack = [...next(start)];
  while (stack.length > 0) {
    const e = stack.pop()!;
    if (seen.has(e)) continue;
    seen.add(e);
    stack.push(...next(e));
  }
  return [...seen];
}

export function buildChainMethods(node: RpcNode): Record<string, RpcHandler> {
  const { chain, mempool, params } = node;

  const tipStatus = (e: BlockEntry): string => {
    if (chain.isMain(e)) return 'active';
    if (e.failed) return 'invalid';
    if (!e.haveData) return 'headers-only';
    // Every block stored; connected scripts are only known for the main chain.
    return 'valid-fork';
  };

  const mempoolRelatives = (id: unknown, verbose: unknown, dir: 'parents' | 'children') => {
    const e = mempool.get(txidArg(id, 'txid'));
    if (!e) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'Transaction not in mempool');
    const list = related(e, (x) => x[dir]);
    if (!verbose) return list.map((x) => x.txid);
    const out: Record<string, unknown> = {};
    for (const x of list) out[x.txid] = entryJson(x);
    return out;
  };

  return {
    getdifficulty: () => difficultyFromBits(chain.tip.header.bits),

    getchaintips: () =>
      chain.tips().map((e) => {
        // branchlen: blocks from the fork point with the main chain up to this tip.
        let fork: BlockEntry | null = e;
        while (fork && !chain.isMain(fork)) fork = fork.prev;
        return {
          height: e.height,
          hash: e.hashHex,
          branchlen: e.height - (fork?.height ?? 0),
          status: tipStatus(e),
        };
      }),

    gettxout: async ([id, n, includeMempool]) => {
      const txid = txidArg(id, 'txid');
      const vout = int(n, 'n');
      if (vout < 0) throw new RpcError(RPC.INVALID_PARAMETER, 'Invalid parameter, vout cannot be negative');
      const withMempool =
        includeMempool === undefined || includeMempool === null ? true : includeMempool === true;
      const key = new OutPoint(txid, vout);
      let value: bigint;
      let script: Uint8Array;
      let confirmations = 0;
      let coinbase = false;
      const pooled = withMempool ? mempool.get(txid) : undefined;
      if (pooled) {
        const out = pooled.tx.outputs[vout];
        if (!out || mempool.spender(key)) return null;
        value = out.value;
        script = out.script;
      } else {
        const coin = await chain.getCoin(key);
        // Core: a coin the mempool spends is reported as spent when include_mempool is true.
        if (!coin || (withMempool && mempool.spender(key))) return null;
        value = coin.value;
        script = coin.script;
        confirmations = chain.height - coin.height + 1;
        coinbase = coin.coinbase;
      }
      const address = encodeAddress(script, params.address);
      return {
        bestblock: chain.tip.hashHex,
        confirmations,
        value: coins(value),
        scriptPubKey: {
          asm: toAsm(script),
          hex: toHex(script),
          type: coreScriptType(script),
          ...(address ? { address } : {}),
        },
        coinbase,
      };
    },

    getmempoolancestors: ([id, verbose]) => mempoolRelatives(id, verbose, 'parents'),
    getmempooldescendants: ([id, verbose]) => mempoolRelatives(id, verbose, 'children'),

    getblockstats: async ([hashOrHeight, stats]) => {
      let e: BlockEntry | undefined;
      if (typeof hashOrHeight === 'number') {
        const h = int(hashOrHeight, 'hash_or_height');
        if (h < 0) throw new RpcError(RPC.INVALID_PARAMETER, `Target block height ${h} is negative`);
        if (h > chain.height)
          throw new RpcError(
            RPC.INVALID_PARAMETER,
            `Target block height ${h} after current tip ${chain.height}`,
          );
        e = chain.entryAt(h);
      } else {
        e = chain.entry(blockHashArg(hashOrHeight, 'hash_or_height'));
        if (!e?.haveData) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'Block not found');
        if (!chain.isMain(e)) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'Block is not in chain');
      }
      let wanted: Set<string> | undefined;
      if (stats !== undefined && stats !== null) {
        if (!Array.isArray(stats)) throw new RpcError(RPC.TYPE_ERROR, 'stats must be an array');
        wanted = new Set(stats.map((s, i) => str(s, `stats[${i}]`)));
        for (const s of wanted)
          if (!(STATS as readonly string[]).includes(s))
            throw new RpcError(RPC.INVALID_PARAMETER, `Invalid selected statistic '${s}'`);
      }
      const block = (await chain.getBlock(e!.hash))!;
      const undo = e!.height > 0 ? ((await chain.getBlockUndo(e!.hash)) ?? []) : [];
      const fees: number[] = [];
      const feeRates: { rate: number; weight: number }[] = [];
      const sizes: number[] = [];
      let ins = 0;
      let outs = 0;
      let totalOut = 0n;
      let totalSize = 0;
      let totalWeight = 0;
      let swTxs = 0;
      let swSize = 0;
      let swWeight = 0;
      let utxoIncrease = 0;
      let utxoSizeInc = 0;
      let utxoIncreaseActual = 0;
      let utxoSizeIncActual = 0;
      block.txs.forEach((tx, i) => {
        const coinbase = i === 0;
        outs += tx.outputs.length;
        for (const o of tx.outputs) {
          const size = new TxOut(o.value, o.script).size() + PER_UTXO_OVERHEAD;
          utxoIncrease++;
          utxoSizeInc += size;
          // OP_RETURN outputs never enter the UTXO set.
          if (o.script[0] !== 0x6a) {
            utxoIncreaseActual++;
            utxoSizeIncActual += size;
          }
        }
        if (coinbase) return;
        totalOut += tx.outputs.reduce((s, o) => s + o.value, 0n);
        ins += tx.inputs.length;
        const size = tx.size();
        const weight = tx.weight();
        sizes.push(size);
        totalSize += size;
        totalWeight += weight;
        if (tx.hasWitness()) {
          swTxs++;
          swSize += size;
          swWeight += weight;
        }
        const spent = undo[i - 1] ?? [];
        for (const c of spent) {
          const sz = new TxOut(c.value, c.script).size() + PER_UTXO_OVERHEAD;
          utxoIncrease--;
          utxoSizeInc -= sz;
          utxoIncreaseActual--;
          utxoSizeIncActual -= sz;
        }
        const fee = Number(
          spent.reduce((s, c) => s + c.value, 0n) - tx.outputs.reduce((s, o) => s + o.value, 0n),
        );
        fees.push(fee);
        feeRates.push({ rate: Math.floor((fee * 4) / weight), weight });
      });
      const n = fees.length;
      const totalFee = fees.reduce((s, f) => s + f, 0);
      const all: Record<string, unknown> = {
        avgfee: n ? Math.floor(totalFee / n) : 0,
        avgfeerate: totalWeight ? Math.floor((totalFee * 4) / totalWeight) : 0,
        avgtxsize: n ? Math.floor(totalSize / n) : 0,
        blockhash: e!.hashHex,
        feerate_percentiles: percentilesByWeight(feeRates, totalWeight),
        height: e!.height,
        ins,
        maxfee: n ? Math.max(...fees) : 0,
        maxfeerate: n ? Math.max(...feeRates.map((r) => r.rate)) : 0,
        maxtxsize: n ? Math.max(...sizes) : 0,
        medianfee: median(fees),
        mediantime: e!.medianTimePast(),
        mediantxsize: median(sizes),
        minfee: n ? Math.min(...fees) : 0,
        minfeerate: n ? Math.min(...feeRates.map((r) => r.rate)) : 0,
        mintxsize: n ? Math.min(...sizes) : 0,
        outs,
        subsidy: Number(blockSubsidy(e!.height, params)),
        swtotal_size: swSize,
        swtotal_weight: swWeight,
        swtxs: swTxs,
        time: e!.header.time,
        total_out: Number(totalOut),
        total_size: totalSize,
        total_weight: totalWeight,
        totalfee: totalFee,
        txs: block.txs.length,
        utxo_increase: utxoIncrease,
        utxo_size_inc: utxoSizeInc,
        utxo_increase_actual: utxoIncreaseActual,
        utxo_size_inc_actual: utxoSizeIncActual,
      };
      if (!wanted) return all;
      return Object.fromEntries(Object.entries(all).filter(([k]) => wanted.has(k)));
    },

    reconsiderblock: async ([h]) => {
      const id = blockHashArg(h, 'blockhash');
      if (!chain.entry(id)) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'Block not found');
      await node.reconsiderBlock(id);
      return null;
    },

    invalidateblock: async ([h]) => {
      const id = blockHashArg(h, 'blockhash');
      if (!chain.entry(id)) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'Block not found');
      await node.invalidateBlock(id);
      return null;
    },
  };
}
