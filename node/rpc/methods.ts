/**
 * The admin RPC methods, with Bitcoin Core's names, parameters, result shapes and error codes
 * (rpc/blockchain.cpp, rawtransaction.cpp, mempool.cpp, mining.cpp), so bitcoin-cli-style
 * scripts work against a node.
 */

import {
  BroadcastError,
  canonicalIp,
  DEFAULT_MAX_FEE_RATE,
  decodeTx,
  type FeeRate,
  feeRate,
  LOCAL_SERVICES,
  type MempoolEntry,
  maxFeeFor,
  type NodeNetwork,
  P2PConfigError,
  type PeerInfo,
  PROTOCOL_VERSION,
  type RpcNode,
  type TestAccepted,
  TxRejectError,
  txBytesFromHex,
} from '../api.js';
import { decodeAddress } from '../protocol/address.js';
import { isHex, toHex } from '../protocol/bytes.js';
import { hashFromDisplay } from '../protocol/hash.js';
import { difficultyFromBits } from '../protocol/pow.js';
import type { Tx } from '../protocol/tx.js';
import { parseFeeRate } from './amount.js';
import { RPC, RpcError } from './errors.js';
import type { RpcHandler } from './server.js';
import { blockJson, headerJson, txJson } from './views.js';

const COIN = 100_000_000;
const coins = (sats: bigint) => Number(sats) / COIN;
/** Core's MAX_PACKAGE_COUNT: the most transactions testmempoolaccept takes. */
const MAX_PACKAGE_COUNT = 25;

/** UniValue's type names, for Core's type error messages. */
function jsonType(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v === 'boolean' ? 'bool' : typeof v;
}

/** Runs an argument decoder, turning its BroadcastError (bad hex) into Core's RPC error. */
function broadcastArg<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof BroadcastError) throw new RpcError(e.rpcCode, e.message);
    throw e;
  }
}

function str(v: unknown, name: string): string {
  if (typeof v !== 'string') throw new RpcError(RPC.TYPE_ERROR, `${name} must be a string`);
  return v;
}

function int(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw new RpcError(RPC.TYPE_ERROR, `${name} must be an integer`);
  return v;
}

function hash(v: unknown, name: string): string {
  const s = str(v, name);
  if (!isHex(s, 32))
    throw new RpcError(RPC.INVALID_PARAMETER, `${name} must be of length 64 (not ${s.length}, for '${s}')`);
  return s.toLowerCase();
}

function verbosityOf(v: unknown, dflt: number): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return int(v, 'verbosity');
}

