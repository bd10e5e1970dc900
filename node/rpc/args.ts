/**
 * Reading RPC arguments as Core's RPCHelpMan does: the type errors (-3), the hash length check
 * (-8), verbosity as a number or a boolean, and amounts in coins from satoshis.
 */
import { BroadcastError } from '../api.js';
import { isHex } from '../protocol/bytes.js';
import { type BlockHash, blockHashFromDisplay, type Txid, txidFromDisplay } from '../protocol/ids.js';
import { RPC, RpcError } from './errors.js';

const COIN = 100_000_000;
export const coins = (sats: bigint) => Number(sats) / COIN;
/** Core's MAX_PACKAGE_COUNT: the most transactions testmempoolaccept takes. */
export const MAX_PACKAGE_COUNT = 25;

/** UniValue's type names, for Core's type error messages. */
export function jsonType(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v === 'boolean' ? 'bool' : typeof v;
}

/** Runs an argument decoder, turning its BroadcastError (bad hex) into Core's RPC error. */
export function broadcastArg<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof BroadcastError) throw new RpcError(e.rpcCode, e.message);
    throw e;
  }
}

export function str(v: unknown, name: string): string {
  if (typeof v !== 'string') throw new RpcError(RPC.TYPE_ERROR, `${name} must be a string`);
  return v;
}

export function int(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw new RpcError(RPC.TYPE_ERROR, `${name} must be an integer`);
  return v;
}

export function hash(v: unknown, name: string): string {
  const s = str(v, name);
  if (!isHex(s, 32))
    throw new RpcError(RPC.INVALID_PARAMETER, `${name} must be of length 64 (not ${s.length}, for '${s}')`);
  return s.toLowerCase();
}

/** A txid argument: the checked display hex, parsed to bytes (the RPC is an edge). */
export function txidArg(v: unknown, name: string): Txid {
  return txidFromDisplay(hash(v, name));
}

/** A block hash argument, as `txidArg`. */
export function blockHashArg(v: unknown, name: string): BlockHash {
  return blockHashFromDisplay(hash(v, name));
}

export function verbosityOf(v: unknown, dflt: number): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return int(v, 'verbosity');
}
