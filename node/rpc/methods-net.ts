/**
 * Core's net RPCs (rpc/net.cpp): peers, bans, manual peers and traffic totals, through the
 * node's NodeNetwork (api.ts). Until the P2P layer has started they answer -28 (warming up);
 * on a node without P2P, -31, as Core's "Peer-to-peer functionality missing or disabled".
 */
import {
  canonicalIp,
  isRoutable,
  LOCAL_SERVICES,
  NODE_FILES,
  type NodeNetwork,
  P2PConfigError,
  type PeerInfo,
  PROTOCOL_VERSION,
  type RpcNode,
} from '../api.js';
import { int, str } from './args.js';
import { RPC, RpcError } from './errors.js';
import type { RpcHandler } from './jsonrpc.js';

/** Core's P2P client error codes (protocol.h). */
const RPC_NET = {
  NODE_ALREADY_ADDED: -23,
  NODE_NOT_ADDED: -24,
  NODE_NOT_CONNECTED: -29,
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

/** Core's network names (GetNetworkName): a loopback or private address is "not_publicly_routable". */
function networkOf(host: string): string {
  if (!isRoutable(host)) return 'not_publicly_routable';
  return host.includes(':') ? 'ipv6' : 'ipv4';
}

/** Core's servicesnames: the known service bits by name. */
function serviceNames(hex: string): string[] {
  const bits = BigInt(`0x${hex}`);
  const names: [bigint, string][] = [
    [1n, 'NETWORK'],
    [1n << 3n, 'WITNESS'],
    [1n << 10n, 'NETWORK_LIMITED'],
  ];
  return names.filter(([b]) => (bits & b) !== 0n).map(([, n]) => n);
}

/** Core's getpeerinfo shape (v28 fields this node knows), plus our node id and ban score. */
function peerJson(p: PeerInfo) {
  return {
    id: p.id,
    addr: p.addr,
    network: networkOf(p.host),
    nodeid: p.nodeId,
    services: p.services,
    servicesnames: serviceNames(p.services),
    relaytxes: true,
    lastsend: p.lastSend,
    lastrecv: p.lastRecv,
    last_transaction: p.lastTransaction,
    last_block: p.lastBlock,
    bytessent: p.bytesSent,
    bytesrecv: p.bytesReceived,
    conntime: p.connectedAt,
    timeoffset: 0,
    ...(p.pingMs === null ? {} : { pingtime: p.pingMs / 1000 }),
    ...(p.minPingMs === null ? {} : { minping: p.minPingMs / 1000 }),
    ...(p.pingWaitMs === null ? {} : { pingwait: p.pingWaitMs / 1000 }),
    version: p.version,
    subver: p.userAgent,
    inbound: p.direction === 'inbound',
    startingheight: p.startHeight,
    synced_headers: p.syncedHeight,
    synced_blocks: p.syncedHeight,
    permissions: [],
    banscore: p.banScore,
    bytessent_per_msg: p.bytesSentPerMsg,
    bytesrecv_per_msg: p.bytesReceivedPerMsg,
    connection_type: p.direction === 'inbound' ? 'inbound' : 'outbound-full-relay',
    transport_protocol_type: 'v1',
    session_id: '',
  };
}

export function buildNetMethods(node: RpcNode): Record<string, RpcHandler> {
  const p2p = (): NodeNetwork => {
    const net = node.network;
    if (net) return net;
    // Core answers every call with RPC_IN_WARMUP until init is done; here only what needs P2P waits.
    if (node.p2pEnabled) throw new RpcError(RPC.IN_WARMUP, 'Starting network threads…');
    throw new RpcError(RPC_NET.P2P_DISABLED, 'Error: Peer-to-peer functionality missing or disabled');
  };

  return {
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
        localservices: (node.files ? LOCAL_SERVICES | NODE_FILES : LOCAL_SERVICES)
          .toString(16)
          .padStart(16, '0'),
        localservicesnames: node.files ? ['NETWORK', 'WITNESS', 'FILES'] : ['NETWORK', 'WITNESS'],
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
        // Core's per-network reachability: we speak IPv4 and IPv6, no Tor, I2P or CJDNS.
        networks: ['ipv4', 'ipv6', 'onion', 'i2p', 'cjdns'].map((name) => ({
          name,
          limited: name !== 'ipv4' && name !== 'ipv6',
          reachable: name === 'ipv4' || name === 'ipv6',
          proxy: '',
          proxy_randomize_credentials: false,
        })),
        localaddresses: [],
        warnings: [],
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

    addnode: ([target, command, v2transport]) => {
      if (v2transport === true)
        throw new RpcError(
          RPC.INVALID_PARAMETER,
          'Error: v2transport requested but not enabled (see -v2transport)',
        );
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

    ping: () => {
      p2p().pingAll();
      return null;
    },

    disconnectnode: ([address, nodeid]) => {
      const hasAddr = address !== undefined && address !== null && address !== '';
      const hasId = nodeid !== undefined && nodeid !== null;
      // Core: exactly one of the two.
      if (hasAddr === hasId)
        throw new RpcError(RPC.INVALID_PARAMETER, 'Only one of address and nodeid should be provided.');
      const net = p2p();
      const found = hasAddr
        ? net.disconnect({ address: str(address, 'address') })
        : net.disconnect({ id: int(nodeid, 'nodeid') });
      if (!found) throw new RpcError(RPC_NET.NODE_NOT_CONNECTED, 'Node not found in connected nodes');
      return null;
    },

    clearbanned: () => {
      p2p().clearBanned();
      return null;
    },
  };
}
