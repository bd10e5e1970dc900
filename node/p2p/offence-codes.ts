/**
 * The codes of what a peer can do wrong on the wire, in a module of their own so that the
 * error type (errors.ts) and the consequence table (misbehaviour.ts) both name them without
 * importing each other.
 */
export type OffenceCode =
  /** Bytes that do not start with this network's magic: garbage, or another protocol. */
  | 'BAD_MAGIC'
  /** A frame carrying another known network's magic: a misconfigured node, not an attack. */
  | 'WRONG_NETWORK'
  | 'BAD_CHECKSUM'
  /** A payload over the per-command limit. */
  | 'OVERSIZED'
  /** A frame announcing more than any message may carry (4 MB): never an honest mistake. */
  | 'OVERSIZED_FRAME'
  /** A payload that does not parse, or a command name that is not printable ASCII. */
  | 'MALFORMED'
  /** A message before the version handshake, or a second version. */
  | 'HANDSHAKE'
  | 'HANDSHAKE_TIMEOUT'
  | 'SELF_CONNECTION'
  | 'DUPLICATE_CONNECTION'
  | 'OBSOLETE_VERSION'
  /** A block or header breaking a consensus rule (the RuleError is the cause). */
  | 'INVALID_BLOCK'
  | 'INVALID_HEADER'
  /** A transaction breaking a consensus rule (policy rejections are not offences). */
  | 'INVALID_TX'
  /** Headers that do not connect, again and again (Core: 10 in a row). */
  | 'UNCONNECTING_HEADERS'
  /** More outstanding announcements than we track per peer, or an unrequested flood. */
  | 'INV_FLOOD'
  /** Asked for blocks and did not deliver in time. */
  | 'STALLING'
  /** An addr or addrv2 of more than 1,000 addresses (Core: Misbehaving 20). */
  | 'ADDR_OVERSIZE'
  | 'PING_TIMEOUT'
  /** A message that belongs between version and verack (wtxidrelay, sendaddrv2) sent after it (Core disconnects, no score). */
  | 'LATE_NEGOTIATION'
  /** BIP152: a cmpctblock Core's PartiallyDownloadedBlock::InitData finds invalid (READ_STATUS_INVALID). */
  | 'INVALID_CMPCT_BLOCK'
  /** BIP152: a blocktxn whose count does not match what was requested (FillBlock's READ_STATUS_INVALID). */
  | 'INVALID_BLOCKTXN'
  /** BIP152: a getblocktxn asking for an index the block does not have. */
  | 'BAD_GETBLOCKTXN'
  /** DHT (node/dht/): a message or provider record whose signature does not verify. */
  | 'DHT_BAD_SIGNATURE'
  /** DHT: more requests per window than a peer may send. */
  | 'DHT_FLOOD'
  /** DHT: an answer that contradicts its question (records for another id, an answer to another nonce). */
  | 'DHT_BAD_ANSWER'
  /** DHT: an answer where a request was due, or a request where an answer was. */
  | 'DHT_UNSOLICITED'
  /** A file chunk that does not verify against its anchored manifest's root: provably wrong. */
  | 'BAD_CHUNK'
  /** A manifest that is not the one asked for, or whose commitment path is malformed. */
  | 'BAD_MANIFEST'
  /** File data nobody asked this peer for (BEP 3: an unsolicited piece closes the connection). */
  | 'UNREQUESTED_CHUNK';
