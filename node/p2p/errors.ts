/**
 * P2PError: what a peer did wrong, with a stable code and the misbehaviour score it earns
 * (Core's Misbehaving / MaybePunishNode). Every offence disconnects the peer; scores add up
 * per IP address across connections, and reaching BAN_THRESHOLD bans the address
 * (Core's DISCOURAGEMENT_THRESHOLD, 100). `P2PConfigError` is a different type: bad settings
 * from the operator (seeds file, host:port arguments), never a peer's fault.
 */
export const OFFENCES = {
  /** Bytes that do not start with this network's magic: garbage, or another protocol. */
  BAD_MAGIC: 50,
  /** A frame carrying another known network's magic: a misconfigured node, not an attack. */
  WRONG_NETWORK: 0,
  BAD_CHECKSUM: 50,
  /** A payload over the per-command limit. */
  OVERSIZED: 50,
  /** A frame announcing more than any message may carry (4 MB): never an honest mistake. */
  OVERSIZED_FRAME: 100,
  /** A payload that does not parse, or a command name that is not printable ASCII. */
  MALFORMED: 50,
  /** A message before the version handshake, or a second version. */
  HANDSHAKE: 10,
  HANDSHAKE_TIMEOUT: 0,
  SELF_CONNECTION: 0,
  DUPLICATE_CONNECTION: 0,
  OBSOLETE_VERSION: 0,
  /** A block or header breaking a consensus rule. */
  INVALID_BLOCK: 100,
  INVALID_HEADER: 100,
  /** A transaction breaking a consensus rule (policy rejections are not offences). */
  INVALID_TX: 100,
  /** Headers that do not connect, again and again (Core: 10 in a row). */
  UNCONNECTING_HEADERS: 20,
  /** More outstanding announcements than we track per peer, or an unrequested flood. */
  INV_FLOOD: 50,
  /** Asked for blocks and did not deliver in time. */
  STALLING: 0,
  PING_TIMEOUT: 0,
} as const;

export type OffenceCode = keyof typeof OFFENCES;

/** Score at which an address is banned. */
export const BAN_THRESHOLD = 100;

export class P2PError extends Error {
  readonly code: OffenceCode;
  readonly score: number;
  constructor(code: OffenceCode, message: string) {
    super(message);
    this.name = 'P2PError';
    this.code = code;
    this.score = OFFENCES[code];
  }
}

export type P2PConfigErrorCode = 'BAD_ADDRESS' | 'BAD_SEEDS_FILE';

export class P2PConfigError extends Error {
  readonly code: P2PConfigErrorCode;
  constructor(code: P2PConfigErrorCode, message: string) {
    super(message);
    this.name = 'P2PConfigError';
    this.code = code;
  }
}
