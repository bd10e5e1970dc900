/**
 * Who a payment goes to, as people hand it over: address and amount pairs on the command line
 * (`send ADDR AMT [ADDR AMT...]`, Core's `sendmany`), BIP21 `bitcoin:` URIs (amount and label;
 * an unknown `req-` parameter is refused, as BIP21 requires), and a file of recipients
 * (`--to-file`: CSV lines `address,amount[,label]` or JSON, `[{"address","amount","label"}]` or
 * `{"address": "amount"}`). Everything is checked before the password prompt or any request:
 * address of this network, amount above dust, no address twice (Core's sendmany refuses
 * duplicates, as a repeated address is almost always a paste error).
 */
import { decodeAddress } from '../node/protocol/address.js';
import { toHex } from '../node/protocol/bytes.js';
import type { NetworkParams } from '../node/protocol/params.js';
import { formatCoins, parseAmount } from './amount.js';
import { WalletError } from './errors.js';
import { dustThreshold } from './policy.js';

export interface Recipient {
  address: string;
  script: Uint8Array;
  value: bigint;
  label?: string;
}

export const BIP21_SCHEME = 'bitcoin:';

export interface Bip21 {
  address: string;
  /** The `amount` parameter as typed (coins, BIP21 decimal), if present. */
  amount?: string;
  label?: string;
  message?: string;
}

function bad(msg: string): WalletError {
  return new WalletError('BAD_INPUT', msg);
}

function decodeComponent(s: string, uri: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, '%20'));
  } catch {
    throw bad(`invalid bitcoin: URI '${uri}': bad percent-encoding`);
  }
}

export function isBip21(text: string): boolean {
  return text.slice(0, BIP21_SCHEME.length).toLowerCase() === BIP21_SCHEME;
}

/** Parses a BIP21 URI (scheme case-insensitive; `req-` parameters we do not know are refused). */
export function parseBip21(uri: string): Bip21 {
  if (!isBip21(uri)) throw bad(`not a bitcoin: URI: '${uri}'`);
  const rest = uri.slice(BIP21_SCHEME.length);
  const q = rest.indexOf('?');
  const address = q < 0 ? rest : rest.slice(0, q);
  if (address === '') throw bad(`invalid bitcoin: URI '${uri}': no address`);
  const out: Bip21 = { address };
  if (q < 0) return out;
  const seen = new Set<string>();
  for (const part of rest.slice(q + 1).split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = decodeComponent(eq < 0 ? part : part.slice(0, eq), uri).toLowerCase();
    const value = eq < 0 ? '' : decodeComponent(part.slice(eq + 1), uri);
    if (seen.has(key)) throw bad(`invalid bitcoin: URI '${uri}': parameter '${key}' given twice`);
    seen.add(key);
    if (key === 'amount') out.amount = value;
    else if (key === 'label') out.label = value;
    else if (key === 'message') out.message = value;
    else if (key.startsWith('req-')) {
      throw bad(`bitcoin: URI '${uri}' requires '${key}', which this wallet does not understand (BIP21)`);
    }
  }
  return out;
}

/** One recipient, checked: address of this network, amount above the output's dust threshold. */
export function recipient(
  address: string,
  amountText: string,
  net: NetworkParams,
  label?: string,
): Recipient {
  let script: Uint8Array;
  try {
    script = decodeAddress(address, net.address);
  } catch (e) {
    throw new WalletError('BAD_ADDRESS', `invalid ${net.name} address '${address}': ${(e as Error).message}`);
  }
  const value = parseAmount(amountText, net.maxMoney);
  const dust = dustThreshold(script);
  if (value < dust) {
    throw new WalletError(
      'DUST',
      `amount ${formatCoins(value)} is below the dust threshold ${formatCoins(dust)} for ${address}`,
    );
  }
  return { address, script, value, ...(label !== undefined ? { label } : {}) };
}

/**
 * The command line's recipients: `ADDR AMT` pairs, or a BIP21 URI standing for both when it
 * carries an amount (else the next argument is its amount).
 */
