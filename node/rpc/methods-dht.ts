/**
 * The DHT's RPCs (docs/dht.md), through the node's NodeDht (api.ts): `getdhtinfo` and
 * `getproviders`. Manifest ids are hex in their byte order (as docs/anchors.md prints them).
 * On a node without the DHT both answer -1 with a sentence saying how to turn it on.
 */
import type { RpcNode } from '../api.js';
import { fromHex, toHex } from '../protocol/bytes.js';
import { hash, int } from './args.js';
import { RPC, RpcError } from './errors.js';
import type { RpcHandler } from './jsonrpc.js';

export function buildDhtMethods(node: RpcNode): Record<string, RpcHandler> {
  const dht = () => {
    if (node.dht) return node.dht;
    throw new RpcError(RPC.MISC_ERROR, 'Error: the DHT is off (start the node with --dht-port)');
  };
  return {
    getdhtinfo: () => {
      const s = dht().status();
      const lat = [...s.lookups.latencies].sort((a, b) => a - b);
      return {
        nodeid: s.nodeId,
        port: s.port,
        routingtablesize: s.routingTableSize,
        recordsstored: s.recordsStored,
        providing: s.providing,
        lookups: s.lookups.lookups,
        lookupssucceeded: s.lookups.succeeded,
        lookupmedianms: lat.length ? lat[Math.floor(lat.length / 2)] : null,
      };
    },
    getproviders: async ([id, limit]) => {
      const manifestId = fromHex(hash(id, 'manifestid'));
      const n = limit === undefined || limit === null ? undefined : int(limit, 'limit');
      const found = await dht().findProviders(manifestId, n === undefined ? {} : { limit: n });
      return found.map((r) => ({ nodeid: toHex(r.nodeId), host: r.host, port: r.port, expires: r.expires }));
    },
  };
}
