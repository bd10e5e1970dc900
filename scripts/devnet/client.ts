/**
 * Talks to one devnet node over HTTP: its JSON-RPC (POST / on the RPC port, HTTP Basic with the
 * `__cookie__` secret from <datadir>/.cookie, as bitcoin-cli does; node/rpc/server.ts) for mining and node
 * state, and its Esplora explorer API (GET /api/...) for what a wallet or a user would see.
 * The cookie is read at each call: a node writes a fresh one every start.
 */
import { readFile } from 'node:fs/promises';
import { cookiePath } from '../../node/rpc/auth.js';
import { DevnetError } from './errors.js';

const REQUEST_TIMEOUT_MS = 30_000;

export interface PeerInfo {
  nodeId: string;
  direction: 'inbound' | 'outbound';
  addr: string;
}

export interface TxStatus {
  confirmed: boolean;
  block_height?: number;
  block_hash?: string;
}

export class NodeClient {
  readonly index: number;
  readonly url: string;
  readonly rpcUrl: string;
  private readonly cookiePath: string;
  private readonly signal: AbortSignal;
  private seq = 0;

  /** `signal` ends any request in flight (Ctrl-C, --timeout), not only the waits between them. */
  constructor(node: { index: number; url: string; rpcUrl: string; datadir: string }, signal: AbortSignal) {
    this.index = node.index;
    this.url = node.url;
    this.rpcUrl = node.rpcUrl;
    this.cookiePath = cookiePath(node.datadir);
    this.signal = signal;
  }

  /** One HTTP request, read to the end; ended by the run's signal or after REQUEST_TIMEOUT_MS. */
  private async request(
    path: string,
    init: RequestInit = {},
    base = this.url,
  ): Promise<{ status: number; text: string; bytes: Uint8Array }> {
    const ac = new AbortController();
    const onAbort = () => ac.abort(this.signal.reason);
    if (this.signal.aborted) onAbort();
    else this.signal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(
      () => ac.abort(this.fail(`${path}: no answer in ${REQUEST_TIMEOUT_MS / 1000} s`)),
      REQUEST_TIMEOUT_MS,
    );
    try {
      const res = await fetch(`${base}${path}`, { ...init, signal: ac.signal });
      const bytes = new Uint8Array(await res.arrayBuffer());
      return { status: res.status, text: new TextDecoder().decode(bytes), bytes };
    } finally {
      clearTimeout(timer);
      this.signal.removeEventListener('abort', onAbort);
    }
  }

  private fail(message: string): DevnetError {
    return new DevnetError('NODE_ERROR', `node ${this.index}: ${message}`, this.index);
  }

  async rpc<T>(method: string, params: unknown[] = []): Promise<T> {
    const cookie = (await readFile(this.cookiePath, 'utf8')).trim();
    const id = ++this.seq;
    const res = await this.request(
      '/',
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(cookie).toString('base64')}`,
        },
        body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
      },
      this.rpcUrl,
    );
    const text = res.text;
    if (res.status !== 200) throw this.fail(`${method}: HTTP ${res.status} ${text.slice(0, 200)}`);
    let body: { id?: unknown; result?: T; error?: { code: number; message: string } | null };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw this.fail(`${method}: response is not JSON`);
    }
    if (body.error) throw this.fail(`${method}: RPC error ${body.error.code}: ${body.error.message}`);
    if (body.id !== id) throw this.fail(`${method}: response id ${String(body.id)} for request ${id}`);
    return body.result as T;
  }

  /** GET /api/<path> as text; undefined on 404 (the node does not know it yet). */
  async apiText(path: string): Promise<string | undefined> {
    const res = await this.request(`/api/${path}`);
    const text = res.text;
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw this.fail(`GET /api/${path}: HTTP ${res.status} ${text.slice(0, 200)}`);
    return text;
  }

  /** GET /api/<path> as JSON; undefined on 404. */
  async api<T>(path: string): Promise<T | undefined> {
    const text = await this.apiText(path);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw this.fail(`GET /api/${path}: response is not JSON`);
    }
  }

  /** GET /api/<path> as raw bytes (a file download); undefined on 404. */
  async apiBytes(path: string): Promise<Uint8Array | undefined> {
    const res = await this.request(`/api/${path}`);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw this.fail(`GET /api/${path}: HTTP ${res.status} ${res.text.slice(0, 200)}`);
    return res.bytes;
  }

  /** The hash of the node's best-chain block at `height`, undefined if it has none there yet. */
  async hashAt(height: number): Promise<string | undefined> {
    return (await this.apiText(`block-height/${height}`))?.trim();
  }

  async peers(): Promise<PeerInfo[]> {
    return (await this.api<PeerInfo[]>('peers')) ?? [];
  }

  /**
   * This node's P2P identity, the nonce its version messages carry (as peers report it);
   * undefined until its P2P layer has started.
   */
  async nodeId(): Promise<string | undefined> {
    const info = await this.rpc<{ nodeid?: unknown }>('getnetworkinfo');
    return typeof info.nodeid === 'string' ? info.nodeid : undefined;
  }

  async txStatus(txid: string): Promise<TxStatus | undefined> {
    return this.api<TxStatus>(`tx/${txid}/status`);
  }

  /** Mines `count` blocks to `address` (regtest's generatetoaddress); the new block hashes. */
  async generate(count: number, address: string): Promise<string[]> {
    return this.rpc<string[]>('generatetoaddress', [count, address]);
  }

  /** A block's height and number of transactions (coinbase included). */
  async block(hash: string): Promise<{ height: number; txCount: number }> {
    const b = await this.api<{ tx_count?: unknown; height?: unknown }>(`block/${hash}`);
    if (typeof b?.tx_count !== 'number' || typeof b.height !== 'number')
      throw this.fail(`GET /api/block/${hash}: no height or tx_count`);
    return { height: b.height, txCount: b.tx_count };
  }
}
