/**
 * The default data directory per OS and network (as Core's GetDefaultDataDir), shared by the
 * node and the wallet. A pure rule: callers pass the environment, platform and home directory.
 */
import { join } from 'node:path';
import type { NetworkName } from './params.js';

export function defaultDataDir(
  network: NetworkName,
  env: Readonly<Record<string, string | undefined>>,
  platform: string,
  home: string,
): string {
  let base: string;
  if (platform === 'win32') base = join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'gossip-ledger');
  else if (platform === 'darwin') base = join(home, 'Library', 'Application Support', 'gossip-ledger');
  else base = join(env.XDG_DATA_HOME ?? join(home, '.local', 'share'), 'gossip-ledger');
  return join(base, network);
}
