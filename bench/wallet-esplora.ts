/**
 * A tiny in-memory Esplora server for the wallet's tests and bench: the routes and JSON shapes
 * of Blockstream's API.md that the wallet uses, over coins the caller puts at addresses, on
 * 127.0.0.1 and an ephemeral port. Each coin is a real transaction (its raw bytes hash to its
 * txid) and each block a real regtest header with proof of work, so the wallet's own checks
 * pass on honest answers. `mode` makes it misbehave (malformed JSON, wrong shapes, refusing
 * transactions, lying about coins or the tip) so tests can check the wallet's handling. It
 * counts requests. It serves the best chain's hashes (`block-height`) and the mempool's txids,
 * which a warm wallet cache asks for, but no raw blocks: its headers do not link, so a wallet
 * whose cached tip it moves past rescans or refuses (tests of the cache use a real node).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeAddress } from '../node/protocol/address.js';
import { fromHex, toHex } from '../node/protocol/bytes.js';
import { hashFromDisplay } from '../node/protocol/hash.js';
import { BlockHeader } from '../node/protocol/header.js';
import { regtest } from '../node/protocol/params.js';
import { checkProofOfWork, hashToBigInt } from '../node/protocol/pow.js';
import { OutPoint, Tx, TxIn, TxOut } from '../node/protocol/tx.js';

export interface FakeCoin {
  /** Any 32-byte hex: the seed of the coin's transaction; fund() answers the real txid. */
  txid: string;
  vout: number;
  value: number;
  /** null: in the mempool. */
  height: number | null;
  coinbase?: boolean;
}

export type FakeMode =
  | 'ok'
  | 'not-json'
  | 'bad-shape'
  | 'reject-tx'
  | 'http-500'
  /** /utxo claims each coin is worth 1 coin more than its transaction pays. */
  | 'lie-value'
  /** Lists, for each coin, a transaction whose output pays another script. */
  | 'lie-script'
  /** /tx/:txid/hex serves the bytes of another transaction. */
  | 'other-tx'
  /** The tip header's hash does not meet its bits. */
  | 'bad-pow'
  /** The tip header's bits are above regtest's proof-of-work limit (its hash meets them). */
  | 'high-bits';

interface StoredCoin extends FakeCoin {
  tx: Tx;
  /** The same coin paying another script (for 'lie-script' and 'other-tx'). */
  otherTx: Tx;
}

const OTHER_SCRIPT = `0014${'33'.repeat(20)}`;
const REGTEST_BITS = 0x207fffff;
/** Bits whose target, 2^255, is just above regtest's limit 2^255 - 1. */
const HIGH_BITS = 0x21008000;

export class FakeEsplora {
  readonly coins = new Map<string, StoredCoin[]>();
  /** Addresses seen used without coins left (so discovery continues past them). */
  readonly spentOnly = new Set<string>();
  tip = 200;
  fees: Record<string, number> = { '1': 5.2, '2': 4.1, '6': 2.5, '144': 1.01 };
  mode: FakeMode = 'ok';
  requests = 0;
  readonly posted: string[] = [];
  private server: Server | null = null;
  url = '';

  /** Puts a coin at an address; resolves to its real txid (the hash of its transaction). */
  fund(address: string, coin: FakeCoin): string {
    const script = this.scriptOf(address);
    const tx = coinTx(coin, script);
    const stored: StoredCoin = { ...coin, txid: tx.txidHex(), tx, otherTx: coinTx(coin, OTHER_SCRIPT) };
    const list = this.coins.get(address) ?? [];
    list.push(stored);
    this.coins.set(address, list);
    this.byTxid.set(stored.txid, { address, coin: stored });
    this.byTxid.set(stored.otherTx.txidHex(), { address, coin: stored });
    return stored.txid;
  }

  /** Coins by the txid of either of their transactions (bench wallets hold thousands). */
  private readonly byTxid = new Map<string, { address: string; coin: StoredCoin }>();

  /** The coin whose transaction, as shown in the current mode, has this txid. */
  private find(txid: string): { address: string; coin: StoredCoin } | undefined {
    const found = this.byTxid.get(txid);
    return found && this.shown(found.coin).txidHex() === txid ? found : undefined;
  }

  /** The transaction the fake shows for a coin in the current mode. */
  private shown(c: StoredCoin): Tx {
    return this.mode === 'lie-script' ? c.otherTx : c.tx;
  }

  private readonly headers = new Map<string, { height: number; header: BlockHeader }>();
  private readonly byHeight = new Map<string, BlockHeader>();

  /** The fake block at a height: a header with real regtest proof of work ('good'), or a bad one. */
  header(height: number, kind: 'good' | 'bad-pow' | 'high-bits' = 'good'): BlockHeader {
    const key = `${kind}:${height}`;
    let h = this.byHeight.get(key);
    if (!h) {
      h = grindHeader(height, kind);
      this.byHeight.set(key, h);
      this.headers.set(h.hashHex(), { height, header: h });
    }
    return h;
  }

  blockHash(height: number): string {
    return this.header(height).hashHex();
  }

