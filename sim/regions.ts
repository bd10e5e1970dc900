/**
 * Where simulated nodes live: SimBlock's six regions with its measured 2019 figures
 * (dsg-titech/simblock, simulator/src/main/java/simblock/settings/NetworkConfiguration.java;
 * Aoki et al., "SimBlock: A Blockchain Network Simulator", INFOCOM workshops 2019):
 *
 * - one-way latency between regions, ms (LATENCY_2019; SimBlock adds Pareto jitter around these
 *   means, we use the means);
 * - per-node access bandwidth, Mbit/s (DOWNLOAD_BANDWIDTH_2019: 52, 40, 18, 22.8, 22.8, 29.9;
 *   UPLOAD_BANDWIDTH_2019: 19.2, 20.7, 5.8, 15.7, 10.2, 11.3);
 * - the share of Bitcoin's reachable nodes in each region (REGION_DISTRIBUTION_BITCOIN_2019:
 *   NA 33.16%, EU 49.98%, SA 0.90%, AP 11.77%, JP 2.24%, AU 1.95%).
 */

export const REGIONS = [
  'north-america',
  'europe',
  'south-america',
  'asia-pacific',
  'japan',
  'australia',
] as const;
export type Region = (typeof REGIONS)[number];

/** LATENCY_2019[i][j], one way, ms. */
export const LATENCY_MS: readonly (readonly number[])[] = [
  [32, 124, 184, 198, 151, 189],
  [124, 11, 227, 237, 252, 294],
  [184, 227, 88, 325, 301, 322],
  [198, 237, 325, 85, 58, 198],
  [151, 252, 301, 58, 12, 126],
  [189, 294, 322, 198, 126, 16],
];

const MBIT = 1_000_000 / 8;
/** Per node, bytes/s. */
export const DOWNLOAD_BYTES_PER_S = [52, 40, 18, 22.8, 22.8, 29.9].map((m) => m * MBIT);
export const UPLOAD_BYTES_PER_S = [19.2, 20.7, 5.8, 15.7, 10.2, 11.3].map((m) => m * MBIT);

/** Share of nodes per region. */
export const REGION_SHARE = [0.3316, 0.4998, 0.009, 0.1177, 0.0224, 0.0195];
