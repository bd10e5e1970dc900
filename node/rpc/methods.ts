/**
 * The admin RPC methods, with Bitcoin Core's names, parameters, result shapes and error codes
 * (rpc/blockchain.cpp, rawtransaction.cpp, mempool.cpp, mining.cpp), so bitcoin-cli-style
 * scripts work against a node.
 */

import {
  BroadcastError,
  DEFAULT_MAX_FEE_RATE,
  decodePackage,
  decodeTx,
  type FeeRate,
  feeRate,
  type MempoolEntry,
  maxFeeFor,
  type RpcNode,
  type TestAccepted,
  TxRejectError,
  txBytesFromHex,
} from '../api.js';
import { decodeAddress } from '../protocol/address.js';
import { toHex } from '../protocol/bytes.js';
import { type BlockHash, txidFromDisplay } from '../protocol/ids.js';
import { decodeCompact, difficultyFromBits } from '../protocol/pow.js';
import { OP } from '../protocol/script/opcodes.js';
import { MAX_SCRIPT_SIZE } from '../protocol/script/script.js';
import type { Tx } from '../protocol/tx.js';

const OP_RETURN = OP.OP_RETURN;

import { amountFromValue, parseFeeRate } from './amount.js';
import {
  blockHashArg,
  broadcastArg,
  coins,
  hash,
  int,
  jsonType,
  MAX_PACKAGE_COUNT,
  str,
  txidArg,
  verbosityOf,
} from './args.js';
import { RPC, RpcError } from './errors.js';
import type { RpcHandler } from './jsonrpc.js';
import { blockJson, headerJson, hex32, txJson } from './views.js';

export function entryJson(e: MempoolEntry) {
  return {
    vsize: e.vsize,
    weight: e.weight,
    time: e.time,
    height: e.height,
    descendantcount: e.descendantCount,
    descendantsize: e.descendantSize,
    ancestorcount: e.ancestorCount,
    ancestorsize: e.ancestorSize,
    wtxid: e.wtxid,
    fees: {
      base: coins(e.fee),
      modified: coins(e.fee),
      ancestor: coins(e.ancestorFee),
      descendant: coins(e.descendantFee),
    },
    depends: [...e.parents].map((p) => p.txid),
    spentby: [...e.children].map((c) => c.txid),
    'bip125-replaceable': true,
  };
}

