/**
 * The P2P layer's settings with their defaults (Core's values where it has one): 8 outbound
 * and 117 inbound connections, 24-hour bans, 10 s handshakes, 2-minute pings, 16 blocks in
 * flight per peer in a 1,024-block window, 60 s transaction requests. `tuning` overrides the
 * timers and limits (tests shorten them).
 */
import { type AddrBookOptions, DEFAULT_ADDRBOOK } from './addrbook.js';
import { DEFAULT_BAN_SECONDS } from './bans.js';
import { type BlockSyncOptions, DEFAULT_SYNC } from './block-sync.js';
import type { ConnectionTimings } from './connections.js';
import { FEELER_INTERVAL_MS } from './feeler.js';
import type { P2PConfig } from './p2p.js';
import { DEFAULT_TX_RELAY, type TxRelayOptions } from './tx-relay.js';

export const DEFAULT_MAX_OUTBOUND = 8;
export const DEFAULT_MAX_INBOUND = 117;

export const DEFAULT_TIMINGS: ConnectionTimings = {
  handshakeTimeoutMs: 10_000,
  pingIntervalMs: 120_000,
  pingTimeoutMs: 20 * 60_000,
  tickMs: 1_000,
  connectTimeoutMs: 5_000,
  seedDelayMs: 11_000,
  seedRetryBaseMs: 5_000,
  seedRetryMaxMs: 10 * 60_000,
  manualRetryBaseMs: 1_000,
  manualRetryMaxMs: 30_000,
  // Core: an ADDR_FETCH connection ends after 10 × AVG_ADDRESS_BROADCAST_INTERVAL (5 minutes).
  addrFetchTimeoutMs: 5 * 60_000,
  addrFetchRetryMs: 60_000,
  feelerIntervalMs: FEELER_INTERVAL_MS,
};

export interface P2PTuning {
  timings: Partial<ConnectionTimings>;
  sync: Partial<BlockSyncOptions>;
  txRelay: Partial<Omit<TxRelayOptions, 'relayDelayMs'>>;
  addrbook: Partial<AddrBookOptions>;
}

export interface P2PSettings {
  port: number;
  userAgent: string;
  dbPath: string | null;
  /** Entries of the seeds file for this network. */
  seeds: string[];
  listen?: boolean;
  host?: string;
  connect?: string[];
  addNodes?: string[];
  maxOutbound?: number;
  maxInbound?: number;
  relayDelayMs?: number;
  banSeconds?: number;
  allowLocalAddrs?: boolean;
  tuning?: Partial<P2PTuning>;
}

export function buildP2PConfig(s: P2PSettings): P2PConfig {
  const t = s.tuning ?? {};
  return {
    listen: s.listen ?? true,
    host: s.host ?? '127.0.0.1',
    port: s.port,
    seeds: s.seeds,
    connect: s.connect ?? [],
    addNodes: s.addNodes ?? [],
    maxOutbound: s.maxOutbound ?? DEFAULT_MAX_OUTBOUND,
    maxInbound: s.maxInbound ?? DEFAULT_MAX_INBOUND,
    banSeconds: s.banSeconds ?? DEFAULT_BAN_SECONDS,
    allowLocalAddrs: s.allowLocalAddrs ?? false,
    userAgent: s.userAgent,
    dbPath: s.dbPath,
    timings: { ...DEFAULT_TIMINGS, ...t.timings },
    sync: { ...DEFAULT_SYNC, ...t.sync },
    txRelay: {
      ...DEFAULT_TX_RELAY,
      ...t.txRelay,
      relayDelayMs: s.relayDelayMs ?? DEFAULT_TX_RELAY.relayDelayMs,
    },
    addrbook: { ...DEFAULT_ADDRBOOK, ...t.addrbook },
  };
}