function entryJson(e: MempoolEntry) {
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

/** Core's P2P client error codes (protocol.h). */
const RPC_NET = {
  NODE_ALREADY_ADDED: -23,
  NODE_NOT_ADDED: -24,
  INVALID_IP_OR_SUBNET: -30,
  P2P_DISABLED: -31,
} as const;

/** Core's subnet text for a single address: "1.2.3.4/32", "2001:db8::1/128". */
function subnetOf(host: string): string {
  return `${host}/${host.includes(':') ? 128 : 32}`;
}

/** An address or a single-address subnet ("1.2.3.4", "1.2.3.4/32"); other subnets are refused. */
function bannableHost(text: string): string {
  const [ip, bits] = text.split('/');
  try {
    const host = canonicalIp(ip ?? '');
    if (bits === undefined || bits === String(host.includes(':') ? 128 : 32)) return host;
  } catch {
    // reported below
  }
  throw new RpcError(
    RPC_NET.INVALID_IP_OR_SUBNET,
    `Error: Invalid IP/Subnet (single addresses only): ${text}`,
  );
}

/** Core's getpeerinfo shape, plus our node id. */
function peerJson(p: PeerInfo) {
  return {
    id: p.id,
    addr: p.addr,
    nodeid: p.nodeId,
    services: p.services,
    relaytxes: true,
    bytessent: p.bytesSent,
    bytesrecv: p.bytesReceived,
    conntime: p.connectedAt,
    pingtime: p.pingMs === null ? undefined : p.pingMs / 1000,
    version: p.version,
    subver: p.userAgent,
    inbound: p.direction === 'inbound',
    connection_type: p.direction === 'inbound' ? 'inbound' : 'outbound-full-relay',
    startingheight: p.startHeight,
    synced_headers: p.syncedHeight,
    synced_blocks: p.syncedHeight,
    banscore: p.banScore,
    bytessent_per_msg: p.bytesSentPerMsg,
    bytesrecv_per_msg: p.bytesReceivedPerMsg,
  };
}

export function buildMethods(node: RpcNode): Record<string, RpcHandler> {
  const { chain, mempool, params } = node;

  const p2p = (): NodeNetwork => {
    const net = node.network;
    if (net) return net;
    // Core answers every call with RPC_IN_WARMUP until init is done; here only what needs P2P waits.
    if (node.p2pEnabled) throw new RpcError(RPC.IN_WARMUP, 'Starting network threads…');
    throw new RpcError(RPC_NET.P2P_DISABLED, 'Error: Peer-to-peer functionality missing or disabled');
  };

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

  const blockEntry = (h: string) => {
    const e = chain.entry(h);
    if (!e?.haveData) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'Block not found');
    return e;
  };

  const methods: Record<string, RpcHandler> = {
    help: () => Object.keys(methods).sort().join('\n'),

    getblockchaininfo: () => {
      const tip = chain.tip;
      // Core's IsInitialBlockDownload and GuessVerificationProgress (node/ibd.ts); headers is
      // the best valid header known, as Core's pindexBestHeader.
      const sync = node.sync();
      return {
        chain: params.name,
        blocks: chain.height,
        headers: sync.headers,
        bestblockhash: tip.hashHex,
        difficulty: difficultyFromBits(tip.header.bits),
        time: tip.header.time,
        mediantime: tip.medianTimePast(),
        verificationprogress: sync.verificationProgress,
        initialblockdownload: sync.ibd,
        chainwork: tip.chainWork.toString(16).padStart(64, '0'),
        pruned: false,
        warnings: '',
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
      const e = blockEntry(hash(h, 'blockhash'));
      if (verbose === false) return toHex(e.header.toBytes());
      return headerJson(e, chain);
    },

    getblock: async ([h, verbosity]) => {
      const e = blockEntry(hash(h, 'blockhash'));
      const v = verbosityOf(verbosity, 1);
      if (v === 0) return toHex((await chain.getRawBlock(e.hashHex))!);
      const block = (await chain.getBlock(e.hashHex))!;
      return blockJson(block, e, chain, params, v);
    },

    getrawtransaction: async ([id, verbose]) => {
      const txid = hash(id, 'txid');
      const verb = verbosityOf(verbose, 0);
      const pooled = mempool.get(txid);
      if (pooled) return verb ? txJson(pooled.tx, params) : toHex(pooled.tx.toBytes());
      const found = await chain.getTx(hashFromDisplay(txid));
      if (!found) {
        throw new RpcError(
          RPC.INVALID_ADDRESS_OR_KEY,
          'No such mempool or blockchain transaction. Use gettransaction for wallet transactions.',
        );
      }
      return verb ? txJson(found.tx, params, { entry: found.block, chain }) : toHex(found.tx.toBytes());
    },

    sendrawtransaction: async ([hex, maxfeerate]) => {
      // Decoded here as well so that a bad tx is -22 before a bad maxfeerate is looked at (Core's order).
      const bytes = broadcastArg(() => {
        const b = txBytesFromHex(str(hex, 'hexstring'));
        decodeTx(b);
        return b;
      });
      const maxFeeRate = feeRateArg(maxfeerate);
      try {
        return (await node.broadcastTx(bytes, { maxFeeRate })).txid;
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

    getrawmempool: ([verbose]) => {
      if (!verbose) return mempool.txids();
      const out: Record<string, unknown> = {};
      for (const e of mempool.entries()) out[e.txid] = entryJson(e);
      return out;
    },

    getmempoolentry: ([id]) => {
      const e = mempool.get(hash(id, 'txid'));
      if (!e) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'Transaction not in mempool');
      return entryJson(e);
    },

    gettxoutsetinfo: async () => {
      const stats = await chain.utxoStats();
      return {
        height: stats.height,
        bestblock: stats.tip,
        txouts: stats.count,
        // SHA-256 over every coin record in key order (our own serialization, not Core's).
        hash_serialized: stats.hash,
      };
    },

    generatetoaddress: async ([n, address]) => {
      if (params.name !== 'regtest')
        throw new RpcError(RPC.MISC_ERROR, 'generatetoaddress is only available on regtest');
      const count = int(n, 'nblocks');
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

    getpeerinfo: () => p2p().peerInfo().map(peerJson),

    getconnectioncount: () => p2p().peerInfo().length,

    getnetworkinfo: () => {
      const net = node.network;
      const peers = net?.peerInfo() ?? [];
      const inbound = peers.filter((p) => p.direction === 'inbound').length;
      return {
        version: 100,
        subversion: net?.userAgent ?? '',
        protocolversion: PROTOCOL_VERSION,
        localservices: LOCAL_SERVICES.toString(16).padStart(16, '0'),
        localservicesnames: ['NETWORK', 'WITNESS'],
        localrelay: true,
        timeoffset: 0,
        networkactive: net !== undefined,
        connections: peers.length,
        connections_in: inbound,
        connections_out: peers.length - inbound,
        nodeid: net?.nodeId,
        listenport: net?.listenPort || undefined,
        relayfee: 0.00001,
        incrementalfee: 0.00001,
        localaddresses: [],
        warnings: '',
      };
    },

    getnettotals: () => {
      const t = p2p().totals();
      return {
        totalbytesrecv: t.bytesReceived,
        totalbytessent: t.bytesSent,
        timemillis: p2p().now(),
        messagesrecv: t.messagesReceived,
        txbodiesrecv: t.txBodiesReceived,
      };
    },

    addnode: ([target, command]) => {
      const addr = str(target, 'node');
      const cmd = str(command, 'command');
      if (cmd !== 'add' && cmd !== 'remove' && cmd !== 'onetry')
        throw new RpcError(RPC.INVALID_PARAMETER, "command must be one of 'add', 'remove', 'onetry'");
      let changed: boolean;
      try {
        changed = p2p().addNode(addr, cmd);
      } catch (e) {
        if (e instanceof P2PConfigError) throw new RpcError(RPC.INVALID_PARAMETER, e.message);
        throw e;
      }
      if (!changed && cmd === 'remove')
        throw new RpcError(
          RPC_NET.NODE_NOT_ADDED,
          'Error: Node could not be removed. It has not been added previously.',
        );
      if (!changed) throw new RpcError(RPC_NET.NODE_ALREADY_ADDED, 'Error: Node already added');
      return null;
    },

    listbanned: () => {
      const net = p2p();
      const now = net.now();
      return net.listBanned().map((b) => ({
        address: subnetOf(b.host),
        ban_created: Math.floor(b.created / 1000),
        banned_until: Math.floor(b.until / 1000),
        ban_duration: Math.round((b.until - b.created) / 1000),
        time_remaining: Math.max(0, Math.round((b.until - now) / 1000)),
        reason: b.reason,
      }));
    },

    setban: ([subnet, command, bantime, absolute]) => {
      const host = bannableHost(str(subnet, 'subnet'));
      const cmd = str(command, 'command');
      const net = p2p();
      if (cmd === 'remove') {
        if (!net.unban(host))
          throw new RpcError(
            RPC_NET.INVALID_IP_OR_SUBNET,
            'Error: Unban failed. Requested address/subnet was not previously manually banned.',
          );
        return null;
      }
      if (cmd !== 'add') throw new RpcError(RPC.INVALID_PARAMETER, "command must be 'add' or 'remove'");
      if (net.isBanned(host))
        throw new RpcError(RPC_NET.NODE_ALREADY_ADDED, 'Error: IP/Subnet already banned');
      const time =
        bantime === undefined || bantime === null || bantime === 0 ? 86_400 : int(bantime, 'bantime');
      if (time < 0) throw new RpcError(RPC.INVALID_PARAMETER, 'bantime must not be negative');
      if (absolute === true) {
        if (time * 1000 <= net.now())
          throw new RpcError(RPC.INVALID_PARAMETER, 'Error: Absolute timestamp is in the past');
        net.ban(host, 0, 'manually added', time * 1000);
      } else net.ban(host, time, 'manually added');
      return null;
    },

    clearbanned: () => {
      p2p().clearBanned();
      return null;
    },

    stop: () => {
      setImmediate(() => node.onStopRequest());
      return 'gossip-ledger stopping';
    },
  };
  return methods;
}
