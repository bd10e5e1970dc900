/**
 * An account made of imported descriptors (BIP380): a receive and a change descriptor, or one
 * BIP389 multipath descriptor `KEY/<0;1>/*` whose first alternative is receive and second
 * change, as Core's `importdescriptors`. The types a wallet can spend: `wpkh(KEY)` (BIP382),
 * `tr(KEY)` (BIP386, key path) and `wsh(multi|sortedmulti(k, KEY, ...))` (BIP382, BIP383,
 * BIP67 key order for sortedmulti); each KEY a ranged xpub (watch-only) or xprv. Other
 * descriptors parse (descriptor-parse.ts) but are refused as wallet accounts.
 */

import { HARDENED_OFFSET } from '@scure/bip32';
import { encodeAddress } from '../node/protocol/address.js';
import type { NetworkParams } from '../node/protocol/params.js';
import { addChecksum } from './descriptor.js';
import {
  type Descriptor,
  deriveScript,
  hasPrivate,
  type KeyNet,
  keysOf,
  multipathCount,
  parseDescriptor,
  publicText,
} from './descriptor-parse.js';
import { WalletError } from './errors.js';
import {
  type Account,
  type AddressType,
  type Chain,
  COIN_TYPE,
  TESTNET_VERSIONS,
  type WalletKey,
} from './hd.js';
import { multisigInputWeight } from './policy.js';

/** The key versions a network's descriptors use: tpub/tprv on test networks (coin type 1). */
export function keyNetOf(network: NetworkParams): KeyNet {
  return {
    wif: network.address.wif,
    bip32: COIN_TYPE[network.name] === 1 ? TESTNET_VERSIONS : { private: 0x0488ade4, public: 0x0488b21e },
  };
}

function bad(msg: string): WalletError {
  return new WalletError('BAD_INPUT', msg);
}

/** The wallet type of a descriptor, or a one-line refusal. */
function typeOfDescriptor(d: Descriptor): AddressType {
  if (d.type === 'wpkh') return 'p2wpkh';
  if (d.type === 'tr') return 'p2tr';
  if (d.type === 'wsh' && d.inner.type === 'multi') return 'p2wsh';
  throw bad(
    `a wallet can be made of wpkh(), tr() or wsh(sortedmulti()) descriptors, not ${d.type}(${'inner' in d ? `${d.inner.type}()` : ''}): this wallet cannot spend it yet`,
  );
}

function formatPath(path: readonly number[]): string {
  return ['m', ...path.map((i) => (i >= HARDENED_OFFSET ? `${i - HARDENED_OFFSET}'` : String(i)))].join('/');
}

export interface ImportedDescriptors {
  /** Each as the user gave it (private keys included), without checksum. */
  texts: string[];
  /** The public form with checksum: what the wallet file keeps readable, and `descriptors` prints. */
  public: { desc: string; internal: boolean }[];
  type: AddressType;
  hasPrivate: boolean;
}

/**
 * Checks descriptors for a wallet: one multipath `<0;1>` descriptor or a receive and a change
 * one, ranged (`/*`, unhardened), of a spendable type, both of one type, with BIP380 checksums
 * (required, as Core's importdescriptors). Throws WalletError('BAD_INPUT').
 */