export function parseRecipientArgs(args: readonly string[], net: NetworkParams): Recipient[] {
  const out: Recipient[] = [];
  for (let i = 0; i < args.length; ) {
    const a = args[i]!;
    if (isBip21(a)) {
      const u = parseBip21(a);
      let amount = u.amount;
      if (amount === undefined || amount === '') {
        amount = args[i + 1];
        if (amount === undefined || isBip21(amount))
          throw bad(`bitcoin: URI '${a}' has no amount; give one after it`);
        i += 2;
      } else {
        i += 1;
      }
      out.push(recipient(u.address, amount, net, u.label));
    } else {
      const amount = args[i + 1];
      if (amount === undefined)
        throw bad(`address '${a}' has no amount (send ADDRESS AMOUNT [ADDRESS AMOUNT...])`);
      out.push(recipient(a, amount, net));
      i += 2;
    }
  }
  return out;
}

/** Recipients from a file's text: JSON (array of objects, or an address-to-amount object) or CSV. */
export function parseRecipientFile(text: string, net: NetworkParams, name = 'file'): Recipient[] {
  const t = text.trim();
  if (t.startsWith('[') || t.startsWith('{')) {
    let v: unknown;
    try {
      v = JSON.parse(t);
    } catch (e) {
      throw bad(`${name}: invalid JSON: ${(e as Error).message}`);
    }
    if (Array.isArray(v)) {
      return v.map((r, i) => {
        const o = r as Record<string, unknown>;
        const amount = o?.amount;
        if (typeof o !== 'object' || o === null || typeof o.address !== 'string')
          throw bad(`${name}: entry ${i}: expected {"address": ..., "amount": ...}`);
        if (typeof amount !== 'string' && typeof amount !== 'number')
          throw bad(`${name}: entry ${i}: amount must be a string ("0.5", "50000sat") or a number`);
        if (o.label !== undefined && typeof o.label !== 'string')
          throw bad(`${name}: entry ${i}: label must be a string`);
        return recipient(o.address, jsonAmount(amount, name, i), net, o.label as string | undefined);
      });
    }
    return Object.entries(v as Record<string, unknown>).map(([address, amount], i) => {
      if (typeof amount !== 'string' && typeof amount !== 'number')
        throw bad(`${name}: '${address}': amount must be a string or a number`);
      return recipient(address, jsonAmount(amount, name, i), net);
    });
  }
  const out: Recipient[] = [];
  t.split(/\r?\n/).forEach((line, n) => {
    const l = line.trim();
    if (l === '' || l.startsWith('#')) return;
    const cells = l.split(',').map((c) => c.trim());
    // A header row ("address,amount") is skipped.
    if (n === 0 && cells[0]?.toLowerCase() === 'address') return;
    if (cells.length < 2 || cells.length > 3)
      throw bad(`${name}: line ${n + 1}: expected address,amount[,label]`);
    out.push(recipient(cells[0]!, cells[1]!, net, cells[2] || undefined));
  });
  return out;
}

/** A JSON number is taken as coins in its decimal text form, never through float arithmetic. */
function jsonAmount(v: string | number, name: string, i: number): string {
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v) || v <= 0) throw bad(`${name}: entry ${i}: invalid amount ${v}`);
  const s = String(v);
  if (/e/i.test(s)) throw bad(`${name}: entry ${i}: write amount ${v} as a string ("0.00000001")`);
  return s;
}

/** At least one recipient, no address twice. */
export function checkRecipients(rs: readonly Recipient[]): void {
  if (rs.length === 0) throw bad('no recipients (send ADDRESS AMOUNT [ADDRESS AMOUNT...] or --to-file FILE)');
  const seen = new Set<string>();
  for (const r of rs) {
    const k = toHex(r.script);
    if (seen.has(k)) throw bad(`address ${r.address} given twice; pay it once with the sum`);
    seen.add(k);
  }
}
