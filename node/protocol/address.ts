/**
 * Addresses: text forms of output scripts, per network.
 *
 * - Base58Check (Bitcoin's `EncodeBase58Check`: payload || first 4 bytes of hash256(payload)) of
 *   one version byte || 20-byte hash, for P2PKH and P2SH.
 * - BIP173 bech32 for witness v0 and BIP350 bech32m for v1..v16, with the network's HRP. Decoding
 *   applies BIP350's checks: HRP, version <= 16, program 2..40 bytes, v0 program 20 or 32 bytes,
 *   bech32 for v0 and bech32m otherwise, strict padding, no mixed case, at most 90 characters.
 *
 * Which scripts have an address follows Core's ExtractDestination (v26+): P2PKH, P2SH, P2WPKH,
 * P2WSH, P2TR and other witness programs of version 1..16. Bare P2PK and multisig, null data and
 * nonstandard scripts have none. Every decoding failure throws EncodingError('BAD_ADDRESS').
 */
import { base58, bech32, bech32m } from '@scure/base';
import { concat, equal } from './bytes.js';
import { EncodingError } from './errors.js';
import { hash256 } from './hash.js';
import { classifyOutput, p2pkh, p2sh, witnessProgram } from './script/templates.js';

/** The address-related parts of a network's parameters (Core's base58Prefixes and bech32_hrp). */
export interface AddressParams {
  /** Bech32 human-readable part, lower case (`bc`, `bcrt`, `gl`). */
  bech32: string;
  /** Base58Check version byte of P2PKH addresses. */
  pubkeyHash: number;
  /** Base58Check version byte of P2SH addresses. */
  scriptHash: number;
  /** Base58Check version byte of WIF private keys (see wif.ts). */
  wif: number;
}

/** BIP173: a bech32 string is at most 90 characters. */
const BECH32_MAX_LENGTH = 90;
/** Far above any address or WIF key (at most 52 characters); bounds the quadratic base58 decoder. */
const BASE58_MAX_LENGTH = 128;

// ---------------------------------------------------------------------------------------------
// Base58Check

export function base58checkEncode(payload: Uint8Array): string {
  return base58.encode(concat(payload, hash256(payload).subarray(0, 4)));
}

/**
 * Payload of a Base58Check string. Throws EncodingError with `code` (BAD_ADDRESS for addresses,
 * BAD_KEY for WIF) on a bad character, a string too short to hold a checksum, or a bad checksum.
 */
export function base58checkDecode(str: string, code: 'BAD_ADDRESS' | 'BAD_KEY', what: string): Uint8Array {
  if (typeof str !== 'string') throw new EncodingError(code, `${what} must be a string`);
  if (str.length === 0) throw new EncodingError(code, `empty ${what}`);
  if (str.length > BASE58_MAX_LENGTH) {
    throw new EncodingError(code, `${what} too long (${str.length} characters)`);
  }
  let raw: Uint8Array;
  try {
    raw = base58.decode(str);
  } catch {
    const bad = [...str].find((c) => !BASE58_ALPHABET.includes(c));
    throw new EncodingError(
      code,
      `${what} is not base58${bad === undefined ? '' : `: invalid character '${bad}'`}`,
    );
  }
  if (raw.length < 5) throw new EncodingError(code, `${what} too short for a base58 checksum`);
  const payload = raw.subarray(0, raw.length - 4);
  if (!equal(hash256(payload).subarray(0, 4), raw.subarray(raw.length - 4))) {
    throw new EncodingError(code, `bad base58 checksum in ${what}`);
  }
  return payload;
}

const BASE58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

// ---------------------------------------------------------------------------------------------
// Encoding

/** The address of an output script on a network, or null if the script has no address form. */
export function encodeAddress(script: Uint8Array, params: AddressParams): string | null {
  const c = classifyOutput(script);
  switch (c.type) {
    case 'p2pkh':
      return base58checkEncode(concat(Uint8Array.of(params.pubkeyHash), c.hash));
    case 'p2sh':
      return base58checkEncode(concat(Uint8Array.of(params.scriptHash), c.hash));
    case 'p2wpkh':
    case 'p2wsh':
      return encodeSegwit(params.bech32, 0, c.hash);
    case 'p2tr':
      return encodeSegwit(params.bech32, 1, c.key);
    case 'witness_unknown':
      return encodeSegwit(params.bech32, c.version, c.program);
    default:
      return null;
  }
}

function encodeSegwit(hrp: string, version: number, program: Uint8Array): string {
  const coder = version === 0 ? bech32 : bech32m;
  return coder.encode(hrp, [version, ...coder.toWords(program)], BECH32_MAX_LENGTH);
}

// ---------------------------------------------------------------------------------------------
// Decoding

function bad(message: string): EncodingError {
  return new EncodingError('BAD_ADDRESS', message);
}

