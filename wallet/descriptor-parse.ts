/**
 * Output descriptors: parsing and script derivation for the types this wallet supports.
 *
 * - BIP380: the general form `SCRIPT#CHECKSUM` and key expressions: an optional origin
 *   `[fingerprint/path]`, then a hex public key, a WIF private key, or an extended key (xpub/
 *   xprv, tpub/tprv) with `/step` derivation, `'` or `h` marking hardened steps, and a final
 *   `/*` (or `/*'`) for ranged descriptors.
 * - BIP389: one multipath step `/<a;b>` (receive and change in one descriptor).
 * - BIP381: `pk()`, `pkh()`, `sh()`; BIP382: `wpkh()`, `wsh()`; BIP383: `multi()`,
 *   `sortedmulti()` (keys sorted after derivation, BIP67); BIP386: `tr(KEY)` key path only
 *   (a script tree `tr(KEY,TREE)` is refused).
 *
 * The nesting rules are the BIPs': `sh()` top level only, `wsh()` top level or in `sh()`,
 * `wpkh()` top level or in `sh()`, `tr()` top level only; no uncompressed keys under
 * `wpkh()`/`wsh()`; `multi()` with at most 3 keys at top level, a P2SH redeem script of at
 * most 520 bytes (15 compressed keys), at most 20 keys in `wsh()`.
 * Every failure is WalletError('BAD_INPUT') with a one-line reason.
 */
import { HARDENED_OFFSET, HDKey } from '@scure/bip32';
import { compare, fromHex, isHex } from '../node/protocol/bytes.js';
import { hash160, sha256 } from '../node/protocol/hash.js';
import { multisig, p2pk, p2pkh, p2sh, p2wpkh, p2wsh } from '../node/protocol/script/templates.js';
import { publicKey } from '../node/protocol/sign.js';
import { bip86Script } from '../node/protocol/sign-taproot.js';
import { decodeWif } from '../node/protocol/wif.js';
import { checkChecksum } from './descriptor.js';
import { WalletError } from './errors.js';

/** The version bytes of extended keys and the WIF prefix a descriptor's keys must use. */
export interface KeyNet {
  wif: number;
  bip32: { private: number; public: number };
}

/** Bitcoin main's (the BIPs' vectors): xprv/xpub, WIF 0x80. */
export const BITCOIN_KEYS: KeyNet = { wif: 0x80, bip32: { private: 0x0488ade4, public: 0x0488b21e } };

export interface KeyOrigin {
  fingerprint: number;
  path: number[];
}

export interface KeyExpr {
  /** The `[fingerprint/path]` part, if any. */
  origin: KeyOrigin | null;
  /** A plain key: 33 or 65 bytes (or 32, x-only, in `tr()`); absent for extended keys. */
  pub?: Uint8Array;
  /** The plain key's secret (WIF), or the extended key's when it is an xprv. */
  priv?: Uint8Array;
  xkey?: HDKey;
  /** Steps after the extended key, before the multipath step and the wildcard. */
  steps: number[];
  /** BIP389: the multipath step's alternatives, and steps after it (before the wildcard). */
  multipath?: { values: number[]; after: number[] };
  wildcard: 'none' | 'normal' | 'hardened';
}

export type Descriptor =
  | { type: 'pk' | 'pkh' | 'wpkh' | 'tr'; key: KeyExpr }
  | { type: 'sh' | 'wsh'; inner: Descriptor }
  | { type: 'multi'; k: number; keys: KeyExpr[]; sorted: boolean };

/** A key as derived at one index: its public key, secret if known, and full origin. */
export interface DerivedKey {
  pub: Uint8Array;
  priv?: Uint8Array;
  origin: KeyOrigin | null;
}

export interface DerivedScript {
  script: Uint8Array;
  /** P2SH's redeem script, P2WSH's witness script. */
  redeemScript?: Uint8Array;
  witnessScript?: Uint8Array;
  /** For multisig: k; the keys in script order. */
  k?: number;
  keys: DerivedKey[];
}

function bad(msg: string): WalletError {
  return new WalletError('BAD_INPUT', `invalid descriptor: ${msg}`);
}

const FUNCS = ['pk', 'pkh', 'wpkh', 'tr', 'sh', 'wsh', 'multi', 'sortedmulti'] as const;
type Ctx = 'top' | 'sh' | 'wsh';

