/**
 * Two routes electrs serves only when started with a flag, and so does this node:
 * - GET /address-prefix/:prefix (electrs' `--address-search`; setting `address-search`): up to 10
 *   addresses that have appeared in outputs on the chain and start with `prefix`, sorted, from the
 *   node's address-search index (chain/indexes.ts). Off, electrs answers 400 "address search
 *   disabled", and so does this route. Electrs puts no bound on the prefix; here it must look like
 *   the start of an address (1-90 characters of the base58 and bech32 alphabets), else 400. A
 *   data dir synced without the setting has no index for its old blocks: 503 until resynced.
 * - GET /block-template (electrs' `--enable-mining-rest`; setting `http-block-template`): Core's
 *   getblocktemplate template-mode answer for the next block (node/template-json.ts), cached up
 *   to 15 s and dropped when the tip moves, `Cache-Control: no-store`, as Esplora's API.md says.
 *   Off, 404. Outside regtest, while the node has no peers or is in initial block download, 503
 *   with Core's message for getblocktemplate's -9/-10.
 */
import type { FastifyInstance } from 'fastify';
import { PLACEHOLDER_SCRIPT, templateJson } from '../../node/api.js';
import { ApiError } from '../errors.js';
import { cacheShort, type RouteContext } from './context.js';

export const ADDRESS_SEARCH_LIMIT = 10;
const TEMPLATE_TTL_MS = 15_000;
/** Characters of base58 (no 0, O, I, l) and bech32 (either case; its HRP and separator). */
const PREFIX_PATTERN = '^[0-9A-HJ-NP-Za-z]{1,90}$';

export function registerMiningRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { node, opts } = ctx;
  const hrp = node.params.address.bech32;

  app.get<{ Params: { prefix: string } }>(
    '/address-prefix/:prefix',
    {
      schema: {
        tags: ['addresses'],
        summary: 'Up to 10 addresses seen on chain that start with prefix, sorted (setting address-search)',
        params: {
          type: 'object',
          required: ['prefix'],
          properties: {
            prefix: {
              type: 'string',
              pattern: PREFIX_PATTERN,
              description: 'the start of an address: 1-90 base58 or bech32 characters',
            },
          },
        },
        response: { 200: { type: 'array', items: { type: 'string' } } },
      },
    },
    async (req, res) => {
      if (!opts.addressSearch) throw new ApiError('DISABLED', 'address search disabled');
      let prefix = req.params.prefix;
      // Bech32 may be written in capitals; the index holds the lower-case form the chain shows.
      if (prefix === prefix.toUpperCase() && prefix.toLowerCase().startsWith(`${hrp}1`))
        prefix = prefix.toLowerCase();
      const found = await node.chain.addressesWithPrefix(prefix, ADDRESS_SEARCH_LIMIT);
      if (found === null)
        throw new ApiError(
          'UNAVAILABLE',
          'address search index incomplete: this data dir was synced without address-search; sync a new one with it on',
        );
      cacheShort(res);
      return found;
    },
  );

  let cached: { tip: string; at: number; body: Record<string, unknown> } | null = null;
  app.get(
    '/block-template',
    {
      schema: {
        tags: ['mining'],
        summary: "Core's getblocktemplate (template mode) for the next block (setting http-block-template)",
        response: { 200: { type: 'object', additionalProperties: true } },
      },
    },
    async (_req, res) => {
      if (!opts.blockTemplate)
        throw new ApiError('NOT_FOUND', 'block template disabled: start the node with http-block-template');
      if (node.params.name !== 'regtest') {
        const sync = node.sync();
        if (sync.peers === 0) throw new ApiError('UNAVAILABLE', 'gossip-ledger is not connected!');
        if (sync.ibd)
          throw new ApiError('UNAVAILABLE', 'gossip-ledger is in initial sync and waiting for blocks...');
      }
      const tip = node.chain.tip.hashHex;
      const now = opts.clock.now();
      if (!cached || cached.tip !== tip || now - cached.at >= TEMPLATE_TTL_MS)
        cached = { tip, at: now, body: templateJson(node.template(PLACEHOLDER_SCRIPT), node) };
      res.header('cache-control', 'no-store');
      return cached.body;
    },
  );
}
