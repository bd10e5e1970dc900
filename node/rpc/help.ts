/**
 * Each method's arguments and one-line description, in Bitcoin Core's terms (RPCHelpMan):
 * `help` lists the methods by category with their usage line, `help <method>` prints the usage,
 * the description and the arguments; named parameters (`bitcoin-cli -named`) are mapped to
 * positions by these names; a call with too many or too few arguments gets the usage back as
 * error -1, as Core's IsValidNumArgs check does.
 */

export type ArgType = 'string' | 'numeric' | 'boolean' | 'array' | 'object' | 'amount' | 'hex';

export interface ArgSpec {
  name: string;
  type: ArgType;
  optional?: boolean;
  description: string;
}

export interface MethodSpec {
  category:
    | 'Blockchain'
    | 'Control'
    | 'Files'
    | 'Mining'
    | 'Network'
    | 'Rawtransactions'
    | 'Util'
    | 'Generating';
  args: ArgSpec[];
  description: string;
}

const a = (name: string, type: ArgType, description: string, optional = false): ArgSpec => ({
  name,
  type,
  description,
  optional,
});
const opt = (name: string, type: ArgType, description: string): ArgSpec => a(name, type, description, true);

const BLOCKHASH = a('blockhash', 'hex', 'The block hash');
const TXID = a('txid', 'hex', 'The transaction id');
const VERBOSE = opt('verbose', 'boolean', 'True for a JSON object, false for an array of txids');

