/**
 * Checks every JSON answer from the node against the shapes Blockstream's Esplora API documents
 * (github.com/Blockstream/esplora/blob/master/API.md), keeping only the fields the wallet uses.
 * Anything else is WalletError('BAD_RESPONSE') naming the route and the offending field, so a
 * broken or hostile node cannot make the wallet act on a half-understood answer.
 */
import { isHex } from '../../node/protocol/bytes.js';
import { WalletError } from '../errors.js';

export interface TxoStats {
  fundedCount: number;
  fundedSum: bigint;
  spentCount: number;
  spentSum: bigint;
  txCount: number;
}

export interface AddressStats {
  chain: TxoStats;
  mempool: TxoStats;
}

export interface TxStatus {
  confirmed: boolean;
  blockHeight: number | null;
  blockHash: string | null;
  blockTime: number | null;
}

export interface EsploraUtxo {
  txid: string;
  vout: number;
  value: bigint;
  status: TxStatus;
}

export interface EsploraVin {
  txid: string;
  vout: number;
  isCoinbase: boolean;
  /** The spent output; null for a coinbase. */
  prevout: { scriptHex: string; value: bigint } | null;
}

export interface EsploraTx {
  txid: string;
  vin: EsploraVin[];
  vout: { scriptHex: string; value: bigint }[];
  fee: bigint | null;
  status: TxStatus;
}

type Json = Record<string, unknown>;

export class Shape {
  readonly route: string;
  constructor(route: string) {
    this.route = route;
  }

  fail(where: string, what: string): never {
    throw new WalletError('BAD_RESPONSE', `malformed node response to ${this.route}: ${where} ${what}`);
  }

  obj(v: unknown, where: string): Json {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(where, 'is not an object');
    return v as Json;
  }

  arr(v: unknown, where: string): unknown[] {
    if (!Array.isArray(v)) this.fail(where, 'is not an array');
    return v;
  }

  uint(v: unknown, where: string): number {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
      this.fail(where, 'is not a non-negative integer');
    return v;
  }

  sats(v: unknown, where: string): bigint {
    return BigInt(this.uint(v, where));
  }

  bool(v: unknown, where: string): boolean {
    if (typeof v !== 'boolean') this.fail(where, 'is not a boolean');
    return v;
  }

  hex(v: unknown, where: string, bytes?: number): string {
    if (typeof v !== 'string' || !isHex(v, bytes)) {
      this.fail(where, bytes === undefined ? 'is not hex' : `is not ${bytes} bytes of hex`);
    }
    return v.toLowerCase();
  }

  txid(v: unknown, where: string): string {
    return this.hex(v, where, 32);
  }
}

function txoStats(s: Shape, v: unknown, where: string): TxoStats {
  const o = s.obj(v, where);
  const st = {
    fundedCount: s.uint(o.funded_txo_count, `${where}.funded_txo_count`),
    fundedSum: s.sats(o.funded_txo_sum, `${where}.funded_txo_sum`),
    spentCount: s.uint(o.spent_txo_count, `${where}.spent_txo_count`),
    spentSum: s.sats(o.spent_txo_sum, `${where}.spent_txo_sum`),
    txCount: s.uint(o.tx_count, `${where}.tx_count`),
  };
  return st;
}

export function parseAddressStats(route: string, v: unknown, address: string): AddressStats {
  const s: Shape = new Shape(route);
  const o = s.obj(v, 'body');
  if (o.address !== undefined && o.address !== address)
    s.fail('address', `is '${String(o.address)}', asked for '${address}'`);
  const chain = txoStats(s, o.chain_stats, 'chain_stats');
  // Confirmed outputs spent in the mempool count as mempool spends, so only the chain's own
  // spends must stay within the chain's funding.
  if (chain.spentSum > chain.fundedSum || chain.spentCount > chain.fundedCount) {
    s.fail('chain_stats', 'spends more than it funds');
  }
  return { chain, mempool: txoStats(s, o.mempool_stats, 'mempool_stats') };
}

function status(s: Shape, v: unknown, where: string): TxStatus {
  const o = s.obj(v, where);
  const confirmed = s.bool(o.confirmed, `${where}.confirmed`);
  if (!confirmed) return { confirmed, blockHeight: null, blockHash: null, blockTime: null };
  return {
    confirmed,
    blockHeight: s.uint(o.block_height, `${where}.block_height`),
    blockHash: s.hex(o.block_hash, `${where}.block_hash`, 32),
    blockTime: o.block_time === undefined ? null : s.uint(o.block_time, `${where}.block_time`),
  };
}

export function parseTxStatus(route: string, v: unknown): TxStatus {
  return status(new Shape(route), v, 'body');
}

