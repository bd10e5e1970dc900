/**
 * The DHT's numbers and why (docs/dht.md). Kademlia (Maymounkov & Mazieres, IPTPS 2002): k = 20
 * contacts per bucket, alpha = 3 queries in flight; S/Kademlia (Baumgart & Mies, ICPADS 2007):
 * d = 3 disjoint lookup paths; provider TTL 48 h, republished every 22 h (libp2p kad-dht,
 * RFM17); per-peer admission limits after py-libp2p's hardening (PR 1426): 20 records per message, requests per
 * address bounded per 10 s.
 */

/** Service bit of a node that answers DHT queries (an experimental bit, BIP 159's range is 10). */
export const NODE_DHT = 1n << 25n;

export const ID_BYTES = 32;
export const K = 20;
export const ALPHA = 3;
export const DISJOINT_PATHS = 3;

export const HOUR_MS = 3_600_000;
export const PROVIDER_TTL_MS = 48 * HOUR_MS;
export const REPUBLISH_MS = 22 * HOUR_MS;
/** A bucket not touched by a lookup for this long is refreshed with a lookup of a random id in it. */
export const BUCKET_REFRESH_MS = HOUR_MS;
/** How long a query waits for its answer before the contact counts as failed. */
export const QUERY_TIMEOUT_MS = 2_000;
/** Failed queries in a row after which a contact is dropped for a fresher one. */
export const MAX_FAILS = 2;
/** Candidates kept per bucket to replace a dead contact (Kademlia's replacement cache). */
export const REPLACEMENTS = 8;

/**
 * Per-peer admission: at most this many requests per window, else the peer is flooding.
 * py-libp2p admits 10 per 10 s for ADD_PROVIDER alone; a node doing a few lookups at once sends
 * one query per lookup to a given peer, so 50 leaves honest room and still bounds a flood.
 */
export const RATE_MAX = 50;
export const RATE_WINDOW_MS = 10_000;
export const MAX_RECORDS_PER_MESSAGE = 20;
export const MAX_CONTACTS_PER_MESSAGE = K;
/** Records kept per manifest id, and in all (py-libp2p keeps 50 K). */
export const MAX_PROVIDERS_PER_ID = 20;
export const MAX_RECORDS = 50_000;