export const SPECS: Record<string, MethodSpec> = {
  // File sharing (docs/files.md); not Core's.
  sharefile: {
    category: 'Files',
    args: [
      a('path', 'string', 'The file to share; its manifest must be anchored on the best chain.'),
      opt('proofpath', 'string', 'Its .anchor.json proof (default: beside the file).'),
    ],
    description: 'Adds an anchored file to the store and serves it to peers.',
  },
  fetchfile: {
    category: 'Files',
    args: [
      a('target', 'string', 'A manifest id, an anchor id, or the JSON text of an .anchor.json proof.'),
      opt('output', 'string', 'Where to write the finished file (absolute path).'),
      opt('wait', 'boolean', 'Answer only once the file is whole and written.'),
      opt(
        'timeout',
        'numeric',
        'With wait: seconds to find a provider (connected, or through the DHT) before failing NO_PROVIDERS (default 60).',
      ),
    ],
    description: 'Fetches an anchored file from the peers that hold it, every chunk verified.',
  },
  listfiles: {
    category: 'Files',
    args: [],
    description: 'Returns the files in the store, whole or partial.',
  },
  getfileinfo: {
    category: 'Files',
    args: [a('id', 'hex', 'The manifest id.')],
    description: 'Returns one file of the store.',
  },
  removefile: {
    category: 'Files',
    args: [a('id', 'hex', 'The manifest id.')],
    description: 'Removes a file from the store (it is no longer served).',
  },
  getfilesstats: {
    category: 'Files',
    args: [],
    description: 'Returns the file service counters since start (bytes served and fetched, bad chunks, ...).',
  },
  getbestblockhash: {
    category: 'Blockchain',
    args: [],
    description: 'Returns the hash of the best (tip) block.',
  },
  getblock: {
    category: 'Blockchain',
    args: [BLOCKHASH, opt('verbosity', 'numeric', '0 for hex, 1 for JSON, 2 for JSON with transactions')],
    description: 'Returns a block: hex (verbosity 0) or JSON.',
  },
  getblockchaininfo: { category: 'Blockchain', args: [], description: 'Returns the state of the chain.' },
  getblockcount: { category: 'Blockchain', args: [], description: 'Returns the height of the best chain.' },
  getblockhash: {
    category: 'Blockchain',
    args: [a('height', 'numeric', 'The height index')],
    description: 'Returns the hash of the block at this height in the best chain.',
  },
  getblockheader: {
    category: 'Blockchain',
    args: [BLOCKHASH, opt('verbose', 'boolean', 'true for JSON, false for hex')],
    description: 'Returns a block header.',
  },
  getblockstats: {
    category: 'Blockchain',
    args: [
      a('hash_or_height', 'numeric', 'The block hash or height'),
      opt('stats', 'array', 'The statistics to return (default all)'),
    ],
    description: 'Computes per-block statistics (fees, sizes, counts, fee rates) of a main-chain block.',
  },
  getchaintips: {
    category: 'Blockchain',
    args: [],
    description: 'Returns the tips of every branch of the block tree.',
  },
  getdifficulty: {
    category: 'Blockchain',
    args: [],
    description: 'Returns the proof-of-work difficulty of the tip.',
  },
  getmempoolancestors: {
    category: 'Blockchain',
    args: [TXID, VERBOSE],
    description: 'Returns the in-mempool ancestors of a mempool transaction.',
  },
  getmempooldescendants: {
    category: 'Blockchain',
    args: [TXID, VERBOSE],
    description: 'Returns the in-mempool descendants of a mempool transaction.',
  },
  getmempoolentry: { category: 'Blockchain', args: [TXID], description: 'Returns a mempool transaction.' },
  getmempoolinfo: { category: 'Blockchain', args: [], description: 'Returns the state of the mempool.' },
  getrawmempool: {
    category: 'Blockchain',
    args: [VERBOSE, opt('mempool_sequence', 'boolean', 'Not supported here: only false')],
    description: 'Returns the mempool transactions.',
  },
  gettxout: {
    category: 'Blockchain',
    args: [
      TXID,
      a('n', 'numeric', 'The output number'),
      opt('include_mempool', 'boolean', 'Look in the mempool too'),
    ],
    description: 'Returns an unspent transaction output, or null.',
  },
  gettxoutsetinfo: {
    category: 'Blockchain',
    args: [
      opt('hash_type', 'string', "'hash_serialized_3' (our own serialization's SHA-256) or 'none'"),
      opt('hash_or_height', 'numeric', 'Not supported (needs coinstatsindex)'),
      opt('use_index', 'boolean', 'Ignored'),
    ],
    description: 'Returns statistics about the UTXO set.',
  },

  invalidateblock: {
    category: 'Blockchain',
    args: [a('blockhash', 'hex', 'The block to mark invalid')],
    description: 'Marks a block and its descendants invalid, as if they broke a rule; the chain reorgs.',
  },

  reconsiderblock: {
    category: 'Blockchain',
    args: [a('blockhash', 'hex', 'The block to reconsider')],
    description:
      'Removes invalidity status of a block, its ancestors and descendants; the chain reorgs to the best.',
  },

  getrpcinfo: { category: 'Control', args: [], description: 'Returns details of the RPC server.' },
  help: {
    category: 'Control',
    args: [opt('command', 'string', 'The command to get help on')],
    description: 'Lists the commands, or explains one.',
  },
  stop: { category: 'Control', args: [], description: 'Stops the node.' },
  uptime: { category: 'Control', args: [], description: 'Returns the seconds since the node started.' },

  generatetoaddress: {
    category: 'Generating',
    args: [
      a('nblocks', 'numeric', 'How many blocks to mine'),
      a('address', 'string', 'The address the coinbases pay'),
      opt('maxtries', 'numeric', 'Checked, not needed: regtest blocks are found at once'),
    ],
    description: 'Mines blocks at once paying an address (regtest only).',
  },

  getblocktemplate: {
    category: 'Mining',
    args: [opt('template_request', 'object', 'BIP22 request: {"rules": ["segwit"], "mode": "template"}')],
    description: 'Returns a block template to mine on (BIP22, BIP23, BIP145).',
  },
  getmininginfo: { category: 'Mining', args: [], description: 'Returns mining-related information.' },
  submitblock: {
    category: 'Mining',
    args: [a('hexdata', 'hex', 'The block, hex-encoded'), opt('dummy', 'string', 'Ignored (BIP22 workid)')],
    description: 'Submits a block; null when accepted, else the BIP22 reason.',
  },

  addnode: {
    category: 'Network',
    args: [
      a('node', 'string', 'host:port'),
      a('command', 'string', "'add', 'remove' or 'onetry'"),
      opt('v2transport', 'boolean', 'BIP324 is not offered: only false'),
    ],
    description: 'Adds or removes a peer to keep connected, or tries one once.',
  },
  clearbanned: { category: 'Network', args: [], description: 'Removes every ban.' },
  disconnectnode: {
    category: 'Network',
    args: [opt('address', 'string', 'The peer address (host:port)'), opt('nodeid', 'numeric', 'The peer id')],
    description: 'Disconnects a peer by address or by id.',
  },
  getconnectioncount: { category: 'Network', args: [], description: 'Returns the number of connections.' },
  getdhtinfo: {
    category: 'Network',
    args: [],
    description: "Returns the DHT's node id, port, routing table size, records stored and lookups.",
  },
  getproviders: {
    category: 'Network',
    args: [
      a('manifestid', 'hex', 'The manifest id of an anchored file'),
      opt('limit', 'numeric', 'At most this many providers (default 20)'),
    ],
    description:
      'Looks up who provides a file in the DHT; [] at once for an id not anchored on the best chain.',
  },
  getnettotals: {
    category: 'Network',
    args: [],
    description: 'Returns the bytes and messages sent and received.',
  },
  getnetworkinfo: { category: 'Network', args: [], description: 'Returns the state of the P2P layer.' },
  getpeerinfo: { category: 'Network', args: [], description: 'Returns each connected peer.' },
  listbanned: { category: 'Network', args: [], description: 'Returns the bans in force.' },
  ping: {
    category: 'Network',
    args: [],
    description: 'Sends a ping to every peer (see pingtime in getpeerinfo).',
  },
  setban: {
    category: 'Network',
    args: [
      a('subnet', 'string', 'An IP (or /32, /128)'),
      a('command', 'string', "'add' or 'remove'"),
      opt('bantime', 'numeric', 'Seconds (default 86400), or a UNIX time with absolute'),
      opt('absolute', 'boolean', 'bantime is a UNIX time'),
    ],
    description: 'Bans or unbans an address.',
  },

  decoderawtransaction: {
    category: 'Rawtransactions',
    args: [
      a('hexstring', 'hex', 'The transaction hex'),
      opt('iswitness', 'boolean', 'Ignored: both forms are tried'),
    ],
    description: 'Decodes a raw transaction.',
  },
  decodescript: {
    category: 'Rawtransactions',
    args: [a('hexstring', 'hex', 'The script hex')],
    description: 'Decodes a script: asm, type, address, P2SH and segwit wrappers.',
  },
  getrawtransaction: {
    category: 'Rawtransactions',
    args: [
      TXID,
      opt('verbosity', 'numeric', '0 for hex, 1 for JSON'),
      opt('blockhash', 'hex', 'Look in this block only'),
    ],
    description: 'Returns a mempool or indexed transaction.',
  },
  sendrawtransaction: {
    category: 'Rawtransactions',
    args: [
      a('hexstring', 'hex', 'The transaction hex'),
      opt('maxfeerate', 'amount', 'Cap in coin/kvB (0: none)'),
      opt('maxburnamount', 'amount', 'Most value an unspendable output may carry (default 0)'),
    ],
    description: 'Submits a transaction to the mempool and relays it.',
  },
  submitpackage: {
    category: 'Rawtransactions',
    args: [
      a('package', 'array', 'Raw transactions (hex): parents first, the child that spends them all last'),
      opt('maxfeerate', 'amount', 'Cap per transaction in coin/kvB (0: none)'),
      opt('maxburnamount', 'amount', 'Most value an unspendable output may carry (default 0)'),
    ],
    description:
      'Submits a child with its unconfirmed parents to the mempool and relays them; a parent paying too little enters when the package pays for it.',
  },
  testmempoolaccept: {
    category: 'Rawtransactions',
    args: [
      a('rawtxs', 'array', 'Raw transactions (hex)'),
      opt('maxfeerate', 'amount', 'Cap in coin/kvB (0: none)'),
    ],
    description: 'Says whether the mempool would accept a transaction, without adding it.',
  },

  estimatesmartfee: {
    category: 'Util',
    args: [
      a('conf_target', 'numeric', 'Confirmation target in blocks (1 - 1008)'),
      opt('estimate_mode', 'string', "'unset', 'economical' or 'conservative' (the same here)"),
    ],
    description: 'Estimates the fee rate (coin/kvB) to confirm within conf_target blocks.',
  },
  validateaddress: {
    category: 'Util',
    args: [a('address', 'string', 'The address')],
    description: 'Says whether an address is valid for this network, and what it pays to.',
  },
};

