/**
 * An unlocked wallet: its network, its BIP84 (P2WPKH) and BIP86 (P2TR) accounts when it has a
 * mnemonic, and its imported WIF keys, each paying to P2WPKH. Both accounts come from the same
 * seed and account number, so a wallet made before P2TR existed finds its taproot coins too.
 * Lookup by output script is how scans and signing find the key behind a coin.
 */

import { encodeAddress } from '../node/protocol/address.js';
import { toHex } from '../node/protocol/bytes.js';
import type { NetworkParams } from '../node/protocol/params.js';
import { p2wpkhFor, publicKey } from '../node/protocol/sign.js';
import { decodeWif } from '../node/protocol/wif.js';
import { WalletError } from './errors.js';
import {
  type AddressType,
  Bip84Account,
  Bip86Account,
  type Chain,
  COIN_TYPE,
  type HdAccount,
  mnemonicSeed,
  type WalletKey,
} from './hd.js';
import type { WalletSecrets } from './keystore.js';

export class Wallet {
  readonly network: NetworkParams;
  readonly account: Bip84Account | null;
  /** The BIP86 account, present exactly when `account` is. */
  readonly taproot: Bip86Account | null;
  readonly imported: readonly WalletKey[];
  private readonly byScript = new Map<string, WalletKey>();

  constructor(network: NetworkParams, secrets: WalletSecrets) {
    this.network = network;
    const seed = secrets.mnemonic ? mnemonicSeed(secrets.mnemonic, secrets.passphrase ?? '') : null;
    const coin = COIN_TYPE[network.name];
    this.account = seed ? new Bip84Account(seed, network.address, coin, secrets.account) : null;
    this.taproot = seed ? new Bip86Account(seed, network.address, coin, secrets.account) : null;
    this.imported = secrets.imported.map((wif) => importedKey(wif, network));
    for (const k of this.imported) this.byScript.set(toHex(k.script), k);
  }

  /** The HD account deriving `type` keys; throws when the wallet has only imported keys. */
  hd(type: AddressType = 'p2wpkh'): HdAccount {
    const a = type === 'p2tr' ? this.taproot : this.account;
    if (!a) throw new WalletError('BAD_INPUT', 'this wallet has no mnemonic, only imported keys');
    return a;
  }

  /** The HD accounts, BIP84 first; none for a wallet of imported keys. */
  accounts(): HdAccount[] {
    return this.account && this.taproot ? [this.account, this.taproot] : [];
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
  const pub = publicKey(dec.key);
  const script = p2wpkhFor(pub);
  return {
    type: 'p2wpkh',
    path: 'imported',
    chain: null,
    index: 0,
    publicKey: pub,
    privateKey: dec.key,
    script,
    address: encodeAddress(script, network.address)!,
  };
}
