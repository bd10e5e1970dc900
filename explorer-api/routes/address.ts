/**
 * Address and scripthash routes (Esplora API.md, "Addresses"): :address and scripthash/:hash
 * (SHA-256 of the output script, not reversed) with /txs (up to 50 mempool txs, newest first,
 * then the first 25 confirmed), /txs/chain[/:last_seen_txid] (25 per page), /txs/mempool and
 * /utxo. A confirmed page is one bounded reverse read of the address index starting after the
 * last seen tx's (height, position): its cost does not grow with the history.
 * mempool.space's `?after_txid=` on /txs is read as /txs/chain/:after_txid.
 * Beyond Esplora: /balance (balance.ts), which never grows with the history; `?limit=` (1..100)
 * on /txs/chain; `?limit=&after=` on /utxo, cursor pages of the UTXOs (utxo-page.ts) with the
 * next cursor in the X-Next-Cursor header, so the body stays Esplora's array.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { shKey } from '../../node/api.js';
import { equal } from '../../node/protocol/bytes.js';
import { hashToDisplay, sha256 } from '../../node/protocol/hash.js';
import { txidFromDisplay } from '../../node/protocol/ids.js';
import { OutPoint } from '../../node/protocol/tx.js';
import { balanceOf, balanceSchema } from '../balance.js';
import { ApiError, notFound } from '../errors.js';
import { Lru } from '../lru.js';
import { addressScripthash, lowerHash, parseScripthash } from '../params.js';
import {
  addressSchema,
  HEX64,
  jsonResponses,
  txListSchema,
  txsLimitQuery,
  utxoPageQuery,
  utxoSchema,
} from '../schemas.js';
import { DEFAULT_UTXO_PAGE, utxoPage } from '../utxo-page.js';
import { type TxJson, UNCONFIRMED } from '../views.js';
import { cacheShort, type RouteContext } from './context.js';

const CHAIN_TXS_PER_PAGE = 25;
const MAX_MEMPOOL_TXS = 50;

interface Stats {
  funded_txo_count: number;
  funded_txo_sum: number;
  spent_txo_count: number;
  spent_txo_sum: number;
  tx_count: number;
}

export function registerAddressRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { chain, mempool, params } = ctx.node;
  const { data, pool } = ctx;
  const utxoBodies = new Lru<string, { version: string; body: string }>(1000);

  const mempoolStats = async (sh: Uint8Array): Promise<Stats> => {
    await pool.settle();
    const s: Stats = {
      funded_txo_count: 0,
      funded_txo_sum: 0,
      spent_txo_count: 0,
      spent_txo_sum: 0,
      tx_count: 0,
    };
    for (const txid of pool.txidsFor(sh)) {
      const x = pool.get(txid);
      if (!x) continue;
      s.tx_count++;
      for (const o of x.entry.tx.outputs) {
        if (!equal(sha256(o.script), sh)) continue;
        s.funded_txo_count++;
        s.funded_txo_sum += Number(o.value);
      }
      for (const p of x.prevouts) {
        if (!p || !equal(sha256(p.script), sh)) continue;
        s.spent_txo_count++;
        s.spent_txo_sum += Number(p.value);
      }
    }
    return s;
  };

  const mempoolTxs = async (sh: Uint8Array): Promise<TxJson[]> => {
    await pool.settle();
    const out: TxJson[] = [];
    for (const txid of pool.txidsFor(sh).slice(0, MAX_MEMPOOL_TXS)) {
      const j = await data.mempoolJson(txid);
      if (j) out.push(j);
    }
    return out;
  };

  const chainTxs = async (
    sh: Uint8Array,
    lastSeen?: string,
    limit = CHAIN_TXS_PER_PAGE,
  ): Promise<TxJson[]> => {
    let before: { height: number; pos: number } | undefined;
    if (lastSeen !== undefined) {
      const loc = await chain.getTxLocation(txidFromDisplay(lowerHash(lastSeen)));
      if (loc) before = { height: loc.block.height, pos: loc.index };
      else if (!mempool.has(txidFromDisplay(lowerHash(lastSeen)))) throw notFound('last seen transaction');
    }
    const rows = await chain.getAddressHistory(sh, { limit, before });
    const out: TxJson[] = [];
    for (const r of rows) {
      const c = await data.confirmedJson(hashToDisplay(r.txid));
      if (c) out.push(c.json);
    }
    return out;
  };

  const utxos = async (sh: Uint8Array) => {
    await pool.settle();
    const confirmed = await data.confirmedUtxos(sh);
    if (!confirmed) throw new ApiError('TOO_MANY_ENTRIES', 'Too many history entries');
    const out = confirmed.filter((u) => !mempool.spender(new OutPoint(txidFromDisplay(u.txid), u.vout)));
    for (const txid of pool.txidsFor(sh).reverse()) {
      const x = pool.get(txid);
      if (!x) continue;
      x.entry.tx.outputs.forEach((o, vout) => {
        if (equal(sha256(o.script), sh) && !mempool.spender(new OutPoint(x.entry.tx.txid(), vout)))
          out.push({ txid, vout, status: UNCONFIRMED, value: Number(o.value) });
      });
    }
    return out;
  };

  for (const kind of ['address', 'scripthash'] as const) {
    const tags = ['addresses'];
    const key = kind === 'address' ? 'address' : 'hash';
    const base = `/${kind}/:${key}`;
    const keyProp =
      kind === 'address'
        ? { type: 'string', minLength: 1, maxLength: 128, pattern: '^[0-9a-zA-Z]+$' }
        : { type: 'string', pattern: HEX64, description: 'SHA-256 of the output script (not reversed)' };
    const params1 = { type: 'object', required: [key], properties: { [key]: keyProp } };
    const scripthashOf = (p: Record<string, string>) =>
      kind === 'address' ? addressScripthash(p[key]!, params) : parseScripthash(p[key]!);
    type P = { Params: Record<string, string>; Querystring: { after_txid?: string } };
    const send = (res: FastifyReply) => cacheShort(res);

    app.get<P>(
      base,
      {
        schema: {
          tags,
          summary: `Funding and spending stats of an ${kind}`,
          params: params1,
          response: jsonResponses(addressSchema(kind)),
        },
      },
      async (req, res) => {
        const sh = scripthashOf(req.params);
        const t = await chain.getAddressTotals(sh);
        const chain_stats = {
          funded_txo_count: t.fundedCount,
          funded_txo_sum: Number(t.fundedSum),
          spent_txo_count: t.spentCount,
          spent_txo_sum: Number(t.spentSum),
          tx_count: t.txCount,
        };
        send(res);
        return {
          [kind]: kind === 'address' ? req.params[key] : lowerHash(req.params[key]!),
          chain_stats,
          mempool_stats: await mempoolStats(sh),
        };
      },
    );

    app.get<P>(
      `${base}/txs`,
      {
        schema: {
          tags,
          summary: 'Up to 50 mempool txs (newest first) then the 25 newest confirmed txs',
          params: params1,
          querystring: { type: 'object', properties: { after_txid: { type: 'string', pattern: HEX64 } } },
          response: jsonResponses(txListSchema),
        },
      },
      async (req, res) => {
        const sh = scripthashOf(req.params);
        send(res);
        if (req.query.after_txid !== undefined) return chainTxs(sh, req.query.after_txid);
        const unconfirmed = await mempoolTxs(sh);
        const confirmed = await chainTxs(sh);
        const seen = new Set(confirmed.map((t) => t.txid));
        return [...unconfirmed.filter((t) => !seen.has(t.txid)), ...confirmed];
      },
    );

    for (const path of [`${base}/txs/chain`, `${base}/txs/chain/:last_seen_txid`]) {
      const last = path.endsWith('txid');
      app.get<{ Params: Record<string, string>; Querystring: { limit?: number } }>(
        path,
        {
          schema: {
            tags,
            summary: '25 (or ?limit=, up to 100) confirmed txs, newest first, after last_seen_txid',
            querystring: txsLimitQuery,
            params: {
              type: 'object',
              required: last ? [key, 'last_seen_txid'] : [key],
              properties: { [key]: keyProp, last_seen_txid: { type: 'string', pattern: HEX64 } },
            },
            response: jsonResponses(txListSchema),
          },
        },
        async (req, res) => {
          const sh = scripthashOf(req.params);
          send(res);
          return chainTxs(sh, req.params.last_seen_txid, req.query.limit);
        },
      );
    }

    app.get<P>(
      `${base}/balance`,
      {
        schema: {
          tags,
          summary: `Balance of an ${kind}, satoshis: confirmed, unconfirmed (net mempool change), total`,
          params: params1,
          response: jsonResponses(balanceSchema),
        },
      },
      async (req, res) => {
        const sh = scripthashOf(req.params);
        send(res);
        return balanceOf(ctx.node, pool, sh);
      },
    );

    app.get<P>(
      `${base}/txs/mempool`,
      {
        schema: {
          tags,
          summary: 'Up to 50 unconfirmed txs, newest first',
          params: params1,
          response: jsonResponses(txListSchema),
        },
      },
      async (req, res) => {
        const sh = scripthashOf(req.params);
        send(res);
        return mempoolTxs(sh);
      },
    );

    app.get<{ Params: Record<string, string>; Querystring: { limit?: number; after?: string } }>(
      `${base}/utxo`,
      {
        schema: {
          tags,
          summary:
            "Unspent outputs (confirmed, then unconfirmed); with ?limit= a page of them, the next page's cursor in X-Next-Cursor",
          params: params1,
          querystring: utxoPageQuery,
          response: jsonResponses(utxoSchema),
        },
      },
      async (req, res) => {
        const sh = scripthashOf(req.params);
        send(res);
        if (req.query.limit !== undefined || req.query.after !== undefined) {
          // Paged: the body stays Esplora's array; the cursor rides in a header (utxo-page.ts).
          const page = await utxoPage(
            ctx.node,
            pool,
            sh,
            req.query.limit ?? DEFAULT_UTXO_PAGE,
            req.query.after,
          );
          if (page.next) res.header('x-next-cursor', page.next);
          return page.utxos;
        }
        // The serialized answer, reused until the tip or the mempool changes.
        await pool.settle();
        const k = shKey(sh);
        const version = `${chain.tip.hashHex}:${pool.version}`;
        const hit = utxoBodies.get(k);
        if (hit?.version === version) return res.type('application/json; charset=utf-8').send(hit.body);
        const body = String(res.serialize(await utxos(sh)));
        utxoBodies.set(k, { version, body });
        return res.type('application/json; charset=utf-8').send(body);
      },
    );
  }
}
