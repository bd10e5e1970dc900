/**
 * An unlocked wallet: its network, its BIP84 account (when it has a mnemonic) and its imported
 * WIF keys, each key paying to P2WPKH. Lookup by output script is how scans and signing find
 * the key behind a coin.
 */

import { encodeAddress } from '../node/protocol/address.js';
import { toHex } from '../node/protocol/bytes.js';
import type { NetworkParams } from '../node/protocol/params.js';
import { p2wpkhFor, publicKey } from '../node/protocol/sign.js';
import { decodeWif } from '../node/protocol/wif.js';
import { WalletError } from './errors.js';
import { Bip84Account, type Chain, COIN_TYPE, mnemonicSeed, type WalletKey } from './hd.js';
import type { WalletSecrets } from './keystore.js';

export class Wallet {
  readonly network: NetworkParams;
  readonly account: Bip84Account | null;
  readonly imported: readonly WalletKey[];
  private readonly byScript = new Map<string, WalletKey>();

  constructor(network: NetworkParams, secrets: WalletSecrets) {
    this.network = network;
    this.account = secrets.mnemonic
      ? new Bip84Account(
          mnemonicSeed(secrets.mnemonic, secrets.passphrase ?? ''),
          network.address,
          COIN_TYPE[network.name],
          secrets.account,
        )
      : null;
    this.imported = secrets.imported.map((wif) => importedKey(wif, network));
    for (const k of this.imported) this.byScript.set(toHex(k.script), k);
  }

  /** HD key on a chain; registered so that coins paying to it are recognized. */
  key(chain: Chain, index: number): WalletKey {
    if (!this.account) throw new WalletError('BAD_INPUT', 'this wallet has no mnemonic, only imported keys');
    const k = this.account.key(chain, index);
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
    path: 'imported',
    chain: null,
    index: 0,
    publicKey: pub,
    privateKey: dec.key,
    script,
    address: encodeAddress(script, network.address)!,
  };
}
