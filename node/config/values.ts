/**
 * Reading and checking one setting's value, from each place it can come from: text (an
 * environment variable), what commander parsed (a flag), or a typed value from a config file.
 * Every problem is a ConfigError naming where the value came from.
 */
import { isAbsolute, resolve } from 'node:path';
import { P2PConfigError } from '../p2p/errors.js';
import { isIp, parseHostPort } from '../p2p/netaddr.js';
import { decodeAddress } from '../protocol/address.js';
import type { NetworkParams } from '../protocol/params.js';
import { AllowIpFormatError, parseSubnet } from '../rpc/allow-ip.js';
import { parseRpcAuth, RpcAuthFormatError } from '../rpc/auth.js';
import { parseV8Flags } from '../v8-flags.js';
import { ConfigError } from './errors.js';
import { type ConfigValue, type KeySpec, LIST_KINDS } from './schema.js';

const TRUE = ['1', 'true', 'yes'];
const FALSE = ['0', 'false', 'no'];
const HOSTNAME =
  /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,62}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,62}[a-zA-Z0-9])?)*$/;

function bad(where: string, problem: string): ConfigError {
  return new ConfigError('BAD_VALUE', where, problem);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'a table';
  return `${typeof v} ${JSON.stringify(v)}`;
}

function wrongType(where: string, expected: string, got: unknown): ConfigError {
  return new ConfigError('BAD_TYPE', where, `expected ${expected}, got ${describe(got)}`);
}

/** Range checks shared by every source, once the value is a number. */
function checkNumber(spec: KeySpec, n: number, where: string, shown: string): number {
  if (spec.kind === 'port') {
    if (!Number.isInteger(n) || n < 0 || n > 65535)
      throw bad(where, `expected a port number 0-65535, got ${shown}`);
  } else {
    const min = spec.kind === 'positive' ? 1 : 0;
    const max = spec.max ?? Number.MAX_SAFE_INTEGER;
    if (!Number.isSafeInteger(n) || n < min || n > max)
      throw bad(
        where,
        `expected a whole number >= ${min}${spec.max === undefined ? '' : ` and <= ${max}`}, got ${shown}`,
      );
  }
  return n;
}

/**
 * A fee rate in coin/kvB, as Core's maxfeerate: 0 (no cap) up to, not including, 1, in whole
 * satoshis (at most 8 decimals).
 */
function checkFeeRate(n: number, where: string, shown: string): number {
  if (!Number.isFinite(n) || n < 0 || n >= 1 || Math.abs(n * 1e8 - Math.round(n * 1e8)) > 1e-6)
    throw bad(
      where,
      `expected a fee rate in coin/kvB, 0 to 0.99999999 with at most 8 decimals, got ${shown}`,
    );
  return n;
}

/** Checks of every string-valued kind, shared by every source. */
function checkString(spec: KeySpec, s: string, where: string, params: NetworkParams): string {
  switch (spec.kind) {
    case 'enum':
      if (!spec.choices!.includes(s))
        throw bad(where, `expected one of ${spec.choices!.join(', ')}, got ${JSON.stringify(s)}`);
      return s;
    case 'host':
      // An address to bind: an IP literal or a name, never "host:port".
      if (!isIp(s) && !HOSTNAME.test(s))
        throw bad(where, `not an IP address or host name: ${JSON.stringify(s)}`);
      return s;
    case 'address':
      try {
        decodeAddress(s, params.address);
      } catch (e) {
        throw bad(where, `not a ${params.name} address: ${(e as Error).message}`);
      }
      return s;
    case 'path':
      if (s.length === 0) throw bad(where, 'empty path');
      return s;
    case 'text':
      return s;
    case 'v8flags':
      try {
        parseV8Flags(s);
      } catch (e) {
        throw bad(where, (e as Error).message);
      }
      return s;
    case 'blockhash':
      // Display hex, as Core prints hashes; 0 turns the setting off.
      if (s !== '0' && !/^[0-9a-fA-F]{64}$/.test(s))
        throw bad(where, `expected a block hash (64 hex digits) or 0, got ${JSON.stringify(s)}`);
      return s.toLowerCase();
    default:
      throw new Error(`checkString: kind ${spec.kind} is not a string`);
  }
}