/** The output script an address pays to on this network; throws EncodingError('BAD_ADDRESS'). */
export function decodeAddress(str: string, params: AddressParams): Uint8Array {
  if (typeof str !== 'string') throw bad('address must be a string');
  if (str.length === 0) throw bad('empty address');
  const hrp = params.bech32.toLowerCase();
  // Core's rule: a string starting with this network's HRP is read as bech32, never base58.
  if (str.toLowerCase().startsWith(`${hrp}1`)) return decodeSegwit(str, params);
  // A well-formed bech32/bech32m string of another network gets a message naming its HRP.
  const other = decodeBech32Any(str);
  if (other) {
    throw bad(`address is for another network: bech32 prefix '${other.prefix}', expected '${hrp}'`);
  }
  if (looksLikeBech32(str)) return decodeSegwit(str, params);
  return decodeBase58Address(str, params);
}

function decodeBase58Address(str: string, params: AddressParams): Uint8Array {
  const payload = base58checkDecode(str, 'BAD_ADDRESS', 'address');
  const version = payload[0]!;
  const isOurs = version === params.pubkeyHash || version === params.scriptHash;
  if (payload.length !== 21) {
    throw bad(
      isOurs
        ? `invalid length for a base58 address (P2PKH or P2SH): ${payload.length - 1}-byte hash, expected 20`
        : `invalid or unsupported base58 address (${payload.length}-byte payload, version byte ${version})`,
    );
  }
  const hash = payload.subarray(1);
  if (version === params.pubkeyHash) return p2pkh(hash);
  if (version === params.scriptHash) return p2sh(hash);
  throw bad(
    `address is for another network: base58 version byte ${version}, expected ${params.pubkeyHash} (P2PKH) or ${params.scriptHash} (P2SH)`,
  );
}

interface Bech32Result {
  prefix: string;
  words: number[];
  encoding: 'bech32' | 'bech32m';
}

function decodeBech32Any(str: string): Bech32Result | null {
  if (str.length > BECH32_MAX_LENGTH) return null;
  const a = bech32.decodeUnsafe(str, BECH32_MAX_LENGTH);
  if (a) return { prefix: a.prefix, words: a.words, encoding: 'bech32' };
  const b = bech32m.decodeUnsafe(str, BECH32_MAX_LENGTH);
  if (b) return { prefix: b.prefix, words: b.words, encoding: 'bech32m' };
  return null;
}

/** Has a separator and only bech32 data characters after it, and no base58-only shape. */
function looksLikeBech32(str: string): boolean {
  const lower = str.toLowerCase();
  const sep = lower.lastIndexOf('1');
  if (sep < 1) return false;
  const data = lower.slice(sep + 1);
  if (data.length < 6 || !/^[qpzry9x8gf2tvdw0s3jn54khce6mua7l]+$/.test(data)) return false;
  // Base58 has no '0' and no 'l'; a string holding either (or in one case) cannot be base58.
  return /[0l]/.test(str) || str === lower || str === str.toUpperCase();
}

function decodeSegwit(str: string, params: AddressParams): Uint8Array {
  const hrp = params.bech32.toLowerCase();
  if (str.length > BECH32_MAX_LENGTH) {
    throw bad(`bech32 address too long: ${str.length} characters, at most ${BECH32_MAX_LENGTH}`);
  }
  if (str !== str.toLowerCase() && str !== str.toUpperCase()) throw bad('bech32 address has mixed case');
  const dec = decodeBech32Any(str);
  if (!dec) throw bad(`invalid bech32 address: ${bech32Reason(str)}`);
  if (dec.prefix !== hrp) {
    throw bad(`address is for another network: bech32 prefix '${dec.prefix}', expected '${hrp}'`);
  }
  if (dec.words.length === 0) throw bad('empty bech32 data section');
  const version = dec.words[0]!;
  if (version > 16) throw bad(`invalid witness version ${version} (0..16)`);
  if (version === 0 && dec.encoding !== 'bech32') {
    throw bad('witness version 0 address must use the bech32 checksum, not bech32m (BIP350)');
  }
  if (version !== 0 && dec.encoding !== 'bech32m') {
    throw bad(`witness version ${version} address must use the bech32m checksum, not bech32 (BIP350)`);
  }
  const coder = version === 0 ? bech32 : bech32m;
  const program = coder.fromWordsUnsafe(dec.words.slice(1));
  if (!program) throw bad('invalid padding in bech32 data section');
  if (version === 0 && program.length !== 20 && program.length !== 32) {
    throw bad(`invalid witness v0 program size (${program.length} bytes), expected 20 or 32 per BIP141`);
  }
  if (program.length < 2 || program.length > 40) {
    throw bad(`invalid witness program size (${program.length} bytes), expected 2..40`);
  }
  return witnessProgram(version, program);
}

/** Why a string that should be bech32 is not, from the library's own message. */
function bech32Reason(str: string): string {
  try {
    bech32.decode(str, BECH32_MAX_LENGTH);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/checksum/i.test(msg)) return 'bad checksum';
    return msg.replace(/ in .*$/, '');
  }
  return 'unknown error';
}
