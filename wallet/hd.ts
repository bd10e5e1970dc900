/**
 * HD keys: BIP39 mnemonics (English word list, optional passphrase), BIP32 derivation, the
 * BIP84 native-segwit account m/84'/coin'/account'/chain/index, each key paying to P2WPKH, and
 * the BIP86 taproot account m/86'/coin'/account'/chain/index, each key the internal key of a
 * P2TR output with no script tree (BIP341: Q = P + int(hashTapTweak(P))·G).
 *
 * Coin types (BIP44 level 2): regtest uses 1, the coin type BIP44 and SLIP-0044 give every
 * test network. `main` is a new chain, so by BIP44 convention it needs its own registered coin
 * type; until one is registered with SLIP-0044 we use 18252 (0x474c, ASCII "GL"), which no
 * registered coin uses as far as we could check. Changing it later moves every main-network
 * address, so it is a constant here and in the wallet file's header.
 */
import { pbkdf2Sync } from 'node:crypto';
import { HARDENED_OFFSET, HDKey } from '@scure/bip32';
import { generateMnemonic, validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { type AddressParams, encodeAddress } from '../node/protocol/address.js';
import type { NetworkName } from '../node/protocol/params.js';
import { p2wpkhFor } from '../node/protocol/sign.js';
import { bip86Script } from '../node/protocol/sign-taproot.js';
import { type ChildDeriver, childDeriver } from './ckd.js';
import type { DerivedKey, KeyOrigin } from './descriptor-parse.js';
import { WalletError } from './errors.js';

export const COIN_TYPE: Readonly<Record<NetworkName, number>> = Object.freeze({ regtest: 1, main: 18252 });
export const PURPOSE_BIP84 = 84;
export const PURPOSE_BIP86 = 86;

/**
 * The output types the wallet derives: BIP84 P2WPKH and BIP86 single-key P2TR, and P2WSH
 * multisig (`wsh(sortedmulti(...))`, imported descriptors only).
 */
export type AddressType = 'p2wpkh' | 'p2tr' | 'p2wsh';
export const PURPOSE: Readonly<Record<'p2wpkh' | 'p2tr', number>> = {
  p2wpkh: PURPOSE_BIP84,
  p2tr: PURPOSE_BIP86,
};
/** BIP32's test-network version bytes (tprv, tpub). */
export const TESTNET_VERSIONS = { private: 0x04358394, public: 0x043587cf };

/** Receive (external) and change (internal) chains, BIP44 level 4. */
export const RECEIVE = 0;
export const CHANGE = 1;
export type Chain = typeof RECEIVE | typeof CHANGE;

/** Every key the wallet can spend with: an HD key or an imported WIF key. */
export interface WalletKey {
  /** What the key's output is: P2WPKH (BIP84, imported keys) or key-path P2TR (BIP86). */
  readonly type: AddressType;
  /** `m/84'/1'/0'/0/5`, or `imported` for WIF keys. */
  readonly path: string;
  /** Chain and index for HD keys; null for imported keys. */
  readonly chain: Chain | null;
  readonly index: number;
  /** Compressed; for P2TR the untweaked internal key (its x coordinate is BIP86's internal key). */
  readonly publicKey: Uint8Array;
  /**
   * For P2TR the untweaked secret; the signer negates and tweaks it (BIP341). Absent for a
   * watch-only key (an xpub descriptor, or a wallet opened without its password).
   */
  readonly privateKey?: Uint8Array;
  /** BIP32 origin (master fingerprint and full path) for PSBTs; null for imported WIF keys. */
  readonly origin?: KeyOrigin | null;
  /** A P2WSH multisig output: threshold, witness script, and every key (script order). */
  readonly multisig?: { k: number; witnessScript: Uint8Array; keys: DerivedKey[] };
  /** The signed input's weight when it is not the type's (P2WSH multisig: by k and n). */
  readonly inputWeight?: number;
  /** P2WPKH or P2TR output script. */
  readonly script: Uint8Array;
  readonly address: string;
}

/** A fresh mnemonic of 12 (128-bit) or 24 (256-bit) words from the OS random source. */
export function newMnemonic(words: 12 | 24): string {
  return generateMnemonic(wordlist, words === 24 ? 256 : 128);
}

/** Normalizes spacing and case and checks the words and checksum; throws WalletError('BAD_MNEMONIC'). */
export function checkMnemonic(text: string): string {
  const words = text.normalize('NFKD').trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (![12, 15, 18, 21, 24].includes(words.length)) {
    throw new WalletError('BAD_MNEMONIC', `a mnemonic has 12, 15, 18, 21 or 24 words, got ${words.length}`);
  }
  const unknown = words.find((w) => !wordlist.includes(w));
  if (unknown !== undefined)
    throw new WalletError('BAD_MNEMONIC', `'${unknown}' is not a BIP39 English word`);
  const phrase = words.join(' ');
  if (!validateMnemonic(phrase, wordlist))
    throw new WalletError('BAD_MNEMONIC', 'mnemonic checksum does not match');
  return phrase;
}

/**
 * BIP39 seed: PBKDF2-HMAC-SHA512, 2048 rounds, salt "mnemonic" + passphrase (both NFKD), through
 * node:crypto (OpenSSL: ~3 ms here against ~70 ms for the pure-JS one every command would pay).
 */
export function mnemonicSeed(mnemonic: string, passphrase = ''): Uint8Array {
  const salt = `mnemonic${passphrase.normalize('NFKD')}`;
  return new Uint8Array(pbkdf2Sync(mnemonic.normalize('NFKD'), salt, 2048, 64, 'sha512'));
}

/**
 * An HD account m/purpose'/coin'/account' of a seed (BIP84 for P2WPKH, BIP86 for P2TR),
 * deriving receive and change keys.
 */
export class HdAccount {
  readonly type: 'p2wpkh' | 'p2tr';
  readonly purpose: number;
  readonly address: AddressParams;
  readonly accountPath: string;
  /** BIP32 fingerprint of the master key (PSBT key origins, descriptors). */
  readonly fingerprint: number;
  /** BIP44 coin type and account, the hardened levels after the purpose. */
  readonly coin: number;
  readonly account: number;
  /** The account's extended public key (tpub on test networks, xpub otherwise). */
  readonly xpub: string;
  private readonly chains: [ChildDeriver, ChildDeriver];
  private readonly cache = new Map<string, WalletKey>();

  /** `coin`: the BIP44 coin type (COIN_TYPE of the network; 0 for Bitcoin's own vectors). */
  constructor(
    seed: Uint8Array,
    address: AddressParams,
    coin: number,
    account = 0,
    type: 'p2wpkh' | 'p2tr' = 'p2wpkh',
  ) {
    this.type = type;
    this.purpose = PURPOSE[type];
    this.address = address;
    this.accountPath = `m/${this.purpose}'/${coin}'/${account}'`;
    this.coin = coin;
    this.account = account;
    // SLIP-0132 / BIP32 version bytes: tpub/tprv for every test network (coin type 1).
    const master = HDKey.fromMasterSeed(seed, coin === 1 ? TESTNET_VERSIONS : undefined);
    this.fingerprint = master.fingerprint;
    const acct = master
      .deriveChild(this.purpose + HARDENED_OFFSET)
      .deriveChild(coin + HARDENED_OFFSET)
      .deriveChild(account + HARDENED_OFFSET);
    this.xpub = acct.publicExtendedKey;
    this.chains = [childDeriver(acct.deriveChild(RECEIVE)), childDeriver(acct.deriveChild(CHANGE))];
  }

  key(chain: Chain, index: number): WalletKey {
    const id = `${chain}/${index}`;
    let k = this.cache.get(id);
    if (!k) {
      const node = this.chains[chain](index);
      const script = this.type === 'p2tr' ? bip86Script(node.publicKey) : p2wpkhFor(node.publicKey);
      k = {
        type: this.type,
        path: `${this.accountPath}/${chain}/${index}`,
        chain,
        index,
        publicKey: node.publicKey,
        privateKey: node.privateKey,
        origin: {
          fingerprint: this.fingerprint,
          path: [
            this.purpose + HARDENED_OFFSET,
            this.coin + HARDENED_OFFSET,
            this.account + HARDENED_OFFSET,
            chain,
            index,
          ],
        },
        script,
        address: encodeAddress(script, this.address)!,
      };
      this.cache.set(id, k);
    }
    return k;
  }
}

/** The BIP84 account: P2WPKH keys. */
export class Bip84Account extends HdAccount {
  constructor(seed: Uint8Array, address: AddressParams, coin: number, account = 0) {
    super(seed, address, coin, account, 'p2wpkh');
  }
}

/** The BIP86 account: single-key P2TR outputs, key-path spends only. */
export class Bip86Account extends HdAccount {
  constructor(seed: Uint8Array, address: AddressParams, coin: number, account = 0) {
    super(seed, address, coin, account, 'p2tr');
  }
}

/** The output type an option names (`p2wpkh`, `p2tr`, `p2wsh`); throws WalletError('BAD_INPUT'). */
export function parseAddressType(type: string, option = '--type'): AddressType {
  const t = type.trim().toLowerCase();
  if (t === 'p2wpkh' || t === 'p2tr' || t === 'p2wsh') return t;
  throw new WalletError('BAD_INPUT', `${option} must be p2wpkh, p2tr or p2wsh, got '${type}'`);
}

/** What every account (a seed's BIP84/BIP86 account, or an imported descriptor pair) offers. */
export interface Account {
  readonly type: AddressType;
  key(chain: Chain, index: number): WalletKey;
}
