/**
 * Core's mining RPCs (rpc/mining.cpp): getmininginfo, getblocktemplate (BIP22 template mode
 * with BIP23's mutable/noncerange fields and BIP145's segwit rule, weights and
 * default_witness_commitment) and submitblock (null when accepted, else BIP22's reason).
 * BIP23 proposal mode is not offered: it answers -8 "Invalid mode".
 */
import { type AddResult, type BlockTemplateView, type RpcNode, RuleError } from '../api.js';
import { Block } from '../protocol/block.js';
import { fromHex, isHex, toHex } from '../protocol/bytes.js';
import { decodeCompact, difficultyFromBits } from '../protocol/pow.js';
import { str } from './args.js';
import { RPC, RpcError } from './errors.js';
import type { RpcHandler } from './jsonrpc.js';

/** Core's client errors for getblocktemplate outside regtest (protocol.h). */
const RPC_CLIENT_NOT_CONNECTED = -9;
const RPC_CLIENT_IN_INITIAL_DOWNLOAD = -10;
/** The coinbase output committing to the witness merkle root (BIP141): OP_RETURN 0x24 aa21a9ed. */
const WITNESS_COMMITMENT_PREFIX = '6a24aa21a9ed';
/** Any script will do to build a template: the miner writes its own coinbase. */
const PLACEHOLDER_SCRIPT = Uint8Array.of(0x51);

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
      const index = new Map(t.selected.map((c, i) => [c.tx.txidHex(), i + 1]));
      const header = t.block.header;
      const commitment = t.block.txs[0]!.outputs.map((o) => toHex(o.script)).find((h) =>
        h.startsWith(WITNESS_COMMITMENT_PREFIX),
      );
      const target = decodeCompact(header.bits).target.toString(16).padStart(64, '0');
      return {
        capabilities: ['proposal'],
        version: header.version,
        rules: ['csv', '!segwit'],
        vbavailable: {},
        vbrequired: 0,
        previousblockhash: chain.tip.hashHex,
        transactions: t.selected.map((c) => ({
          data: toHex(c.tx.toBytes()),
          txid: c.tx.txidHex(),
          hash: c.tx.wtxidHex(),
          depends: c.parents.map((p) => index.get(p)).filter((i) => i !== undefined),
          fee: Number(c.fee),
          sigops: c.sigopCost,
          weight: c.weight,
        })),
        coinbaseaux: {},
        coinbasevalue: Number(t.reward),
        longpollid: `${chain.tip.hashHex}${mempool.info().count}`,
        target,
        mintime: chain.tip.medianTimePast() + 1,
        mutable: ['time', 'transactions', 'prevblock'],
        noncerange: '00000000ffffffff',
        sigoplimit: params.maxBlockSigopsCost,
        sizelimit: params.maxBlockWeight,
        weightlimit: params.maxBlockWeight,
        curtime: header.time,
        bits: header.bits.toString(16).padStart(8, '0'),
        height: chain.height + 1,
        ...(commitment ? { default_witness_commitment: commitment } : {}),
      };
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