  private tipHeader(): BlockHeader {
    if (this.mode === 'bad-pow' || this.mode === 'high-bits') return this.header(this.tip, this.mode);
    return this.header(this.tip);
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
          block_hash: this.blockHash(c.height),
          block_time: 1_700_000_000 + c.height,
        };
  }

  private txJson(address: string, c: StoredCoin) {
    return {
      txid: this.shown(c).txidHex(),
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

  /** Scripts by address set by the test; others are decoded as regtest addresses. */
  readonly scripts = new Map<string, string>();
  private scriptOf(address: string): string {
    const set = this.scripts.get(address);
    if (set !== undefined) return set;
    try {
      return toHex(decodeAddress(address, regtest.address));
    } catch {
      return OTHER_SCRIPT;
    }
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
    if (url.pathname === '/api/blocks/tip/hash') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(this.tipHeader().hashHex());
      return;
    }
    if (p[0] === 'api' && p[1] === 'block' && p[2] && p.length === 4) {
      const known = this.headers.get(p[2]);
      if (known && p[3] === 'header') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end(toHex(known.header.toBytes()));
        return;
      }
      if (known && p[3] === 'status') {
        return this.json(res, {
          in_best_chain: known.height <= this.tip,
          height: known.height,
          next_best: null,
        });
      }
    }
    if (p[0] === 'api' && p[1] === 'tx' && p[2] && p[3] === 'hex' && p.length === 4) {
      const found = this.find(p[2]);
      if (found) {
        const tx = this.mode === 'other-tx' ? found.coin.otherTx : this.shown(found.coin);
        res.writeHead(200, { 'content-type': 'text/plain' }).end(toHex(tx.toBytes()));
        return;
      }
    }
    if (p[0] === 'api' && p[1] === 'block-height' && p[2] && p.length === 3) {
      const h = Number(p[2]);
      if (Number.isSafeInteger(h) && h >= 0 && h <= this.tip) {
        res.writeHead(200, { 'content-type': 'text/plain' }).end(this.blockHash(h));
        return;
      }
    }
    if (url.pathname === '/api/mempool/txids') {
      const pool = [...this.coins.values()].flat().filter((c) => c.height === null);
      return this.json(
        res,
        pool.map((c) => this.shown(c).txidHex()),
      );
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
        const lie = this.mode === 'lie-value' ? 100_000_000 : 0;
        return this.json(
          res,
          coins.map((c) => ({
            txid: this.shown(c).txidHex(),
            vout: c.vout,
            value: c.value + lie,
            status: this.status(c),
          })),
        );
      }
      if (p[3] === 'txs')
        return this.json(res, p[4] === 'chain' ? [] : coins.map((c) => this.txJson(address, c)));
    }
    if (p[0] === 'api' && p[1] === 'tx' && p[2] && p.length === 3) {
      const found = this.find(p[2]);
      if (found) return this.json(res, this.txJson(found.address, found.coin));
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  }
}

/**
 * A coin's transaction: `vout` one-sat outputs before the coin's own, spending an outpoint made
 * from the seed (a coinbase carries the height and the seed in its script instead).
 */
function coinTx(c: FakeCoin, scriptHex: string): Tx {
  const seed = hashFromDisplay(c.txid);
  const input = c.coinbase
    ? new TxIn(OutPoint.null(), Uint8Array.from([4, ...u32le(c.height ?? 0), 32, ...seed]))
    : new TxIn(new OutPoint(seed, 0), new Uint8Array(0), 0xfffffffd);
  const filler = Array.from({ length: c.vout }, () => new TxOut(1n, fromHex(`0014${'22'.repeat(20)}`)));
  return new Tx({
    version: 2,
    inputs: [input],
    outputs: [...filler, new TxOut(BigInt(c.value), fromHex(scriptHex))],
    locktime: 0,
  });
}

function u32le(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

/** Tries nonces until the header is what `kind` asks: valid regtest work, no work, or bits too high. */
function grindHeader(height: number, kind: 'good' | 'bad-pow' | 'high-bits'): BlockHeader {
  const prevBlock = new Uint8Array(32);
  prevBlock.set(u32le(height));
  prevBlock[31] = kind === 'good' ? 0 : kind === 'bad-pow' ? 1 : 2;
  const bits = kind === 'high-bits' ? HIGH_BITS : REGTEST_BITS;
  for (let nonce = 0; ; nonce++) {
    const h = new BlockHeader({
      version: 0x20000000,
      prevBlock,
      merkleRoot: new Uint8Array(32),
      time: 1_700_000_000 + height * 600,
      bits,
      nonce,
    });
    const meets = checkProofOfWork(h.hash(), REGTEST_BITS, regtest.powLimit);
    if (kind === 'good' && meets) return h;
    if (kind === 'bad-pow' && !meets) return h;
    if (kind === 'high-bits' && hashToBigInt(h.hash()) <= 1n << 255n) return h;
  }
}

/** A display txid made from a number, for fake coins. */
export function fakeTxid(n: number): string {
  return toHex(Uint8Array.from({ length: 32 }, (_, i) => (i < 4 ? (n >>> (8 * i)) & 0xff : 0x5a)));
}
