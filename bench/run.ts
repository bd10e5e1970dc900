/** `npm run bench`: every benchmark in bench/, one JSON line per figure. */
import { run as anchors } from './anchors.js';
import { run as connect } from './connect.js';
import { run as miner } from './miner.js';
import { run as nodeBench } from './node.js';
import { run as protocol } from './protocol.js';

const benches: Record<string, () => void | Promise<void>> = {
  protocol,
  miner,
  connect,
  node: nodeBench,
  anchors,
};
const only = process.argv.slice(2);
for (const [name, fn] of Object.entries(benches)) {
  if (only.length > 0 && !only.includes(name)) continue;
  await fn();
}