function parseStep(s: string, what: string): number {
  const m = /^(\d+)(['h]?)$/.exec(s);
  if (!m) throw bad(`bad derivation step '${s}' in ${what}`);
  const n = Number(m[1]);
  if (n >= HARDENED_OFFSET) throw bad(`derivation step ${m[1]} is out of range (must be below 2^31)`);
  return m[2] ? n + HARDENED_OFFSET : n;
}

function parseKey(text: string, ctx: Ctx, inTr: boolean, net: KeyNet): KeyExpr {
  let rest = text;
  let origin: KeyOrigin | null = null;
  if (rest.startsWith('[')) {
    const end = rest.indexOf(']');
    if (end < 0) throw bad(`key origin without ']' in '${text}'`);
    const parts = rest.slice(1, end).split('/');
    const fp = parts.shift()!;
    if (!/^[0-9a-fA-F]{8}$/.test(fp)) throw bad(`key origin fingerprint must be 8 hex digits, got '${fp}'`);
    origin = {
      fingerprint: Number.parseInt(fp, 16) >>> 0,
      path: parts.map((p) => parseStep(p, 'key origin')),
    };
    rest = rest.slice(end + 1);
  }
  if (rest.includes('[') || rest.includes(']')) throw bad(`misplaced key origin in '${text}'`);
  const [body, ...path] = rest.split('/');
  if (!body) throw bad(`empty key in '${text}'`);
  const base: KeyExpr = { origin, steps: [], wildcard: 'none' };
  if (isHex(body)) {
    if (path.length > 0) throw bad(`a plain key takes no derivation: '${text}'`);
    const pub = fromHex(body);
    if (inTr ? pub.length !== 32 && pub.length !== 33 : pub.length !== 33 && pub.length !== 65)
      throw bad(`public key of ${pub.length} bytes in '${text}'`);
    if (pub.length === 65 && ctx !== 'top' && ctx !== 'sh')
      throw bad(`uncompressed public key in a segwit descriptor: '${text}'`);
    if (pub.length !== 32) publicKeyCheck(pub, text);
    return { ...base, pub };
  }
  if (/^[xt]p(ub|rv)/.test(body)) {
    let xkey: HDKey;
    try {
      xkey = HDKey.fromExtendedKey(body, net.bip32);
    } catch (e) {
      throw bad(
        `extended key '${body.slice(0, 8)}…' does not decode for this network: ${(e as Error).message}`,
      );
    }
    const k: KeyExpr = { ...base, xkey, ...(xkey.privateKey ? { priv: xkey.privateKey } : {}) };
    let i = 0;
    for (; i < path.length; i++) {
      const p = path[i]!;
      if (p === '*' || p === "*'" || p === '*h') {
        if (i !== path.length - 1) throw bad(`'*' must be the last step in '${text}'`);
        k.wildcard = p === '*' ? 'normal' : 'hardened';
      } else if (p.startsWith('<')) {
        if (k.multipath) throw bad(`more than one multipath step in '${text}'`);
        const m = /^<([^>]+)>$/.exec(p);
        const values = m ? m[1]!.split(';').map((v) => parseStep(v, 'multipath step')) : [];
        if (values.length < 2) throw bad(`multipath step needs two or more values: '${p}'`);
        if (new Set(values).size !== values.length) throw bad(`repeated value in multipath step '${p}'`);
        k.multipath = { values, after: [] };
      } else (k.multipath ? k.multipath.after : k.steps).push(parseStep(p, 'key derivation'));
    }
    const all = [...k.steps, ...(k.multipath?.values ?? []), ...(k.multipath?.after ?? [])];
    if (!xkey.privateKey && (k.wildcard === 'hardened' || all.some((s) => s >= HARDENED_OFFSET)))
      throw bad(`hardened derivation needs the private key (xprv): '${text}'`);
    return k;
  }
  if (path.length > 0) throw bad(`a plain key takes no derivation: '${text}'`);
  let w: ReturnType<typeof decodeWif>;
  try {
    w = decodeWif(body, net.wif);
  } catch (e) {
    throw bad(
      `'${body.slice(0, 4)}…' is neither a public key, an extended key nor a WIF key of this network: ${(e as Error).message}`,
    );
  }
  if (!w.compressed && (ctx === 'wsh' || inTr)) throw bad('uncompressed key in a segwit descriptor');
  return { ...base, priv: w.key, pub: publicKey(w.key, w.compressed) };
}

function publicKeyCheck(pub: Uint8Array, text: string): void {
  const h = pub[0];
  if (!((pub.length === 33 && (h === 2 || h === 3)) || (pub.length === 65 && h === 4)))
    throw bad(`not a valid public key: '${text}'`);
}

/** Splits `a,b(c,d),e` at top-level commas. */
function splitArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(' || c === '[' || c === '<') depth++;
    else if (c === ')' || c === ']' || c === '>') depth--;
    else if (c === ',' && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

function parseScript(text: string, ctx: Ctx, net: KeyNet): Descriptor {
  const m = /^([a-z]+)\((.*)\)$/s.exec(text);
  if (!m) throw bad(`expected a script expression like wpkh(KEY), got '${text}'`);
  const name = m[1]! as (typeof FUNCS)[number];
  const arg = m[2]!;
  if (!FUNCS.includes(name))
    throw bad(`'${name}()' is not supported (pk, pkh, wpkh, tr, sh, wsh, multi, sortedmulti)`);
  switch (name) {
    case 'sh':
      if (ctx !== 'top') throw bad('sh() is top level only');
      return { type: 'sh', inner: parseScript(arg, 'sh', net) };
    case 'wsh':
      if (ctx === 'wsh') throw bad('wsh() cannot be nested in wsh()');
      return { type: 'wsh', inner: parseScript(arg, 'wsh', net) };
    case 'wpkh':
      if (ctx === 'wsh') throw bad('wpkh() cannot be nested in wsh()');
      return { type: 'wpkh', key: keyArg(arg, 'wsh', false, net) };
    case 'tr': {
      if (ctx !== 'top') throw bad('tr() is top level only');
      const args = splitArgs(arg);
      if (args.length > 1) throw bad('tr() with a script tree is not supported (key path only)');
      return { type: 'tr', key: keyArg(arg, 'wsh', true, net) };
    }
    case 'pk':
    case 'pkh':
      return { type: name, key: keyArg(arg, ctx, false, net) };
    case 'multi':
    case 'sortedmulti': {
      const [kText, ...keys] = splitArgs(arg);
      if (!/^\d+$/.test(kText ?? '')) throw bad(`multisig threshold must be a number, got '${kText}'`);
      const k = Number(kText);
      const max = ctx === 'top' ? 3 : ctx === 'sh' ? 15 : 20;
      if (keys.length === 0 || keys.length > max)
        throw bad(
          `${name}() takes 1 to ${max} keys ${ctx === 'top' ? 'at top level' : `in ${ctx}()`}, got ${keys.length}`,
        );
      if (k < 1 || k > keys.length) throw bad(`multisig threshold ${k} must be 1..${keys.length}`);
      return {
        type: 'multi',
        k,
        sorted: name === 'sortedmulti',
        keys: keys.map((t) => keyArg(t, ctx, false, net)),
      };
    }
  }
}

function keyArg(text: string, ctx: Ctx, inTr: boolean, net: KeyNet): KeyExpr {
  if (/^[a-z]+\(/.test(text)) throw bad(`a key expression was expected, got '${text}'`);
  return parseKey(text, ctx, inTr, net);
}

/**
 * Parses a descriptor; the BIP380 checksum is checked when present and, with `requireChecksum`,
 * required.
 */
export function parseDescriptor(text: string, net: KeyNet, requireChecksum = false): Descriptor {
  const body = checkChecksum(text.trim(), requireChecksum);
  return parseScript(body, 'top', net);
}

/** Every key expression of a descriptor, in order. */
export function keysOf(d: Descriptor): KeyExpr[] {
  if ('inner' in d) return keysOf(d.inner);
  if (d.type === 'multi') return d.keys;
  return [d.key];
}

export function isRanged(d: Descriptor): boolean {
  return keysOf(d).some((k) => k.wildcard !== 'none');
}

/** The number of multipath alternatives (1 without a multipath step); all keys must agree. */
export function multipathCount(d: Descriptor): number {
  const counts = new Set(keysOf(d).map((k) => k.multipath?.values.length ?? 1));
  counts.delete(1);
  if (counts.size > 1) throw bad('multipath steps of different lengths');
  return counts.size === 0 ? 1 : [...counts][0]!;
}

/** The node before the wildcard, per key expression and alternative: scans derive thousands. */
const parents = new WeakMap<KeyExpr, Map<number, HDKey>>();

/** The key of one expression at `index` (ignored when not ranged), multipath alternative `alt`. */
export function deriveKey(k: KeyExpr, index: number, alt = 0): DerivedKey {
  if (!k.xkey) return { pub: k.pub!, ...(k.priv ? { priv: k.priv } : {}), origin: k.origin };
  const path = [...k.steps];
  if (k.multipath) path.push(k.multipath.values[alt] ?? k.multipath.values[0]!, ...k.multipath.after);
  let byAlt = parents.get(k);
  if (!byAlt) {
    byAlt = new Map();
    parents.set(k, byAlt);
  }
  let parent = byAlt.get(alt);
  if (!parent) {
    parent = k.xkey;
    for (const s of path) parent = parent.deriveChild(s);
    byAlt.set(alt, parent);
  }
  let node = parent;
  if (k.wildcard !== 'none') {
    const step = k.wildcard === 'hardened' ? index + HARDENED_OFFSET : index;
    path.push(step);
    node = parent.deriveChild(step);
  }
  // Without an origin, the key's own fingerprint (its parent's view) starts the path (BIP174).
  const origin = k.origin
    ? { fingerprint: k.origin.fingerprint, path: [...k.origin.path, ...path] }
    : { fingerprint: k.xkey.fingerprint, path };
  return { pub: node.publicKey!, ...(node.privateKey ? { priv: node.privateKey } : {}), origin };
}

/** The output script (and redeem/witness script) of a descriptor at `index`. */
export function deriveScript(d: Descriptor, index: number, alt = 0): DerivedScript {
  switch (d.type) {
    case 'pk': {
      const key = deriveKey(d.key, index, alt);
      return { script: p2pk(key.pub), keys: [key] };
    }
    case 'pkh': {
      const key = deriveKey(d.key, index, alt);
      return { script: p2pkh(hash160(key.pub)), keys: [key] };
    }
    case 'wpkh': {
      const key = deriveKey(d.key, index, alt);
      return { script: p2wpkh(hash160(key.pub)), keys: [key] };
    }
    case 'tr': {
      const key = deriveKey(d.key, index, alt);
      // An x-only key is lifted to even y, as BIP340 does; the tweak uses only x.
      const full = key.pub.length === 32 ? Uint8Array.of(0x02, ...key.pub) : key.pub;
      return { script: bip86Script(full), keys: [{ ...key, pub: full }] };
    }
    case 'multi': {
      const keys = d.keys.map((k) => deriveKey(k, index, alt));
      if (d.sorted) keys.sort((a, b) => compare(a.pub, b.pub));
      return {
        script: multisig(
          d.k,
          keys.map((k) => k.pub),
        ),
        k: d.k,
        keys,
      };
    }
    case 'sh': {
      const inner = deriveScript(d.inner, index, alt);
      if (inner.script.length > 520) throw bad('the P2SH redeem script is over 520 bytes');
      return { ...inner, script: p2sh(hash160(inner.script)), redeemScript: inner.script };
    }
    case 'wsh': {
      const inner = deriveScript(d.inner, index, alt);
      const { redeemScript: _r, ...rest } = inner;
      return { ...rest, script: p2wsh(sha256(inner.script)), witnessScript: inner.script };
    }
  }
}

/** The descriptor text (no checksum) with every private key replaced by its public form. */
export function publicText(body: string, d: Descriptor): string {
  let out = body;
  for (const k of keysOf(d)) {
    if (!k.priv) continue;
    if (k.xkey) out = out.replace(k.xkey.privateExtendedKey, k.xkey.publicExtendedKey);
  }
  if (keysOf(d).some((k) => k.priv && !k.xkey))
    throw bad('WIF keys in an imported descriptor are not supported; use an xprv');
  return out;
}

export function hasPrivate(d: Descriptor): boolean {
  return keysOf(d).some((k) => k.priv !== undefined);
}
