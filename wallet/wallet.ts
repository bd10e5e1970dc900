/**
 * A wallet: its network, its BIP84 (P2WPKH) and BIP86 (P2TR) accounts when it has a
 * mnemonic, the accounts of imported descriptors (desc-account.ts: wpkh, tr, wsh(sortedmulti)),
 * and its imported WIF keys, each paying to P2WPKH. Both seed accounts come from the same
 * seed and account number, so a wallet made before P2TR existed finds its taproot coins too.
 * Lookup by output script is how scans and signing find the key behind a coin.
 *
 * A wallet opened without its password (`Wallet.fromPublic`, from the file's readable part)
 * has the same addresses and no private keys: what balance, history and `psbt create` need.
 */

import { encodeAddress } from '../node/protocol/address.js';
import { fromHex, toHex } from '../node/protocol/bytes.js';
import type { NetworkParams } from '../node/protocol/params.js';
import { p2wpkhFor, publicKey } from '../node/protocol/sign.js';
import { decodeWif } from '../node/protocol/wif.js';
import { DescriptorAccount } from './desc-account.js';
import { addChecksum } from './descriptor.js';
import { WalletError } from './errors.js';
import {
  type Account,
  type AddressType,
  Bip84Account,
  Bip86Account,
  type Chain,
  COIN_TYPE,
  mnemonicSeed,
  type WalletKey,
} from './hd.js';
import type { PublicPart, WalletSecrets } from './keystore.js';

/** One descriptor as `descriptors` prints it and the wallet file keeps it readable. */
export interface DescriptorEntry {
  desc: string;
  internal: boolean;
  range?: [number, number];
}

/** The accounts of public descriptors: a multipath one alone, else a receive and a change. */
function accountsOf(list: readonly DescriptorEntry[], network: NetworkParams): DescriptorAccount[] {
  const out: DescriptorAccount[] = [];
  for (let i = 0; i < list.length; i++) {
    const d = list[i]!.desc;
    if (d.includes('<')) out.push(new DescriptorAccount([d], network));
    else {
      const change = list[i + 1];
      if (!change?.internal)
        throw new WalletError(
          'WALLET_CORRUPT',
          `descriptor without its change descriptor in the wallet file: ${d}`,
        );
      out.push(new DescriptorAccount([d, change.desc], network));
      i++;
    }
  }
  return out;
}

export class Wallet {
  readonly network: NetworkParams;
  readonly account: Bip84Account | null;
  /** The BIP86 account, present exactly when `account` is. */
  readonly taproot: Bip86Account | null;
  readonly imported: readonly WalletKey[];
  /** Accounts of imported descriptors, or of all descriptors for a wallet opened without password. */
  readonly descriptorAccounts: readonly DescriptorAccount[];
  /** Opened from the file's readable part alone: no private keys. */
  readonly publicOnly: boolean;
  private readonly byScript = new Map<string, WalletKey>();

  constructor(network: NetworkParams, secrets: WalletSecrets, pub?: PublicPart) {
    this.network = network;
    const seed = secrets.mnemonic ? mnemonicSeed(secrets.mnemonic, secrets.passphrase ?? '') : null;
    const coin = COIN_TYPE[network.name];
    this.account = seed ? new Bip84Account(seed, network.address, coin, secrets.account) : null;
    this.taproot = seed ? new Bip86Account(seed, network.address, coin, secrets.account) : null;
    this.publicOnly = pub !== undefined;
    if (pub) {
      // Every account from its public descriptor, imported keys by their public keys.
      this.descriptorAccounts = accountsOf(pub.descriptors, network);
      this.imported = pub.importedKeys.map((hex) => watchKey(hex, network));
    } else {
      this.descriptorAccounts = (secrets.descriptors ?? []).map(
        (texts) => new DescriptorAccount(texts, network),
      );
      this.imported = secrets.imported.map((wif) => importedKey(wif, network));
    }
    for (const k of this.imported) this.byScript.set(toHex(k.script), k);
  }

  /**
   * The wallet as its file's readable part describes it, without the password: the seed's
   * accounts by their xpub descriptors, imported descriptors, imported keys' public keys.
   */
  static fromPublic(network: NetworkParams, pub: PublicPart): Wallet {
    return new Wallet(network, { account: 0, imported: [], createdAt: '' }, pub);
  }

  /** True when the wallet holds no private key at all (watch-only, or opened without password). */
  get watchOnly(): boolean {
    if (this.account) return false;
    if (this.imported.some((k) => k.privateKey)) return false;
    return !this.descriptorAccounts.some((a) => a.hasPrivate);
  }

