/**
 * Counters of the files service, monotonic since start: what /metrics exports and what the
 * tests count (a resumed download must fetch and hash each chunk once in all).
 */
export interface FilesCounters {
  /** File bytes sent in `chunk` messages. */
  bytesServed: number;
  chunksServed: number;
  /** File bytes received in whole chunks (verified or not, duplicates included). */
  bytesFetched: number;
  /** Chunks hashed to verify them (one SHA-256 leaf hash plus its path each). */
  chunksHashed: number;
  /** Chunks written to the store and recorded. */
  chunksWritten: number;
  /** Chunks that did not verify (each cost its sender the connection and a ban score of 100). */
  badChunks: number;
  /** Verified copies of chunks already held (the endgame's price). */
  duplicateChunks: number;
  /** Chunk requests refused because a peer asked faster than the serving limit. */
  throttled: number;
  /** `getmanifest` answered `notfile`: not held, or not anchored on our best chain. */
  manifestsRefused: number;
  /** DHT lookups for files no connected peer held (dht-fallback.ts). */
  dhtLookups: number;
  /** Outbound file connections opened to providers the DHT named. */
  dhtConnections: number;
}

export function newCounters(): FilesCounters {
  return {
    bytesServed: 0,
    chunksServed: 0,
    bytesFetched: 0,
    chunksHashed: 0,
    chunksWritten: 0,
    badChunks: 0,
    duplicateChunks: 0,
    throttled: 0,
    manifestsRefused: 0,
    dhtLookups: 0,
    dhtConnections: 0,
  };
}