function checkPeers(list: string[], where: string, params: NetworkParams): string[] {
  for (const a of list) {
    try {
      parseHostPort(a, params.p2pPort);
    } catch (e) {
      if (e instanceof P2PConfigError) throw bad(where, e.message);
      throw e;
    }
  }
  return list;
}

/** Each element of a list setting, checked by its kind. */
function checkList(spec: KeySpec, list: string[], where: string, params: NetworkParams): string[] {
  if (spec.kind === 'peers') return checkPeers(list, where, params);
  for (const a of list) {
    try {
      if (spec.kind === 'subnets') parseSubnet(a);
      else parseRpcAuth(a);
    } catch (e) {
      if (e instanceof AllowIpFormatError || e instanceof RpcAuthFormatError) throw bad(where, e.message);
      throw e;
    }
  }
  return list;
}

function parseBoolean(text: string, where: string): boolean {
  const t = text.trim().toLowerCase();
  if (TRUE.includes(t)) return true;
  if (FALSE.includes(t)) return false;
  throw bad(where, `expected 1, 0, true, false, yes or no, got ${JSON.stringify(text)}`);
}

function isNumberKind(spec: KeySpec): boolean {
  return spec.kind === 'port' || spec.kind === 'count' || spec.kind === 'positive';
}

/** A value written as text: an environment variable (lists comma-separated) or a flag's argument. */
export function fromText(spec: KeySpec, text: string, where: string, params: NetworkParams): ConfigValue {
  if (spec.kind === 'boolean') return parseBoolean(text, where);
  if (LIST_KINDS.includes(spec.kind)) {
    const list = text
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    return checkList(spec, list, where, params);
  }
  // A password may begin or end with spaces; nothing else may.
  if (spec.kind === 'text') return text;
  const t = text.trim();
  if (spec.kind === 'feerate') {
    const shown = JSON.stringify(text);
    if (!/^\d+(\.\d+)?$/.test(t)) throw bad(where, `expected a fee rate in coin/kvB, got ${shown}`);
    return checkFeeRate(Number(t), where, shown);
  }
  if (isNumberKind(spec)) {
    const shown = JSON.stringify(text);
    if (!/^\d+$/.test(t))
      throw bad(where, `expected a ${spec.kind === 'port' ? 'port ' : 'whole '}number, got ${shown}`);
    return checkNumber(spec, Number(t), where, shown);
  }
  return checkString(spec, t, where, params);
}

/** What commander parsed for a flag: booleans as booleans, repeatable flags as arrays. */
export function fromFlag(
  spec: KeySpec,
  raw: string | string[] | boolean,
  where: string,
  params: NetworkParams,
): ConfigValue {
  if (typeof raw === 'boolean') return raw;
  if (Array.isArray(raw)) return checkList(spec, raw, where, params);
  return fromText(spec, raw, where, params);
}

/**
 * A value from a config file, already typed by TOML or JSON: numbers must be numbers, lists
 * arrays, booleans booleans. A relative path is taken from the file's folder, not the working
 * directory, so the file means the same wherever the node starts.
 */
export function fromFile(
  spec: KeySpec,
  v: unknown,
  where: string,
  params: NetworkParams,
  fileDir: string,
): ConfigValue {
  switch (spec.kind) {
    case 'boolean':
      if (typeof v !== 'boolean') throw wrongType(where, 'true or false', v);
      return v;
    case 'peers':
    case 'subnets':
    case 'rpcauth':
      if (!Array.isArray(v) || !v.every((s) => typeof s === 'string'))
        throw wrongType(where, `an array of ${spec.arg ? `"${spec.arg.slice(1, -1)}"` : ''} strings`, v);
      return checkList(spec, v as string[], where, params);
    case 'port':
    case 'count':
    case 'positive':
      if (typeof v !== 'number') throw wrongType(where, 'a number', v);
      return checkNumber(spec, v, where, String(v));
    case 'feerate':
      if (typeof v !== 'number') throw wrongType(where, 'a number', v);
      return checkFeeRate(v, where, String(v));
    default: {
      if (typeof v !== 'string') throw wrongType(where, 'a string', v);
      const s = checkString(spec, v, where, params);
      return spec.kind === 'path' && !isAbsolute(s) ? resolve(fileDir, s) : s;
    }
  }
}