/** Esplora's `/tx/:txid/merkle-proof` (Electrum's blockchain.transaction.get_merkle). */
export interface MerkleProof {
  blockHeight: number;
  /** Sibling txids from the leaf up, display hex. */
  merkle: string[];
  pos: number;
}

export function parseMerkleProof(route: string, v: unknown): MerkleProof {
  const s: Shape = new Shape(route);
  const o = s.obj(v, 'body');
  const merkle = s.arr(o.merkle, 'merkle');
  if (merkle.length > 32) s.fail('merkle', 'is longer than any block tree');
  return {
    blockHeight: s.uint(o.block_height, 'block_height'),
    merkle: merkle.map((h, i) => s.hex(h, `merkle[${i}]`, 32)),
    pos: s.uint(o.pos, 'pos'),
  };
}

export interface BlockStatus {
  inBestChain: boolean;
  /** Null when not in the best chain. */
  height: number | null;
}

export function parseBlockStatus(route: string, v: unknown): BlockStatus {
  const s: Shape = new Shape(route);
  const o = s.obj(v, 'body');
  const inBestChain = s.bool(o.in_best_chain, 'in_best_chain');
  return { inBestChain, height: inBestChain ? s.uint(o.height, 'height') : null };
}

export function parseUtxos(route: string, v: unknown): EsploraUtxo[] {
  const s: Shape = new Shape(route);
  const seen = new Set<string>();
  return s.arr(v, 'body').map((u, i) => {
    const o = s.obj(u, `[${i}]`);
    const utxo = {
      txid: s.txid(o.txid, `[${i}].txid`),
      vout: s.uint(o.vout, `[${i}].vout`),
      value: s.sats(o.value, `[${i}].value`),
      status: status(s, o.status, `[${i}].status`),
    };
    const key = `${utxo.txid}:${utxo.vout}`;
    if (seen.has(key)) s.fail(`[${i}]`, `repeats ${key}`);
    seen.add(key);
    return utxo;
  });
}

function output(s: Shape, v: unknown, where: string): { scriptHex: string; value: bigint } {
  const o = s.obj(v, where);
  return {
    scriptHex: s.hex(o.scriptpubkey, `${where}.scriptpubkey`),
    value: s.sats(o.value, `${where}.value`),
  };
}

export function parseTx(s: Shape, v: unknown, where: string): EsploraTx {
  const o = s.obj(v, where);
  const vin = s.arr(o.vin, `${where}.vin`).map((x, i): EsploraVin => {
    const w = `${where}.vin[${i}]`;
    const io = s.obj(x, w);
    const isCoinbase = s.bool(io.is_coinbase, `${w}.is_coinbase`);
    return {
      txid: s.txid(io.txid, `${w}.txid`),
      vout: s.uint(io.vout, `${w}.vout`),
      isCoinbase,
      prevout: isCoinbase || io.prevout === null ? null : output(s, io.prevout, `${w}.prevout`),
    };
  });
  return {
    txid: s.txid(o.txid, `${where}.txid`),
    vin,
    vout: s.arr(o.vout, `${where}.vout`).map((x, i) => output(s, x, `${where}.vout[${i}]`)),
    fee: o.fee === undefined ? null : s.sats(o.fee, `${where}.fee`),
    status: status(s, o.status, `${where}.status`),
  };
}

export function parseTxs(route: string, v: unknown): EsploraTx[] {
  const s: Shape = new Shape(route);
  return s.arr(v, 'body').map((t, i) => parseTx(s, t, `[${i}]`));
}

/** `{"1": 87.882, "2": 87.882, ...}`: confirmation target (blocks) to sat/vB. */
export function parseFeeEstimates(route: string, v: unknown): Map<number, number> {
  const s: Shape = new Shape(route);
  const o = s.obj(v, 'body');
  const out = new Map<number, number>();
  for (const [k, rate] of Object.entries(o)) {
    if (!/^[1-9]\d{0,4}$/.test(k)) s.fail(`key '${k}'`, 'is not a block count');
    if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0 || rate > 1e7) {
      s.fail(`["${k}"]`, 'is not a fee rate in sat/vB');
    }
    out.set(Number(k), rate);
  }
  return out;
}

export function parseHeight(route: string, text: string): number {
  const s: Shape = new Shape(route);
  if (!/^\d{1,10}$/.test(text.trim())) s.fail('body', 'is not a block height');
  return s.uint(Number(text.trim()) as unknown, 'body');
}

export function parseTxidText(route: string, text: string): string {
  return new Shape(route).txid(text.trim(), 'body');
}

/** GET /api/mempool/txids: an array of txids. */
export function parseTxidList(route: string, v: unknown): string[] {
  const s = new Shape(route);
  return s.arr(v, 'body').map((t, i) => s.txid(t, `body[${i}]`));
}
