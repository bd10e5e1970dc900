/**
 * Core's mining RPCs (rpc/mining.cpp): getmininginfo, getblocktemplate (BIP22 template mode
 * with BIP23's mutable/noncerange fields and BIP145's segwit rule, weights and
 * default_witness_commitment) and submitblock (null when accepted, else BIP22's reason).
 * BIP23 proposal mode is not offered: it answers -8 "Invalid mode".
 */
import {
  type AddResult,
  type BlockTemplateView,
  PLACEHOLDER_SCRIPT,
  type RpcNode,
  RuleError,
  templateJson,
} from '../api.js';
import { Block } from '../protocol/block.js';
import { fromHex, isHex } from '../protocol/bytes.js';
import { decodeCompact, difficultyFromBits } from '../protocol/pow.js';
import { str } from './args.js';
import { RPC, RpcError } from './errors.js';
import type { RpcHandler } from './jsonrpc.js';

/** Core's client errors for getblocktemplate outside regtest (protocol.h). */
const RPC_CLIENT_NOT_CONNECTED = -9;
const RPC_CLIENT_IN_INITIAL_DOWNLOAD = -10;

function bip22Result(r: AddResult): string | null {
  if (r.status === 'connected') return null;
  if (r.status === 'duplicate') return 'duplicate';
  // Stored but not the best chain: Core's "inconclusive".
  if (r.status === 'side') return 'inconclusive';
  return 'prev-blk-not-found';
}

export function buildMiningMethods(node: RpcNode): Record<string, RpcHandler> {
  const { chain, mempool, params } = node;
  /** The last template's size, for getmininginfo's currentblockweight / currentblocktx. */
  let last: BlockTemplateView | undefined;

  return {
    getmininginfo: () => {
      const tip = chain.tip;
      return {
        blocks: chain.height,
        ...(last ? { currentblockweight: last.weight, currentblocktx: last.txCount - 1 } : {}),
        bits: tip.header.bits.toString(16).padStart(8, '0'),
        difficulty: difficultyFromBits(tip.header.bits),
        target: decodeCompact(tip.header.bits).target.toString(16).padStart(64, '0'),
        networkhashps: 0,
        pooledtx: mempool.info().count,
        chain: params.name,
        warnings: [],
      };
    },

    getblocktemplate: ([request]) => {
      const req = (request ?? {}) as Record<string, unknown>;
      if (typeof req !== 'object' || Array.isArray(req))
        throw new RpcError(RPC.TYPE_ERROR, 'template_request must be an object');
      const mode = req.mode === undefined || req.mode === null ? 'template' : str(req.mode, 'mode');
      if (mode !== 'template') throw new RpcError(RPC.INVALID_PARAMETER, 'Invalid mode');
      const rules = Array.isArray(req.rules) ? req.rules : [];
      if (!rules.includes('segwit'))
        throw new RpcError(
          RPC.INVALID_PARAMETER,
          'getblocktemplate must be called with the segwit rule set (call with {"rules": ["segwit"]})',
        );
      if (params.name !== 'regtest') {
        if (node.sync().peers === 0)
          throw new RpcError(RPC_CLIENT_NOT_CONNECTED, 'gossip-ledger is not connected!');
        if (node.sync().ibd)
          throw new RpcError(
            RPC_CLIENT_IN_INITIAL_DOWNLOAD,
            'gossip-ledger is in initial sync and waiting for blocks...',
          );
      }
      const t = node.template(PLACEHOLDER_SCRIPT);
      last = t;
      return templateJson(t, node);
    },

    submitblock: async ([hexdata]) => {
      const text = str(hexdata, 'hexdata');
      let block: Block;
      try {
        if (!isHex(text)) throw new Error('not hex');
        block = Block.fromBytes(fromHex(text));
      } catch {
        throw new RpcError(RPC.DESERIALIZATION_ERROR, 'Block decode failed');
      }
      if (block.txs.length === 0 || !block.txs[0]!.isCoinbase())
        throw new RpcError(RPC.DESERIALIZATION_ERROR, 'Block does not start with a coinbase');
      try {
        return bip22Result(await node.submitBlock(block));
      } catch (e) {
        if (e instanceof RuleError) return e.reason;
        throw e;
      }
    },
  };
}
