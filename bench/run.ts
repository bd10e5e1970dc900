/** `npm run bench`: every benchmark in bench/, one JSON line per figure. */
import { run as acceptRss } from './accept-rss.js';
import { run as anchors } from './anchors.js';
import { run as connect } from './connect.js';
import { run as connectMempool } from './connect-mempool.js';
import { run as explorer } from './explorer.js';
import { run as fees } from './fees.js';
import { run as files } from './files.js';
import { run as headers } from './headers.js';
import { run as miner } from './miner.js';
import { run as nodeBench } from './node.js';
import { run as ops } from './ops.js';
import { run as p2p } from './p2p.js';
import { run as protocol } from './protocol.js';
import { run as push } from './push.js';
import { run as relay } from './relay.js';
import { run as scriptVerify } from './script-verify.js';
import { run as taproot } from './taproot.js';
import { run as wallet } from './wallet.js';
import { run as walletCache } from './wallet-cache.js';

const benches: Record<string, () => void | Promise<void>> = {
  protocol,
  'script-verify': scriptVerify,
  taproot,
  miner,
  connect,
  'connect-mempool': connectMempool,
  headers,
  node: nodeBench,
  'accept-rss': acceptRss,
  p2p,
  relay,
  anchors,
  explorer,
  fees,
  push,
  files,
  wallet,
  'wallet-cache': walletCache,
  ops,
};
const only = process.argv.slice(2);
for (const [name, fn] of Object.entries(benches)) {
  if (only.length > 0 && !only.includes(name)) continue;
  await fn();
}