export function checkImport(
  texts: readonly string[],
  net: KeyNet,
  requireChecksum = true,
): ImportedDescriptors {
  if (texts.length < 1 || texts.length > 2)
    throw bad('give one multipath descriptor (…/<0;1>/*) or a receive and a change descriptor');
  const parsed = texts.map((t) => {
    const d = parseDescriptor(t, net, requireChecksum);
    for (const k of keysOf(d)) {
      if (k.wildcard !== 'normal')
        throw bad('every key of a wallet descriptor must be ranged with an unhardened /* (e.g. tpub…/0/*)');
    }
    return d;
  });
  const types = parsed.map(typeOfDescriptor);
  if (types[1] !== undefined && types[1] !== types[0])
    throw bad(`the receive and change descriptors are of different types (${types[0]}, ${types[1]})`);
  const bodies = texts.map((t) => t.trim().replace(/#.*$/, ''));
  const counts = parsed.map(multipathCount);
  if (parsed.length === 1 && counts[0] !== 2)
    throw bad('one descriptor must be multipath with two paths, receive and change (…/<0;1>/*); or give two');
  if (parsed.length === 2 && counts.some((c) => c !== 1))
    throw bad('with two descriptors (receive, change) neither may be multipath');
  if (parsed.length === 2 && bodies[0] === bodies[1])
    throw bad('the receive and change descriptors are the same');
  const pub = parsed.map((d, i) => addChecksum(publicText(bodies[i]!, d)));
  return {
    texts: bodies,
    public:
      pub.length === 1
        ? [{ desc: pub[0]!, internal: false }]
        : pub.map((desc, i) => ({ desc, internal: i === 1 })),
    type: types[0]!,
    hasPrivate: parsed.some(hasPrivate),
  };
}

/** Receive and change keys of imported descriptors. */
export class DescriptorAccount implements Account {
  readonly type: AddressType;
  /** The descriptors in public form (xpubs), with checksums. */
  readonly publicDescriptors: { desc: string; internal: boolean }[];
  /** Some key of it is an xprv. */
  readonly hasPrivate: boolean;
  private readonly chains: [{ d: Descriptor; alt: number }, { d: Descriptor; alt: number }];
  private readonly network: NetworkParams;
  private readonly cache = new Map<string, WalletKey>();

  /** `texts`: descriptors as checkImport accepts them (checksums optional: the file's were checked). */
  constructor(texts: readonly string[], network: NetworkParams) {
    const net = keyNetOf(network);
    const checked = checkImport(texts, net, false);
    this.type = checked.type;
    this.publicDescriptors = checked.public;
    this.hasPrivate = checked.hasPrivate;
    this.network = network;
    const ds = checked.texts.map((t) => parseDescriptor(t, net));
    this.chains =
      ds.length === 1
        ? [
            { d: ds[0]!, alt: 0 },
            { d: ds[0]!, alt: 1 },
          ]
        : [
            { d: ds[0]!, alt: 0 },
            { d: ds[1]!, alt: 0 },
          ];
  }

  key(chain: Chain, index: number): WalletKey {
    const id = `${chain}/${index}`;
    const hit = this.cache.get(id);
    if (hit) return hit;
    const { d, alt } = this.chains[chain];
    const s = deriveScript(d, index, alt);
    const first = s.keys[0]!;
    const ms =
      s.witnessScript && s.k !== undefined
        ? { k: s.k, witnessScript: s.witnessScript, keys: s.keys }
        : undefined;
    const k: WalletKey = {
      type: this.type,
      path: ms
        ? `wsh(${s.k}-of-${s.keys.length})/${chain}/${index}`
        : first.origin
          ? formatPath(first.origin.path)
          : `${chain}/${index}`,
      chain,
      index,
      publicKey: first.pub,
      ...(ms ? {} : first.priv ? { privateKey: first.priv } : {}),
      origin: ms ? null : first.origin,
      ...(ms ? { multisig: ms, inputWeight: multisigInputWeight(ms.k, ms.keys.length) } : {}),
      script: s.script,
      address: encodeAddress(s.script, this.network.address)!,
    };
    this.cache.set(id, k);
    return k;
  }

  /** The private key of a multisig key of this account, by public key and origin (PSBT signing). */
  privateKeyFor(
    pub: Uint8Array,
    origin: { fingerprint: number; path: number[] } | null,
  ): Uint8Array | undefined {
    if (!origin || origin.path.length === 0) return undefined;
    const index = origin.path[origin.path.length - 1]!;
    if (index >= HARDENED_OFFSET) return undefined;
    for (const chain of [0, 1] as const) {
      const k = this.key(chain, index);
      const keys = k.multisig
        ? k.multisig.keys
        : [{ pub: k.publicKey, priv: k.privateKey, origin: k.origin ?? null }];
      for (const dk of keys) {
        if (!dk.priv || !dk.origin) continue;
        if (
          dk.origin.fingerprint !== origin.fingerprint ||
          dk.origin.path.join('/') !== origin.path.join('/')
        )
          continue;
        const mine = dk.pub.length === pub.length ? dk.pub : dk.pub.subarray(1);
        if (mine.length === pub.length && mine.every((b, i) => b === pub[i])) return dk.priv;
      }
    }
    return undefined;
  }
}
