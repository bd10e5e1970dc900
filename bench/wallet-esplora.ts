/**
 * A tiny in-memory Esplora server for the wallet's tests and bench: the routes and JSON shapes
 * of Blockstream's API.md that the wallet uses, over coins the caller puts at addresses, on
 * 127.0.0.1 and an ephemeral port. `mode` makes it misbehave (malformed JSON, wrong shapes,
 * refusing transactions) so tests can check the wallet's handling. It counts requests.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fromHex, toHex } from '../node/protocol/bytes.js';
import { Tx } from '../node/protocol/tx.js';

export interface FakeCoin {
  txid: string;
  vout: number;
  value: number;
  /** null: in the mempool. */
  height: number | null;
  coinbase?: boolean;
}

export type FakeMode = 'ok' | 'not-json' | 'bad-shape' | 'reject-tx' | 'http-500';

export class FakeEsplora {
  readonly coins = new Map<string, FakeCoin[]>();
  /** Addresses seen used without coins left (so discovery continues past them). */
  readonly spentOnly = new Set<string>();
  tip = 200;
  fees: Record<string, number> = { '1': 5.2, '2': 4.1, '6': 2.5, '144': 1.01 };
  mode: FakeMode = 'ok';
  requests = 0;
  readonly posted: string[] = [];
  private server: Server | null = null;
  url = '';

  fund(address: string, coin: FakeCoin): void {
    const list = this.coins.get(address) ?? [];
    list.push(coin);
    this.coins.set(address, list);
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.requests++;
      this.handle(req, res).catch((e: unknown) => {
        res.writeHead(500).end(String(e));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  }

  private status(c: FakeCoin) {
    return c.height === null
      ? { confirmed: false }
      : {
          confirmed: true,
          block_height: c.height,
          block_hash: blockHash(c.height),
          block_time: 1_700_000_000 + c.height,
        };
  }

  private txJson(address: string, c: FakeCoin) {
    return {
      txid: c.txid,
      version: 2,
      locktime: 0,
      vin: [
        c.coinbase
          ? {
              txid: '00'.repeat(32),
              vout: 4294967295,
              prevout: null,
              scriptsig: '',
              is_coinbase: true,
              sequence: 0,
            }
          : {
              txid: 'cd'.repeat(32),
              vout: 0,
              prevout: {
                scriptpubkey: `0014${'11'.repeat(20)}`,
                scriptpubkey_address: 'x',
                value: c.value + 1000,
              },
              scriptsig: '',
              is_coinbase: false,
              sequence: 0xfffffffd,
            },
      ],
      vout: [
        ...Array.from({ length: c.vout }, () => ({ scriptpubkey: `0014${'22'.repeat(20)}`, value: 1 })),
        { scriptpubkey: this.scriptOf(address), scriptpubkey_address: address, value: c.value },
      ],
      size: 200,
      weight: 800,
      fee: c.coinbase ? 0 : 999,
      status: this.status(c),
    };
  }

  /** Scripts by address, registered by the test (the fake does not decode addresses). */
  readonly scripts = new Map<string, string>();
  private scriptOf(address: string): string {
    return this.scripts.get(address) ?? `0014${'33'.repeat(20)}`;
  }

  private stats(address: string) {
    const coins = this.coins.get(address) ?? [];
    const chain = coins.filter((c) => c.height !== null);
    const pool = coins.filter((c) => c.height === null);
    const used = this.spentOnly.has(address) ? 2 : 0;
    const st = (cs: FakeCoin[], extra: number) => ({
      funded_txo_count: cs.length + extra / 2,
      funded_txo_sum: cs.reduce((s, c) => s + c.value, 0) + extra * 500,
      spent_txo_count: extra / 2,
      spent_txo_sum: extra * 500,
      tx_count: cs.length + extra,
    });
    return { address, chain_stats: st(chain, used), mempool_stats: st(pool, 0) };
  }

  private json(res: ServerResponse, body: unknown): void {
    if (this.mode === 'not-json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('<html>oops</html>');
      return;
    }
    if (this.mode === 'http-500') {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const p = url.pathname.split('/').filter(Boolean);
    if (req.method === 'POST' && url.pathname === '/api/tx') {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const hex = Buffer.concat(chunks).toString('utf8').trim();
      if (this.mode === 'reject-tx') {
        res
          .writeHead(400, { 'content-type': 'text/plain' })
          .end('sendrawtransaction RPC error: {"code":-26,"message":"min relay fee not met"}');
        return;
      }
      this.posted.push(hex);
      res.writeHead(200, { 'content-type': 'text/plain' }).end(Tx.fromBytes(fromHex(hex)).txidHex());
      return;
    }
    if (url.pathname === '/api/blocks/tip/height') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(String(this.tip));
      return;
    }
    if (url.pathname === '/api/fee-estimates') return this.json(res, this.fees);
    if (p[0] === 'api' && p[1] === 'address' && p[2]) {
      const address = p[2];
      if (p.length === 3) {
        if (this.mode === 'bad-shape')
          return this.json(res, { address, chain_stats: { funded_txo_count: 'many' } });
        return this.json(res, this.stats(address));
      }
      const coins = this.coins.get(address) ?? [];
      if (p[3] === 'utxo') {
        return this.json(
          res,
          coins.map((c) => ({ txid: c.txid, vout: c.vout, value: c.value, status: this.status(c) })),
        );
      }
      if (p[3] === 'txs')
        return this.json(res, p[4] === 'chain' ? [] : coins.map((c) => this.txJson(address, c)));
    }
    if (p[0] === 'api' && p[1] === 'block' && p[3] === 'txid' && p[4] === '0') {
      // The coinbase of the fake block: a coin marked coinbase at that height, else a stand-in.
      for (const coins of this.coins.values()) {
        const c = coins.find((x) => x.coinbase && x.height !== null && blockHash(x.height) === p[2]);
        if (c) return void res.writeHead(200, { 'content-type': 'text/plain' }).end(c.txid);
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end('cb'.repeat(32));
      return;
    }
    if (p[0] === 'api' && p[1] === 'tx' && p[2] && p.length === 3) {
      for (const [address, coins] of this.coins) {
        const c = coins.find((x) => x.txid === p[2]);
        if (c) return this.json(res, this.txJson(address, c));
      }
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  }
}

/** The fake block hash at a height. */
export function blockHash(height: number): string {
  return height.toString(16).padStart(8, '0').repeat(8);
}

/** A display txid made from a number, for fake coins. */
export function fakeTxid(n: number): string {
  return toHex(Uint8Array.from({ length: 32 }, (_, i) => (i < 4 ? (n >>> (8 * i)) & 0xff : 0x5a)));
}
