/** What the node tells about a connected peer (getpeerinfo, GET /api/peers). */
export interface PeerInfo {
  /** Local connection number, as Core's getpeerinfo `id`. */
  id: number;
  /** "host:port" of the remote end. */
  addr: string;
  host: string;
  port: number;
  /** The peer's version nonce as hex: its node id. */
  nodeId: string;
  direction: 'inbound' | 'outbound';
  services: string;
  version: number;
  userAgent: string;
  startHeight: number;
  /** Height of the last block we know the peer has (from its headers/inv). */
  syncedHeight: number;
  /** Last measured ping round trip in milliseconds, null before the first pong. */
  pingMs: number | null;
  /** Lowest round trip seen, ms; null before the first pong. */
  minPingMs: number | null;
  /** How long the ping in flight has waited, ms; null when none is. */
  pingWaitMs: number | null;
  /** Unix seconds. */
  connectedAt: number;
  /** Unix seconds of the last bytes sent / received; 0 when none yet. */
  lastSend: number;
  lastRecv: number;
  /** Unix seconds of the last new valid block / accepted tx from this peer (Core's last_block, last_transaction); 0: never. */
  lastBlock: number;
  lastTransaction: number;
  bytesSent: number;
  bytesReceived: number;
  bytesSentPerMsg: Record<string, number>;
  bytesReceivedPerMsg: Record<string, number>;
  banScore: number;
}
