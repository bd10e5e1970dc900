/** Default data directories per OS and network (as Core's GetDefaultDataDir, by platform). */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { NetworkName } from './protocol/params.js';

export function defaultDataDir(
  network: NetworkName,
  env: NodeJS.ProcessEnv = process.env,
  platform = process.platform,
): string {
  const home = homedir();
  let base: string;
  if (platform === 'win32') base = join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'gossip-ledger');
  else if (platform === 'darwin') base = join(home, 'Library', 'Application Support', 'gossip-ledger');
  else base = join(env.XDG_DATA_HOME ?? join(home, '.local', 'share'), 'gossip-ledger');
  return join(base, network);
}
