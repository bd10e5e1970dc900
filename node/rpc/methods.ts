/**
 * The admin RPC methods, with Bitcoin Core's names, parameters, result shapes and error codes
 * (rpc/blockchain.cpp, rawtransaction.cpp, mempool.cpp, mining.cpp), so bitcoin-cli-style
 * scripts work against a node.
 */

import type { MempoolEntry } from '../mempool/index.js';
import { TxRejectError } from '../mempool/index.js';
import type { FullNode } from '../node.js';
import { P2PConfigError } from '../p2p/errors.js';
import { canonicalIp } from '../p2p/netaddr.js';
import { LOCAL_SERVICES, type P2P } from '../p2p/p2p.js';
import { PROTOCOL_VERSION } from '../p2p/peer.js';
import { decodeAddress } from '../protocol/address.js';
import { fromHex, isHex, toHex } from '../protocol/bytes.js';
import { EncodingError } from '../protocol/errors.js';
import { hashFromDisplay } from '../protocol/hash.js';
import { difficultyFromBits } from '../protocol/pow.js';
import { Tx } from '../protocol/tx.js';
import { RPC, RpcError } from './errors.js';
import type { RpcHandler } from './server.js';
import { blockJson, headerJson, txJson } from './views.js';

const COIN = 100_000_000;
const coins = (sats: bigint) => Number(sats) / COIN;

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
function peerJson(p: ReturnType<P2P['peerInfo']>[number]) {
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

export function buildMethods(node: FullNode): Record<string, RpcHandler> {
  const { chain, mempool, params } = node;

  const p2p = (): P2P => {
    if (!node.p2p)
      throw new RpcError(RPC_NET.P2P_DISABLED, 'Error: Peer-to-peer functionality missing or disabled');
    return node.p2p;
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

    sendrawtransaction: async ([hex]) => {
      const raw = str(hex, 'hexstring');
      let tx: Tx;
      try {
        tx = Tx.fromBytes(fromHex(raw));
      } catch (e) {
        if (e instanceof EncodingError)
          throw new RpcError(RPC.DESERIALIZATION_ERROR, `TX decode failed: ${e.message}`);
        throw e;
      }
      if (mempool.has(tx.txidHex())) return tx.txidHex();
      try {
        // RPC submissions are never kept as orphans (as Core): missing inputs are an error.
        await node.submitTx(tx, { orphan: false });
      } catch (e) {
        if (!(e instanceof TxRejectError)) throw e;
        if (e.code === 'ALREADY_KNOWN')
          throw new RpcError(RPC.VERIFY_ALREADY_IN_CHAIN, 'Transaction outputs already in utxo set');
        if (e.code === 'MISSING_INPUTS') {
          // A confirmed tx whose outputs are all spent looks like one with missing inputs.
          if (await chain.getTx(tx.txid()))
            throw new RpcError(RPC.VERIFY_ALREADY_IN_CHAIN, 'Transaction already in block chain');
          throw new RpcError(RPC.VERIFY_ERROR, 'bad-txns-inputs-missingorspent');
        }
        throw new RpcError(RPC.VERIFY_REJECTED, e.detail ? `${e.reason} (${e.detail})` : e.reason);
      }
      return tx.txidHex();
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
      const peers = node.p2p?.peerInfo() ?? [];
      const inbound = peers.filter((p) => p.direction === 'inbound').length;
      return {
        version: 100,
        subversion: node.p2p?.userAgent ?? '',
        protocolversion: PROTOCOL_VERSION,
        localservices: LOCAL_SERVICES.toString(16).padStart(16, '0'),
        localservicesnames: ['NETWORK', 'WITNESS'],
        localrelay: true,
        timeoffset: 0,
        networkactive: node.p2p !== undefined,
        connections: peers.length,
        connections_in: inbound,
        connections_out: peers.length - inbound,
        nodeid: node.p2p?.nodeId,
        listenport: node.p2p?.listenPort || undefined,
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
        timemillis: Date.now(),
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
        changed = p2p().conns.addNode(addr, cmd);
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

    listbanned: () =>
      p2p()
        .conns.bans.list()
        .map((b) => ({
          address: subnetOf(b.host),
          ban_created: Math.floor(b.created / 1000),
          banned_until: Math.floor(b.until / 1000),
          ban_duration: Math.round((b.until - b.created) / 1000),
          time_remaining: Math.max(0, Math.round((b.until - Date.now()) / 1000)),
          reason: b.reason,
        })),

    setban: ([subnet, command, bantime, absolute]) => {
      const host = bannableHost(str(subnet, 'subnet'));
      const cmd = str(command, 'command');
      const conns = p2p().conns;
      if (cmd === 'remove') {
        if (!conns.bans.unban(host))
          throw new RpcError(
            RPC_NET.INVALID_IP_OR_SUBNET,
            'Error: Unban failed. Requested address/subnet was not previously manually banned.',
          );
        return null;
      }
      if (cmd !== 'add') throw new RpcError(RPC.INVALID_PARAMETER, "command must be 'add' or 'remove'");
      if (conns.bans.isBanned(host))
        throw new RpcError(RPC_NET.NODE_ALREADY_ADDED, 'Error: IP/Subnet already banned');
      const time =
        bantime === undefined || bantime === null || bantime === 0 ? 86_400 : int(bantime, 'bantime');
      if (time < 0) throw new RpcError(RPC.INVALID_PARAMETER, 'bantime must not be negative');
      if (absolute === true) {
        if (time * 1000 <= Date.now())
          throw new RpcError(RPC.INVALID_PARAMETER, 'Error: Absolute timestamp is in the past');
        conns.ban(host, 0, 'manually added', time * 1000);
      } else conns.ban(host, time, 'manually added');
      return null;
    },

    clearbanned: () => {
      p2p().conns.bans.clear();
      return null;
    },

    stop: () => {
      setImmediate(() => node.onStopRequest());
      return 'gossip-ledger stopping';
    },
  };
  return methods;
}
