/**
 * Every RPC method the node answers, from the per-area builders, with `help` over all of them
 * (Core's CRPCTable). A method needs a handler here and an entry in help.ts's SPECS; the
 * dispatcher answers -32601 for a name that lacks either.
 */
import type { RpcNode } from '../api.js';
import { str } from './args.js';
import { filesMethods } from './files-methods.js';
import { helpList, methodHelp, SPECS } from './help.js';
import type { RpcHandler } from './jsonrpc.js';
import { buildCoreMethods } from './methods.js';
import { buildChainMethods } from './methods-chain.js';
import { buildDhtMethods } from './methods-dht.js';
import { buildMiningMethods } from './methods-mining.js';
import { buildNetMethods } from './methods-net.js';
import { buildUtilMethods, type RpcActivity } from './methods-util.js';

export function buildMethods(
  node: RpcNode,
  activity: RpcActivity = { active: () => [] },
): Record<string, RpcHandler> {
  const methods: Record<string, RpcHandler> = {
    ...buildCoreMethods(node),
    ...buildChainMethods(node),
    ...buildMiningMethods(node),
    ...buildNetMethods(node),
    ...buildDhtMethods(node),
    ...buildUtilMethods(node, activity),
    ...filesMethods(node),
    help: ([command]) => {
      if (command === undefined || command === null) return helpList(Object.keys(methods));
      const name = str(command, 'command');
      const spec = Object.hasOwn(methods, name) ? SPECS[name] : undefined;
      return spec ? methodHelp(name, spec) : `help: unknown command: ${name}`;
    },
  };
  return methods;
}
