/**
 * BIP329 wallet labels: JSON Lines of `{"type", "ref", "label"}` (types tx, addr, pubkey,
 * input, output, xpub; `spendable` on outputs), exported and imported as the BIP specifies, so
 * labels move between wallets (Sparrow, Core's export tools, bdk). Kept in
 * `<wallet file>.labels.json` (mode 0600, atomic), unencrypted like Core's wallet database
 * keeps its labels: no password is needed to read or write them.
 */
import { readFile } from 'node:fs/promises';
import { decodeAddress } from '../node/protocol/address.js';
import type { NetworkParams } from '../node/protocol/params.js';
import { WalletError } from './errors.js';
import { writeAtomic } from './keystore.js';

export const LABELS_SUFFIX = '.labels.json';
export const LABEL_TYPES = ['tx', 'addr', 'pubkey', 'input', 'output', 'xpub'] as const;
export type LabelType = (typeof LABEL_TYPES)[number];

export interface Label {
  type: LabelType;
  ref: string;
  label?: string;
  spendable?: boolean;
}

const OUTPOINT = /^[0-9a-f]{64}:\d{1,6}$/;

function bad(where: string, msg: string): WalletError {
  return new WalletError('BAD_INPUT', `${where}: ${msg}`);
}

/** One BIP329 record, checked: a known type, a reference of that type's form, string label. */
export function checkLabel(v: unknown, net: NetworkParams, where: string): Label {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(where, 'expected a JSON object');
  const o = v as Record<string, unknown>;
  if (!LABEL_TYPES.includes(o.type as LabelType)) throw bad(where, `unknown type '${String(o.type)}'`);
  if (typeof o.ref !== 'string' || o.ref === '') throw bad(where, 'ref must be a non-empty string');
  if (o.label !== undefined && typeof o.label !== 'string') throw bad(where, 'label must be a string');
  if (o.spendable !== undefined && (typeof o.spendable !== 'boolean' || o.type !== 'output'))
    throw bad(where, 'spendable is a boolean, on outputs only');
  const type = o.type as LabelType;
  const ref = o.ref;
  const ok =
    type === 'tx'
      ? /^[0-9a-f]{64}$/.test(ref)
      : type === 'input' || type === 'output'
        ? OUTPOINT.test(ref)
        : type === 'pubkey'
          ? /^(02|03)[0-9a-f]{64}$|^04[0-9a-f]{128}$/.test(ref)
          : type === 'xpub'
            ? /^[1-9A-HJ-NP-Za-km-z]{100,120}$/.test(ref)
            : addrOk(ref, net);
  if (!ok) throw bad(where, `'${ref}' is not a ${type} reference`);
  return {
    type,
    ref,
    ...(o.label !== undefined ? { label: o.label as string } : {}),
    ...(o.spendable !== undefined ? { spendable: o.spendable as boolean } : {}),
  };
}

function addrOk(a: string, net: NetworkParams): boolean {
  try {
    decodeAddress(a, net.address);
    return true;
  } catch {
    return false;
  }
}

/** BIP329 JSON Lines; blank lines skipped; any bad line refuses the whole file. */
export function parseLabels(text: string, net: NetworkParams, name: string): Label[] {
  const out: Label[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw bad(`${name} line ${i + 1}`, `invalid JSON: ${(e as Error).message}`);
    }
    out.push(checkLabel(v, net, `${name} line ${i + 1}`));
  });
  return out;
}

export function keyOf(l: Label): string {
  return `${l.type}\u0000${l.ref}`;
}

export async function readLabels(walletPath: string, net: NetworkParams): Promise<Map<string, Label>> {
  const path = `${walletPath}${LABELS_SUFFIX}`;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw new WalletError('WALLET_CORRUPT', `cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    return new Map(parseLabels(text, net, path).map((l) => [keyOf(l), l]));
  } catch (e) {
    throw new WalletError('WALLET_CORRUPT', `${path} is corrupt: ${(e as Error).message}`);
  }
}

export function formatLabels(labels: Iterable<Label>): string {
  return [...labels].map((l) => JSON.stringify(l)).join('\n');
}

export async function writeLabels(walletPath: string, labels: Iterable<Label>): Promise<void> {
  const text = formatLabels(labels);
  await writeAtomic(`${walletPath}${LABELS_SUFFIX}`, text === '' ? '' : `${text}\n`, false, 'label file');
}
