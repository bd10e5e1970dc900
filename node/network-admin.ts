/**
 * The P2P layer behind the admin RPC's NodeNetwork (api.ts): Core's net RPCs (addnode,
 * setban, listbanned, clearbanned, getnettotals) need these few operations of the connection
 * pool and its ban list, so the RPC gets them here rather than the pool itself.
 */
import type { NodeNetwork } from './api.js';
import type { P2P } from './p2p/p2p.js';

export function networkAdmin(p2p: P2P): NodeNetwork {
  const { conns } = p2p;
  return {
    get userAgent() {
      return p2p.userAgent;
    },
    get nodeId() {
      return p2p.nodeId;
    },
    get listenPort() {
      return p2p.listenPort;
    },
    now: () => p2p.clock.now(),
    peerInfo: () => p2p.peerInfo(),
    totals: () => p2p.totals(),
    addNode: (target, command) => conns.addNode(target, command),
    listBanned: () => conns.bans.list(),
    isBanned: (host) => conns.bans.isBanned(host),
    ban: (host, seconds, reason, untilMs) => conns.ban(host, seconds, reason, untilMs),
    unban: (host) => conns.bans.unban(host),
    clearBanned: () => conns.bans.clear(),
  };
}
