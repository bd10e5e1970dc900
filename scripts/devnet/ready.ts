/**
 * The "devnet ready" block: where each node's explorer is, and commands to paste into another
 * terminal to use the wallets and the RPC while devnet runs.
 */
import { join } from 'node:path';
import { cookiePath } from '../../node/rpc/auth.js';
import type { Devnet } from './context.js';
import { NODE_CLI, shown, WALLET_CLI } from './paths.js';

export function readyLines(d: Devnet, passwordFromEnv: boolean, seconds: number): string[] {
  const wallet = `node ${shown(WALLET_CLI)}`;
  const [n1, n2] = d.nodes;
  const alice = shown(d.alice!.file);
  return [
    `devnet ready in ${seconds.toFixed(1)} s`,
    '  explorer:',
    ...d.nodes.map((n) => `    node ${n.index}  ${n.url}/`),
    `  wallets: ${alice} (${d.alice!.address}), ${shown(d.bob!.file)} (${d.bob!.address})`,
    '  try, in another terminal:',
    passwordFromEnv
      ? '    (the wallet password is your GOSSIP_WALLET_PASSWORD)'
      : `    export GOSSIP_WALLET_PASSWORD=${d.password}`,
    `    ${wallet} -n regtest --node ${n1!.url} -w ${alice} balance`,
    `    ${wallet} -n regtest --node ${n2!.url} -w ${alice} send ${d.bob!.address} 0.1`,
    `    curl -s -u "$(cat ${shown(cookiePath(n1!.datadir))})" -d '{"method":"getblockcount"}' ${n1!.rpcUrl}/`,
    // Node 2 has not fetched the anchored file: this is the step's fetch, on the command line.
    `    node ${shown(NODE_CLI)} -n regtest -d ${shown(n2!.datadir)} --rpc-port ${n2!.ports.rpc} fetch ${d.anchorId} -o ${shown(join(d.dir, 'hello-devnet.fetched-by-node2.txt'))}`,
    `  node 1 mines a block every ${d.blockIntervalMs / 1000} s; Ctrl-C stops everything`,
  ];
}
