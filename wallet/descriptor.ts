/**
 * Output descriptors (BIP380 family): the checksum of BIP380 (Core's DescriptorChecksum, a BCH
 * code over the descriptor's characters in groups of three) and this wallet's own descriptors,
 * BIP84 `wpkh([fingerprint/84h/coin'h/account'h]xpub/chain/*)` (BIP382) for the receive and
 * change chains, as Core's `listdescriptors` prints them. Parsing and importing descriptors
 * is not here yet.
 */
import { WalletError } from './errors.js';

const INPUT_CHARSET =
  '0123456789()[],\'/*abcdefgh@:$%{}IJKLMNOPQRSTUVWXYZ&+-.;<=>?!^_|~ijklmnopqrstuvwxyzABCDEFGH`#"\\ ';
const CHECKSUM_CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GEN = [0xf5dee51989n, 0xa9fdca3312n, 0x1bab10e32dn, 0x3706b1677an, 0x644d626ffdn];

function polymod(c: bigint, val: number): bigint {
  const c0 = c >> 35n;
  let r = ((c & 0x7ffffffffn) << 5n) ^ BigInt(val);
  for (let i = 0; i < 5; i++) if ((c0 >> BigInt(i)) & 1n) r ^= GEN[i]!;
  return r;
}

/** The 8-character checksum of a descriptor without one; null when a character is not allowed. */
export function descriptorChecksum(desc: string): string | null {
  let c = 1n;
  let cls = 0;
  let count = 0;
  for (const ch of desc) {
    const pos = INPUT_CHARSET.indexOf(ch);
    if (pos < 0) return null;
    c = polymod(c, pos & 31);
    cls = cls * 3 + (pos >> 5);
    if (++count === 3) {
      c = polymod(c, cls);
      cls = 0;
      count = 0;
    }
  }
  if (count > 0) c = polymod(c, cls);
  for (let i = 0; i < 8; i++) c = polymod(c, 0);
  c ^= 1n;
  let out = '';
  for (let j = 0; j < 8; j++) out += CHECKSUM_CHARSET[Number((c >> BigInt(5 * (7 - j))) & 31n)];
  return out;
}

export function addChecksum(desc: string): string {
  const cs = descriptorChecksum(desc);
  if (cs === null)
    throw new WalletError('BAD_INPUT', `descriptor has a character outside BIP380's set: ${desc}`);
  return `${desc}#${cs}`;
}

/** The descriptor without its checksum, after checking it (BIP380: required when present). */
export function checkChecksum(text: string, required = true): string {
  const i = text.lastIndexOf('#');
  if (i < 0) {
    if (required) throw new WalletError('BAD_INPUT', 'descriptor has no checksum (#…)');
    return text;
  }
  const body = text.slice(0, i);
  const cs = text.slice(i + 1);
  if (cs.length !== 8)
    throw new WalletError('BAD_INPUT', `descriptor checksum must be 8 characters, got '${cs}'`);
  const want = descriptorChecksum(body);
  if (want === null) throw new WalletError('BAD_INPUT', "descriptor has a character outside BIP380's set");
  if (want !== cs)
    throw new WalletError('BAD_INPUT', `descriptor checksum mismatch: '${cs}', expected '${want}'`);
  return body;
}