export function buildCoreMethods(node: RpcNode): Record<string, RpcHandler> {
  const { chain, mempool, params } = node;

  /** Core's maxfeerate argument: null or absent is the node's default (Core's 0.10 coin/kvB). */
  const feeRateArg = (v: unknown): FeeRate => {
    if (v === undefined || v === null) return node.maxFeeRate ?? DEFAULT_MAX_FEE_RATE;
    return parseFeeRate(v);
  };

  /** One testmempoolaccept result, Core's shape: fees and vsize when allowed, the reason when not. */
  const testAcceptJson = async (tx: Tx, maxFeeRate: FeeRate) => {
    const ids = { txid: tx.txidHex(), wtxid: tx.wtxidHex() };
    let r: TestAccepted;
    try {
      r = await mempool.testAccept(tx);
    } catch (e) {
      if (!(e instanceof TxRejectError)) throw e;
      if (e.code === 'MISSING_INPUTS') return { ...ids, allowed: false, 'reject-reason': 'missing-inputs' };
      return { ...ids, allowed: false, 'reject-reason': e.reason, 'reject-details': e.message };
    }
    // Unlike sendrawtransaction, Core caps by the sigop-adjusted size here (m_vsize).
    const maxFee = maxFeeFor(maxFeeRate, r.vsize);
    if (maxFee !== undefined && r.fee > maxFee)
      return { ...ids, allowed: false, 'reject-reason': 'max-fee-exceeded' };
    return {
      ...ids,
      allowed: true,
      vsize: r.vsize,
      fees: {
        base: coins(r.fee),
        'effective-feerate': coins(feeRate(r.fee, r.vsize)),
        'effective-includes': [r.wtxid],
      },
    };
  };

  const blockEntry = (h: BlockHash) => {
    const e = chain.entry(h);
    if (!e?.haveData) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'Block not found');
    return e;
  };

  const methods: Record<string, RpcHandler> = {
    getblockchaininfo: async () => {
      const tip = chain.tip;
      // Core's IsInitialBlockDownload and GuessVerificationProgress (node/ibd.ts); headers is
      // the best valid header known, as Core's pindexBestHeader.
      const sync = node.sync();
      return {
        chain: params.name,
        blocks: chain.height,
        headers: sync.headers,
        bestblockhash: tip.hashHex,
        bits: hex32(tip.header.bits),
        target: decodeCompact(tip.header.bits).target.toString(16).padStart(64, '0'),
        difficulty: difficultyFromBits(tip.header.bits),
        time: tip.header.time,
        mediantime: tip.medianTimePast(),
        verificationprogress: sync.verificationProgress,
        initialblockdownload: sync.ibd,
        chainwork: tip.chainWork.toString(16).padStart(64, '0'),
        size_on_disk: await node.sizeOnDisk(),
        pruned: false,
        warnings: [],
      };
    },

    getbestblockhash: () => chain.tip.hashHex,
    getblockcount: () => chain.height,

    getblockhash: ([height]) => {
      const h = int(height, 'height');
      const e = chain.entryAt(h);
      if (h < 0 || !e) throw new RpcError(RPC.INVALID_PARAMETER, 'Block height out of range');
      return e.hashHex;
    },

    getblockheader: ([h, verbose]) => {
      const e = blockEntry(blockHashArg(h, 'blockhash'));
      if (verbose === false) return toHex(e.header.toBytes());
      return headerJson(e, chain);
    },

    getblock: async ([h, verbosity]) => {
      const e = blockEntry(blockHashArg(h, 'blockhash'));
      const v = verbosityOf(verbosity, 1);
      if (v === 0) return toHex((await chain.getRawBlock(e.hash))!);
      const block = (await chain.getBlock(e.hash))!;
      return blockJson(block, e, chain, params, v);
    },

    getrawtransaction: async ([id, verbose, blockhash]) => {
      const txid = hash(id, 'txid');
      const txidBytes = txidFromDisplay(txid);
      const verb = verbosityOf(verbose, 0);
      if (blockhash !== undefined && blockhash !== null) {
        // Core looks in that block only, and says whether it is on the main chain.
        const e = chain.entry(blockHashArg(blockhash, 'blockhash'));
        if (!e?.haveData) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'Block hash not found');
        const tx = (await chain.getBlock(e.hash))!.txs.find((t) => t.txidHex() === txid);
        if (!tx)
          throw new RpcError(
            RPC.INVALID_ADDRESS_OR_KEY,
            'No such transaction found in the provided block. Use gettransaction for wallet transactions.',
          );
        if (!verb) return toHex(tx.toBytes());
        return { in_active_chain: chain.isMain(e), ...txJson(tx, params, { entry: e, chain }) };
      }
      const pooled = mempool.get(txidBytes);
      if (pooled) return verb ? txJson(pooled.tx, params) : toHex(pooled.tx.toBytes());
      const found = await chain.getTx(txidBytes);
      if (!found) {
        throw new RpcError(
          RPC.INVALID_ADDRESS_OR_KEY,
          'No such mempool or blockchain transaction. Use gettransaction for wallet transactions.',
        );
      }
      return verb ? txJson(found.tx, params, { entry: found.block, chain }) : toHex(found.tx.toBytes());
    },

    sendrawtransaction: async ([hex, maxfeerate, maxburnamount]) => {
      // Core's order: maxburnamount, the tx (-22), the burn check (-25), then maxfeerate.
      const maxBurn =
        maxburnamount === undefined || maxburnamount === null ? 0n : amountFromValue(maxburnamount);
      const tx = broadcastArg(() => {
        const decoded = decodeTx(txBytesFromHex(str(hex, 'hexstring')));
        for (const o of decoded.outputs)
          if ((o.script[0] === OP_RETURN || o.script.length > MAX_SCRIPT_SIZE) && o.value > maxBurn)
            throw new RpcError(
              RPC.VERIFY_ERROR,
              'Unspendable output exceeds maximum configured by user (maxburnamount)',
            );
        return decoded;
      });
      const maxFeeRate = feeRateArg(maxfeerate);
      try {
        // The decoded tx, not its bytes: the node need not decode it a second time.
        return (await node.broadcastTx(tx, { maxFeeRate })).txid;
      } catch (e) {
        if (e instanceof BroadcastError) throw new RpcError(e.rpcCode, e.message);
        throw e;
      }
    },

    submitpackage: async ([pkg, maxfeerate, maxburnamount]) => {
      // Core 28's order: the array and its size (-8), maxfeerate, maxburnamount, each tx (-22,
      // then the burn check -25), the topology (-25), then the mempool.
      if (!Array.isArray(pkg))
        throw new RpcError(
          RPC.TYPE_ERROR,
          `JSON value of type ${jsonType(pkg)} is not of expected type array`,
        );
      const maxFeeRate = feeRateArg(maxfeerate);
      const maxBurn =
        maxburnamount === undefined || maxburnamount === null ? 0n : amountFromValue(maxburnamount);
      const hexes = pkg.map((raw, i) => str(raw, `package[${i}]`));
      try {
        for (const tx of decodePackage(hexes))
          for (const o of tx.outputs)
            if ((o.script[0] === OP_RETURN || o.script.length > MAX_SCRIPT_SIZE) && o.value > maxBurn)
              throw new RpcError(
                RPC.VERIFY_ERROR,
                'Unspendable output exceeds maximum configured by user (maxburnamount)',
              );
        return await node.submitPackage(hexes, { maxFeeRate });
      } catch (e) {
        if (e instanceof BroadcastError) throw new RpcError(e.rpcCode, e.message);
        throw e;
      }
    },

    testmempoolaccept: async ([rawtxs, maxfeerate]) => {
      if (!Array.isArray(rawtxs))
        throw new RpcError(
          RPC.TYPE_ERROR,
          `JSON value of type ${jsonType(rawtxs)} is not of expected type array`,
        );
      if (rawtxs.length < 1 || rawtxs.length > MAX_PACKAGE_COUNT)
        throw new RpcError(
          RPC.INVALID_PARAMETER,
          `Array must contain between 1 and ${MAX_PACKAGE_COUNT} transactions.`,
        );
      const maxFeeRate = feeRateArg(maxfeerate);
      const txs = rawtxs.map((raw, i) => {
        const rawHex = str(raw, `rawtxs[${i}]`);
        try {
          return decodeTx(txBytesFromHex(rawHex));
        } catch (e) {
          if (!(e instanceof BroadcastError)) throw e;
          throw new RpcError(
            RPC.DESERIALIZATION_ERROR,
            e.message.replace('TX decode failed', `TX decode failed for tx ${i}`),
          );
        }
      });
      // Core validates 2 to 25 transactions as a package (parents first); we check one at a time.
      if (txs.length > 1)
        throw new RpcError(
          RPC.INVALID_PARAMETER,
          'Package validation is not supported: pass one transaction at a time',
        );
      return [await testAcceptJson(txs[0]!, maxFeeRate)];
    },

    getmempoolinfo: () => {
      const i = mempool.info();
      return {
        loaded: true,
        size: i.count,
        bytes: i.vsize,
        usage: i.usage,
        total_fee: coins(i.totalFee),
        maxmempool: i.maxUsage,
        mempoolminfee: coins(i.minFeeRate),
        minrelaytxfee: 0.00001,
        incrementalrelayfee: 0.00001,
        unbroadcastcount: 0,
        fullrbf: true,
      };
    },

    getrawmempool: ([verbose, sequence]) => {
      if (sequence === true) {
        if (verbose)
          throw new RpcError(
            RPC.INVALID_PARAMETER,
            'Verbose results cannot contain mempool sequence values.',
          );
        throw new RpcError(RPC.INVALID_PARAMETER, 'mempool_sequence is not supported by this node');
      }
      if (!verbose) return mempool.txids();
      const out: Record<string, unknown> = {};
      for (const e of mempool.entries()) out[e.txid] = entryJson(e);
      return out;
    },

    getmempoolentry: ([id]) => {
      const e = mempool.get(txidArg(id, 'txid'));
      if (!e) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'Transaction not in mempool');
      return entryJson(e);
    },

    gettxoutsetinfo: async ([hashType, hashOrHeight]) => {
      const type =
        hashType === undefined || hashType === null ? 'hash_serialized_3' : str(hashType, 'hash_type');
      if (type === 'muhash')
        throw new RpcError(RPC.INVALID_PARAMETER, "'muhash' is not supported by this node");
      if (type !== 'hash_serialized_3' && type !== 'none')
        throw new RpcError(RPC.INVALID_PARAMETER, `'${type}' is not a valid hash_type`);
      if (hashOrHeight !== undefined && hashOrHeight !== null)
        throw new RpcError(RPC.INVALID_PARAMETER, 'Querying specific block heights requires coinstatsindex');
      const stats = await chain.utxoStats();
      return {
        height: stats.height,
        bestblock: stats.tip,
        txouts: stats.count,
        // SHA-256 over every coin record in key order (our own serialization, not Core's).
        ...(type === 'none' ? {} : { hash_serialized_3: stats.hash, hash_serialized: stats.hash }),
      };
    },

    generatetoaddress: async ([n, address, maxtries]) => {
      if (params.name !== 'regtest')
        throw new RpcError(RPC.MISC_ERROR, 'generatetoaddress is only available on regtest');
      const count = int(n, 'nblocks');
      // Core gives up after maxtries nonces; regtest's target is met at once, so it only is checked.
      if (maxtries !== undefined && maxtries !== null) int(maxtries, 'maxtries');
      if (count < 0 || count > 10_000)
        throw new RpcError(RPC.INVALID_PARAMETER, 'nblocks must be between 0 and 10000');
      let script: Uint8Array;
      try {
        script = decodeAddress(str(address, 'address'), params.address);
      } catch (e) {
        throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, `Error: Invalid address (${(e as Error).message})`);
      }
      return node.generate(count, script);
    },

    stop: () => {
      setImmediate(() => node.onStopRequest());
      return 'gossip-ledger stopping';
    },
  };
  return methods;
}