  /** The account deriving `type` keys; throws when the wallet has none of that type. */
  hd(type: AddressType = 'p2wpkh'): Account {
    const a = this.accounts().find((x) => x.type === type);
    if (!a) {
      const have = this.accounts().map((x) => x.type);
      throw new WalletError(
        'BAD_INPUT',
        have.length === 0
          ? 'this wallet has no mnemonic or descriptors, only imported keys'
          : `this wallet has no ${type} addresses (it has ${have.join(', ')})`,
      );
    }
    return a;
  }

  /** The seed's accounts (BIP84 first), then imported descriptors'; none for imported keys only. */
  accounts(): Account[] {
    const seed: Account[] = this.account && this.taproot ? [this.account, this.taproot] : [];
    return [...seed, ...this.descriptorAccounts];
  }

  /** The default address type: P2WPKH when the wallet has it, else its first account's. */
  defaultType(): AddressType {
    const types = this.accounts().map((a) => a.type);
    return types.includes('p2wpkh') || types.length === 0 ? 'p2wpkh' : types[0]!;
  }

  /** `asked` when this wallet has such addresses, else its default type. */
  changeType(asked: AddressType): AddressType {
    return this.accounts().some((a) => a.type === asked) ? asked : this.defaultType();
  }

  /**
   * Every descriptor, public (`listdescriptors`): the seed's BIP84 `wpkh()` and BIP86 `tr()`
   * receive and change (BIP382, BIP386), imported descriptors, and imported keys as `wpkh(PUBKEY)`.
   */
  descriptors(): DescriptorEntry[] {
    const out: DescriptorEntry[] = [];
    for (const a of [this.account, this.taproot]) {
      if (!a) continue;
      const fp = a.fingerprint.toString(16).padStart(8, '0');
      const origin = `[${fp}/${a.purpose}h/${a.coin}h/${a.account}h]`;
      const fn = a.type === 'p2tr' ? 'tr' : 'wpkh';
      for (const chain of [0, 1]) {
        out.push({ desc: addChecksum(`${fn}(${origin}${a.xpub}/${chain}/*)`), internal: chain === 1 });
      }
    }
    for (const a of this.descriptorAccounts) out.push(...a.publicDescriptors);
    for (const k of this.imported)
      out.push({ desc: addChecksum(`wpkh(${toHex(k.publicKey)})`), internal: false });
    return out;
  }

  /** What the wallet file keeps readable: every account's public descriptor, imported public keys. */
  toPublic(): PublicPart {
    const n = this.imported.length;
    const all = this.descriptors();
    return {
      descriptors: all.slice(0, all.length - n),
      importedKeys: this.imported.map((k) => toHex(k.publicKey)),
    };
  }

  /** HD key on a chain; registered so that coins paying to it are recognized. */
  key(chain: Chain, index: number, type: AddressType = 'p2wpkh'): WalletKey {
    const k = this.hd(type).key(chain, index);
    this.byScript.set(toHex(k.script), k);
    return k;
  }

  /** The key paying to `scriptHex`, among the keys derived or imported so far. */
  keyFor(scriptHex: string): WalletKey | undefined {
    return this.byScript.get(scriptHex);
  }
}

/** An imported key's public half (P2WPKH), as a wallet opened without its password sees it. */
function watchKey(hex: string, network: NetworkParams): WalletKey {
  return importedPublic(fromHex(hex), network);
}

/** An imported public key's P2WPKH wallet key (no private half). */
function importedPublic(pub: Uint8Array, network: NetworkParams): WalletKey {
  const script = p2wpkhFor(pub);
  return {
    type: 'p2wpkh',
    path: 'imported',
    chain: null,
    index: 0,
    publicKey: pub,
    origin: null,
    script,
    address: encodeAddress(script, network.address)!,
  };
}

/** A WIF key as a wallet key; only compressed keys have a P2WPKH output (BIP143 rule). */
export function importedKey(wif: string, network: NetworkParams): WalletKey {
  let dec: ReturnType<typeof decodeWif>;
  try {
    dec = decodeWif(wif.trim(), network.address.wif);
  } catch (e) {
    throw new WalletError('BAD_KEY', `invalid WIF key: ${(e as Error).message}`);
  }
  if (!dec.compressed) {
    throw new WalletError('BAD_KEY', 'WIF key is uncompressed; P2WPKH needs a compressed key (BIP143)');
  }
  return { ...importedPublic(publicKey(dec.key), network), privateKey: dec.key };
}