function argUsage(x: ArgSpec): string {
  if (x.type === 'string' || x.type === 'hex') return `"${x.name}"`;
  if (x.type === 'array') return `["${x.name}",...]`;
  if (x.type === 'object') return `{${x.name}}`;
  return x.name;
}

/** Core's usage line: `getblock "blockhash" ( verbosity )`, trailing optionals in one group. */
export function usageLine(method: string, spec: MethodSpec): string {
  const req = spec.args.filter((x) => !x.optional).map(argUsage);
  const optional = spec.args.filter((x) => x.optional).map(argUsage);
  return [method, ...req, ...(optional.length ? [`( ${optional.join(' ')} )`] : [])].join(' ');
}

/** `help <method>`: usage, description, numbered arguments. */
export function methodHelp(method: string, spec: MethodSpec): string {
  const lines = [usageLine(method, spec), '', spec.description];
  if (spec.args.length > 0) {
    lines.push('', 'Arguments:');
    const width = Math.max(...spec.args.map((x) => x.name.length));
    spec.args.forEach((x, i) => {
      const type = x.type === 'hex' ? 'string' : x.type === 'amount' ? 'numeric or string' : x.type;
      lines.push(
        `${i + 1}. ${x.name.padEnd(width)}    (${type}, ${x.optional ? 'optional' : 'required'}) ${x.description}`,
      );
    });
  }
  return lines.join('\n');
}

/** `help`: every method's usage line under `== Category ==`, as Core lists them. */
export function helpList(methods: readonly string[]): string {
  const byCat = new Map<string, string[]>();
  for (const m of [...methods].sort()) {
    const spec = SPECS[m];
    if (!spec) continue;
    const list = byCat.get(spec.category) ?? [];
    list.push(usageLine(m, spec));
    byCat.set(spec.category, list);
  }
  return [...byCat.keys()]
    .sort()
    .map((c) => `== ${c} ==\n${byCat.get(c)!.join('\n')}`)
    .join('\n\n');
}
