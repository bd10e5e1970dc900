/** A quiet regtest FullNode for benchmarks: 127.0.0.1, free ports, no status lines, no logs. */
import { silentLogger } from '../node/log.js';
import { FullNode, type NodeConfig } from '../node/node.js';

export function startRegtestNode(datadir: string, overrides: Partial<NodeConfig> = {}): Promise<FullNode> {
  return FullNode.start(
    {
      network: 'regtest',
      datadir,
      httpHost: '127.0.0.1',
      httpPort: 0,
      p2pPort: 0,
      p2pHost: '127.0.0.1',
      mine: false,
      logLevel: 'silent',
      statusIntervalMs: 0,
      ...overrides,
    },
    silentLogger,
  );
}
