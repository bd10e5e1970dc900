/**
 * The test tiers (README "Tests and benchmarks"): every test file is in exactly one, which
 * vitest.config.ts turns into a vitest project and package.json into a script, so a change can
 * be checked at the cost it needs. test/tiers.test.ts fails for a file in no tier or in two, and
 * for a file whose imports put it above its tier (a unit test that starts a node, a node test
 * that spawns a process).
 *
 * - unit: in one process from the sources, no build: no node, no listening server, no child
 *   process, no worker threads from dist/ (temp dirs and LevelDB are fine). `npm run test:unit`.
 * - node: in-process FullNodes, HTTP servers, in-memory or loopback networks, and the worker
 *   pools built into dist/. `npm run test:node`.
 * - process: spawns programs (gossip-node, gossip-wallet, the devnet, Biome, python3) and checks
 *   them as a user sees them. `npm run test:process`.
 * - browser: the explorer's page in headless Chromium. `npm run test:browser`.
 *
 * A new test file goes in the lowest tier its needs allow.
 */
export const TIERS = {
  unit: [
    'test/address.test.ts',
    'test/anchors-index.test.ts',
    'test/anchors-proof.test.ts',
    'test/anchors-tree.test.ts',
    'test/blocks.test.ts',
    'test/chain-headers.test.ts',
    'test/chain-rules.test.ts',
    'test/chain-script-cache.test.ts',
    'test/chain.test.ts',
    'test/codec-robustness.test.ts',
    'test/consensus-rules.test.ts',
    'test/core-data.test.ts',
    'test/difficulty.test.ts',
    'test/explorer-units.test.ts',
    'test/injected-time.test.ts',
    'test/layering.test.ts',
    'test/mempool-block.test.ts',
    'test/mempool-limits.test.ts',
    'test/mempool-orphans.test.ts',
    'test/mempool-random.test.ts',
    'test/mempool-rbf.test.ts',
    'test/mempool-replacements.test.ts',
    'test/mempool.test.ts',
    'test/mining.test.ts',
    'test/node-datadir.test.ts',
    'test/p2p-misbehaviour.test.ts',
    'test/p2p-units.test.ts',
    'test/p2p-wire.test.ts',
    'test/params.test.ts',
    'test/policy.test.ts',
    'test/primitives.test.ts',
    'test/rpc-amount.test.ts',
    'test/rpc-net.test.ts',
    'test/sim-parts.test.ts',
    'test/tiers.test.ts',
    'test/tx-vectors.test.ts',
    'test/wallet-coinselect.test.ts',
    'test/wallet-keys.test.ts',
    'test/wallet-tx.test.ts',
  ],
  node: [
    'test/anchors-e2e.test.ts',
    'test/explorer-anchors.test.ts',
    'test/explorer-api-input.test.ts',
    'test/explorer-api.test.ts',
    'test/explorer-client.test.ts',
    'test/mining-miner.test.ts',
    'test/node-metrics.test.ts',
    'test/node-reorg.test.ts',
    'test/node-rpc.test.ts',
    'test/node-status.test.ts',
    'test/node-virtual-clock.test.ts',
    'test/p2p-addrv2.test.ts',
    'test/p2p-getblocks.test.ts',
    'test/p2p-hostile.test.ts',
    'test/p2p-inv-flood.test.ts',
    'test/p2p-network.test.ts',
    'test/p2p-partition.test.ts',
    'test/p2p-sync.test.ts',
    'test/p2p-transport.test.ts',
    'test/script-pool.test.ts',
    'test/sim.test.ts',
    'test/wallet-safety.test.ts',
  ],
  process: [
    'test/anchors-cli.test.ts',
    'test/cli.test.ts',
    'test/crash-safety.test.ts',
    'test/devnet.test.ts',
    'test/lint-ignore.test.ts',
    'test/node-config.test.ts',
    'test/netns.test.ts',
    'test/node-ops.test.ts',
    'test/p2p-cli.test.ts',
    'test/p2p-python.test.ts',
    'test/test-stress.test.ts',
    'test/wallet-cli.test.ts',
    'test/wallet-e2e.test.ts',
  ],
  browser: ['test/explorer-web.test.ts'],
} as const;

export type Tier = keyof typeof TIERS;
